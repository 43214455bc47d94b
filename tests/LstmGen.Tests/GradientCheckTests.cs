using System;
using System.Linq;
using Xunit;

namespace LstmGen.Tests;

/// <summary>
/// The generated backward pass against central finite differences of the generated forward pass, for every reference
/// model (every layer and option, every mode): gradients of the loss with respect to sampled weights and to the inputs.
/// The forward pass is float32, so the differences use a step of 1e-3 (small enough not to straddle a ReLU kink in these
/// cases, large enough for float rounding) and a tolerance of 2e-3 + 3%: a wrong formula is off by far more.
/// </summary>
public class GradientCheckTests
{
    private const float Step = 1e-3f;

    public static TheoryData<string> CaseNames => KerasReferenceTests.CaseNames;

    [Theory]
    [MemberData(nameof(CaseNames))]
    public void Weight_and_input_gradients_match_finite_differences(string name)
    {
        ReferenceCase c = ReferenceCase.Load(name);
        ISequentialModel model = KerasReferenceTests.Loaded(KerasReferenceTests.Models[name][0](new ModelOptions { MaxBatch = 2 }), c);
        Loss loss = Loss.MeanSquaredError;
        var rng = new Random(name.GetHashCode(StringComparison.Ordinal) & 0xffff);
        float[] targets = Enumerable.Range(0, c.Batch * model.OutputLength).Select(_ => (float)rng.NextDouble() - 0.5f).ToArray();
        Check(model, c, loss, targets, rng);
    }

    [Theory]
    [InlineData("one_to_one", "categorical")]          // softmax output: fused softmax + cross-entropy
    [InlineData("one_to_one", "sparse")]
    [InlineData("embedding_mask", "binary")]           // sigmoid output: fused sigmoid + binary cross-entropy
    [InlineData("embedding_mask_bidirectional", "binary")]
    [InlineData("long_stacked_seq", "categorical")]    // softmax on every step of a sequence
    [InlineData("many_to_one", "binary_logits")]
    [InlineData("many_to_many_same", "mae")]
    [InlineData("dense_softmax_seq", "mse")]           // softmax inside the model: its Jacobian
    public void Cross_entropy_and_other_losses_match_finite_differences(string name, string lossName)
    {
        ReferenceCase c = ReferenceCase.Load(name);
        ISequentialModel model = KerasReferenceTests.Loaded(KerasReferenceTests.Models[name][0](null), c);
        var rng = new Random(7);
        int width = c.OutputShape[^1];
        int rows = model.OutputLength / width * c.Batch;
        (Loss loss, float[] targets) = lossName switch
        {
            "categorical" => (Loss.CategoricalCrossEntropy, Enumerable.Range(0, rows).SelectMany(_ => OneHot(rng.Next(width), width)).ToArray()),
            "sparse" => (Loss.SparseCategoricalCrossEntropy, Enumerable.Range(0, rows).Select(_ => (float)rng.Next(width)).ToArray()),
            "binary" => (Loss.BinaryCrossEntropy, Enumerable.Range(0, rows * width).Select(_ => (float)rng.Next(2)).ToArray()),
            "binary_logits" => (Loss.BinaryCrossEntropyFromLogits, Enumerable.Range(0, rows * width).Select(_ => (float)rng.Next(2)).ToArray()),
            "mae" => (Loss.MeanAbsoluteError, Enumerable.Range(0, rows * width).Select(_ => (float)rng.NextDouble()).ToArray()),
            _ => (Loss.MeanSquaredError, Enumerable.Range(0, rows * width).Select(_ => (float)rng.NextDouble()).ToArray()),
        };
        Check(model, c, loss, targets, rng);
    }

    private static float[] OneHot(int k, int width)
    {
        var v = new float[width];
        v[k] = 1f;
        return v;
    }

    private static void Check(ISequentialModel model, ReferenceCase c, Loss loss, float[] targets, Random rng)
    {
        float[] inputGradient = c.InputIsTokens ? [] : new float[c.Input.Length];
        float baseLoss = Compute(model, c, loss, targets, inputGradient);
        Assert.True(float.IsFinite(baseLoss));
        float[] gradients = model is ITrainableModel<float> f ? f.Gradients.Parameters.ToArray() : ((ITrainableModel<int>)model).Gradients.Parameters.ToArray();
        float[] p = model.Weights.Parameters;

        foreach (WeightInfo w in model.Weights.Entries)
        {
            // Up to 12 sampled elements per weight, always including the largest-gradient one.
            var indices = Enumerable.Range(0, 12).Select(_ => rng.Next(w.Length)).Append(ArgMaxAbs(gradients.AsSpan(w.Offset, w.Length))).Distinct();
            foreach (int i in indices)
            {
                int k = w.Offset + i;
                float saved = p[k];
                p[k] = saved + Step;
                float plus = Compute(model, c, loss, targets, default);
                p[k] = saved - Step;
                float minus = Compute(model, c, loss, targets, default);
                p[k] = saved;
                AssertNear((plus - minus) / (2 * Step), gradients[k], $"{c.Name}/{loss.Name}: d loss / d {w.Name}[{i}]");
            }
        }

        if (!c.InputIsTokens)
        {
            float[] x = c.FloatInput;
            foreach (int i in Enumerable.Range(0, 8).Select(_ => rng.Next(x.Length)).Distinct())
            {
                float saved = x[i];
                x[i] = saved + Step;
                float plus = ((ITrainableModel<float>)model).ComputeGradients(x, targets, c.Batch, loss, training: false);
                x[i] = saved - Step;
                float minus = ((ITrainableModel<float>)model).ComputeGradients(x, targets, c.Batch, loss, training: false);
                x[i] = saved;
                AssertNear((plus - minus) / (2 * Step), inputGradient[i], $"{c.Name}/{loss.Name}: d loss / d input[{i}]");
            }
        }
    }

    private static int ArgMaxAbs(ReadOnlySpan<float> v)
    {
        int best = 0;
        for (int i = 1; i < v.Length; i++) if (MathF.Abs(v[i]) > MathF.Abs(v[best])) best = i;
        return best;
    }

    private static float Compute(ISequentialModel model, ReferenceCase c, Loss loss, float[] targets, Span<float> inputGradient) => model switch
    {
        ITrainableModel<float> m => m.ComputeGradients(c.FloatInput, targets, c.Batch, loss, inputGradient, training: false), // dropout off (reference models with dropout layers)
        ITrainableModel<int> m => m.ComputeGradients(c.TokenInput, targets, c.Batch, loss, training: false),
        _ => throw new InvalidOperationException(),
    };

    private static void AssertNear(float numeric, float analytic, string what)
    {
        float tolerance = 2e-3f + 0.03f * MathF.Max(MathF.Abs(numeric), MathF.Abs(analytic));
        Assert.True(MathF.Abs(numeric - analytic) <= tolerance,
            $"{what}: finite difference {numeric:G6}, backward pass {analytic:G6} (tolerance {tolerance:G3}).");
    }
}
