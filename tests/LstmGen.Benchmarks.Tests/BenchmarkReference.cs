using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.Json;
using System.Text.Json.Serialization;
using Xunit;

namespace LstmGen.Benchmarks.Tests;

/// <summary>
/// Reference/benchmarks.json, written by tests/reference/make_benchmark_reference.mjs (TensorFlow.js): outputs, losses and
/// gradients of the benchmarked models with formula weights and inputs (see <see cref="Formula"/>).
/// </summary>
public sealed class BenchmarkReference
{
    [JsonPropertyName("engine")] public string Engine { get; set; } = "";
    [JsonPropertyName("formulas")] public Dictionary<string, string> Formulas { get; set; } = [];
    [JsonPropertyName("models")] public List<ModelReference> Models { get; set; } = [];

    private static readonly Lazy<BenchmarkReference> Instance = new(() =>
    {
        string path = Path.Combine(AppContext.BaseDirectory, "Reference", "benchmarks.json");
        return JsonSerializer.Deserialize<BenchmarkReference>(File.ReadAllText(path)) ?? throw new InvalidDataException($"{path} is empty.");
    });

    public static BenchmarkReference Load() => Instance.Value;

    public static ModelReference Model(string name) =>
        Load().Models.SingleOrDefault(m => m.Name == name || m.AlsoChecks.Contains(name))
        ?? throw new KeyNotFoundException($"No reference for {name} in benchmarks.json.");
}

public sealed class ModelReference
{
    [JsonPropertyName("name")] public string Name { get; set; } = "";
    [JsonPropertyName("alsoChecks")] public List<string> AlsoChecks { get; set; } = [];
    [JsonPropertyName("layers")] public List<JsonElement> Layers { get; set; } = [];
    [JsonPropertyName("inputShape")] public int[] InputShape { get; set; } = [];
    [JsonPropertyName("inputIsTokens")] public bool InputIsTokens { get; set; }
    [JsonPropertyName("inputSalt")] public int InputSalt { get; set; }
    [JsonPropertyName("targetSalt")] public int TargetSalt { get; set; }
    [JsonPropertyName("weights")] public List<FormulaWeight> Weights { get; set; } = [];
    [JsonPropertyName("forward")] public List<ForwardReference> Forward { get; set; } = [];
    [JsonPropertyName("streamSteps")] public int StreamSteps { get; set; }
    [JsonPropertyName("training")] public TrainingReference? Training { get; set; }

    /// <summary>The Embedding's input dimension (token ids are drawn from 1 .. vocabulary - 1).</summary>
    public int Vocabulary => Layers.Single(l => l.GetProperty("type").GetString() == "embedding").GetProperty("inputDim").GetInt32();

    public int InputLength => InputShape.Aggregate(1, (a, b) => a * b);

    public ForwardReference ForwardAt(int batch) => Forward.Single(f => f.Batch == batch);

    /// <summary>Sets every weight of <paramref name="model"/> to its formula values (and checks names and shapes).</summary>
    public void SetWeights(ISequentialModel model)
    {
        Assert.Equal(Weights.Select(w => w.Name), model.Weights.Entries.Select(e => e.Name));
        for (int s = 0; s < Weights.Count; s++)
        {
            FormulaWeight w = Weights[s];
            Assert.Equal(w.Shape, model.Weights.Entries[s].Dimensions);
            model.Weights.Set(w.Name, w.Values(s));
        }
    }

    public float[] FloatInputs(int batch) => Formula.FloatInputs(batch * InputLength, InputSalt);

    public int[] TokenInputs(int batch) => Formula.TokenInputs(batch * InputLength, InputSalt, Vocabulary);

    public float[] Targets(int count) => Training!.Loss.Type switch
    {
        "binary_crossentropy" => Formula.BinaryTargets(count, TargetSalt),
        "mse" => Formula.RegressionTargets(count, TargetSalt),
        var t => throw new InvalidOperationException("Unknown loss " + t),
    };
}

public sealed class FormulaWeight
{
    [JsonPropertyName("name")] public string Name { get; set; } = "";
    [JsonPropertyName("shape")] public int[] Shape { get; set; } = [];
    /// <summary>[p, q]: values lie in [-p/q, p/q].</summary>
    [JsonPropertyName("scale")] public int[] Scale { get; set; } = [];
    /// <summary>[index, value] pairs computed by the script, to check <see cref="Formula.Weight"/> itself.</summary>
    [JsonPropertyName("check")] public double[][] Check { get; set; } = [];

