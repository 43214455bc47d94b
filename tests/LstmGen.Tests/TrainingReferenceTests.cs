using System;
using System.Collections.Generic;
using System.Linq;
using LstmGen.Tests.Models;
using Xunit;

namespace LstmGen.Tests;

/// <summary>
/// Training against Keras's numbers (TensorFlow.js gradients, Keras 3 loss and optimiser formulas written out by hand in the
/// reference script; cross-checked with PyTorch and float64 finite differences): loss values and the gradients of every
/// weight and of the input for every reference model and every loss, and the weights after 3 steps of each optimiser.
/// Tolerance 1e-5, relative where values exceed 1; gradients in addition within 1e-4 × the largest |value| of their
/// tensor (as BenchmarkModelTests), so that tensors whose gradients are all below 1e-5 are compared too. Measured: the
/// largest difference is 7.4e-7 of its tensor's largest value (grad_embedding_mask, lstm/bias); a 10% error in any tensor
/// fails (<see cref="A_10_percent_error_in_any_gradient_tensor_fails_the_comparison"/>).
/// </summary>
public class TrainingReferenceTests
{
    private const float GradientScaleTolerance = 1e-4f;

    public static TheoryData<string> GradientCases => new(ReferenceCase.TrainingNames("grad_"));
    public static TheoryData<string> LossCases => new(ReferenceCase.TrainingNames("loss_"));
    public static TheoryData<string> OptimizerCases => new(ReferenceCase.TrainingNames("opt_"));

    private static readonly Dictionary<string, Func<ISequentialModel>> LossModels = new()
    {
        ["loss_mse_2d"] = () => new Loss2DLinear(),
        ["loss_mae_2d"] = () => new Loss2DLinear(),
        ["loss_binary_crossentropy_from_logits_2d"] = () => new Loss2DLinear(),
        ["loss_binary_crossentropy_2d"] = () => new Loss2DSigmoid(),
        ["loss_categorical_crossentropy_2d"] = () => new Loss2DSoftmax(),
        ["loss_sparse_categorical_crossentropy_2d"] = () => new Loss2DSoftmax(),
        ["loss_mse_seq"] = () => new LossSeqLinear(),
        ["loss_mae_seq"] = () => new LossSeqLinear(),
        ["loss_binary_crossentropy_from_logits_seq"] = () => new LossSeqLinear(),
        ["loss_binary_crossentropy_seq"] = () => new LossSeqSigmoid(),
        ["loss_categorical_crossentropy_seq"] = () => new LossSeqSoftmax(),
        ["loss_sparse_categorical_crossentropy_seq"] = () => new LossSeqSoftmax(),
    };

    internal static Loss LossOf(ReferenceCase c) => c.Loss!.Type switch
    {
        "mse" => Loss.MeanSquaredError,
        "mae" => Loss.MeanAbsoluteError,
        "binary_crossentropy" => Loss.BinaryCrossEntropy,
        "binary_crossentropy_from_logits" => Loss.BinaryCrossEntropyFromLogits,
        "categorical_crossentropy" => Loss.CategoricalCrossEntropy,
        "sparse_categorical_crossentropy" => Loss.SparseCategoricalCrossEntropy,
        var t => throw new InvalidOperationException("Unknown loss " + t),
    };

    [Theory]
    [MemberData(nameof(GradientCases))]
    public void Gradients_match_Keras_for_every_reference_model(string name)
    {
        ReferenceCase c = ReferenceCase.LoadTraining(name);
        string inference = name["grad_".Length..];
        foreach (var create in KerasReferenceTests.Models[inference])
        {
            foreach (int maxBatch in new[] { 32, 2 })
            {
                ISequentialModel model = KerasReferenceTests.Loaded(create(new ModelOptions { MaxBatch = maxBatch }), c);
                CheckGradients(model, c, $"{name} ({model.GetType().Name}, MaxBatch {maxBatch})");
            }
        }
    }

