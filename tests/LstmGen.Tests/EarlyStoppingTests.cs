using System;
using System.Collections.Generic;
using System.Linq;
using LstmGen.Tests.Models;
using Xunit;

namespace LstmGen.Tests;

/// <summary>
/// Fit's early stopping against Keras 3's rule, written out below as <see cref="Keras"/> from
/// keras/src/callbacks/early_stopping.py (<c>on_epoch_end</c> and <c>on_train_end</c>): on synthetic sequences of the
/// monitored value (a scripted metric, one batch per epoch), the epochs run, the stopping epoch, the restored epoch and
/// the final weights must be Keras's. Issue 14: with Patience = 3, Fit ran 4 epochs without improvement.
/// </summary>
public class EarlyStoppingTests
{
    /// <summary>What Keras does with a sequence of monitored values (epochs counted from 1 here, from 0 in Keras).</summary>
    private sealed record Outcome(int EpochsRun, int? StoppedEpoch, int? RestoredEpoch);

    /// <summary>
    /// Keras 3's EarlyStopping, statement by statement (mode "min" or "max"; <c>best</c> starts at ±inf; NaN never
    /// improves because a comparison with NaN is false).
    /// </summary>
    private static Outcome Keras(double[] values, int epochs, int patience, double minDelta, bool maximize, double? baseline,
        int startFromEpoch, bool restoreBestWeights)
    {
        // __init__ / _set_monitor_op
        minDelta = Math.Abs(minDelta);
        if (!maximize) minDelta *= -1;
        bool MonitorOp(double a, double b) => maximize ? a > b : a < b;
        bool IsImprovement(double monitorValue, double reference) => MonitorOp(monitorValue - minDelta, reference);
        double best = maximize ? double.NegativeInfinity : double.PositiveInfinity;
        // on_train_begin
        int wait = 0, stoppedEpoch = 0, bestEpoch = 0;
        int? bestWeights = null; // the epoch whose weights are kept
        int run = 0;
        for (int epoch = 0; epoch < epochs; epoch++)
        {
            run++;
            // on_epoch_end(epoch)
            double current = values[epoch];
            if (epoch < startFromEpoch) continue;
            if (restoreBestWeights && bestWeights is null)
            {
                bestWeights = epoch;
                bestEpoch = epoch;
            }
            wait += 1;
            if (IsImprovement(current, best))
            {
                best = current;
                bestEpoch = epoch;
                if (restoreBestWeights) bestWeights = epoch;
                if (baseline is null || IsImprovement(current, baseline.Value)) wait = 0;
                continue;
            }
            if (wait >= patience && epoch > 0)
            {
                stoppedEpoch = epoch;
                break; // model.stop_training = True
            }
        }
        // on_train_end: restore when restore_best_weights and best_weights is not None.
        return new Outcome(run, stoppedEpoch > 0 ? stoppedEpoch + 1 : null, bestWeights is int w ? w + 1 : null);
    }

    /// <summary>A metric whose value at epoch k is <c>values[k]</c> (one batch per epoch, so one update per epoch).</summary>
    private sealed class Scripted(double[] values, bool higherIsBetter) : Metric
    {
        private int _epoch;

        public override string Name => "scripted";

        public override bool HigherIsBetter => higherIsBetter;

        protected override (double Sum, long Count) Score(ReadOnlySpan<float> predictions, ReadOnlySpan<float> targets, int rows, int width) =>
            (values[_epoch++], 1);
    }

    private static (Outcome Outcome, float[] Final, List<float[]> PerEpoch) Fit(double[] values, int epochs, EarlyStopping rule, bool higherIsBetter)
    {
        var rng = new Random(5);
        float[] x = Enumerable.Range(0, 8 * 4).Select(_ => (float)rng.NextDouble()).ToArray();
        float[] y = Enumerable.Range(0, 8 * 3).Select(_ => (float)rng.NextDouble()).ToArray();
        var model = new Loss2DLinear(new ModelOptions { Seed = 1 });
        var perEpoch = new List<float[]>();
        History h = model.Fit(x, y, new FitOptions
        {
            Loss = Loss.MeanSquaredError,
            Optimizer = new Sgd(0.05f), // every epoch changes the weights, so each epoch's weights are told apart
            Epochs = epochs,
            BatchSize = 8,
            Shuffle = false,
            Metrics = [new Scripted(values, higherIsBetter)],
            EarlyStopping = rule,
            Verbose = Verbosity.Silent,
            OnEpochEnd = _ => perEpoch.Add(model.Weights.Parameters.ToArray()),
        });
        return (new Outcome(h.Epochs.Count, h.StoppedEpoch, h.RestoredEpoch), model.Weights.Parameters.ToArray(), perEpoch);
    }

