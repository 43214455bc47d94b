using System;
using System.IO;
using System.Linq;
using LstmGen.Tests.Models;
using Xunit;

namespace LstmGen.Tests;

/// <summary>
/// Issue 14's runtime misuse cases, each reproduced exactly: optimiser hyper-parameters, a diverging Fit, and sizes whose
/// arithmetic overflowed. Each must give a named exception that says what and where, and change nothing.
/// </summary>
public class OptimizerValidationTests
{
    public static TheoryData<string, Func<Optimizer>, string, string> BadHyperParameters => new()
    {
        // The cases.
        { "Sgd(NaN)", () => new Sgd(float.NaN), "learningRate", "NaN" },
        { "Adam(-1)", () => new Adam(-1), "learningRate", "-1" },
        { "Sgd(1e30)", () => new Sgd(1e30f), "learningRate", "1.00000002E+30" },
        // Every other hyper-parameter.
        { "Sgd(0)", () => new Sgd(0f), "learningRate", "(0, 1000000]" },
        { "Sgd(+inf)", () => new Sgd(float.PositiveInfinity), "learningRate", "Infinity" },
        { "RmsProp(1e7)", () => new RmsProp(1e7f), "learningRate", "10000000" },
        { "Sgd momentum -0.1", () => new Sgd(0.01f, momentum: -0.1f), "momentum", "[0, 1]" },
        { "Sgd momentum 1.5", () => new Sgd(0.01f, momentum: 1.5f), "momentum", "1.5" },
        { "Sgd momentum NaN", () => new Sgd(0.01f, momentum: float.NaN), "momentum", "NaN" },
        { "Adam beta1 1", () => new Adam(beta1: 1f), "beta1", "[0, 1)" },
        { "Adam beta1 -0.5", () => new Adam(beta1: -0.5f), "beta1", "-0.5" },
        { "Adam beta2 1", () => new Adam(beta2: 1f), "beta2", "[0, 1)" },
        { "Adam epsilon 0", () => new Adam(epsilon: 0f), "epsilon", "greater than 0" },
        { "Adam epsilon NaN", () => new Adam(epsilon: float.NaN), "epsilon", "NaN" },
        { "AdamW weight decay -0.1", () => new AdamW(weightDecay: -0.1f), "weightDecay", "-0.100000001" },
        { "AdamW beta2 2", () => new AdamW(beta2: 2f), "beta2", "[0, 1)" },
        { "RmsProp rho 1", () => new RmsProp(rho: 1f), "rho", "[0, 1)" },
        { "RmsProp epsilon -1", () => new RmsProp(epsilon: -1f), "epsilon", "-1" },
        { "ClipNorm 0", () => new Adam { ClipNorm = 0f }, "ClipNorm", "greater than 0" },
        { "GlobalClipNorm -1", () => new Sgd { GlobalClipNorm = -1f }, "GlobalClipNorm", "-1" },
        { "ClipValue NaN", () => new RmsProp { ClipValue = float.NaN }, "ClipValue", "NaN" },
        { "ClipValue inf", () => new Sgd { ClipValue = float.PositiveInfinity }, "ClipValue", "Infinity" },
    };

    [Theory]
    [MemberData(nameof(BadHyperParameters))]
    public void Out_of_range_hyper_parameters_are_rejected_naming_parameter_and_value(string what, Func<Optimizer> create, string parameter, string shown)
    {
        var ex = Assert.Throws<ArgumentOutOfRangeException>(create);
        Assert.Equal(parameter, ex.ParamName);
        Assert.Contains(shown, ex.Message, StringComparison.Ordinal);
        Assert.False(string.IsNullOrEmpty(what));
    }

    [Fact]
    public void Keras_defaults_and_edge_values_are_accepted()
    {
        Assert.Equal(0.01f, new Sgd().LearningRate);
        Assert.Equal(1f, new Sgd(0.1f, momentum: 1f).Momentum); // Keras accepts momentum in [0, 1]
        Assert.Equal(0f, new Adam(beta1: 0f).Beta1);
        Assert.Equal(0f, new AdamW(weightDecay: 0f).WeightDecay);
        Assert.Equal(Optimizer.MaxLearningRate, new Sgd(Optimizer.MaxLearningRate).LearningRate);
        Assert.Equal(0.5f, new Adam { ClipNorm = 0.5f, GlobalClipNorm = null, ClipValue = null }.ClipNorm);
    }

