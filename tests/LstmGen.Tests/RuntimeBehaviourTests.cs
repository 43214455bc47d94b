using System;
using System.Collections.Generic;
using System.Linq;
using LstmGen.Tests.Models;
using Xunit;

namespace LstmGen.Tests;

/// <summary>Allocation-free inference, clear errors for bad input, and the weight store.</summary>
public class RuntimeBehaviourTests
{
    private static float[] Random(int n, int seed, float scale = 1f)
    {
        var rng = new Random(seed);
        return Enumerable.Range(0, n).Select(_ => (float)(rng.NextDouble() * 2 - 1) * scale).ToArray();
    }

    private static long AllocatedDuring(Action action, int repeats = 50) => Allocations.During(action, repeats);

    [Fact]
    public void Predict_and_PredictBatch_allocate_nothing_after_construction()
    {
        var stacked = new Stacked();
        float[] x = Random(Stacked.InputLength, 1), y = new float[Stacked.OutputLength];
        Assert.Equal(0, AllocatedDuring(() => stacked.Predict(x, y)));

        float[] xs = Random(70 * Stacked.InputLength, 2), ys = new float[70 * Stacked.OutputLength];
        Assert.Equal(0, AllocatedDuring(() => stacked.PredictBatch(xs, ys, 70))); // 70 > MaxBatch: chunked

        var sentiment = new Sentiment();
        int[] tokens = Enumerable.Range(0, 32 * Sentiment.InputLength).Select(i => i % 7 == 0 ? 0 : (i * 31) % 5000).ToArray();
        float[] p = new float[32];
        Assert.Equal(0, AllocatedDuring(() => sentiment.PredictBatch(tokens, p, 32)));
        Assert.Equal(0, AllocatedDuring(() => sentiment.Predict(tokens.AsSpan(0, 20), p.AsSpan(0, 1))));

        var bidi = new BidirectionalConcatSeq();
        float[] bx = Random(5 * BidirectionalConcatSeq.InputLength, 3), by = new float[5 * BidirectionalConcatSeq.OutputLength];
        Assert.Equal(0, AllocatedDuring(() => bidi.PredictBatch(bx, by, 5)));

        var encdec = new EncoderDecoder();
        float[] ex = Random(3 * EncoderDecoder.InputLength, 4), ey = new float[3 * EncoderDecoder.OutputLength];
        Assert.Equal(0, AllocatedDuring(() => encdec.PredictBatch(ex, ey, 3)));

        var pad = new ManyToManyPad();
        float[] px = Random(3 * ManyToManyPad.InputLength, 5), py = new float[3 * ManyToManyPad.OutputLength];
        Assert.Equal(0, AllocatedDuring(() => pad.PredictBatch(px, py, 3)));

        var stream = stacked.OpenStream();
        float[] step = [0.5f], o = new float[1];
        Assert.Equal(0, AllocatedDuring(() => stream.Step(step, o)));
    }

    [Fact]
    public void Wrong_span_lengths_are_rejected_with_the_expected_shape()
    {
        var model = new ManyToOne();
        var ex = Assert.Throws<ArgumentException>(() => model.Predict(new float[20], new float[1]));
        Assert.Equal("input", ex.ParamName);
        Assert.Contains("20 elements; expected 21", ex.Message);
        Assert.Contains("(7, 3)", ex.Message);

        ex = Assert.Throws<ArgumentException>(() => model.Predict(new float[21], new float[2]));
        Assert.Equal("output", ex.ParamName);

        ex = Assert.Throws<ArgumentException>(() => model.PredictBatch(new float[42], new float[3], 3));
        Assert.Contains("3 samples of shape (7, 3)", ex.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => model.PredictBatch(new float[0], new float[0], -1));
    }

    [Fact]
    public void Non_finite_inputs_are_rejected_naming_the_element()
    {
        var model = new ManyToOne();
        var x = new float[21];
        x[4] = float.NaN;
        var ex = Assert.Throws<ArgumentException>(() => model.Predict(x, new float[1]));
        Assert.Contains("input[4] is NaN", ex.Message);
        x[4] = 0;
        x[20] = float.PositiveInfinity;
        ex = Assert.Throws<ArgumentException>(() => model.PredictBatch(x, new float[1], 1));
        Assert.Contains("inputs[20]", ex.Message);
    }

