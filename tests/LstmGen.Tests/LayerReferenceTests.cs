using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.Json;
using System.Text.Json.Serialization;
using LstmGen.Tests.Models;
using Xunit;

namespace LstmGen.Tests;

/// <summary>
/// The convolution, pooling, reshaping, normalisation and masking layers against TensorFlow.js 4.22 (written by
/// tests/reference/make_layer_reference.mjs into Reference/Layers; see tests/reference/README.md, "Layer references"):
/// per case the inference output (BatchNormalization with its moving statistics), and for the Keras MSE loss the
/// training-mode output (BatchNormalization with the batch's statistics), the loss, the gradients of every trainable
/// weight and of the input, the moving statistics after the training forward pass, and the weights after one Keras 3
/// Adam step. Outputs and losses within 1e-5 (relative above 1); gradients in addition within 1e-4 × the largest |value|
/// of their tensor, as <see cref="TrainingReferenceTests"/>; weights after the Adam step within max(1e-5, 3e-3 × lr).
/// </summary>
public class LayerReferenceTests
{
    private static readonly Dictionary<string, Func<ModelOptions?, ITrainableModel<float>>[]> Models = new()
    {
        ["conv1d_valid_tanh"] = [o => new RefConv1DValidTanh(o)],
        ["conv1d_same_strided"] = [o => new RefConv1DSameStrided(o)],
        ["conv1d_same_even_strided"] = [o => new RefConv1DSameEvenStrided(o)],
        ["conv1d_causal_dilated_no_bias"] = [o => new RefConv1DCausalDilatedNoBias(o)],
        ["conv1d_same_dilated"] = [o => new RefConv1DSameDilated(o)],
        ["conv1d_valid_strided_no_bias"] = [o => new RefConv1DValidStridedNoBias(o)],
        ["max_pooling_valid"] = [o => new RefMaxPoolingValid(o)],
        ["max_pooling_same"] = [o => new RefMaxPoolingSame(o)],
        ["average_pooling_valid"] = [o => new RefAveragePoolingValid(o)],
        ["average_pooling_same"] = [o => new RefAveragePoolingSame(o)],
        ["average_pooling_same_odd"] = [o => new RefAveragePoolingSameOdd(o)],
        ["global_max_pooling"] = [o => new RefGlobalMaxPooling(o)],
        ["global_average_pooling"] = [o => new RefGlobalAveragePooling(o)],
        ["global_average_pooling_masked"] = [o => new RefGlobalAveragePoolingMasked(o), o => new RefGlobalAveragePoolingMaskedLooped(o)],
        ["flatten_reshape"] = [o => new RefFlattenReshape(o)],
        ["batch_norm_sequence"] = [o => new RefBatchNormSequence(o)],
        ["batch_norm_vector"] = [o => new RefBatchNormVector(o)],
        ["batch_norm_after_conv"] = [o => new RefBatchNormAfterConv(o)],
        ["layer_norm_sequence"] = [o => new RefLayerNormSequence(o)],
        ["layer_norm_vector"] = [o => new RefLayerNormVector(o)],
        ["masking_lstm_seq"] = [o => new RefMaskingLstmSeq(o), o => new RefMaskingLstmSeqLooped(o)],
        ["masking_lstm_last"] = [o => new RefMaskingLstmLast(o), o => new RefMaskingLstmLastLooped(o)],
        ["masking_gru_seq"] = [o => new RefMaskingGruSeq(o)],
        ["masking_gru_last"] = [o => new RefMaskingGruLast(o), o => new RefMaskingGruLastLooped(o)],
        ["cnn_lstm"] = [o => new RefCnnLstm(o), o => new RefCnnLstmLooped(o)],
    };

    public static TheoryData<string> Cases => new(LayerCase.AllNames);

    [Fact]
    public void Every_layer_case_has_a_model_and_every_model_a_case() =>
        Assert.Equal(Models.Keys.Order(StringComparer.Ordinal), LayerCase.AllNames);