    [Fact]
    public void Only_one_clipping_option_can_be_set_as_in_Keras_3()
    {
        var ex = Assert.Throws<ArgumentException>(() => new Sgd { ClipNorm = 1f, ClipValue = 0.5f });
        Assert.Equal("ClipValue", ex.ParamName);
        Assert.Contains("only one of ClipNorm, GlobalClipNorm and ClipValue", ex.Message);
        Assert.Contains("ClipNorm is already set", ex.Message);
        ex = Assert.Throws<ArgumentException>(() => new Adam { GlobalClipNorm = 1f, ClipNorm = 2f });
        Assert.Equal("ClipNorm", ex.ParamName);
    }

    [Fact]
    public void Setting_a_bad_learning_rate_later_throws_and_keeps_the_old_one()
    {
        var adam = new Adam(0.002f);
        var ex = Assert.Throws<ArgumentOutOfRangeException>(() => adam.LearningRate = float.NaN);
        Assert.Equal("LearningRate", ex.ParamName);
        Assert.Equal(0.002f, adam.LearningRate);
        adam.LearningRate = 0.0005f;
        Assert.Equal(0.0005f, adam.LearningRate);
    }
}

public class NonFiniteLossTests
{
    private static (float[] X, float[] Y) Data(int n)
    {
        var rng = new Random(21);
        float[] x = Enumerable.Range(0, n * ManyToOne.InputLength).Select(_ => (float)rng.NextDouble() - 0.5f).ToArray();
        float[] y = Enumerable.Range(0, n).Select(_ => (float)rng.NextDouble()).ToArray();
        return (x, y);
    }

    /// <summary>A model whose Dense kernel is 1e30: its outputs are about 1e30, so the squared error overflows at the first batch.</summary>
    private static ManyToOne Overflowing()
    {
        var model = new ManyToOne(new ModelOptions { Seed = 4 });
        model.Weights.Set("dense/kernel", Enumerable.Repeat(1e30f, 5).ToArray());
        return model;
    }

    [Fact]
    public void By_default_Fit_throws_at_the_first_non_finite_loss_and_leaves_the_weights_as_they_were()
    {
        (float[] x, float[] y) = Data(40);
        ManyToOne model = Overflowing();
        float[] before = model.Weights.Parameters.ToArray();
        var ex = Assert.Throws<NonFiniteLossException>(() => model.Fit(x, y, new FitOptions
        {
            Loss = Loss.MeanSquaredError, Optimizer = new Sgd(0.01f), Epochs = 3, BatchSize = 8, Verbose = Verbosity.Silent,
        }));
        Assert.Equal(1, ex.Epoch);
        Assert.Equal(1, ex.Batch);
        Assert.False(float.IsFinite(ex.Loss));
        Assert.Null(ex.Tensor);
        Assert.Empty(ex.History.Epochs);
        Assert.Contains("Epoch 1, batch 1/5: the loss is ", ex.Message);
        Assert.Contains("update was not applied", ex.Message);
        Assert.Contains("OnNonFiniteLoss", ex.Message);
        Assert.Equal(before, model.Weights.Parameters); // not one update: all or nothing
    }

    [Fact]
    public void A_learning_rate_that_diverges_is_stopped_with_finite_weights_and_the_epoch_and_batch()
    {
        // Sgd(1e5) on the Stacked model: the "keeps printing loss NaN", stopped at the first bad batch instead.
        var rng = new Random(8);
        float[] x = Enumerable.Range(0, 64 * 10).Select(_ => (float)rng.NextDouble()).ToArray();
        float[] y = Enumerable.Range(0, 64).Select(_ => 10f * (float)rng.NextDouble()).ToArray();
        var model = new Stacked(new ModelOptions { Seed = 1 });
        var ex = Assert.Throws<NonFiniteLossException>(() => model.Fit(x, y, new FitOptions
        {
            Loss = Loss.MeanSquaredError, Optimizer = new Sgd(1e5f), Epochs = 20, BatchSize = 8, Shuffle = false, Verbose = Verbosity.Silent,
        }));
        Assert.True(Kernels.AllFinite(model.Weights.Parameters));
        Assert.Contains($"Epoch {ex.Epoch}, batch {ex.Batch}/8", ex.Message);
        Assert.Equal(ex.Epoch - 1, ex.History.Epochs.Count);
        Assert.Contains("100000", ex.Message); // the learning rate, as the likely cause
    }