    [Fact]
    public void Token_ids_outside_the_vocabulary_are_rejected_naming_sample_and_step()
    {
        var model = new EmbeddingMask();
        var tokens = new int[16];
        tokens[8 + 3] = 20;
        var ex = Assert.Throws<ArgumentOutOfRangeException>(() => model.PredictBatch(tokens, new float[2], 2));
        Assert.Contains("Token id 20 at sample 1, step 3", ex.Message);
        Assert.Contains("[0, 20)", ex.Message);
        tokens[11] = -1;
        Assert.Throws<ArgumentOutOfRangeException>(() => model.Predict(tokens.AsSpan(8, 8), new float[1]));
    }

    [Fact]
    public void Unknown_weight_names_list_the_weights_there_are()
    {
        var model = new ManyToOne();
        var ex = Assert.Throws<KeyNotFoundException>(() => model.Weights.Get("lstm/kernal"));
        Assert.Contains("no weight named 'lstm/kernal'", ex.Message);
        Assert.Contains("lstm/kernel (3, 20)", ex.Message);
        Assert.Contains("dense/bias (1)", ex.Message);
    }

    [Fact]
    public void Setting_weights_checks_length_and_values_and_SetMany_is_all_or_nothing()
    {
        var model = new ManyToOne();
        var ex = Assert.Throws<ArgumentException>(() => model.Weights.Set("lstm/bias", new float[19]));
        Assert.Contains("shape (20)", ex.Message);
        var bad = new float[20];
        bad[7] = float.NaN;
        ex = Assert.Throws<ArgumentException>(() => model.Weights.Set("lstm/bias", bad));
        Assert.Contains("value [7] is NaN", ex.Message);

        float[] before = model.Weights.Parameters.ToArray();
        Assert.Throws<ArgumentException>(() => model.Weights.SetMany(
        [
            KeyValuePair.Create("lstm/bias", Enumerable.Repeat(0.5f, 20).ToArray()), // valid
            KeyValuePair.Create("dense/kernel", new float[4]),                       // wrong length
        ]));
        Assert.Equal(before, model.Weights.Parameters);

        model.Weights.Set("dense/bias", [0.25f]);
        Assert.Equal([0.25f], model.Weights.Get("dense/bias"));
        Assert.Equal(0.25f, model.Weights.Parameters[model.Weights.Find("dense/bias").Offset]);
    }

    [Fact]
    public void MaxBatch_must_be_positive()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new ManyToOne(new ModelOptions { MaxBatch = 0 }));
    }

    [Fact]
    public void Constants_and_summary_describe_the_model()
    {
        Assert.Equal(10, Stacked.InputSteps);
        Assert.Equal(1, Stacked.InputFeatures);
        Assert.Equal(1, Stacked.OutputLength);
        // Keras: LSTM(50) on 1 feature = 4*50*(1+50+1) = 10400; LSTM(50) on 50 = 4*50*(50+50+1) = 20200; Dense(1) = 51.
        Assert.Equal(10400 + 20200 + 51, Stacked.ParameterCount);
        Assert.Equal([10, 1], Stacked.InputShape.ToArray());
        Assert.Contains("lstm_1 (LSTM)", Stacked.Summary);
        Assert.Contains("Total params: 30651", Stacked.Summary);
        Assert.Equal(5000, Sentiment.Vocabulary);
        Assert.Equal(["encoder/kernel", "encoder/recurrent_kernel", "encoder/bias", "lstm/kernel", "lstm/recurrent_kernel", "lstm/bias", "head/kernel", "head/bias"],
            new NamedLayers().Weights.Entries.Select(e => e.Name));
    }
}

public class TensorSpanTests
{
    [Fact]
    public void PredictBatch_takes_shaped_tensors_and_checks_their_shapes()
    {
        ReferenceCase c = ReferenceCase.Load("many_to_many_slice"); // (6, 4) -> (3, 2)
        var model = (LstmGen.Tests.Models.ManyToManySlice)KerasReferenceTests.Loaded(new LstmGen.Tests.Models.ManyToManySlice(), c);
        float[] inputs = c.FloatInput, outputs = new float[c.Output.Length];
        model.PredictBatch(new System.Numerics.Tensors.ReadOnlyTensorSpan<float>(inputs, [c.Batch, 6, 4]),
            new System.Numerics.Tensors.TensorSpan<float>(outputs, [c.Batch, 3, 2]));
        KerasReferenceTests.AssertClose(c.Output, outputs, "tensor batch");

        var ex = Assert.Throws<ArgumentException>(() => model.PredictBatch(
            new System.Numerics.Tensors.ReadOnlyTensorSpan<float>(inputs, [c.Batch, 4, 6]),
            new System.Numerics.Tensors.TensorSpan<float>(outputs, [c.Batch, 3, 2])));
        Assert.Contains("expected (batch, 6, 4)", ex.Message);
        ex = Assert.Throws<ArgumentException>(() => model.PredictBatch(
            new System.Numerics.Tensors.ReadOnlyTensorSpan<float>(inputs, [c.Batch, 6, 4]),
            new System.Numerics.Tensors.TensorSpan<float>(new float[2 * 6], [2, 3, 2])));
        Assert.Equal("outputs", ex.ParamName);
    }
}

