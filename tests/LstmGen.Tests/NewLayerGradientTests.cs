using System;
using System.Collections.Generic;
using System.Linq;
using LstmGen.Tests.Models;
using Xunit;

namespace LstmGen.Tests;

/// <summary>
/// The backward passes of GRU, SimpleRNN, Dropout, SpatialDropout1D, the Activation layer and the new activations
/// against directional finite differences, one weight tensor at a time: along the tensor's own gradient direction the
/// loss changes at the rate |g| (so a gradient scaled by 0.9 or 1.1 is off by 10%), and along a seeded random direction
/// at the rate g·d. Directions are the gradient restricted to each column (a gate's unit, a bias element: an error in one
/// gate block shows) and a seeded random direction. Central differences in float32 at steps 2e-2 and 1e-2, combined by
/// Richardson extrapolation; the bound is 2% plus the rounding noise, and directions whose derivative is below 50 times
/// that noise are left to the reference numbers (at least two directions per tensor must be checked). With dropout on,
/// the masks are replayed (<c>DropoutPasses</c>) so that every evaluation sees the same ones.
/// </summary>
public class NewLayerGradientTests
{
    public static TheoryData<string> Models => new(Factories.Keys.Order(StringComparer.Ordinal));

    private static readonly Dictionary<string, Func<ISequentialModel>> Factories = new()
    {
        ["gru_reset_after"] = () => new GruLast(new ModelOptions { Seed = 3, MaxBatch = 2 }),
        ["gru_reset_before_seq"] = () => new GruBeforeSeq(new ModelOptions { Seed = 4, MaxBatch = 2 }),
        ["gru_reset_before_backwards_looped"] = () => new GruBeforeBackLooped(new ModelOptions { Seed = 5, MaxBatch = 2 }),
        ["gru_bidirectional_dropout"] = () => new GruBiDrop(new ModelOptions { Seed = 6, MaxBatch = 2 }),
        ["simple_rnn_mask"] = () => new SimpleRnnMask(new ModelOptions { Seed = 7, MaxBatch = 2 }),
        ["mixed_activations"] = () => new Mixed(new ModelOptions { Seed = 8, MaxBatch = 2 }),
        ["simple_rnn_mask_recurrent_dropout"] = () => new SimpleRnnMaskRecurrentDropout(new ModelOptions { Seed = 9, MaxBatch = 2 }),
        ["dropout_after_masked_sequence"] = () => new DropoutAfterMaskedSequence(new ModelOptions { Seed = 10, MaxBatch = 2 }),
        ["lstm_mask_recurrent_dropout"] = () => new LstmMaskRecurrentDropout(new ModelOptions { Seed = 11, MaxBatch = 2 }),
        ["simple_rnn_recurrent_dropout"] = () => new SimpleRnnRecurrentDropout(new ModelOptions { Seed = 12, MaxBatch = 2 }),
        ["simple_rnn_input_dropout"] = () => new SimpleRnnInputDropout(new ModelOptions { Seed = 13, MaxBatch = 2 }),
        ["conv_pool_lstm"] = () => new ConvPoolLstm(new ModelOptions { Seed = 14, MaxBatch = 2 }),
        ["conv_same_strided"] = () => new ConvSameStrided(new ModelOptions { Seed = 15, MaxBatch = 2 }),
        ["conv_causal_dilated"] = () => new ConvCausalDilated(new ModelOptions { Seed = 16, MaxBatch = 2 }),
        ["normalized"] = () => new Normalized(new ModelOptions { Seed = 17, MaxBatch = 4 }), // BatchNormalization trains on whole batches only
        ["masked_floats"] = () => new MaskedFloats(new ModelOptions { Seed = 18, MaxBatch = 4 }), // (BatchNormalization)
        ["reshaped"] = () => new Reshaped(new ModelOptions { Seed = 19, MaxBatch = 2 }),
        ["global_max"] = () => new GlobalMax(new ModelOptions { Seed = 20, MaxBatch = 2 }),
        ["masked_bidirectional_sequences"] = () => new MaskedBidirectionalSequences(new ModelOptions { Seed = 21, MaxBatch = 2 }),
        ["conv_no_bias_pools"] = () => new ConvNoBiasPools(new ModelOptions { Seed = 22, MaxBatch = 2 }),
        ["masked_gru"] = () => new MaskedGru(new ModelOptions { Seed = 23, MaxBatch = 2 }),
        // Batches of 8 in one pass: on AVX2 the recurrent products run from kernels packed once per batch (the GRU's
        // second layer drops its recurrent state in training, so its backward takes the dropped-gradient path).
        ["panel_gru"] = () => new PanelGru(new ModelOptions { Seed = 24, MaxBatch = 8 }),
        ["panel_simple_rnn"] = () => new PanelSimpleRnn(new ModelOptions { Seed = 25, MaxBatch = 8 }),
    };