    [Theory]
    [MemberData(nameof(LossCases))]
    public void Loss_values_and_gradients_match_Keras(string name)
    {
        ReferenceCase c = ReferenceCase.LoadTraining(name);
        ISequentialModel model = KerasReferenceTests.Loaded(LossModels[name](), c);
        CheckGradients(model, c, name);
    }

    [Fact]
    public void Every_loss_case_has_a_model() => Assert.Equal(LossModels.Keys.Order(StringComparer.Ordinal), ReferenceCase.TrainingNames("loss_"));

    [Theory]
    [MemberData(nameof(OptimizerCases))]
    public void Three_optimizer_steps_match_Keras(string name)
    {
        ReferenceCase c = ReferenceCase.LoadTraining(name);
        string inference = c.InferenceCase!.Replace(".json", "", StringComparison.Ordinal);
        ISequentialModel model = KerasReferenceTests.Loaded(KerasReferenceTests.Models[inference][0](null), c);
        Optimizer optimizer = OptimizerOf(c.Optimizer!);
        Loss loss = LossOf(c);
        for (int step = 0; step < c.Optimizer!.Steps; step++)
        {
            float value = model switch
            {
                ITrainableModel<float> m => m.TrainStep(c.FloatInput, c.Target!, c.Batch, loss, optimizer),
                ITrainableModel<int> m => m.TrainStep(c.TokenInput, c.Target!, c.Batch, loss, optimizer),
                _ => throw new InvalidOperationException(),
            };
            AssertClose(c.Optimizer.LossBefore[step], value, $"{name}: loss before step {step + 1}");
        }
        // Adaptive optimisers divide by √v ≈ |g|: for a weight whose gradient is near zero (say 4e-6 beside a median of 2e-3)
        // the float32 noise of the gradient (relative 1e-3 there) becomes an update error of up to ~1e-3 × learning rate. So
        // their weights are compared to max(1e-5, 3e-3 × lr); PyTorch and TensorFlow.js differ by 1.3e-6 on the same case.
        float absolute = optimizer is Adam or RmsProp ? MathF.Max(1e-5f, 3e-3f * optimizer.LearningRate) : 1e-5f;
        foreach (ReferenceWeight w in c.Optimizer.WeightsAfter)
        {
            AssertClose(w.Values, model.Weights.Get(w.Name), $"{name}: {w.Name} after {c.Optimizer.Steps} steps", absolute);
        }
    }

    private static Optimizer OptimizerOf(ReferenceOptimizer o)
    {
        float Get(string key, float fallback) => o.Config.TryGetValue(key, out var v) && v.ValueKind == System.Text.Json.JsonValueKind.Number ? v.GetSingle() : fallback;
        float? Opt(string key) => o.Config.TryGetValue(key, out var v) && v.ValueKind == System.Text.Json.JsonValueKind.Number ? v.GetSingle() : null;
        float lr = Get("learning_rate", 0.001f);
        Optimizer optimizer = o.Type switch
        {
            "adam" => new Adam(lr, Get("beta_1", 0.9f), Get("beta_2", 0.999f), Get("epsilon", 1e-7f)) { ClipNorm = Opt("clipnorm"), GlobalClipNorm = Opt("global_clipnorm"), ClipValue = Opt("clipvalue") },
            "adamw" => new AdamW(lr, Get("weight_decay", 0.004f), Get("beta_1", 0.9f), Get("beta_2", 0.999f), Get("epsilon", 1e-7f)),
            "sgd" => new Sgd(lr, Get("momentum", 0f), o.Config.TryGetValue("nesterov", out var n) && n.ValueKind == System.Text.Json.JsonValueKind.True) { ClipNorm = Opt("clipnorm"), GlobalClipNorm = Opt("global_clipnorm"), ClipValue = Opt("clipvalue") },
            "rmsprop" => new RmsProp(lr, Get("rho", 0.9f), Get("epsilon", 1e-7f)),
            var t => throw new InvalidOperationException("Unknown optimizer " + t),
        };
        return optimizer;
    }