    public int Length => Shape.Aggregate(1, (a, b) => a * b);

    /// <summary>The formula values of this weight, the <paramref name="index"/>-th of the model.</summary>
    public float[] Values(int index)
    {
        var values = new float[Length];
        for (int i = 0; i < values.Length; i++) values[i] = Formula.Weight(i, index, Scale[0], Scale[1]);
        return values;
    }
}

public sealed class ForwardReference
{
    [JsonPropertyName("batch")] public int Batch { get; set; }
    [JsonPropertyName("outputShape")] public int[] OutputShape { get; set; } = [];
    /// <summary>When set, <see cref="Output"/>[k] is the output's flat element k·Stride.</summary>
    [JsonPropertyName("stride")] public int? Stride { get; set; }
    [JsonPropertyName("output")] public float[] Output { get; set; } = [];
    [JsonPropertyName("lastStep")] public List<LastStep> LastStep { get; set; } = [];
}

public sealed class LastStep
{
    [JsonPropertyName("sample")] public int Sample { get; set; }
    [JsonPropertyName("values")] public float[] Values { get; set; } = [];
}

public sealed class TrainingReference
{
    [JsonPropertyName("batch")] public int Batch { get; set; }
    [JsonPropertyName("loss")] public LossReference Loss { get; set; } = new();
    [JsonPropertyName("lossValue")] public float LossValue { get; set; }
    [JsonPropertyName("gradients")] public List<GradientReference> Gradients { get; set; } = [];
    [JsonPropertyName("lossAfterAdamStep")] public float LossAfterAdamStep { get; set; }
}

public sealed class LossReference
{
    [JsonPropertyName("type")] public string Type { get; set; } = "";
}

public sealed class GradientReference
{
    [JsonPropertyName("name")] public string Name { get; set; } = "";
    [JsonPropertyName("shape")] public int[] Shape { get; set; } = [];
    /// <summary>When set, <see cref="Values"/>[k] is the gradient's flat element k·Stride; otherwise the whole gradient.</summary>
    [JsonPropertyName("stride")] public int? Stride { get; set; }
    [JsonPropertyName("values")] public float[] Values { get; set; } = [];
    /// <summary>Embedding gradients: token ids whose complete gradient rows are in <see cref="RowValues"/>.</summary>
    [JsonPropertyName("rows")] public int[]? Rows { get; set; }
    [JsonPropertyName("rowValues")] public float[][]? RowValues { get; set; }
}

/// <summary>
/// The formulas of make_benchmark_reference.mjs (also written in the JSON's "formulas"): integers, then one double
/// division rounded to float32, so the values here are bit-identical to the script's.
/// </summary>
public static class Formula
{
    private const long Mod = 65521;
    private const long Half = 32760;

    /// <summary>u(i, s) = (13·i² + 7919·i + 104729·s) mod 65521, in 64-bit integers.</summary>
    public static long U(long i, long s)
    {
        if (i < 0 || i >= 1L << 22 || s < 0 || s >= 100_000) throw new ArgumentOutOfRangeException(nameof(i), $"u({i}, {s}) is outside the formula's range.");
        return (13 * i * i + 7919 * i + 104729 * s) % Mod;
    }

    /// <summary>Element <paramref name="i"/> of the model's weight number <paramref name="s"/>, scale p/q.</summary>
    public static float Weight(long i, int s, int p, int q) => (float)((double)(p * (U(i, s) - Half)) / (double)(q * Half));

    public static float[] FloatInputs(int n, int salt)
    {
        var x = new float[n];
        for (int i = 0; i < n; i++) x[i] = (float)((double)(U(i, salt) - Half) / (double)Half);
        return x;
    }

    public static int[] TokenInputs(int n, int salt, int vocabulary)
    {
        var x = new int[n];
        for (int i = 0; i < n; i++) x[i] = 1 + (int)(U(i, salt) % (vocabulary - 1));
        return x;
    }

    public static float[] RegressionTargets(int n, int salt)
    {
        var y = new float[n];
        for (int i = 0; i < n; i++) y[i] = (float)((double)(U(i, salt) - Half) / (double)(2 * Half));
        return y;
    }

    public static float[] BinaryTargets(int n, int salt)
    {
        var y = new float[n];
        for (int i = 0; i < n; i++) y[i] = U(i, salt) % 2;
        return y;
    }
}
