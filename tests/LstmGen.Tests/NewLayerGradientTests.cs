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
        const int batch = 3;
        float[] p = model.Weights.Parameters;
        for (int i = 0; i < p.Length; i++) p[i] += 0.2f * ((float)rng.NextDouble() - 0.5f); // biases off zero, weights varied
        float[] targets = Enumerable.Range(0, batch * model.OutputLength).Select(_ => (float)rng.NextDouble()).ToArray();
        Func<float> loss = Evaluator(model, batch, rng, targets, training, out Func<float[]> gradients);

        float baseLoss = loss();
        Assert.True(float.IsFinite(baseLoss));
        // Rounding noise of the extrapolated difference: float32 losses are exact to a few ulps (~6e-8 relative), divided
        // by the steps and amplified by the extrapolation.
        double noise = 4e-5 * Math.Max(Math.Abs(baseLoss), 1e-3);
        float[] g = gradients();
        var failures = new List<string>();
        int checkedCount = 0;
        foreach (WeightInfo w in model.Weights.Entries)
        {
            double[] own = g.AsSpan(w.Offset, w.Length).ToArray().Select(v => (double)v).ToArray();
            double norm = Math.Sqrt(own.Sum(v => v * v));
            if (norm < 1e-6)
            {
                Assert.Fail($"{name}: the gradient of {w.Name} is {norm:G3}: the check would test nothing; change the case.");
            }
            // Along the gradient restricted to each column (the last axis: a gate's unit, a bias element), so that an
            // error in one gate block or one element shows; then along a random direction over the whole tensor.
            int columns = w.Dimensions[^1];
            var directions = new List<(string What, double[] Direction)>();
            for (int j = 0; j < columns; j++)
            {
                double[] d = new double[w.Length];
                for (int i = j; i < w.Length; i += columns) d[i] = own[i];
                directions.Add(($"column {j}", d));
            }
            directions.Add(("a random direction", Enumerable.Range(0, w.Length).Select(_ => rng.NextDouble() - 0.5).ToArray()));
            foreach ((string what, double[] direction) in directions)
            {
                double length = Math.Sqrt(direction.Sum(v => v * v));
                if (length < 1e-5 * norm || length < 1e-7)
                {
                    continue; // a column without gradient (e.g. a unit the loss does not reach): nothing to compare
                }
                double[] d = direction.Select(v => v / length).ToArray();
                double expected = 0;
                for (int i = 0; i < d.Length; i++) expected += d[i] * g[w.Offset + i];
                if (Math.Abs(expected) < 50 * noise)
                {
                    continue; // below what float32 differences resolve to 2%: covered by the reference numbers instead
                }
                double numeric = Directional(p, w, d, loss);
                checkedCount++;
                double tolerance = 0.02 * Math.Abs(expected) + 2 * noise;
                if (Math.Abs(numeric - expected) > tolerance)
                {
                    failures.Add($"{name} (training {training}): d loss along the gradient of {w.Name}, {what}: finite difference {numeric:G6}, backward pass {expected:G6} (|g| {norm:G4}, tolerance {tolerance:G3}).");
                }
            }
        }
        Assert.True(checkedCount >= 2 * model.Weights.Entries.Count, $"{name}: only {checkedCount} directions were large enough to check.");
        Assert.True(failures.Count == 0, string.Join("\n", failures));
    }

    // Central differences at steps h and h/2 combined by Richardson extrapolation: the h² error terms cancel, leaving
    // O(h⁴) plus float32 rounding (steep, curved losses, e.g. after eight recurrent steps, need it).
    private static double Directional(float[] p, WeightInfo w, double[] d, Func<float> loss)
    {
        const double h = 2e-2;
        double full = Central(p, w, d, loss, h), half = Central(p, w, d, loss, h / 2);
        return (4 * half - full) / 3;
    }

    private static double Central(float[] p, WeightInfo w, double[] d, Func<float> loss, double h)
    {
        float[] saved = p.AsSpan(w.Offset, w.Length).ToArray();
        for (int i = 0; i < d.Length; i++) p[w.Offset + i] = (float)(saved[i] + h * d[i]);
        double plus = loss();
        for (int i = 0; i < d.Length; i++) p[w.Offset + i] = (float)(saved[i] - h * d[i]);
        double minus = loss();
        saved.CopyTo(p, w.Offset);
        return (plus - minus) / (2 * h);
    }

    /// <summary>A loss evaluation on fixed inputs (and, in training, fixed dropout masks), and the gradients of the last evaluation.</summary>
    private static Func<float> Evaluator(ISequentialModel model, int batch, Random rng, float[] targets, bool training, out Func<float[]> gradients)
    {
        System.Reflection.PropertyInfo? passes = model.GetType().GetProperty("DropoutPasses");
        void Replay() => passes?.SetValue(model, 5UL);
        switch (model)
        {
            case ITrainableModel<float> f:
                float[] x = Enumerable.Range(0, batch * f.InputLength).Select(_ => (float)rng.NextDouble() * 2 - 1).ToArray();
                gradients = () => f.Gradients.Parameters.ToArray();
                return () =>
                {
                    Replay();
                    return f.ComputeGradients(x, targets, batch, Loss.MeanSquaredError, training: training);
                };
            case ITrainableModel<int> t:
                // Token pattern with padding (0) at the end and in the middle, so masks matter.
                int[] tokens = Enumerable.Range(0, batch * t.InputLength).Select(i => i % 5 == 4 ? 0 : 1 + rng.Next(19)).ToArray();
                gradients = () => t.Gradients.Parameters.ToArray();
                return () =>
                {
                    Replay();
                    return t.ComputeGradients(tokens, targets, batch, Loss.MeanSquaredError, training: training);
                };
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