public class TrainingStepTests
{
    [Fact]
    public void A_training_step_allocates_nothing_after_the_first()
    {
        var model = new LstmGen.Tests.Models.Stacked(new ModelOptions { MaxBatch = 16 });
        var rng = new Random(1);
        float[] x = Enumerable.Range(0, 40 * 10).Select(_ => (float)rng.NextDouble()).ToArray();
        float[] y = Enumerable.Range(0, 40).Select(_ => (float)rng.NextDouble()).ToArray();
        var adam = new Adam();
        // Warm up: the optimiser allocates its moments at the first step, and the first calls JIT and tier up.
        for (int i = 0; i < 30; i++) model.TrainStep(x, y, 40, Loss.MeanSquaredError, adam);
        Assert.Equal(0, Allocations.During(() => model.TrainStep(x, y, 40, Loss.MeanSquaredError, adam), 20)); // 40 > MaxBatch: chunked

        var sentiment = new LstmGen.Tests.Models.Sentiment();
        int[] tokens = Enumerable.Range(0, 8 * 20).Select(i => i % 5 == 0 ? 0 : i % 5000).ToArray();
        float[] labels = Enumerable.Range(0, 8).Select(i => (float)(i % 2)).ToArray();
        var sgd = new Sgd(0.01f, momentum: 0.9f, nesterov: true) { ClipNorm = 1f };
        for (int i = 0; i < 30; i++) sentiment.TrainStep(tokens, labels, 8, Loss.BinaryCrossEntropy, sgd);
        Assert.Equal(0, Allocations.During(() => sentiment.TrainStep(tokens, labels, 8, Loss.BinaryCrossEntropy, sgd), 5));
    }

    [Fact]
    public void Training_reduces_the_loss_on_a_learnable_task()
    {
        // Next value of a sine wave from the previous 10: an LSTM learns it quickly.
        var model = new LstmGen.Tests.Models.Stacked(new ModelOptions { Seed = 3 });
        int n = 64;
        float[] x = new float[n * 10], y = new float[n];
        for (int s = 0; s < n; s++)
        {
            for (int t = 0; t < 10; t++) x[s * 10 + t] = MathF.Sin(0.3f * (s + t));
            y[s] = MathF.Sin(0.3f * (s + 10));
        }
        var adam = new Adam(0.01f);
        float first = model.TrainStep(x, y, n, Loss.MeanSquaredError, adam);
        float last = first;
        for (int i = 0; i < 150; i++) last = model.TrainStep(x, y, n, Loss.MeanSquaredError, adam);
        Assert.True(last < first / 20, $"loss went from {first} to {last}");
        Assert.True(last < 0.01f, $"final loss {last}");
    }

    [Fact]
    public void ComputeGradients_checks_its_arguments()
    {
        var model = new LstmGen.Tests.Models.OneToOne();
        var ex = Assert.Throws<ArgumentException>(() => model.ComputeGradients(new float[8], new float[5], 2, Loss.CategoricalCrossEntropy));
        Assert.Equal("targets", ex.ParamName);
        ex = Assert.Throws<ArgumentException>(() => model.ComputeGradients(new float[8], [0f, 3f], 2, Loss.SparseCategoricalCrossEntropy));
        Assert.Contains("class indices in [0, 3)", ex.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => model.ComputeGradients(new float[0], new float[0], 0, Loss.MeanSquaredError));
        Assert.Equal(1, model.TargetLength(Loss.SparseCategoricalCrossEntropy));
        Assert.Equal(3, model.TargetLength(Loss.CategoricalCrossEntropy));
    }
}

public class DeclaredLossTests
{
    [Fact]
    public void The_declared_loss_is_exposed_for_Fit()
    {
        Assert.Same(Loss.CategoricalCrossEntropy, LstmGen.Tests.Models.DeclaredLossModel.DeclaredLoss);
        Assert.Null(Loss.FromKind(LossKind.None));
        foreach (LossKind kind in Enum.GetValues<LossKind>().Where(k => k != LossKind.None))
        {
            Assert.NotNull(Loss.FromKind(kind));
        }
    }
}