    [Fact]
    public void Stop_returns_the_finished_epochs_flagged_like_Keras_TerminateOnNaN()
    {
        (float[] x, float[] y) = Data(40);
        ManyToOne model = Overflowing();
        float[] before = model.Weights.Parameters.ToArray();
        var output = new StringWriter();
        History h = model.Fit(x, y, new FitOptions
        {
            Loss = Loss.MeanSquaredError, Optimizer = new Sgd(0.01f), Epochs = 3, BatchSize = 8, Verbose = Verbosity.OneLinePerEpoch,
            Output = output, OnNonFiniteLoss = NonFiniteLossAction.Stop,
        });
        Assert.True(h.StoppedOnNonFiniteLoss);
        Assert.Empty(h.Epochs);
        Assert.Equal(before, model.Weights.Parameters);
        Assert.Contains("Epoch 1, batch 1/5: the loss is ", output.ToString());
    }

    [Fact]
    public void Continue_applies_the_update_as_Keras_does_without_the_callback()
    {
        (float[] x, float[] y) = Data(40);
        ManyToOne model = Overflowing();
        History h = model.Fit(x, y, new FitOptions
        {
            Loss = Loss.MeanSquaredError, Optimizer = new Sgd(0.01f), Epochs = 2, BatchSize = 8, Verbose = Verbosity.Silent,
            OnNonFiniteLoss = NonFiniteLossAction.Continue,
        });
        Assert.Equal(2, h.Epochs.Count);
        Assert.False(h.StoppedOnNonFiniteLoss);
        Assert.False(double.IsFinite(h["loss"][^1]));
        Assert.False(Kernels.AllFinite(model.Weights.Parameters));
    }

    /// <summary>Mean squared error, but a NaN gradient (and a finite loss term) for a target of exactly -1.</summary>
    private sealed class NaNGradientAtMinusOne : Loss
    {
        public override string Name => "nan_gradient_at_minus_one";

        public override double Accumulate(ReadOnlySpan<float> p, ReadOnlySpan<float> y, Span<float> g, int rows, int width, float scale, bool fused)
        {
            double sum = MeanSquaredError.Accumulate(p, y, g, rows, width, scale, fused);
            for (int i = 0; i < rows * width; i++)
            {
                if (y[i] == -1f) g[i] = float.NaN;
            }
            return sum;
        }
    }

    [Theory]
    [InlineData(1, 1)]
    [InlineData(1, 6)]
    [InlineData(2, 1)] // two workers: the NaN in the first part's gradients, found while the parts are summed
    [InlineData(2, 6)] // ... in the second part's
    public void A_non_finite_gradient_under_a_finite_loss_is_named_and_not_applied(int workers, int badSample)
    {
        (float[] x, float[] y) = Data(40);
        y[8 + badSample] = -1f; // in the second batch of 8
        var model = new ManyToOne(new ModelOptions { Seed = 4 });
        var ex = Assert.Throws<NonFiniteLossException>(() => model.Fit(x, y, new FitOptions
        {
            Loss = new NaNGradientAtMinusOne(), Optimizer = new Sgd(0.01f), Epochs = 1, BatchSize = 8, Shuffle = false,
            Workers = workers, Verbose = Verbosity.Silent,
        }));
        Assert.True(float.IsFinite(ex.Loss), $"loss {ex.Loss}");
        Assert.Equal(2, ex.Batch);
        Assert.Equal("lstm/kernel", ex.Tensor);
        Assert.Contains("but the gradient of 'lstm/kernel' is NaN at element ", ex.Message);
        Assert.True(Kernels.AllFinite(model.Weights.Parameters)); // the first batch's update only
    }

    [Fact]
    public void An_undefined_action_is_rejected()
    {
        (float[] x, float[] y) = Data(8);
        var ex = Assert.Throws<ArgumentOutOfRangeException>(() => new ManyToOne().Fit(x, y, new FitOptions
        {
            Loss = Loss.MeanSquaredError, Verbose = Verbosity.Silent, OnNonFiniteLoss = (NonFiniteLossAction)7,
        }));
        Assert.Contains("OnNonFiniteLoss", ex.Message);
    }
}

public class SizeArithmeticTests
{
    [Fact]
    public void PredictBatch_with_int_MaxValue_samples_states_the_expected_length_in_the_users_numbers()
    {
        // The issue: "expected -24" (2147483647 × 24 wrapped around in int arithmetic).
        var model = new ManyToOneLooped();
        var ex = Assert.Throws<ArgumentException>(() => model.PredictBatch(new float[21], new float[1], int.MaxValue));
        Assert.Equal("inputs", ex.ParamName);
        Assert.Contains("expected 45097156587 (2147483647 samples of shape (7, 3)), more than a span can hold", ex.Message);

        var stacked = new Stacked();
        ex = Assert.Throws<ArgumentException>(() => stacked.PredictBatch(new float[10], new float[1], int.MaxValue));
        Assert.Contains("expected 21474836470 (2147483647 samples", ex.Message);
    }

