using System;
using System.Collections.Generic;
using System.Linq;
using System.Text.Json;
using LstmGen.Tests.Models;
using Xunit;

namespace LstmGen.Tests;

/// <summary>
/// What the output comparisons of <see cref="KerasReferenceTests"/> do not cover for the GRU, SimpleRNN, activation and
/// dropout reference cases: the final state h of GRU and SimpleRNN ReturnState models, and for every reference case the
/// generated <c>Architecture</c> against the layers the reference was built from (Keras layer names and classes, and the
/// configuration keys that change the numbers).
/// </summary>
public class RnnReferenceTests
{
    private delegate void BatchWithState(ReadOnlySpan<float> inputs, Span<float> outputs, Span<float> statesH, int batchSize);
    private delegate void OneWithState(ReadOnlySpan<float> input, Span<float> output, Span<float> stateH);

    private sealed record StateModel(ISequentialModel Model, BatchWithState Batch, OneWithState One);

    private static StateModel Of(RefGruReturnState m) => new(m, m.PredictBatch, m.Predict);
    private static StateModel Of(RefGruReturnStateLooped m) => new(m, m.PredictBatch, m.Predict);
    private static StateModel Of(RefGruReturnStateSeq m) => new(m, m.PredictBatch, m.Predict);
    private static StateModel Of(RefGruBeforeReturnState m) => new(m, m.PredictBatch, m.Predict);
    private static StateModel Of(RefSimpleRnnReturnState m) => new(m, m.PredictBatch, m.Predict);
    private static StateModel Of(RefSimpleRnnReturnStateLooped m) => new(m, m.PredictBatch, m.Predict);
    private static StateModel Of(RefSimpleRnnReturnStateSeq m) => new(m, m.PredictBatch, m.Predict);

    private static readonly Dictionary<string, Func<ModelOptions, StateModel>[]> StateModels = new()
    {
        ["gru_return_state"] = [o => Of(new RefGruReturnState(o)), o => Of(new RefGruReturnStateLooped(o))],
        ["gru_return_state_seq"] = [o => Of(new RefGruReturnStateSeq(o))],
        ["gru_before_return_state"] = [o => Of(new RefGruBeforeReturnState(o))],
        ["simple_rnn_return_state"] = [o => Of(new RefSimpleRnnReturnState(o)), o => Of(new RefSimpleRnnReturnStateLooped(o))],
        ["simple_rnn_return_state_seq"] = [o => Of(new RefSimpleRnnReturnStateSeq(o))],
    };

    public static TheoryData<string> StateCases => new(StateModels.Keys.Order(StringComparer.Ordinal));

    [Fact]
    public void Every_GRU_and_SimpleRNN_return_state_case_is_checked()
    {
        string[] withH = ReferenceCase.AllNames.Where(n => ReferenceCase.Load(n) is { StateH: not null, StateC: null }).ToArray();
        Assert.Equal(withH, StateModels.Keys.Order(StringComparer.Ordinal));
    }

    [Theory]
    [MemberData(nameof(StateCases))]
    public void Final_state_h_matches_Keras(string name)
    {
        ReferenceCase c = ReferenceCase.Load(name);
        int units = c.StateH!.Length / c.Batch;
        foreach (var create in StateModels[name])
        {
            foreach (int maxBatch in new[] { 32, 2 })
            {
                StateModel s = create(new ModelOptions { MaxBatch = maxBatch });
                KerasReferenceTests.Loaded(s.Model, c);
                string what = $"{name} ({s.Model.GetType().Name}, MaxBatch {maxBatch})";
                var outputs = new float[c.Batch * s.Model.OutputLength];
                var h = new float[c.Batch * units];
                s.Batch(c.FloatInput, outputs, h, c.Batch);
                KerasReferenceTests.AssertClose(c.Output, outputs, what + " output");
                KerasReferenceTests.AssertClose(c.StateH, h, what + " h");
                for (int b = 0; b < c.Batch; b++)
                {
                    var one = new float[s.Model.OutputLength];
                    var oneH = new float[units];
                    s.One(c.FloatInput.AsSpan(b * s.Model.InputLength, s.Model.InputLength), one, oneH);
                    KerasReferenceTests.AssertClose(c.Output.AsSpan(b * one.Length, one.Length), one, $"{what} sample {b} output");
                    KerasReferenceTests.AssertClose(c.StateH.AsSpan(b * units, units), oneH, $"{what} sample {b} h");
                }
            }
        }
    }