    [Theory]
    [MemberData(nameof(Cases))]
    public void Weights_layer_names_classes_and_configs_are_Keras(string name)
    {
        LayerCase c = LayerCase.Load(name);
        foreach (var create in Models[name])
        {
            ITrainableModel<float> model = create(null);
            Assert.Equal(c.Weights.Select(w => (w.Name, w.Trainable)), model.Weights.Entries.Select(e => (e.Name, e.Trainable)));
            foreach (LayerCaseWeight w in c.Weights)
            {
                Assert.Equal(w.Shape, model.Weights.Find(w.Name).Dimensions);
            }
            Assert.Equal(c.LayerNames, model.Architecture.Layers.Select(l => l.Name));
            for (int i = 0; i < c.LayerNames.Length; i++)
            {
                CheckLayer(c.Layers[i + 1], model.Architecture.Layers[i], $"{name} ({model.GetType().Name}) layer {c.LayerNames[i]}");
            }
        }
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Inference_outputs_match_Keras(string name)
    {
        LayerCase c = LayerCase.Load(name);
        foreach (var create in Models[name])
        {
            foreach (int maxBatch in new[] { 32, 2 }) // 2: the batch runs in chunks
            {
                ITrainableModel<float> model = Loaded(create(new ModelOptions { MaxBatch = maxBatch }), c);
                string what = $"{name} ({model.GetType().Name}, MaxBatch {maxBatch})";
                var outputs = new float[c.Batch * model.OutputLength];
                model.PredictBatch(c.Input, outputs, c.Batch);
                AssertClose(c.Output, outputs, what + " PredictBatch");
                var one = new float[model.OutputLength];
                for (int b = 0; b < c.Batch; b++)
                {
                    model.Predict(c.Input.AsSpan(b * model.InputLength, model.InputLength), one);
                    AssertClose(c.Output.AsSpan(b * one.Length, one.Length), one, $"{what} Predict sample {b}");
                }
                // Inference does not move the moving statistics.
                foreach (LayerCaseWeight w in c.Weights.Where(w => !w.Trainable))
                {
                    Assert.Equal(w.Values, model.Weights.Get(w.Name));
                }
            }
        }
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Training_outputs_loss_gradients_and_moving_statistics_match_Keras(string name)
    {
        LayerCase c = LayerCase.Load(name);
        foreach (var create in Models[name])
        {
            ITrainableModel<float> model = Loaded(create(new ModelOptions { MaxBatch = 32 }), c);
            string what = $"{name} ({model.GetType().Name})";
            var inputGradient = new float[c.Input.Length];
            var outputs = new float[c.Output.Length];
            float loss = model.ComputeGradients(c.Input, c.Target, c.Batch, Loss.MeanSquaredError, inputGradient, outputs, training: true);
            AssertClose(c.TrainingOutput, outputs, what + ": training-mode output");
            AssertClose([c.LossValue], [loss], what + ": loss");
            foreach (LayerCaseWeight g in c.Gradients)
            {
                AssertGradient(g.Values, model.Gradients.Get(g.Name), $"{what}: d loss / d {g.Name}");
            }
            foreach (WeightInfo e in model.Weights.Entries.Where(e => !e.Trainable))
            {
                Assert.All(model.Gradients.Get(e.Name), v => Assert.Equal(0f, v)); // moving statistics have no gradient
            }
            AssertGradient(c.InputGradient, inputGradient, what + ": d loss / d input");
            foreach (LayerCaseWeight m in c.MovingStatistics)
            {
                AssertClose(m.Values, model.Weights.Get(m.Name), $"{what}: {m.Name} after the training forward pass");
            }
        }
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void One_Adam_step_matches_Keras(string name)
    {
        LayerCase c = LayerCase.Load(name);
        Assert.Equal("adam", c.Optimizer.Type);
        foreach (var create in Models[name])
        {
            ITrainableModel<float> model = Loaded(create(new ModelOptions { MaxBatch = 32 }), c);
            var adam = new Adam();
            float loss = model.TrainStep(c.Input, c.Target, c.Batch, Loss.MeanSquaredError, adam);
            string what = $"{name} ({model.GetType().Name})";
            AssertClose([c.LossValue], [loss], what + ": loss before the step");
            // As TrainingReferenceTests: Adam divides by √v ≈ |g|, so a tiny gradient's float32 noise moves a weight by up
            // to ~1e-3 × lr.
            float absolute = MathF.Max(1e-5f, 3e-3f * adam.LearningRate);
            foreach (LayerCaseWeight w in c.Optimizer.WeightsAfter)
            {
                AssertClose(w.Values, model.Weights.Get(w.Name), $"{what}: {w.Name} after one step", absolute);
            }
        }
    }

    private static ITrainableModel<float> Loaded(ITrainableModel<float> model, LayerCase c)
    {
        model.Weights.SetMany(c.Weights.Select(w => KeyValuePair.Create(w.Name, w.Values)));
        return model;
    }

    // The reference's layer vocabulary -> Keras class names and the config keys that change the numbers.
    private static readonly Dictionary<string, string> KerasClass = new()
    {
        ["conv1d"] = "Conv1D", ["maxPooling1d"] = "MaxPooling1D", ["averagePooling1d"] = "AveragePooling1D",
        ["globalMaxPooling1d"] = "GlobalMaxPooling1D", ["globalAveragePooling1d"] = "GlobalAveragePooling1D",
        ["maskedGlobalAveragePooling1d"] = "GlobalAveragePooling1D", ["flatten"] = "Flatten", ["reshape"] = "Reshape",
        ["batchNormalization"] = "BatchNormalization", ["layerNormalization"] = "LayerNormalization", ["masking"] = "Masking",
        ["dense"] = "Dense", ["lstm"] = "LSTM", ["gru"] = "GRU", ["simpleRnn"] = "SimpleRNN",
    };

    private static readonly Dictionary<string, Activation> Activations = new()
    {
        ["linear"] = Activation.Linear, ["relu"] = Activation.Relu, ["tanh"] = Activation.Tanh, ["sigmoid"] = Activation.Sigmoid,
        ["swish"] = Activation.Swish,
    };

    private static void CheckLayer(JsonElement d, LayerArchitecture l, string what)
    {
        string type = d.GetProperty("type").GetString()!;
        Assert.True(KerasClass[type] == l.ClassName, $"{what}: class {l.ClassName}, the reference has {KerasClass[type]}");
        foreach (JsonProperty p in d.EnumerateObject().Where(p => p.Name != "type"))
        {
            string key = p.Name switch
            {
                "kernelSize" => "kernel_size",
                "poolSize" => "pool_size",
                "dilationRate" => "dilation_rate",
                "targetShape" => "target_shape",
                "maskValue" => "mask_value",
                _ => string.Concat(p.Name.Select(ch => char.IsUpper(ch) ? "_" + char.ToLowerInvariant(ch) : ch.ToString())),
            };
            Assert.True(l.Config.TryGetValue(key, out object? value), $"{what}: no {key} in the config");
            bool same = p.Value.ValueKind switch
            {
                JsonValueKind.True or JsonValueKind.False => p.Value.GetBoolean().Equals(value),
                JsonValueKind.String when key == "activation" => Activations[p.Value.GetString()!].Equals(value),
                JsonValueKind.String => p.Value.GetString()!.Equals(value),
                JsonValueKind.Array => value is int[] ints && ints.SequenceEqual(p.Value.EnumerateArray().Select(e => e.GetInt32())),
                JsonValueKind.Number => value switch
                {
                    int i => i == p.Value.GetInt32(),
                    int[] ints => ints.SequenceEqual([p.Value.GetInt32()]),
                    double x => x == p.Value.GetDouble(),
                    _ => false,
                },
                _ => false,
            };
            Assert.True(same, $"{what}: {key} is {Show(value)}, the reference has {p.Value}");
        }
    }

    private static string Show(object? value) => value is int[] a ? "[" + string.Join(",", a) + "]" : value?.ToString() ?? "null";

    private static void AssertClose(ReadOnlySpan<float> expected, ReadOnlySpan<float> actual, string what, float absolute = 1e-5f) =>
        TrainingReferenceTests.AssertClose(expected, actual, what, absolute);

    /// <summary>Within 1e-5 (relative above 1) and within 1e-4 × the largest |expected| of the tensor.</summary>
    private static void AssertGradient(ReadOnlySpan<float> expected, ReadOnlySpan<float> actual, string what)
    {
        AssertClose(expected, actual, what);
        float scale = 0;
        foreach (float v in expected) scale = MathF.Max(scale, MathF.Abs(v));
        AssertClose(expected, actual, what + " (relative to the tensor's largest value)", 1e-4f * scale);
    }
}

/// <summary>One case of Reference/Layers (tests/reference/make_layer_reference.mjs).</summary>
public sealed class LayerCase
{
    [JsonPropertyName("name")] public string Name { get; set; } = "";
    [JsonPropertyName("layers")] public JsonElement[] Layers { get; set; } = [];
    [JsonPropertyName("layerNames")] public string[] LayerNames { get; set; } = [];
    [JsonPropertyName("batch")] public int Batch { get; set; }
    [JsonPropertyName("input")] public float[] Input { get; set; } = [];
    [JsonPropertyName("output")] public float[] Output { get; set; } = [];
    [JsonPropertyName("weights")] public List<LayerCaseWeight> Weights { get; set; } = [];
    [JsonPropertyName("target")] public float[] Target { get; set; } = [];
    [JsonPropertyName("trainingOutput")] public float[] TrainingOutput { get; set; } = [];
    [JsonPropertyName("lossValue")] public float LossValue { get; set; }
    [JsonPropertyName("gradients")] public List<LayerCaseWeight> Gradients { get; set; } = [];
    [JsonPropertyName("inputGradient")] public float[] InputGradient { get; set; } = [];
    [JsonPropertyName("movingStatisticsAfterTrainingForward")] public List<LayerCaseWeight> MovingStatistics { get; set; } = [];
    [JsonPropertyName("optimizer")] public LayerCaseOptimizer Optimizer { get; set; } = new();

    public static string Directory => Path.Combine(AppContext.BaseDirectory, "Reference", "Layers");

    public static IEnumerable<string> AllNames =>
        System.IO.Directory.GetFiles(Directory, "*.json").Select(Path.GetFileNameWithoutExtension).Order(StringComparer.Ordinal)!;

    public static LayerCase Load(string name)
    {
        string path = Path.Combine(Directory, name + ".json");
        return JsonSerializer.Deserialize<LayerCase>(File.ReadAllText(path)) ?? throw new InvalidDataException($"{path} is empty.");
    }
}

public sealed class LayerCaseWeight
{
    [JsonPropertyName("name")] public string Name { get; set; } = "";
    [JsonPropertyName("shape")] public int[] Shape { get; set; } = [];
    [JsonPropertyName("trainable")] public bool Trainable { get; set; } = true;
    [JsonPropertyName("values")] public float[] Values { get; set; } = [];
}

public sealed class LayerCaseOptimizer
{
    [JsonPropertyName("type")] public string Type { get; set; } = "";
    [JsonPropertyName("weightsAfter")] public List<LayerCaseWeight> WeightsAfter { get; set; } = [];
}
