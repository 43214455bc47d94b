using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.Json;

namespace LstmGen.Benchmarks;

/// <summary>
/// The same-function check of the W6–W8 rows: LstmGen's models with seeded weights and a seeded batch of 2 inputs are
/// written to a JSON file (weights in Keras layout and names, inputs, LstmGen's outputs); the PyTorch peer
/// (<c>torch_peer.py --check FILE</c>) loads the weights into its nn.GRU / nn.RNN / nn.Conv1d + nn.LSTM + nn.Linear
/// models, runs them, and reports the largest |difference| from LstmGen's outputs, which <c>compare</c> prints beside
/// the timings.
/// </summary>
public static class TorchCheck
{
    /// <summary>The workloads the check covers, with a fresh model of each.</summary>
    private static readonly (string Workload, Func<ISequentialModel<float>> Create)[] Models =
    [
        ("W6", () => new W6Gru(new ModelOptions { Seed = 6 })),
        ("W7", () => new W7SimpleRnn(new ModelOptions { Seed = 7 })),
        ("W8", () => new W8ConvLstm(new ModelOptions { Seed = 8 })),
    ];

    /// <summary>Writes the check file for the workloads of <paramref name="only"/> (all when empty); null if none is selected.</summary>
    public static string? Write(string[] only)
    {
        var selected = Models.Where(m => only.Length == 0 || only.Contains(m.Workload)).ToList();
        if (selected.Count == 0) return null;
        string path = Path.Combine(Path.GetTempPath(), $"lstmgen-torch-check-{Environment.ProcessId}.json");
        using (var stream = File.Create(path))
        using (var json = new Utf8JsonWriter(stream))
        {
            json.WriteStartObject();
            foreach (var (workload, create) in selected)
            {
                ISequentialModel<float> model = create();
                var rng = new Random(42);
                const int Batch = 2;
                float[] x = new float[Batch * model.InputLength];
                for (int i = 0; i < x.Length; i++) x[i] = (float)(rng.NextDouble() * 2 - 1);
                float[] y = new float[Batch * model.OutputLength];
                model.PredictBatch(x, y, Batch);
                json.WriteStartObject(workload);
                json.WriteString("model", model.GetType().Name);
                json.WriteNumber("batch", Batch);
                json.WriteStartArray("inputShape");
                foreach (int d in model.Architecture.InputShape) json.WriteNumberValue(d);
                json.WriteEndArray();
                Floats(json, "input", x);
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
                json.WriteEndObject();
            }
            json.WriteEndObject();
        }
        return path;
    }

    private static void Floats(Utf8JsonWriter json, string name, IEnumerable<float> values)
    {
        json.WriteStartArray(name);
        foreach (float v in values) json.WriteNumberValue(v);
        json.WriteEndArray();
    }
}
