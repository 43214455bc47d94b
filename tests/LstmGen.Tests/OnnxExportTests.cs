using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using LstmGen.Export;
using LstmGen.Tests.Models;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using Xunit;

namespace LstmGen.Tests;

/// <summary>
/// ONNX export: every exported model runs in ONNX Runtime and gives Predict's and PredictBatch's outputs (and final
/// states) within 1e-5 (relative above 1), at batch 1 and above; every refusal names the layer and the reason.
/// </summary>
public class OnnxExportTests
{
    private const float Tolerance = 1e-5f;

    public static TheoryData<string> ReferenceCases => new(ReferenceCase.AllNames);

    /// <summary>Models with randomised weights (every bias too), by name.</summary>
    public static readonly IReadOnlyDictionary<string, Func<ISequentialModel>> SeededModels = new Dictionary<string, Func<ISequentialModel>>
    {
        ["simple_rnn_stack"] = () => new OnnxSimpleRnnStack(),
        ["bidirectional_simple_rnn"] = () => new OnnxBidirectionalSimpleRnn(),
        ["bidirectional_mixed"] = () => new OnnxBidirectionalMixed(),
        ["recurrent_activations"] = () => new OnnxRecurrentActivations(),
        ["gru_state"] = () => new OnnxGruState(),
        ["simple_rnn_state"] = () => new OnnxSimpleRnnState(),
        ["dense_activations"] = () => new OnnxDenseActivations(),
        ["dense_2d"] = () => new OnnxDense2D(),
        ["repeat_pad_slice"] = () => new OnnxRepeatPadSlice(),
        ["embedding_gru"] = () => new OnnxEmbeddingGru(),
        ["gru_last"] = () => new GruLast(),
        ["gru_before_seq"] = () => new GruBeforeSeq(),
        ["gru_before_back_looped"] = () => new GruBeforeBackLooped(),
        ["gru_bidirectional_dropout"] = () => new GruBiDrop(),
        ["simple_rnn_input_dropout"] = () => new SimpleRnnInputDropout(),
        ["w1_like_unmasked"] = () => new EmbeddingLstm(),
    };

    public static TheoryData<string> SeededNames => new(SeededModels.Keys);

    [Theory]
    [MemberData(nameof(ReferenceCases))]
    public void Reference_models_run_in_OnnxRuntime_as_in_LstmGen(string name)
    {
        ReferenceCase c = ReferenceCase.Load(name);
        foreach (var create in KerasReferenceTests.Models[name])
        {
            ISequentialModel model = KerasReferenceTests.Loaded(create(new ModelOptions { MaxBatch = 8 }), c);
            CheckModel(model, c.Input, c.Batch, $"{name} ({model.GetType().Name})");
        }
    }

    [Theory]
    [InlineData("return_state")]
    [InlineData("return_state_seq")]
    public void Final_states_are_extra_outputs_with_Keras_values(string name)
    {
        ReferenceCase c = ReferenceCase.Load(name);
        ISequentialModel model = KerasReferenceTests.Loaded(KerasReferenceTests.Models[name][0](null), c);
        using var session = Session(OnnxExport.ToBytes(model));
        Assert.Equal(new[] { "output", OnnxExport.StateHOutput, OnnxExport.StateCOutput }, session.OutputNames);
        var results = Run(session, model, c.Input, c.Batch);
        AssertClose(c.Output, results["output"], name + " output");
        AssertClose(c.StateH!, results[OnnxExport.StateHOutput], name + " state_h");
        AssertClose(c.StateC!, results[OnnxExport.StateCOutput], name + " state_c");
    }

    [Theory]
    [MemberData(nameof(SeededNames))]
    public void Seeded_models_run_in_OnnxRuntime_as_in_LstmGen(string name)
    {
        ISequentialModel model = SeededModels[name]();
        Randomize(model, name.Length * 7919);
        var rng = new Random(name.Length);
        const int Batch = 3;
        var input = new double[Batch * model.InputLength];
        int vocabulary = model.Architecture.TokenInput ? model.Architecture.Layers[0].Get("input_dim", 0) : 0;
        for (int i = 0; i < input.Length; i++)
        {
            input[i] = vocabulary > 0 ? rng.Next(vocabulary) : rng.NextDouble() * 2 - 1;
        }
        CheckModel(model, input, Batch, name);
    }