    private static void CheckGradients(ISequentialModel model, ReferenceCase c, string what)
    {
        Loss loss = LossOf(c);
        float[] inputGradient = c.InputGradient is null ? [] : new float[c.InputGradient.Length];
        float value = model switch
        {
            ITrainableModel<float> m => m.ComputeGradients(c.FloatInput, c.Target!, c.Batch, loss, inputGradient, training: c.Training),
            ITrainableModel<int> m => m.ComputeGradients(c.TokenInput, c.Target!, c.Batch, loss, training: c.Training),
            _ => throw new InvalidOperationException(),
        };
        AssertClose(c.LossValue, value, what + ": loss");
        WeightStore gradients = model is ITrainableModel<float> f ? f.Gradients : ((ITrainableModel<int>)model).Gradients;
        Assert.Equal(c.Gradients!.Select(g => g.Name), gradients.Entries.Select(e => e.Name));
        foreach (ReferenceWeight g in c.Gradients!)
        {
            AssertClose(g.Values, gradients.Get(g.Name), $"{what}: d loss / d {g.Name}");
            AssertCloseToScale(g.Values, gradients.Get(g.Name), $"{what}: d loss / d {g.Name}");
        }
        if (c.InputGradient is not null)
        {
            AssertClose(c.InputGradient, inputGradient, what + ": d loss / d input");
            AssertCloseToScale(c.InputGradient, inputGradient, what + ": d loss / d input");
        }
    }

    /// <summary>
    /// Every element within <see cref="GradientScaleTolerance"/> × the largest |expected| of its tensor, so that a tensor
    /// whose gradients are all far below the absolute 1e-5 (lstm_activations' lstm/recurrent_kernel: below 3.4e-6) is
    /// checked too.
    /// </summary>
    private static void AssertCloseToScale(ReadOnlySpan<float> expected, ReadOnlySpan<float> actual, string what)
    {
        if (ScaleFailure(expected, actual, what) is { } failure) Assert.Fail(failure);
    }

    private static string? ScaleFailure(ReadOnlySpan<float> expected, ReadOnlySpan<float> actual, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        float scale = 0;
        for (int i = 0; i < expected.Length; i++) scale = MathF.Max(scale, MathF.Abs(expected[i]));
        float bound = GradientScaleTolerance * scale;
        for (int i = 0; i < expected.Length; i++)
        {
            if (!(MathF.Abs(expected[i] - actual[i]) <= bound))
            {
                return $"{what}: element {i} is {actual[i]:R}, expected {expected[i]:R} (|diff| {MathF.Abs(expected[i] - actual[i]):E2} > {GradientScaleTolerance:E0} × max |expected| {scale:E2}).";
            }
        }
        return null;
    }

    [Theory]
    [MemberData(nameof(GradientCases))]
    public void A_10_percent_error_in_any_gradient_tensor_fails_the_comparison(string name)
    {
        // The teeth of CheckGradients: each tensor's gradient as computed here, scaled by 1.1 or 0.9 or zeroed, must fail
        // the bound relative to the tensor's largest value (the absolute 1e-5 alone passes all three for
        // lstm_activations' lstm/recurrent_kernel).
        ReferenceCase c = ReferenceCase.LoadTraining(name);
        ISequentialModel model = KerasReferenceTests.Loaded(KerasReferenceTests.Models[name["grad_".Length..]][0](null), c);
        float[] inputGradient = c.InputGradient is null ? [] : new float[c.InputGradient.Length];
        _ = model switch
        {
            ITrainableModel<float> m => m.ComputeGradients(c.FloatInput, c.Target!, c.Batch, LossOf(c), inputGradient, training: c.Training),
            ITrainableModel<int> m => m.ComputeGradients(c.TokenInput, c.Target!, c.Batch, LossOf(c), training: c.Training),
            _ => throw new InvalidOperationException(),
        };
        WeightStore gradients = model is ITrainableModel<float> f ? f.Gradients : ((ITrainableModel<int>)model).Gradients;
        var tensors = c.Gradients!.Select(g => (g.Name, Expected: g.Values, Actual: gradients.Get(g.Name))).ToList();
        if (c.InputGradient is not null) tensors.Add(("input", c.InputGradient, inputGradient));
        foreach (var (tensor, expected, actual) in tensors)
        {
            Assert.Null(ScaleFailure(expected, actual, tensor));
            foreach (float factor in new[] { 1.1f, 0.9f, 0f })
            {
                float[] injected = actual.Select(v => v * factor).ToArray();
                Assert.True(ScaleFailure(expected, injected, tensor) is not null, $"{name}: {tensor} × {factor} passes");
            }
        }
    }

