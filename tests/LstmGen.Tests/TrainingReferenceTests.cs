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
/// Tolerance 1e-5, relative where values exceed 1.
/// </summary>
public class TrainingReferenceTests
{
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
        }
        if (c.InputGradient is not null)
        {
            AssertClose(c.InputGradient, inputGradient, what + ": d loss / d input");
        }
    }

    public static TheoryData<string> MultiOutputCases => new(ReferenceCase.TrainingNames("multi_"));

    /// <summary>
    /// A gradient within 1e-5 of Keras's says little about a tensor whose gradients are all around 1e-3: each gradient must
    /// also be within <see cref="GradientScaleTolerance"/> × the largest |gradient| of its tensor (as the benchmark
    /// references check theirs). The reference script makes every tensor's largest gradient at least 1e-3 (the cases of the
    /// first reference set aside).
    /// </summary>
    private const float GradientScaleTolerance = 1e-4f;

    [Theory]
    [MemberData(nameof(GradientCases))]
    public void Gradients_match_Keras_relative_to_each_tensors_largest_gradient(string name)
    {
        ReferenceCase c = ReferenceCase.LoadTraining(name);
        foreach (var create in KerasReferenceTests.Models[name["grad_".Length..]])
        {
            ISequentialModel model = KerasReferenceTests.Loaded(create(new ModelOptions { MaxBatch = 2 }), c);
            float[] inputGradient = c.InputGradient is null ? [] : new float[c.InputGradient.Length];
            _ = model switch
            {
                ITrainableModel<float> m => m.ComputeGradients(c.FloatInput, c.Target!, c.Batch, LossOf(c), inputGradient, training: c.Training),
                ITrainableModel<int> m => m.ComputeGradients(c.TokenInput, c.Target!, c.Batch, LossOf(c), training: c.Training),
                _ => throw new InvalidOperationException(),
            };
            CheckRelativeToTensor(c, model, inputGradient, $"{name} ({model.GetType().Name})");
        }
    }

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
                }
                AssertClose(c.InputGradient, inputGradient, what + ": d loss / d input");
                CheckRelativeToTensor(c, model, inputGradient, what);

                // ComputeLoss (inference mode) with one loss per output: the same sum.
                Assert.Equal(c.LossValues!.Length, c.Loss.Losses!.Length);
                AssertClose(c.LossValue, model.ComputeLoss(c.FloatInput, c.Target, c.Batch, loss), what + ": ComputeLoss");
            }
        }
    }

    private static void CheckRelativeToTensor(ReferenceCase c, ISequentialModel model, float[] inputGradient, string what)
    {
        WeightStore gradients = model is ITrainableModel<float> f ? f.Gradients : ((ITrainableModel<int>)model).Gradients;
        foreach (ReferenceWeight g in c.Gradients!)
        {
            AssertWithinScale(g.Values, gradients.Get(g.Name), $"{what}: d loss / d {g.Name}");
        }
        if (c.InputGradient is not null)
        {
            AssertWithinScale(c.InputGradient, inputGradient, what + ": d loss / d input");
        }
    }

    private static void AssertWithinScale(ReadOnlySpan<float> expected, ReadOnlySpan<float> actual, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        float scale = 0f;
        foreach (float v in expected) scale = MathF.Max(scale, MathF.Abs(v));
        float bound = GradientScaleTolerance * scale;
        for (int i = 0; i < expected.Length; i++)
        {
            if (!(MathF.Abs(expected[i] - actual[i]) <= bound))
            {
                Assert.Fail($"{what}: element {i} is {actual[i]:R}, expected {expected[i]:R} (|diff| {MathF.Abs(expected[i] - actual[i]):E2} > {GradientScaleTolerance:E0} × max |expected| {scale:E2}).");
            }
        }
    }

    private static void AssertClose(float expected, float actual, string what) => AssertClose([expected], [actual], what);

    private static void AssertClose(ReadOnlySpan<float> expected, ReadOnlySpan<float> actual, string what, float absolute = 1e-5f)
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