    [Theory]
    [MemberData(nameof(Models))]
    public void Every_tensor_matches_directional_differences_inference_mode(string name) => Check(name, training: false);

    [Theory]
    [MemberData(nameof(Models))]
    public void Every_tensor_matches_directional_differences_with_dropout_on(string name) => Check(name, training: true);

    private static void Check(string name, bool training)
    {
        ISequentialModel model = Factories[name]();
        var rng = new Random(Seed(name));
        int batch = name.StartsWith("panel_", StringComparison.Ordinal) ? 8 : 3;
        float[] p = model.Weights.Parameters;
        for (int i = 0; i < p.Length; i++) p[i] += 0.2f * ((float)rng.NextDouble() - 0.5f); // biases off zero, weights varied
        float[] targets = Enumerable.Range(0, batch * model.OutputLength).Select(_ => (float)rng.NextDouble()).ToArray();
        Evaluation e = Evaluator(model, batch, rng, targets, training);

        float baseLoss = e.Loss();
        Assert.True(float.IsFinite(baseLoss));
        // Rounding noise of the extrapolated difference: float32 losses are exact to a few ulps (~6e-8 relative), divided
        // by the steps and amplified by the extrapolation.
        double noise = 4e-5 * Math.Max(Math.Abs(baseLoss), 1e-3);
        float[] g = e.Gradients();
        var tensors = model.Weights.Entries.Where(w => w.Trainable) // moving statistics have no gradient, as in Keras
            .Select(w => new Tensor(w.Name, p, w.Offset, w.Length, w.Dimensions[^1], g.AsSpan(w.Offset, w.Length).ToArray(), Random: true))
            .ToList();
        if (e.Input is { } input)
        {
            // The input too: the first layer's input gradient (Col2Im, pooling, masking...) has no weight after it to show it.
            // Random directions would move masked (all-zero) steps off the mask value: only the gradient's own directions then.
            bool masking = model.Architecture.Layers.Any(l => l.ClassName == "Masking");
            tensors.Add(new Tensor("input", input, 0, input.Length, model.Architecture.InputShape[^1], e.InputGradient!(), Random: !masking));
        }
        var failures = new List<string>();
        int checkedCount = 0;
        foreach (Tensor w in tensors)
        {
            double[] own = w.Gradient.Select(v => (double)v).ToArray();
            double norm = Math.Sqrt(own.Sum(v => v * v));
            if (norm < 1e-6)
            {
                Assert.Fail($"{name}: the gradient of {w.Name} is {norm:G3}: the check would test nothing; change the case.");
            }
            // Along the gradient restricted to each column (the last axis: a gate's unit, a bias element, an input
            // feature), so that an error in one gate block or one element shows; then along a random direction.
            var directions = new List<(string What, double[] Direction)>();
            for (int j = 0; j < w.Columns; j++)
            {
                double[] d = new double[w.Length];
                for (int i = j; i < w.Length; i += w.Columns) d[i] = own[i];
                directions.Add(($"column {j}", d));
            }
            if (w.Random)
            {
                directions.Add(("a random direction", Enumerable.Range(0, w.Length).Select(_ => rng.NextDouble() - 0.5).ToArray()));
            }
            foreach ((string what, double[] direction) in directions)
            {
                double length = Math.Sqrt(direction.Sum(v => v * v));
                if (length < 1e-5 * norm || length < 1e-7)
                {
                    continue; // a column without gradient (e.g. a unit the loss does not reach): nothing to compare
                }
                double[] d = direction.Select(v => v / length).ToArray();
                double expected = 0;
                for (int i = 0; i < d.Length; i++) expected += d[i] * w.Gradient[i];
                if (Math.Abs(expected) < 50 * noise)
                {
                    continue; // below what float32 differences resolve to 2%: covered by the reference numbers instead
                }
                double numeric = Directional(w, d, e.Loss);
                checkedCount++;
                double tolerance = 0.02 * Math.Abs(expected) + 2 * noise;
                if (Math.Abs(numeric - expected) > tolerance)
                {
                    failures.Add($"{name} (training {training}): d loss along the gradient of {w.Name}, {what}: finite difference {numeric:G6}, backward pass {expected:G6} (|g| {norm:G4}, tolerance {tolerance:G3}).");
                }
            }
        }
        Assert.True(checkedCount >= 2 * tensors.Count, $"{name}: only {checkedCount} directions were large enough to check.");
        Assert.True(failures.Count == 0, string.Join("\n", failures));
    }