    public static TheoryData<string> MultiOutputCases => new(ReferenceCase.TrainingNames("multi_"));

    [Fact]
    public void Every_ReturnState_reference_model_has_a_case_with_a_loss_per_output() =>
        Assert.Equal(
            ReferenceCase.AllNames.Where(n => ReferenceCase.Load(n).StateH is not null && !ReferenceCase.Load(n).InputIsTokens).Select(n => "multi_" + n),
            ReferenceCase.TrainingNames("multi_"));

    [Theory]
    [MemberData(nameof(MultiOutputCases))]
    public void Gradients_with_a_loss_per_output_match_Keras(string name)
    {
        ReferenceCase c = ReferenceCase.LoadTraining(name);
        Assert.Equal("per_output", c.Loss!.Type);
        Loss loss = Loss.PerOutput(c.Loss.Losses!.Select(t => t switch
        {
            "mse" => Loss.MeanSquaredError,
            _ => throw new InvalidOperationException("Unknown loss " + t),
        }).ToArray());
        foreach (var create in KerasReferenceTests.Models[c.InferenceCase!.Replace(".json", "", StringComparison.Ordinal)])
        {
            foreach (int maxBatch in new[] { 32, 2 })
            {
                var model = (ITrainableModel<float>)KerasReferenceTests.Loaded(create(new ModelOptions { MaxBatch = maxBatch }), c);
                string what = $"{name} ({model.GetType().Name}, MaxBatch {maxBatch})";
                Assert.Equal(c.Target!.Length / c.Batch, model.TargetLength(loss));
                var inputGradient = new float[c.InputGradient!.Length];
                var outputs = new float[c.Batch * model.OutputLength];
                float value = model.ComputeGradients(c.FloatInput, c.Target, c.Batch, loss, inputGradient, outputs);
                AssertClose(c.LossValue, value, what + ": loss (the sum of each output's loss)");
                AssertClose(c.Output, outputs, what + ": output");
                Assert.Equal(c.Gradients!.Select(g => g.Name), model.Gradients.Entries.Select(e => e.Name));
                foreach (ReferenceWeight g in c.Gradients!)
                {
                    AssertClose(g.Values, model.Gradients.Get(g.Name), $"{what}: d loss / d {g.Name}");
                    AssertCloseToScale(g.Values, model.Gradients.Get(g.Name), $"{what}: d loss / d {g.Name}");
                }
                AssertClose(c.InputGradient, inputGradient, what + ": d loss / d input");
                AssertCloseToScale(c.InputGradient, inputGradient, what + ": d loss / d input");

                // ComputeLoss (inference mode) with one loss per output: the same sum.
                Assert.Equal(c.LossValues!.Length, c.Loss.Losses!.Length);
                AssertClose(c.LossValue, model.ComputeLoss(c.FloatInput, c.Target, c.Batch, loss), what + ": ComputeLoss");
            }
        }
    }

    private static void AssertClose(float expected, float actual, string what) => AssertClose([expected], [actual], what);

    /// <summary>Every element within <paramref name="absolute"/> × max(1, |expected|) (absolute below 1, relative above).</summary>
    internal static void AssertClose(ReadOnlySpan<float> expected, ReadOnlySpan<float> actual, string what, float absolute = 1e-5f)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
        {
            float tolerance = absolute * MathF.Max(1f, MathF.Abs(expected[i]));
            if (!(MathF.Abs(expected[i] - actual[i]) <= tolerance))
            {
                Assert.Fail($"{what}: element {i} is {actual[i]:R}, expected {expected[i]:R} (|diff| {MathF.Abs(expected[i] - actual[i]):E2} > {tolerance:E1}).");
            }
        }
    }
}