    [Fact]
    public void WorkspaceLength_multiplies_or_names_the_largest_MaxBatch_that_fits()
    {
        Assert.Equal(32 * 60, Kernels.WorkspaceLength(32, 60, "lstm gates"));
        Assert.Equal(0, Kernels.WorkspaceLength(5, 0, "nothing"));
        Assert.Equal(Array.MaxLength, Kernels.WorkspaceLength(Array.MaxLength / 1, 1, "x"));

        var ex = Assert.Throws<ArgumentOutOfRangeException>(() => Kernels.WorkspaceLength(100_000_000, 60, "the gates of 'lstm'"));
        Assert.Equal("options", ex.ParamName);
        Assert.Equal(100_000_000, ex.ActualValue);
        Assert.Contains("ModelOptions.MaxBatch = 100000000 needs 100000000 × 60 = 6000000000 floats for the gates of 'lstm'", ex.Message);
        Assert.Contains($"at most {Array.MaxLength / 60}", ex.Message);
        // The largest value it names does fit.
        Assert.Equal(Array.MaxLength / 60 * 60, Kernels.WorkspaceLength(Array.MaxLength / 60, 60, "x"));
        Assert.Throws<ArgumentOutOfRangeException>(() => Kernels.WorkspaceLength(Array.MaxLength / 60 + 1, 60, "x"));

        ex = Assert.Throws<ArgumentOutOfRangeException>(() => Kernels.WorkspaceLength(int.MaxValue, int.MaxValue, "x"));
        Assert.Contains("2147483647 × 2147483647 = 4611686014132420609", ex.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => Kernels.WorkspaceLength(0, 10, "x"));
    }

    [Fact]
    public void A_MaxBatch_too_large_for_a_workspace_is_named_in_the_users_numbers()
    {
        // Issue 14: new M(new ModelOptions { MaxBatch = int.MaxValue }) gave a bare OverflowException from checked().
        var ex = Assert.Throws<ArgumentOutOfRangeException>(() => new Stacked(new ModelOptions { MaxBatch = int.MaxValue }));
        Assert.Equal("options", ex.ParamName);
        Assert.Contains("ModelOptions.MaxBatch = 2147483647 needs 2147483647 ×", ex.Message);
        Assert.Contains("use a MaxBatch of at most", ex.Message);
    }

    [Fact]
    public void ModelOptions_rejects_a_MaxBatch_below_1_where_it_is_set()
    {
        var ex = Assert.Throws<ArgumentOutOfRangeException>(() => new ModelOptions { MaxBatch = 0 });
        Assert.Equal("MaxBatch", ex.ParamName);
        Assert.Contains("at least 1; got 0", ex.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => new ModelOptions { MaxBatch = -5 });
    }

    [Fact]
    public void Fit_and_Evaluate_with_a_huge_batch_size_use_the_data_there_is()
    {
        // The issue: BatchSize * InputLength overflowed (a bare OverflowException from new T[negative]).
        var rng = new Random(2);
        float[] x = Enumerable.Range(0, 12 * 10).Select(_ => (float)rng.NextDouble()).ToArray();
        float[] y = Enumerable.Range(0, 12).Select(_ => (float)rng.NextDouble()).ToArray();
        var huge = new Stacked(new ModelOptions { Seed = 3 });
        History h = huge.Fit(x, y, new FitOptions { Loss = Loss.MeanSquaredError, Optimizer = new Sgd(0.1f), BatchSize = int.MaxValue, Shuffle = false, Verbose = Verbosity.Silent });
        var whole = new Stacked(new ModelOptions { Seed = 3 });
        History h2 = whole.Fit(x, y, new FitOptions { Loss = Loss.MeanSquaredError, Optimizer = new Sgd(0.1f), BatchSize = 12, Shuffle = false, Verbose = Verbosity.Silent });
        Assert.Equal(h2["loss"], h["loss"]);
        Assert.Equal(whole.Weights.Parameters, huge.Weights.Parameters); // one batch of all 12 samples, as Keras
        Assert.Equal(whole.Evaluate(x, y, Loss.MeanSquaredError, batchSize: 12).Loss, huge.Evaluate(x, y, Loss.MeanSquaredError, batchSize: int.MaxValue).Loss);
    }
}
