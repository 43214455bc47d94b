using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.Json;

namespace LstmGen.Benchmarks;

/// <summary>
/// The same-function check of the PyTorch peer's rows: LstmGen's models with seeded weights and a seeded batch of 2
/// inputs are written to a JSON file (weights in Keras layout and names, inputs, LstmGen's outputs); the PyTorch peer
/// (<c>torch_peer.py --check FILE</c>) loads the weights into its nn.Embedding / nn.LSTM / nn.GRU / nn.RNN / nn.Conv1d +
/// nn.Linear models, runs them, and reports the largest |difference| from LstmGen's outputs, which <c>compare</c> prints
/// beside the timings. W1, W2, W4 and W5 are the models torch_peer.py times (the TorchSharp peer builds the same ones);
/// W6–W8 the newer layers.
/// </summary>
public static class TorchCheck
{
    /// <summary>The workloads the check covers, each writing its case (a fresh seeded model, a seeded batch of 2).</summary>
    private static readonly (string Workload, Action<Utf8JsonWriter> Write)[] Cases =
    [
        ("W1", json => WriteCase(json, new W1Model(new ModelOptions { Seed = 1 }), rng => rng.Next(1, W1Model.Vocabulary), v => v)),
        ("W2", json => WriteCase(json, new W2Model(new ModelOptions { Seed = 2 }), Uniform, v => v)),
        ("W4", json => WriteCase(json, new W4Model(new ModelOptions { Seed = 4 }), Uniform, v => v)),
        ("W5", json => WriteCase(json, new W5Model(new ModelOptions { Seed = 5 }), Uniform, v => v)),
        ("W6", json => WriteCase(json, new W6Gru(new ModelOptions { Seed = 6 }), Uniform, v => v)),
        ("W7", json => WriteCase(json, new W7SimpleRnn(new ModelOptions { Seed = 7 }), Uniform, v => v)),
        ("W8", json => WriteCase(json, new W8ConvLstm(new ModelOptions { Seed = 8 }), Uniform, v => v)),
    ];

    private static float Uniform(Random rng) => (float)(rng.NextDouble() * 2 - 1);

    /// <summary>Writes the check file for the workloads of <paramref name="only"/> (all when empty); null if none is selected.</summary>
    public static string? Write(string[] only)
    {
        var selected = Cases.Where(m => only.Length == 0 || only.Contains(m.Workload)).ToList();
        if (selected.Count == 0) return null;
        string path = Path.Combine(Path.GetTempPath(), $"lstmgen-torch-check-{Environment.ProcessId}.json");
        using (var stream = File.Create(path))
        using (var json = new Utf8JsonWriter(stream))
        {
            json.WriteStartObject();
            foreach (var (workload, write) in selected)
            {
                json.WriteStartObject(workload);
                write(json);
                json.WriteEndObject();
            }
            json.WriteEndObject();
        }
        return path;
    }

    private static void WriteCase<T>(Utf8JsonWriter json, ISequentialModel<T> model, Func<Random, T> draw, Func<T, double> number)
        where T : unmanaged
    {
        var rng = new Random(42);
        const int Batch = 2;
        var x = new T[Batch * model.InputLength];
        for (int i = 0; i < x.Length; i++) x[i] = draw(rng);
        float[] y = new float[Batch * model.OutputLength];
        model.PredictBatch(x, y, Batch);
        json.WriteString("model", model.GetType().Name);
        json.WriteNumber("batch", Batch);
        json.WriteBoolean("tokenInput", typeof(T) == typeof(int));
        json.WriteStartArray("inputShape");
        foreach (int d in model.Architecture.InputShape) json.WriteNumberValue(d);
        json.WriteEndArray();
        json.WriteStartArray("input");
        foreach (T v in x) json.WriteNumberValue(number(v));
        json.WriteEndArray();
        Floats(json, "output", y);
        json.WriteStartArray("weights");
        foreach (var e in model.Weights.Entries)
        {
            json.WriteStartObject();
            json.WriteString("name", e.Name);
            json.WriteStartArray("shape");
            foreach (int d in e.Dimensions) json.WriteNumberValue(d);
            json.WriteEndArray();
            Floats(json, "values", model.Weights.Get(e.Name));
            json.WriteEndObject();
        }
        json.WriteEndArray();
    }

    private static void Floats(Utf8JsonWriter json, string name, IEnumerable<float> values)
    {
        json.WriteStartArray(name);
        foreach (float v in values) json.WriteNumberValue(v);
        json.WriteEndArray();
    }
}