    [Fact]
    public void Gru_and_SimpleRnn_final_states_match_Predict()
    {
        foreach (ISequentialModel model in new ISequentialModel[] { new OnnxGruState(), new OnnxSimpleRnnState() })
        {
            Randomize(model, 99);
            const int Batch = 2;
            var x = Enumerable.Range(0, Batch * model.InputLength).Select(i => MathF.Sin(i * 0.37f)).ToArray();
            var outputs = new float[Batch * model.OutputLength];
            var h = new float[Batch * 4];
            if (model is OnnxGruState gru) gru.PredictBatch(x, outputs, h, Batch);
            else ((OnnxSimpleRnnState)model).PredictBatch(x, outputs, h, Batch);
            using var session = Session(OnnxExport.ToBytes(model));
            Assert.Equal(new[] { "output", OnnxExport.StateHOutput }, session.OutputNames);
            var results = Run(session, model, x.Select(v => (double)v).ToArray(), Batch);
            AssertClose(outputs, results["output"], model.GetType().Name + " output");
            AssertClose(h, results[OnnxExport.StateHOutput], model.GetType().Name + " state_h");
        }
    }

    [Fact]
    public void Save_writes_a_file_that_OnnxRuntime_opens_with_Keras_names_and_a_dynamic_batch()
    {
        var model = new Stacked();
        string path = Path.Combine(Path.GetTempPath(), $"lstmgen-onnx-{Environment.ProcessId}-stacked.onnx");
        try
        {
            model.ExportOnnx(path);
            Assert.Equal(OnnxExport.ToBytes(model), File.ReadAllBytes(path));
            using var session = new InferenceSession(path);
            NodeMetadata input = session.InputMetadata["input"];
            Assert.Equal(new[] { -1, 10, 1 }, input.Dimensions);
            Assert.Equal("batch", input.SymbolicDimensions[0]);
            Assert.Equal(new[] { -1, 1 }, session.OutputMetadata["output"].Dimensions);
            Assert.Equal("Stacked", session.ModelMetadata.GraphName);
            Assert.Equal("LstmGen", session.ModelMetadata.ProducerName);
            Assert.Contains("LSTM('lstm_1')", session.ModelMetadata.CustomMetadataMap["keras_architecture"]);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void Options_rename_the_input_and_output_and_take_int32_tokens()
    {
        var model = new EmbeddingLstm();
        Randomize(model, 5);
        var options = new OnnxExportOptions { InputName = "tokens", OutputName = "probability", BatchDimension = "n", TokenType = OnnxTokenType.Int32 };
        using var session = Session(OnnxExport.ToBytes(model, options));
        Assert.Equal("n", session.InputMetadata["tokens"].SymbolicDimensions[0]);
        Assert.Equal(typeof(int), session.InputMetadata["tokens"].ElementType);
        int[] tokens = { 3, 0, 19, 7, 7, 1, 0, 12, 5, 5, 5, 5, 9, 18, 2, 0 };
        var expected = new float[2];
        model.PredictBatch(tokens, expected, 2);
        using var results = session.Run(new[] { NamedOnnxValue.CreateFromTensor("tokens", new DenseTensor<int>(tokens, new[] { 2, 8 })) });
        AssertClose(expected, results.Single(r => r.Name == "probability").AsEnumerable<float>().ToArray(), "int32 tokens");
    }

    [Fact]
    public void Bad_option_names_are_refused()
    {
        var model = new ManyToOne();
        var e = Assert.Throws<ArgumentException>(() => OnnxExport.ToBytes(model, new OnnxExportOptions { OutputName = "input" }));
        Assert.Contains("must differ", e.Message);
        e = Assert.Throws<ArgumentException>(() => OnnxExport.ToBytes(model, new OnnxExportOptions { InputName = "a/b" }));
        Assert.Contains("OnnxExportOptions.InputName must be a non-empty name without '/'", e.Message);
        e = Assert.Throws<ArgumentException>(() => OnnxExport.ToBytes(model, new OnnxExportOptions { BatchDimension = " " }));
        Assert.Contains("OnnxExportOptions.BatchDimension", e.Message);
    }

    [Fact]
    public void State_inputs_carry_the_state_from_call_to_call_as_OpenStream_does()
    {
        var model = new OnnxStreamStep();
        Randomize(model, 17);
        using var session = Session(OnnxExport.ToBytes(model, new OnnxExportOptions { StateInputs = true }));
        string[] states = { "lstm/h_in", "lstm/c_in", "gru/h_in", "simple_rnn/h_in" };
        Assert.Equal(new[] { "input" }.Concat(states), session.InputNames);
        Assert.Equal(new[] { "output", "lstm/h_out", "lstm/c_out", "gru/h_out", "simple_rnn/h_out" }, session.OutputNames);
        int[] units = { 8, 8, 5, 4 };
        var carried = units.Select(u => new float[u]).ToArray();
        var stream = model.OpenStream();
        var expected = new float[2];
        for (int step = 0; step < 12; step++)
        {
            float[] x = { MathF.Sin(step), MathF.Cos(0.7f * step), 0.1f * step - 0.5f };
            stream.Step(x, expected);
            var inputs = new List<NamedOnnxValue> { NamedOnnxValue.CreateFromTensor("input", new DenseTensor<float>(x, new[] { 1, 1, 3 })) };
            for (int i = 0; i < states.Length; i++)
            {
                inputs.Add(NamedOnnxValue.CreateFromTensor(states[i], new DenseTensor<float>(carried[i], new[] { 1, units[i] })));
            }
            using var results = session.Run(inputs);
            AssertClose(expected, results.Single(r => r.Name == "output").AsEnumerable<float>().ToArray(), $"step {step}");
            for (int i = 0; i < states.Length; i++)
            {
                carried[i] = results.Single(r => r.Name == states[i].Replace("_in", "_out")).AsEnumerable<float>().ToArray();
            }
        }
    }

    [Fact]
    public void State_inputs_of_a_bidirectional_layer_are_refused()
    {
        var e = Assert.Throws<NotSupportedException>(() => OnnxExport.ToBytes(new BidirectionalSum(), new OnnxExportOptions { StateInputs = true }));
        Assert.Equal("ONNX export of BidirectionalSum: layer 'bidirectional' (Bidirectional(LSTM)) is bidirectional, and " +
            "OnnxExportOptions.StateInputs carries states of unidirectional layers only (a bidirectional layer reads the whole sequence).", e.Message);
    }

    // ---- Refusals ----------------------------------------------------------------------------------------------------

    /// <summary>Masked models, on token rows with padding at the start, in the middle, at the end, everywhere, and nowhere.</summary>
    public static readonly IReadOnlyDictionary<string, Func<ISequentialModel>> MaskedModels = new Dictionary<string, Func<ISequentialModel>>
    {
        ["embedding_mask"] = () => new EmbeddingMask(),
        ["embedding_mask_looped"] = () => new EmbeddingMaskLooped(),
        ["embedding_mask_stacked"] = () => new EmbeddingMaskStacked(),
        ["embedding_mask_seq_out"] = () => new EmbeddingMaskSeqOut(),
        ["embedding_mask_bidirectional"] = () => new EmbeddingMaskBidirectional(),
        ["embedding_mask_go_backwards"] = () => new EmbeddingMaskGoBackwards(),
        ["simple_rnn_mask"] = () => new SimpleRnnMask(),
        ["dropout_after_masked_sequence"] = () => new DropoutAfterMaskedSequence(),
        ["lstm_mask_recurrent_dropout"] = () => new LstmMaskRecurrentDropout(),
        ["masked_bidirectional_gru_backwards"] = () => new OnnxMaskedBidirectionalGru(),
        ["masked_sequences_and_state"] = () => new OnnxMaskedState(),
    };

    public static TheoryData<string> MaskedNames => new(MaskedModels.Keys);

    [Theory]
    [MemberData(nameof(MaskedNames))]
    public void Masked_models_skip_padding_anywhere_as_LstmGen_does(string name)
    {
        ISequentialModel model = MaskedModels[name]();
        Randomize(model, name.Length * 31);
        int[] rows =
        {
            3, 5, 0, 0, 7, 1, 0, 2, // padding in the middle
            0, 0, 0, 4, 9, 12, 19, 6, // pre-padding
            8, 11, 2, 0, 0, 0, 0, 0, // post-padding
            0, 0, 0, 0, 0, 0, 0, 0, // nothing but padding
            1, 2, 3, 4, 5, 6, 7, 8, // no padding
            0, 13, 0, 14, 0, 15, 0, 0, // every other step
        };
        CheckModel(model, rows.Select(v => (double)v).ToArray(), rows.Length / model.InputLength, name);
    }

    [Fact]
    public void A_masked_stream_carries_the_state_over_padding_as_OpenStream_does()
    {
        var model = new OnnxMaskedStream();
        Randomize(model, 23);
        using var session = Session(OnnxExport.ToBytes(model, new OnnxExportOptions { StateInputs = true }));
        var stream = model.OpenStream();
        var h = new float[6];
        var c = new float[6];
        var expected = new float[OnnxMaskedStream.OutputLength];
        int[] tokens = { 4, 0, 0, 9, 3, 0, 11, 0 };
        foreach (int token in tokens)
        {
            stream.Step(token, expected);
            var inputs = new[]
            {
                NamedOnnxValue.CreateFromTensor("input", new DenseTensor<long>(new long[] { token }, new[] { 1, 1 })),
                NamedOnnxValue.CreateFromTensor("lstm/h_in", new DenseTensor<float>(h, new[] { 1, 6 })),
                NamedOnnxValue.CreateFromTensor("lstm/c_in", new DenseTensor<float>(c, new[] { 1, 6 })),
            };
            using var results = session.Run(inputs);
            AssertClose(expected, results.Single(r => r.Name == "output").AsEnumerable<float>().ToArray(), $"token {token}");
            h = results.Single(r => r.Name == "lstm/h_out").AsEnumerable<float>().ToArray();
            c = results.Single(r => r.Name == "lstm/c_out").AsEnumerable<float>().ToArray();
        }
    }

    [Theory]
    [InlineData(typeof(OnnxLstmGelu), "layer 'lstm' (LSTM) has activation gelu, which ONNX's LSTM operator does not offer")]
    [InlineData(typeof(OnnxGruSwish), "layer 'gru' (GRU) has recurrent_activation swish, which ONNX's GRU operator does not offer")]
    [InlineData(typeof(OnnxSimpleRnnSelu), "layer 'bidirectional' (Bidirectional(SimpleRNN)) has activation selu, which ONNX's RNN operator does not offer")]
    [InlineData(typeof(OnnxLstmExponential), "layer 'lstm' (LSTM) has recurrent_activation exponential, which ONNX's LSTM operator does not offer")]
    [InlineData(typeof(Mixed), "layer 'lstm' (LSTM) has activation gelu, which ONNX's LSTM operator does not offer")]
    public void Recurrent_activations_ONNX_lacks_are_refused_naming_the_layer(Type type, string expected)
    {
        var model = (ISequentialModel)Activator.CreateInstance(type, new object?[] { null })!;
        var e = Assert.Throws<NotSupportedException>(() => OnnxExport.ToBytes(model));
        Assert.StartsWith($"ONNX export of {type.Name}: {expected} (its activations are Affine, Relu, LeakyRelu,", e.Message);
    }

    [Fact]
    public void Layers_without_an_ONNX_mapping_are_refused_naming_them()
    {
        var inner = new ManyToOne();
        var arch = new ModelArchitecture("Custom", new[] { 7, 3 }, false, new[]
        {
            new LayerArchitecture("conv1d", "Conv1D", new[] { 7, 3 }, new[] { 5, 4 }, Array.Empty<string>(), Array.Empty<KeyValuePair<string, object>>()),
        });
        var e = Assert.Throws<NotSupportedException>(() => OnnxExport.ToBytes(new FakeModel(inner, arch)));
        Assert.Equal("ONNX export of Custom: layer 'conv1d' (Conv1D('conv1d')) has no ONNX mapping.", e.Message);
    }

    [Fact]
    public void An_unknown_merge_mode_and_states_before_the_last_layer_are_refused()
    {
        var model = new BidirectionalConcatLast();
        LayerArchitecture bi = BidirectionalConcatLast.Architecture.Layers[0];
        LayerArchitecture With(LayerArchitecture l, string key, object value) => new(l.Name, l.ClassName, l.InputShape.ToArray(), l.OutputShape.ToArray(),
            l.Weights.ToArray(), l.Config.Where(e => e.Key != key).Append(KeyValuePair.Create(key, value)).ToArray(), l.Inner);
        var arch = new ModelArchitecture("Custom", new[] { 6, 3 }, false, new[] { With(bi, "merge_mode", "max"), BidirectionalConcatLast.Architecture.Layers[1] });
        var e = Assert.Throws<NotSupportedException>(() => OnnxExport.ToBytes(new FakeModel(model, arch)));
        Assert.Equal("ONNX export of Custom: layer 'bidirectional' (Bidirectional(LSTM)) has merge mode 'max', which has no ONNX mapping.", e.Message);

        var stacked = new Stacked();
        LayerArchitecture first = Stacked.Architecture.Layers[0];
        arch = new ModelArchitecture("Custom", new[] { 10, 1 }, false, new[] { With(first, "return_state", true), Stacked.Architecture.Layers[1], Stacked.Architecture.Layers[2] });
        e = Assert.Throws<NotSupportedException>(() => OnnxExport.ToBytes(new FakeModel(stacked, arch)));
        Assert.Equal("ONNX export of Custom: layer 'lstm' (LSTM) returns its states but is not the last layer.", e.Message);
    }

    // ---- Helpers -----------------------------------------------------------------------------------------------------

    /// <summary>Exports, then compares ONNX Runtime with PredictBatch on the whole batch and with Predict on sample 0.</summary>
    private static void CheckModel(ISequentialModel model, double[] input, int batch, string what)
    {
        Assert.True(batch > 1, "the cases must check a batch above 1");
        var expected = new float[batch * model.OutputLength];
        var one = new float[model.OutputLength];
        switch (model)
        {
            case ISequentialModel<float> m:
                float[] x = input.Select(v => (float)v).ToArray();
                m.PredictBatch(x, expected, batch);
                m.Predict(x.AsSpan(0, model.InputLength), one);
                break;
            case ISequentialModel<int> m:
                int[] t = input.Select(v => checked((int)v)).ToArray();
                m.PredictBatch(t, expected, batch);
                m.Predict(t.AsSpan(0, model.InputLength), one);
                break;
        }
        using var session = Session(OnnxExport.ToBytes(model));
        var full = Run(session, model, input, batch);
        AssertClose(expected, full["output"], what + $", batch {batch}");
        var single = Run(session, model, input.AsSpan(0, model.InputLength).ToArray(), 1);
        AssertClose(one, single["output"], what + ", batch 1");
    }

    private static InferenceSession Session(byte[] onnx)
    {
        using var options = new SessionOptions { IntraOpNumThreads = 1, InterOpNumThreads = 1 };
        return new InferenceSession(onnx, options);
    }

    /// <summary>Runs the session on a batch-major input; returns every output by name, checking its shape.</summary>
    private static Dictionary<string, float[]> Run(InferenceSession session, ISequentialModel model, double[] input, int batch)
    {
        IReadOnlyList<int> shape = model.Architecture.InputShape;
        int[] dims = new[] { batch }.Concat(shape).ToArray();
        NamedOnnxValue value = model.Architecture.TokenInput
            ? NamedOnnxValue.CreateFromTensor("input", new DenseTensor<long>(input.Select(v => (long)v).ToArray(), dims))
            : NamedOnnxValue.CreateFromTensor("input", new DenseTensor<float>(input.Select(v => (float)v).ToArray(), dims));
        using var results = session.Run(new[] { value });
        var outputs = new Dictionary<string, float[]>();
        foreach (var r in results)
        {
            var tensor = r.AsTensor<float>();
            Assert.Equal(batch, tensor.Dimensions[0]);
            if (r.Name == "output")
            {
                Assert.Equal(model.Architecture.Layers[^1].OutputShape, tensor.Dimensions.ToArray().Skip(1));
            }
            outputs[r.Name] = tensor.ToArray();
        }
        return outputs;
    }

    /// <summary>Every parameter uniform in [-0.6, 0.6] from a seeded generator.</summary>
    private static void Randomize(ISequentialModel model, int seed)
    {
        var rng = new Random(seed);
        float[] p = model.Weights.Parameters;
        for (int i = 0; i < p.Length; i++)
        {
            p[i] = (float)(rng.NextDouble() * 1.2 - 0.6);
        }
    }

    private static void AssertClose(ReadOnlySpan<float> expected, ReadOnlySpan<float> actual, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
        {
            float diff = MathF.Abs(expected[i] - actual[i]);
            float bound = Tolerance * MathF.Max(1f, MathF.Abs(expected[i]));
            if (!(diff <= bound))
            {
                Assert.Fail($"{what}: element {i} is {actual[i]:R} in ONNX Runtime, {expected[i]:R} in LstmGen (|diff| {diff:E2} > {bound:E1}).");
            }
        }
    }

    /// <summary>A model whose architecture is given (to reach refusals generated models never hit).</summary>
    private sealed class FakeModel(ISequentialModel weights, ModelArchitecture architecture) : ISequentialModel
    {
        public WeightStore Weights => weights.Weights;
        public int InputLength => weights.InputLength;
        public int OutputLength => weights.OutputLength;
        public int OutputFeatures => weights.OutputFeatures;
        public int MaxBatch => weights.MaxBatch;
        public ModelArchitecture Architecture => architecture;
    }
}