    private static void AssertSameAsKeras(double[] values, int epochs, EarlyStopping rule, bool higherIsBetter, string what)
    {
        Outcome keras = Keras(values, epochs, rule.Patience, rule.MinDelta, rule.Maximize ?? higherIsBetter, rule.Baseline, rule.StartFromEpoch, rule.RestoreBestWeights);
        (Outcome ours, float[] final, List<float[]> perEpoch) = Fit(values, epochs, rule, higherIsBetter);
        Assert.True(keras == ours, $"{what}: Keras {keras}, Fit {ours}; values [{string.Join(", ", values.Take(epochs))}]");
        // The final weights: the restored epoch's, or the last epoch's, exactly.
        float[] expected = perEpoch[(ours.RestoredEpoch ?? ours.EpochsRun) - 1];
        Assert.True(expected.AsSpan().SequenceEqual(final), $"{what}: the final weights are not epoch {ours.RestoredEpoch ?? ours.EpochsRun}'s");
    }

    [Theory]
    [InlineData(0, 2)] // the issue: patience 0/1/2/3 ran 1/2/3/4 epochs without improvement; Keras runs 1, 1, 2, 3
    [InlineData(1, 2)]
    [InlineData(2, 3)]
    [InlineData(3, 4)]
    public void Patience_p_stops_at_the_p_th_epoch_without_improvement(int patience, int epochsRun)
    {
        double[] values = [1.0, 2, 2, 2, 2, 2, 2, 2, 2, 2];
        (Outcome o, _, _) = Fit(values, 10, new EarlyStopping { Monitor = "scripted", Patience = patience, Maximize = false }, higherIsBetter: false);
        Assert.Equal(epochsRun, o.EpochsRun);
        Assert.Equal(epochsRun, o.StoppedEpoch);
        Assert.Equal(Keras(values, 10, patience, 0, false, null, 0, false), o);
    }

    public static TheoryData<string, double[], int, double, bool, double?, int, bool> HandWritten => new()
    {
        { "plateau: equal is not better", [3, 2, 2, 2, 1, 1], 2, 0, false, null, 0, true },
        { "improves at the last moment", [3, 2, 2.5, 2.1, 1.9, 2, 2, 2], 2, 0, false, null, 0, true },
        { "min_delta: small gains do not count", [1, 0.95, 0.9, 0.85, 0.8, 0.5], 2, 0.1, false, null, 0, true },
        { "min_delta negative is its absolute value", [1, 0.95, 0.9, 0.85, 0.8, 0.5], 2, -0.1, false, null, 0, false },
        { "maximised metric", [0.5, 0.6, 0.6, 0.55, 0.7, 0.7, 0.7], 2, 0, true, null, 0, true },
        { "NaN never improves", [double.NaN, double.NaN, 1, double.NaN, double.NaN, 0.5], 1, 0, false, null, 0, true },
        { "NaN first, restore keeps the first epoch's weights", [double.NaN, double.NaN, double.NaN], 5, 0, false, null, 0, true },
        { "baseline not beaten: stops after patience", [5, 4, 3, 2.5, 2.2, 2.1, 2], 3, 0, false, 1.0, 0, true },
        { "baseline beaten", [5, 4, 0.9, 0.8, 0.85, 0.85, 0.85, 0.85], 2, 0, false, 1.0, 0, true },
        { "start_from_epoch: warm-up epochs are not monitored", [1, 2, 3, 4, 3, 3, 3, 3], 1, 0, false, null, 3, true },
        { "start_from_epoch beyond the run: nothing restored", [1, 2, 3], 0, 0, false, null, 5, true },
        { "never stops, restores the best at the end", [5, 4, 3, 3.5, 2, 2.5], 2, 0, false, null, 0, true },
        { "patience 0, first epoch never stops", [2, 3, 4], 0, 0, false, null, 0, false },
    };

