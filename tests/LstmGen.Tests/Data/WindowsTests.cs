using System;
using System.Linq;
using LstmGen.Data;
using Xunit;

namespace LstmGen.Tests.Data;

/// <summary>
/// Sliding windows. Reference: Keras's <c>keras.utils.timeseries_dataset_from_array(data, targets, sequence_length,
/// sequence_stride)</c> (keras/src/utils/timeseries_dataset_utils.py): window <c>i</c> is
/// <c>data[start_i : start_i + sequence_length]</c> with <c>start_i = i * sequence_stride</c>, its target is
/// <c>targets[start_i]</c>, and <c>num_seqs = min(len(data) - (sequence_length - 1), len(targets))</c>. To forecast
/// the next value from the last <c>L</c> ones, pass <c>data = series[:-1]</c>, <c>targets = series[L:]</c>, so the
/// target of a window is the value right after it (not one of its inputs).
/// </summary>
public sealed class WindowsTests
{
    private static readonly float[] Ramp = Enumerable.Range(0, 10).Select(i => (float)i).ToArray();

    [Fact]
    public void HorizonOne_MatchesKerasTimeseriesDatasetFromArray()
    {
        // Keras: data = ramp[:-1] (9 values), targets = ramp[3:], sequence_length = 3:
        // num_seqs = min(9 - 2, 7) = 7; window i = [i, i+1, i+2], target = ramp[3 + i] = i + 3.
        (float[] x, float[] y) = Windows.Create(Ramp, features: 1, lookback: 3, horizon: 1);
        Assert.Equal(7 * 3, x.Length);
        Assert.Equal(7, y.Length);
        for (int i = 0; i < 7; i++)
        {
            Assert.Equal([i, i + 1, i + 2], x.Skip(i * 3).Take(3).Select(v => (int)v));
            Assert.Equal(i + 3, y[i]);
        }
    }

    [Fact]
    public void MultiStepHorizon_TargetsAreTheFollowingValues()
    {
        // lookback 3, horizon 2 over 0..9: samples = 10 - 5 + 1 = 6; window i = [i, i+1, i+2] -> [i+3, i+4].
        WindowSet w = Windows.Create(Ramp, features: 1, lookback: 3, horizon: 2);
        Assert.Equal(6, w.Samples);
        Assert.Equal(3, w.InputLength);
        Assert.Equal(2, w.TargetLength);
        Assert.Equal([0f, 1f, 2f], w.X.AsSpan(0, 3).ToArray());
        Assert.Equal([3f, 4f], w.Y.AsSpan(0, 2).ToArray());
        Assert.Equal([5f, 6f, 7f], w.X.AsSpan(15, 3).ToArray());
        Assert.Equal([8f, 9f], w.Y.AsSpan(10, 2).ToArray());

        // No target is an input of its own window.
        for (int i = 0; i < w.Samples; i++)
        {
            float lastInput = w.X[(i * 3) + 2];
            Assert.All(w.Y.AsSpan(i * 2, 2).ToArray(), t => Assert.True(t > lastInput));
        }
    }

    [Fact]
    public void Stride_SkipsWindowStarts()
    {
        // sequence_stride=2: starts 0, 2, 4 (floor((10 - 5) / 2) + 1 = 3 samples).
        WindowSet w = Windows.Create(Ramp, features: 1, lookback: 3, horizon: 2, stride: 2);
        Assert.Equal(3, w.Samples);
        Assert.Equal([0f, 1f, 2f, 2f, 3f, 4f, 4f, 5f, 6f], w.X);
        Assert.Equal([3f, 4f, 5f, 6f, 7f, 8f], w.Y);
    }

    [Fact]
    public void TargetOffset_SkipsStepsBeforeTheTarget()
    {
        // targetOffset 1: window [i, i+1, i+2] -> target i + 4; samples = 10 - (3 + 1 + 1) + 1 = 6.
        WindowSet w = Windows.Create(Ramp, features: 1, lookback: 3, horizon: 1, targetOffset: 1);
        Assert.Equal(6, w.Samples);
        Assert.Equal([4f, 5f, 6f, 7f, 8f, 9f], w.Y);
    }

