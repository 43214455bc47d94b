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
    [JsonPropertyName("weights")] public List<ReferenceWeight> Weights { get; set; } = [];

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

public sealed class ReferenceWeight
{
    [JsonPropertyName("name")] public string Name { get; set; } = "";
    [JsonPropertyName("shape")] public int[] Shape { get; set; } = [];
    [JsonPropertyName("values")] public float[] Values { get; set; } = [];
}
