using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace LstmGen.Tests;

/// <summary>
/// One Keras reference case: a model, its weights by Keras name, a batch of inputs and the outputs TensorFlow.js computed
/// (written by tests/reference/make_reference.mjs, cross-checked with PyTorch by crosscheck_torch.py).
/// </summary>
public sealed class ReferenceCase
{
    [JsonPropertyName("name")] public string Name { get; set; } = "";
    [JsonPropertyName("engine")] public string Engine { get; set; } = "";
    [JsonPropertyName("inputShape")] public int[] InputShape { get; set; } = [];
    [JsonPropertyName("inputIsTokens")] public bool InputIsTokens { get; set; }
    [JsonPropertyName("batch")] public int Batch { get; set; }
    [JsonPropertyName("input")] public double[] Input { get; set; } = [];
    [JsonPropertyName("outputShape")] public int[] OutputShape { get; set; } = [];
    [JsonPropertyName("output")] public float[] Output { get; set; } = [];
    [JsonPropertyName("stateH")] public float[]? StateH { get; set; }
    [JsonPropertyName("stateC")] public float[]? StateC { get; set; }
    [JsonPropertyName("weights")] public List<ReferenceWeight>? Weights { get; set; } = [];

    // Training cases (Reference/Training).
    [JsonPropertyName("kind")] public string? Kind { get; set; }
    [JsonPropertyName("inferenceCase")] public string? InferenceCase { get; set; }
    [JsonPropertyName("loss")] public ReferenceLoss? Loss { get; set; }
    [JsonPropertyName("target")] public float[]? Target { get; set; }
    [JsonPropertyName("lossValue")] public float LossValue { get; set; }
    [JsonPropertyName("gradients")] public List<ReferenceWeight>? Gradients { get; set; }
    [JsonPropertyName("inputGradient")] public float[]? InputGradient { get; set; }
    [JsonPropertyName("optimizer")] public ReferenceOptimizer? Optimizer { get; set; }

    /// <summary>False for gradient cases of models with dropout layers: computed in inference mode (ComputeGradients(..., training: false)).</summary>
    [JsonPropertyName("training")] public bool Training { get; set; } = true;

    // Several-output cases (multi_*): the loss of each output, in output order.
    [JsonPropertyName("lossValues")] public float[]? LossValues { get; set; }

    public static IEnumerable<string> TrainingNames(string prefix) =>
        System.IO.Directory.GetFiles(Path.Combine(Directory, "Training"), prefix + "*.json").Select(Path.GetFileNameWithoutExtension).Order(StringComparer.Ordinal)!;

    public static ReferenceCase LoadTraining(string name)
    {
        string path = Path.Combine(Directory, "Training", name + ".json");
        ReferenceCase c = JsonSerializer.Deserialize<ReferenceCase>(File.ReadAllText(path)) ?? throw new InvalidDataException($"{path} is empty.");
        if (c.Weights is null && c.InferenceCase is not null)
        {
            c.Weights = Load(Path.GetFileNameWithoutExtension(c.InferenceCase)).Weights; // stored once, in the inference case
        }
        return c;
    }

    public float[] FloatInput => Input.Select(v => (float)v).ToArray();

    public int[] TokenInput => Input.Select(v => checked((int)v)).ToArray();

    public static string Directory => Path.Combine(AppContext.BaseDirectory, "Reference");

    public static IEnumerable<string> AllNames =>
        System.IO.Directory.GetFiles(Directory, "*.json").Select(Path.GetFileNameWithoutExtension).Order(StringComparer.Ordinal)!;

    public static ReferenceCase Load(string name)
    {
        string path = Path.Combine(Directory, name + ".json");
        return JsonSerializer.Deserialize<ReferenceCase>(File.ReadAllText(path))
            ?? throw new InvalidDataException($"{path} is empty.");
    }
}

public sealed class ReferenceLoss
{
    [JsonPropertyName("type")] public string Type { get; set; } = "";

    /// <summary>For <c>per_output</c>: the loss type of each output (output, h, c).</summary>
    [JsonPropertyName("losses")] public string[]? Losses { get; set; }
}

public sealed class ReferenceOptimizer
{
    [JsonPropertyName("type")] public string Type { get; set; } = "";
    [JsonPropertyName("name")] public string Name { get; set; } = "";
    [JsonPropertyName("config")] public Dictionary<string, JsonElement> Config { get; set; } = [];
    [JsonPropertyName("steps")] public int Steps { get; set; }
    [JsonPropertyName("lossBefore")] public float[] LossBefore { get; set; } = [];
    [JsonPropertyName("weightsAfter")] public List<ReferenceWeight> WeightsAfter { get; set; } = [];
}

public sealed class ReferenceWeight
{
    [JsonPropertyName("name")] public string Name { get; set; } = "";
    [JsonPropertyName("shape")] public int[] Shape { get; set; } = [];
    [JsonPropertyName("values")] public float[] Values { get; set; } = [];
}