    [Fact]
    public void Multivariate_TargetColumnsChosen()
    {
        // Rows t = 0..5 hold (t, 10 t). lookback 2, horizon 1: 6 - 3 + 1 = 4 samples.
        float[] series = Enumerable.Range(0, 6).SelectMany(t => new[] { (float)t, 10f * t }).ToArray();

        WindowSet all = Windows.Create(series, features: 2, lookback: 2, horizon: 1);
        Assert.Equal(4, all.Samples);
        Assert.Equal(2, all.TargetFeatures);
        Assert.Equal([0f, 0f, 1f, 10f], all.X.AsSpan(0, 4).ToArray());
        Assert.Equal([2f, 20f], all.Y.AsSpan(0, 2).ToArray());

        WindowSet one = Windows.Create(series, features: 2, lookback: 2, horizon: 2, targetFeatures: [1]);
        Assert.Equal(3, one.Samples);
        Assert.Equal(1, one.TargetFeatures);
        Assert.Equal([20f, 30f, 30f, 40f, 40f, 50f], one.Y);

        WindowSet swapped = Windows.Create(series, features: 2, lookback: 2, horizon: 1, targetFeatures: [1, 0]);
        Assert.Equal([20f, 2f], swapped.Y.AsSpan(0, 2).ToArray());
    }

    [Fact]
    public void ExactlyOneWindow_AtTheBoundary()
    {
        // 5 steps, lookback 3 + horizon 2 = 5: one sample.
        WindowSet w = Windows.Create(Ramp.AsSpan(0, 5), features: 1, lookback: 3, horizon: 2);
        Assert.Equal(1, w.Samples);
        Assert.Equal([3f, 4f], w.Y);
    }

    [Fact]
    public void SeriesTooShort_MessageSaysBothNumbers()
    {
        var e = Assert.Throws<ArgumentException>(() => Windows.Create(Ramp.AsSpan(0, 4), features: 1, lookback: 3, horizon: 2));
        Assert.Contains("4 time steps", e.Message);
        Assert.Contains("lookback (3)", e.Message);
        Assert.Contains("horizon (2)", e.Message);
        Assert.Contains("= 5", e.Message);

        var e2 = Assert.Throws<ArgumentException>(() => Windows.Create(Ramp, features: 1, lookback: 8, horizon: 1, targetOffset: 2));
        Assert.Contains("targetOffset (2)", e2.Message);
        Assert.Contains("= 11", e2.Message);
    }

    [Fact]
    public void InvalidArguments_Throw()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => Windows.Create(Ramp, 0, 3, 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => Windows.Create(Ramp, 1, 0, 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => Windows.Create(Ramp, 1, 3, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => Windows.Create(Ramp, 1, 3, 1, stride: 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => Windows.Create(Ramp, 1, 3, 1, targetOffset: -1));
        Assert.Throws<ArgumentOutOfRangeException>(() => Windows.Create(Ramp, 2, 2, 1, targetFeatures: [2]));
        Assert.Throws<ArgumentException>(() => Windows.Create(Ramp, 2, 2, 1, targetFeatures: []));
        var e = Assert.Throws<ArgumentException>(() => Windows.Create(Ramp, 3, 2, 1));
        Assert.Contains("10 values", e.Message);
    }

    [Fact]
    public void RealSeries_AirlinePassengers()
    {
        // 144 months; lookback 12, horizon 1 -> 132 samples; the first window starts at 112 (Jan 1949) and its target
        // is month 13 (Jan 1950); the last target is 432 (Dec 1960).
        float[] p = Csv.ReadColumn(RepoFiles.Path("samples", "data", "timeseries", "airline-passengers.csv"), "Passengers");
        WindowSet w = Windows.Create(p, features: 1, lookback: 12, horizon: 1);
        Assert.Equal(132, w.Samples);
        Assert.Equal(112f, w.X[0]);
        Assert.Equal(p[12], w.Y[0]);
        Assert.Equal(432f, w.Y[^1]);
        Assert.Equal(p.AsSpan(131, 12).ToArray(), w.X.AsSpan(131 * 12, 12).ToArray());
    }
}
