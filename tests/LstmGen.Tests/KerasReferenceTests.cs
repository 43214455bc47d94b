using System;
using System.Collections.Generic;
using System.Linq;
using LstmGen.Tests.Models;
using Xunit;

namespace LstmGen.Tests;

/// <summary>
/// Every generated model against Keras's numbers (TensorFlow.js layers, cross-checked with PyTorch): same weights by
/// Keras name, same inputs, outputs within 1e-5, one sample at a time and as a batch, with and without batch chunking.
/// </summary>
public class KerasReferenceTests
{
    private const float Tolerance = 1e-5f;

    /// <summary>Each reference case and the model declarations that must reproduce it (unrolled and looped variants).</summary>
    public static readonly IReadOnlyDictionary<string, Func<ModelOptions?, ISequentialModel>[]> Models =
        new Dictionary<string, Func<ModelOptions?, ISequentialModel>[]>
        {
            ["one_to_one"] = [o => new OneToOne(o)],
            ["dense_activations_2d"] = [o => new DenseActivations2D(o)],
            ["one_to_many"] = [o => new OneToMany(o)],
            ["many_to_one"] = [o => new ManyToOne(o), o => new ManyToOneLooped(o)],
            ["many_to_many_same"] = [o => new ManyToManySame(o)],
            ["many_to_many_slice"] = [o => new ManyToManySlice(o)],
            ["many_to_many_pad"] = [o => new ManyToManyPad(o)],
            ["encoder_decoder"] = [o => new EncoderDecoder(o)],
            ["stacked"] = [o => new Stacked(o), o => new StackedLooped(o)],
            ["long_sequence"] = [o => new LongSequence(o), o => new LongSequenceUnrolled(o)],
            ["long_stacked_seq"] = [o => new LongStackedSeq(o)],
            ["go_backwards_last"] = [o => new GoBackwardsLast(o)],
            ["go_backwards_seq"] = [o => new GoBackwardsSeq(o), o => new GoBackwardsSeqLooped(o)],
            ["lstm_activations"] = [o => new LstmActivations(o)],
            ["lstm_linear_activation"] = [o => new LstmLinearActivation(o)],
            ["lstm_no_bias"] = [o => new LstmNoBias(o)],
            ["return_state"] = [o => new ReturnStateModel(o)],
            ["return_state_seq"] = [o => new ReturnStateSeq(o)],
            ["bidirectional_concat_seq"] = [o => new BidirectionalConcatSeq(o), o => new BidirectionalConcatSeqLooped(o)],
            ["bidirectional_concat_last"] = [o => new BidirectionalConcatLast(o)],
            ["bidirectional_sum"] = [o => new BidirectionalSum(o)],
            ["bidirectional_mul"] = [o => new BidirectionalMul(o)],
            ["bidirectional_ave"] = [o => new BidirectionalAve(o)],
            ["embedding_lstm"] = [o => new EmbeddingLstm(o)],
            ["embedding_mask"] = [o => new EmbeddingMask(o), o => new EmbeddingMaskLooped(o)],
            ["embedding_mask_stacked"] = [o => new EmbeddingMaskStacked(o)],
            ["embedding_mask_seq_out"] = [o => new EmbeddingMaskSeqOut(o)],
            ["embedding_mask_bidirectional"] = [o => new EmbeddingMaskBidirectional(o)],
            ["embedding_mask_go_backwards"] = [o => new EmbeddingMaskGoBackwards(o)],
            ["dense_softmax_seq"] = [o => new DenseSoftmaxSeq(o)],
        };

    public static TheoryData<string> CaseNames => new(ReferenceCase.AllNames);

    [Fact]
    public void Every_reference_case_has_a_model_and_every_model_a_case()
    {
        Assert.Equal(Models.Keys.Order(StringComparer.Ordinal), ReferenceCase.AllNames);
    }

    [Theory]
    [MemberData(nameof(CaseNames))]
    public void Weights_have_Keras_names_shapes_and_order(string name)
    {
        ReferenceCase c = ReferenceCase.Load(name);
        foreach (var create in Models[name])
        {
            ISequentialModel model = create(null);
            Assert.Equal(c.Weights!.Select(w => w.Name), model.Weights.Entries.Select(e => e.Name));
            foreach (ReferenceWeight w in c.Weights!)
            {
                Assert.Equal(w.Shape, model.Weights.Find(w.Name).Dimensions);
            }
            Assert.Equal(c.Weights!.Sum(w => w.Values.Length), model.Weights.Count);
        }
    }

