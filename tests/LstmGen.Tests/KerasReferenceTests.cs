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
            // GRU, SimpleRNN, the new activations and dropout layers (ReferenceModelsRnn.cs).
            ["gru_last"] = [o => new RefGruLast(o), o => new RefGruLastLooped(o)],
            ["gru_seq"] = [o => new RefGruSeq(o)],
            ["gru_stacked"] = [o => new RefGruStacked(o), o => new RefGruStackedLooped(o)],
            ["gru_long_sequence"] = [o => new RefGruLongSequence(o), o => new RefGruLongSequenceUnrolled(o)],
            ["gru_go_backwards_last"] = [o => new RefGruGoBackwardsLast(o)],
            ["gru_go_backwards_seq"] = [o => new RefGruGoBackwardsSeq(o), o => new RefGruGoBackwardsSeqLooped(o)],
            ["gru_bidirectional_concat_seq"] = [o => new RefGruBidirectionalConcatSeq(o), o => new RefGruBidirectionalConcatSeqLooped(o)],
            ["gru_bidirectional_ave"] = [o => new RefGruBidirectionalAve(o)],
            ["gru_embedding_mask"] = [o => new RefGruEmbeddingMask(o), o => new RefGruEmbeddingMaskLooped(o)],
            ["gru_embedding_mask_seq_out"] = [o => new RefGruEmbeddingMaskSeqOut(o)],
            ["gru_embedding_mask_bidirectional"] = [o => new RefGruEmbeddingMaskBidirectional(o)],
            ["gru_return_state"] = [o => new RefGruReturnState(o), o => new RefGruReturnStateLooped(o)],
            ["gru_return_state_seq"] = [o => new RefGruReturnStateSeq(o)],
            ["gru_no_bias"] = [o => new RefGruNoBias(o)],
            ["gru_activations"] = [o => new RefGruActivations(o)],
            ["gru_before_last"] = [o => new RefGruBeforeLast(o), o => new RefGruBeforeLastLooped(o)],
            ["gru_before_seq"] = [o => new RefGruBeforeSeq(o)],
            ["gru_before_stacked"] = [o => new RefGruBeforeStacked(o)],
            ["gru_before_go_backwards"] = [o => new RefGruBeforeGoBackwards(o), o => new RefGruBeforeGoBackwardsLooped(o)],
            ["gru_before_bidirectional_sum"] = [o => new RefGruBeforeBidirectionalSum(o)],
            ["gru_before_embedding_mask"] = [o => new RefGruBeforeEmbeddingMask(o), o => new RefGruBeforeEmbeddingMaskLooped(o)],
            ["gru_before_return_state"] = [o => new RefGruBeforeReturnState(o)],
            ["gru_before_no_bias"] = [o => new RefGruBeforeNoBias(o)],
            ["gru_before_activations"] = [o => new RefGruBeforeActivations(o)],
            ["simple_rnn_last"] = [o => new RefSimpleRnnLast(o), o => new RefSimpleRnnLastLooped(o)],
            ["simple_rnn_seq"] = [o => new RefSimpleRnnSeq(o)],
            ["simple_rnn_stacked"] = [o => new RefSimpleRnnStacked(o), o => new RefSimpleRnnStackedLooped(o)],
            ["simple_rnn_long_sequence"] = [o => new RefSimpleRnnLongSequence(o), o => new RefSimpleRnnLongSequenceUnrolled(o)],
            ["simple_rnn_go_backwards"] = [o => new RefSimpleRnnGoBackwards(o), o => new RefSimpleRnnGoBackwardsLooped(o)],
            ["simple_rnn_bidirectional_concat"] = [o => new RefSimpleRnnBidirectionalConcat(o), o => new RefSimpleRnnBidirectionalConcatLooped(o)],
            ["simple_rnn_bidirectional_mul"] = [o => new RefSimpleRnnBidirectionalMul(o)],
            ["simple_rnn_embedding_mask"] = [o => new RefSimpleRnnEmbeddingMask(o), o => new RefSimpleRnnEmbeddingMaskLooped(o)],
            ["simple_rnn_embedding_mask_seq_out"] = [o => new RefSimpleRnnEmbeddingMaskSeqOut(o)],
            ["simple_rnn_return_state"] = [o => new RefSimpleRnnReturnState(o), o => new RefSimpleRnnReturnStateLooped(o)],
            ["simple_rnn_return_state_seq"] = [o => new RefSimpleRnnReturnStateSeq(o)],
            ["simple_rnn_relu"] = [o => new RefSimpleRnnRelu(o)],
            ["simple_rnn_no_bias"] = [o => new RefSimpleRnnNoBias(o)],
            ["activation_elu"] = [o => new RefActivationElu(o)],
            ["activation_selu"] = [o => new RefActivationSelu(o)],
            ["activation_gelu"] = [o => new RefActivationGelu(o)],
            ["activation_softplus"] = [o => new RefActivationSoftplus(o)],
            ["activation_softsign"] = [o => new RefActivationSoftsign(o)],
            ["activation_swish"] = [o => new RefActivationSwish(o)],
            ["activation_hard_sigmoid"] = [o => new RefActivationHardSigmoid(o)],
            ["activation_hard_sigmoid_keras2"] = [o => new RefActivationHardSigmoidKeras2(o)],
            ["activation_leaky_relu"] = [o => new RefActivationLeakyRelu(o)],
            ["activation_exponential"] = [o => new RefActivationExponential(o)],
            ["lstm_new_activations"] = [o => new RefLstmNewActivations(o)],
            ["gru_new_activations"] = [o => new RefGruNewActivations(o)],
            ["simple_rnn_other_activations"] = [o => new RefSimpleRnnOtherActivations(o)],
            ["dropout_layers"] = [o => new RefDropoutLayers(o), o => new RefDropoutLayersLooped(o)],
            ["dropout_masked"] = [o => new RefDropoutMasked(o)],
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