    // The reference JSON's layer vocabulary (make_reference.mjs) -> Keras class names.
    private static readonly Dictionary<string, string> KerasClass = new()
    {
        ["dense"] = "Dense", ["embedding"] = "Embedding", ["lstm"] = "LSTM", ["gru"] = "GRU", ["simpleRnn"] = "SimpleRNN",
        ["bidirectional"] = "Bidirectional", ["timeDistributed"] = "TimeDistributed", ["repeatVector"] = "RepeatVector",
        ["sliceLast"] = "Lambda", ["zeroPadding1d"] = "ZeroPadding1D", ["activation"] = "Activation", ["dropout"] = "Dropout",
        ["spatialDropout1d"] = "SpatialDropout1D",
    };

    // Activation names of the reference vocabulary (Keras 3's names; hard_sigmoid_keras2 is Keras 2's hard_sigmoid).
    private static readonly Dictionary<string, Activation> Activations = new()
    {
        ["linear"] = Activation.Linear, ["relu"] = Activation.Relu, ["tanh"] = Activation.Tanh, ["sigmoid"] = Activation.Sigmoid,
        ["softmax"] = Activation.Softmax, ["hard_sigmoid"] = Activation.HardSigmoid, ["hard_sigmoid_keras2"] = Activation.HardSigmoidKeras2,
        ["elu"] = Activation.Elu, ["selu"] = Activation.Selu, ["gelu"] = Activation.Gelu, ["softplus"] = Activation.Softplus,
        ["softsign"] = Activation.Softsign, ["swish"] = Activation.Swish, ["leaky_relu"] = Activation.LeakyRelu,
        ["exponential"] = Activation.Exponential,
    };

    [Theory]
    [MemberData(nameof(KerasReferenceTests.CaseNames), MemberType = typeof(KerasReferenceTests))]
    public void Architecture_has_the_Keras_layer_names_classes_and_configs_of_the_reference(string name)
    {
        using JsonDocument doc = JsonDocument.Parse(System.IO.File.ReadAllText(System.IO.Path.Combine(ReferenceCase.Directory, name + ".json")));
        JsonElement[] layers = doc.RootElement.GetProperty("layers").EnumerateArray().Skip(1).ToArray(); // after the input
        string[] names = doc.RootElement.GetProperty("layerNames").EnumerateArray().Select(e => e.GetString()!).ToArray();
        foreach (var create in KerasReferenceTests.Models[name])
        {
            ModelArchitecture a = create(null).Architecture;
            string what = $"{name} ({a.ModelName})";
            Assert.Equal(names, a.Layers.Select(l => l.Name));
            for (int i = 0; i < layers.Length; i++)
            {
                CheckLayer(layers[i], a.Layers[i], $"{what} layer {names[i]}");
            }
        }
    }

    private static void CheckLayer(JsonElement d, LayerArchitecture l, string what)
    {
        string type = d.GetProperty("type").GetString()!;
        Assert.True(KerasClass[type] == l.ClassName, $"{what}: class {l.ClassName}, the reference has {KerasClass[type]}");
        foreach (JsonProperty p in d.EnumerateObject())
        {
            switch (p.Name)
            {
                case "type":
                case "n":
                case "left":
                case "right":
                case "inputDim":
                case "outputDim":
                    break; // shapes: checked by the weight shapes and outputs
                case "layer":
                    Assert.True(l.Inner is not null, $"{what}: no inner layer");
                    CheckLayer(p.Value, l.Inner!, what + " (inner)");
                    break;
                case "mergeMode":
                    Assert.Equal(p.Value.GetString(), l.Get<string>("merge_mode", "?"));
                    break;
                case "rate":
                    Assert.Equal(p.Value.GetDouble(), l.Get("rate", double.NaN));
                    break;
                case "units":
                    Assert.Equal(p.Value.GetInt32(), l.Get("units", -1));
                    break;
                case "maskZero":
                    Assert.Equal(p.Value.GetBoolean(), l.Get("mask_zero", !p.Value.GetBoolean()));
                    break;
                case "activation":
                case "recurrentActivation":
                    string key = p.Name == "activation" ? "activation" : "recurrent_activation";
                    Assert.True(l.Config.TryGetValue(key, out object? act), $"{what}: no {key}");
                    Assert.True(Activations[p.Value.GetString()!].Equals(act), $"{what}: {key} {act}, the reference has {p.Value.GetString()}");
                    break;
                default: // returnSequences, returnState, goBackwards, useBias, resetAfter
                    string snake = string.Concat(p.Name.Select(ch => char.IsUpper(ch) ? "_" + char.ToLowerInvariant(ch) : ch.ToString()));
                    Assert.True(l.Config.TryGetValue(snake, out object? value), $"{what}: no {snake} in the config");
                    Assert.True(p.Value.GetBoolean().Equals(value), $"{what}: {snake} {value}, the reference has {p.Value.GetBoolean()}");
                    break;
            }
        }
    }
}