    [Theory]
    [MemberData(nameof(CaseNames))]
    public void Outputs_match_Keras_one_sample_at_a_time(string name)
    {
        ReferenceCase c = ReferenceCase.Load(name);
        foreach (var create in Models[name])
        {
            ISequentialModel model = Loaded(create(null), c);
            var output = new float[model.OutputLength];
            for (int b = 0; b < c.Batch; b++)
            {
                PredictOne(model, c, b, output);
                AssertClose(c.Output.AsSpan(b * model.OutputLength, model.OutputLength), output, $"{name} ({model.GetType().Name}) sample {b}");
            }
        }
    }

    [Theory]
    [MemberData(nameof(CaseNames))]
    public void Outputs_match_Keras_as_a_batch_and_in_chunks(string name)
    {
        ReferenceCase c = ReferenceCase.Load(name);
        foreach (var create in Models[name])
        {
            foreach (int maxBatch in new[] { 32, 2 }) // 2: the batch is processed in chunks, the last one partial
            {
                ISequentialModel model = Loaded(create(new ModelOptions { MaxBatch = maxBatch }), c);
                var outputs = new float[c.Batch * model.OutputLength];
                switch (model)
                {
                    case ISequentialModel<float> m: m.PredictBatch(c.FloatInput, outputs, c.Batch); break;
                    case ISequentialModel<int> m: m.PredictBatch(c.TokenInput, outputs, c.Batch); break;
                }
                AssertClose(c.Output, outputs, $"{name} ({model.GetType().Name}, MaxBatch {maxBatch})");
            }
        }
    }

    [Theory]
    [InlineData("return_state")]
    [InlineData("return_state_seq")]
    public void Final_states_match_Keras(string name)
    {
        ReferenceCase c = ReferenceCase.Load(name);
        ISequentialModel model = Loaded(Models[name][0](new ModelOptions { MaxBatch = 2 }), c);
        int units = c.StateH!.Length / c.Batch;
        var outputs = new float[c.Batch * model.OutputLength];
        var h = new float[c.Batch * units];
        var cs = new float[c.Batch * units];
        if (model is ReturnStateModel last)
        {
            last.PredictBatch(c.FloatInput, outputs, h, cs, c.Batch);
            var one = new float[units];
            var oneC = new float[units];
            var o = new float[ReturnStateModel.OutputLength];
            last.Predict(c.FloatInput.AsSpan(0, ReturnStateModel.InputLength), o, one, oneC);
            AssertClose(c.StateH.AsSpan(0, units), one, "single-sample h");
            AssertClose(c.StateC!.AsSpan(0, units), oneC, "single-sample c");
        }
        else
        {
            ((ReturnStateSeq)model).PredictBatch(c.FloatInput, outputs, h, cs, c.Batch);
        }
        AssertClose(c.Output, outputs, name + " output");
        AssertClose(c.StateH, h, name + " h");
        AssertClose(c.StateC!, cs, name + " c");
    }

    internal static ISequentialModel Loaded(ISequentialModel model, ReferenceCase c)
    {
        model.Weights.SetMany(c.Weights!.Select(w => KeyValuePair.Create(w.Name, w.Values)));
        return model;
    }

    internal static void PredictOne(ISequentialModel model, ReferenceCase c, int sample, Span<float> output)
    {
        int n = model.InputLength;
        switch (model)
        {
            case ISequentialModel<float> m: m.Predict(c.FloatInput.AsSpan(sample * n, n), output); break;
            case ISequentialModel<int> m: m.Predict(c.TokenInput.AsSpan(sample * n, n), output); break;
            default: throw new InvalidOperationException(model.GetType().Name);
        }
    }

    internal static void AssertClose(ReadOnlySpan<float> expected, ReadOnlySpan<float> actual, string what, float tolerance = Tolerance)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
        {
            float diff = MathF.Abs(expected[i] - actual[i]);
            if (!(diff <= tolerance))
            {
                Assert.Fail($"{what}: element {i} is {actual[i]:R}, expected {expected[i]:R} (|diff| {diff:E2} > {tolerance:E0}).");
            }
        }
    }
}