    /// <summary>A tensor to check: where its values live, its columns (last axis) and the backward pass's gradient.</summary>
    private sealed record Tensor(string Name, float[] Storage, int Offset, int Length, int Columns, float[] Gradient, bool Random);

    /// <summary>The loss on fixed inputs (and, in training, fixed dropout masks), and the gradients of the last evaluation.</summary>
    private sealed record Evaluation(Func<float> Loss, Func<float[]> Gradients, float[]? Input, Func<float[]>? InputGradient);

    // Central differences at steps h and h/2 combined by Richardson extrapolation: the h² error terms cancel, leaving
    // O(h⁴) plus float32 rounding (steep, curved losses, e.g. after eight recurrent steps, need it).
    private static double Directional(Tensor w, double[] d, Func<float> loss)
    {
        const double h = 2e-2;
        double full = Central(w, d, loss, h), half = Central(w, d, loss, h / 2);
        return (4 * half - full) / 3;
    }

    private static double Central(Tensor w, double[] d, Func<float> loss, double h)
    {
        float[] p = w.Storage;
        float[] saved = p.AsSpan(w.Offset, w.Length).ToArray();
        for (int i = 0; i < d.Length; i++) p[w.Offset + i] = (float)(saved[i] + h * d[i]);
        double plus = loss();
        for (int i = 0; i < d.Length; i++) p[w.Offset + i] = (float)(saved[i] - h * d[i]);
        double minus = loss();
        saved.CopyTo(p, w.Offset);
        return (plus - minus) / (2 * h);
    }

    private static Evaluation Evaluator(ISequentialModel model, int batch, Random rng, float[] targets, bool training)
    {
        System.Reflection.PropertyInfo? passes = model.GetType().GetProperty("DropoutPasses");
        void Replay() => passes?.SetValue(model, 5UL);
        switch (model)
        {
            case ITrainableModel<float> f:
                float[] x = Enumerable.Range(0, batch * f.InputLength).Select(_ => (float)rng.NextDouble() * 2 - 1).ToArray();
                if (model.Architecture.Layers.Any(l => l.ClassName == "Masking"))
                {
                    // Masked steps (every feature 0): the end of sample 0, the start of sample 2, one in the middle of sample 1.
                    int steps = model.Architecture.InputShape[0], features = model.Architecture.InputShape[1];
                    foreach ((int b, int t) in new[] { (0, steps - 1), (0, steps - 2), (1, steps / 2), (2, 0) })
                    {
                        x.AsSpan((b * steps + t) * features, features).Clear();
                    }
                }
                var inputGradient = new float[x.Length];
                float[]? first = null;
                return new Evaluation(
                    () =>
                    {
                        Replay();
                        float value = f.ComputeGradients(x, targets, batch, Loss.MeanSquaredError, inputGradient, training: training);
                        first ??= inputGradient.ToArray(); // the input gradient at the unperturbed point (the first evaluation)
                        return value;
                    },
                    () => f.Gradients.Parameters.ToArray(), x, () => first!);
            case ITrainableModel<int> t:
                // Token pattern with padding (0) at the end and in the middle, so masks matter.
                int[] tokens = Enumerable.Range(0, batch * t.InputLength).Select(i => i % 5 == 4 ? 0 : 1 + rng.Next(19)).ToArray();
                return new Evaluation(
                    () =>
                    {
                        Replay();
                        return t.ComputeGradients(tokens, targets, batch, Loss.MeanSquaredError, training: training);
                    },
                    () => t.Gradients.Parameters.ToArray(), null, null);
            default:
                throw new InvalidOperationException();
        }
    }

    private static int Seed(string name)
    {
        uint h = 2166136261;
        foreach (char ch in name) h = (h ^ ch) * 16777619;
        return (int)(h & 0x7fffffff);
    }
}