    [Theory]
    [MemberData(nameof(HandWritten))]
    public void Hand_written_sequences_end_as_in_Keras(string what, double[] values, int patience, double minDelta, bool maximize, double? baseline, int start, bool restore)
    {
        var rule = new EarlyStopping
        {
            Monitor = "scripted", Patience = patience, MinDelta = minDelta, Baseline = baseline, StartFromEpoch = start, RestoreBestWeights = restore,
        };
        AssertSameAsKeras(values, values.Length, rule, higherIsBetter: maximize, what);
    }

    [Fact]
    public void Random_sequences_end_as_in_Keras()
    {
        // 300 seeded cases: random walks with plateaus and NaNs, every option; the seed of a failing case is in its message.
        for (int seed = 0; seed < 300; seed++)
        {
            var rng = new Random(seed);
            int epochs = rng.Next(1, 13);
            var values = new double[epochs];
            double v = rng.NextDouble();
            for (int e = 0; e < epochs; e++)
            {
                int kind = rng.Next(10);
                v = kind == 0 ? v : v + (rng.NextDouble() - 0.6) * 0.2; // 1 in 10 repeats the last value exactly
                values[e] = rng.Next(25) == 0 ? double.NaN : Math.Round(v, 2);
            }
            bool maximize = rng.Next(2) == 0;
            var rule = new EarlyStopping
            {
                Monitor = "scripted",
                Patience = rng.Next(4),
                MinDelta = rng.Next(3) == 0 ? 0.05 : 0,
                RestoreBestWeights = rng.Next(2) == 0,
                Baseline = rng.Next(4) == 0 ? Math.Round(rng.NextDouble(), 2) : null,
                StartFromEpoch = rng.Next(4) == 0 ? rng.Next(4) : 0,
                Maximize = rng.Next(3) == 0 ? maximize : null, // null: the metric's own direction
            };
            AssertSameAsKeras(values, epochs, rule, higherIsBetter: maximize, $"seed {seed}");
        }
    }

    [Fact]
    public void The_direction_of_a_monitored_metric_is_its_own_as_Keras_auto_mode()
    {
        // Rising values: an error metric (lower is better) stops; a score (higher is better) does not.
        double[] rising = [0.1, 0.2, 0.3, 0.4, 0.5];
        Assert.Equal(2, Fit(rising, 5, new EarlyStopping { Monitor = "scripted" }, higherIsBetter: false).Outcome.StoppedEpoch);
        Assert.Null(Fit(rising, 5, new EarlyStopping { Monitor = "scripted" }, higherIsBetter: true).Outcome.StoppedEpoch);
        Assert.Equal(2, Fit(rising, 5, new EarlyStopping { Monitor = "scripted", Maximize = false }, higherIsBetter: true).Outcome.StoppedEpoch);
    }

    [Fact]
    public void Bad_settings_are_rejected_where_they_are_set()
    {
        Assert.Equal("Patience", Assert.Throws<ArgumentOutOfRangeException>(() => new EarlyStopping { Patience = -1 }).ParamName);
        Assert.Equal("MinDelta", Assert.Throws<ArgumentOutOfRangeException>(() => new EarlyStopping { MinDelta = double.NaN }).ParamName);
        Assert.Equal("Baseline", Assert.Throws<ArgumentOutOfRangeException>(() => new EarlyStopping { Baseline = double.PositiveInfinity }).ParamName);
        Assert.Equal("StartFromEpoch", Assert.Throws<ArgumentOutOfRangeException>(() => new EarlyStopping { StartFromEpoch = -2 }).ParamName);
        Assert.Equal(0.25, new EarlyStopping { MinDelta = -0.25 }.MinDelta); // Keras: abs(min_delta)
    }
}
