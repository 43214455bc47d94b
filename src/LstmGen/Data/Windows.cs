using System;

namespace LstmGen.Data;

/// <summary>
/// Supervised samples cut from a series by <see cref="Windows.Create"/>: inputs <see cref="X"/>
/// (<c>Samples × Lookback × Features</c>) and targets <see cref="Y"/> (<c>Samples × Horizon × TargetFeatures</c>),
/// both row-major and flat, ready for a model's <c>Fit</c>.
/// </summary>
public sealed class WindowSet
{
    internal WindowSet(float[] x, float[] y, int samples, int lookback, int features, int horizon, int targetFeatures)
    {
        X = x;
        Y = y;
        Samples = samples;
        Lookback = lookback;
        Features = features;
        Horizon = horizon;
        TargetFeatures = targetFeatures;
    }

    /// <summary>The input windows, <c>Samples × Lookback × Features</c>.</summary>
    public float[] X { get; }

    /// <summary>The targets, <c>Samples × Horizon × TargetFeatures</c>: the values that follow each window.</summary>
    public float[] Y { get; }

    /// <summary>The number of windows.</summary>
    public int Samples { get; }

    /// <summary>Time steps per input window.</summary>
    public int Lookback { get; }

    /// <summary>Features per input time step.</summary>
    public int Features { get; }

    /// <summary>Future time steps per target.</summary>
    public int Horizon { get; }

    /// <summary>Features per target time step.</summary>
    public int TargetFeatures { get; }

    /// <summary>Floats per input sample (<c>Lookback × Features</c>).</summary>
    public int InputLength => Lookback * Features;

    /// <summary>Floats per target sample (<c>Horizon × TargetFeatures</c>).</summary>
    public int TargetLength => Horizon * TargetFeatures;

    /// <summary>Deconstructs into <c>(x, y)</c>.</summary>
    /// <param name="x">Receives <see cref="X"/>.</param>
    /// <param name="y">Receives <see cref="Y"/>.</param>
    public void Deconstruct(out float[] x, out float[] y)
    {
        x = X;
        y = Y;
    }
}

/// <summary>Sliding windows over a time series, for forecasting.</summary>
public static class Windows
{
    /// <summary>
    /// Cuts a series into (past window → future values) samples. Window <c>i</c> starts at time step
    /// <c>s = i × stride</c>: its input is steps <c>s .. s + lookback - 1</c> (all features) and its target is the
    /// <paramref name="horizon"/> steps that follow, after skipping <paramref name="targetOffset"/> steps:
    /// <c>s + lookback + targetOffset .. s + lookback + targetOffset + horizon - 1</c> (the chosen target features).
    /// With <c>horizon = 1</c>, <c>stride = 1</c> and one feature this is Keras's
    /// <c>timeseries_dataset_from_array(series[:-1], targets=series[lookback:], sequence_length=lookback)</c>.
    /// </summary>
    /// <param name="series">Row-major series, <c>timeSteps × features</c>.</param>
    /// <param name="features">Values per time step.</param>
    /// <param name="lookback">Time steps per input window.</param>
    /// <param name="horizon">Future time steps per target.</param>
    /// <param name="stride">Time steps between the starts of consecutive windows (default 1).</param>
    /// <param name="targetOffset">Time steps skipped between the end of a window and its first target (default 0: the very next step).</param>
    /// <param name="targetFeatures">The feature columns of the target, in order; null = all features.</param>
    /// <returns>The windows; <c>floor((timeSteps - lookback - targetOffset - horizon) / stride) + 1</c> samples.</returns>
    /// <exception cref="ArgumentOutOfRangeException">A size is not positive, <paramref name="targetOffset"/> is negative, or a target feature is out of range.</exception>
    /// <exception cref="ArgumentException">The series is not a whole number of time steps, holds a NaN or infinite value (the message names its index, time step and feature), or is shorter than one window and its target.</exception>
    public static WindowSet Create(
        ReadOnlySpan<float> series,
        int features,
        int lookback,
        int horizon,
        int stride = 1,
        int targetOffset = 0,
        int[]? targetFeatures = null)
    {
        if (features <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(features), features, "features must be positive.");
        }

        if (lookback <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(lookback), lookback, "lookback must be positive.");
        }

        if (horizon <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(horizon), horizon, "horizon must be positive.");
        }

        if (stride <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(stride), stride, "stride must be positive.");
        }

        if (targetOffset < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(targetOffset), targetOffset, "targetOffset must be 0 or more.");
        }

        if (series.Length % features != 0)
        {
            throw new ArgumentException(
                $"The series has {series.Length} values, not a whole number of time steps of {features} features.", nameof(series));
        }

        for (int i = 0; i < series.Length; i++)
        {
            if (!float.IsFinite(series[i]))
            {
                throw new ArgumentException(
                    $"series[{i}] (time step {i / features}, feature {i % features}) is {series[i]}: windows need finite values " +
                    "(fill or drop missing values first).", nameof(series));
            }
        }

        int[] targets;
        if (targetFeatures is null)
        {
            targets = new int[features];
            for (int f = 0; f < features; f++)
            {
                targets[f] = f;
            }
        }
        else
        {
            if (targetFeatures.Length == 0)
            {
                throw new ArgumentException("targetFeatures is empty: pass null for all features, or at least one column.", nameof(targetFeatures));
            }

            foreach (int f in targetFeatures)
            {
                if ((uint)f >= (uint)features)
                {
                    throw new ArgumentOutOfRangeException(nameof(targetFeatures), f, $"Target feature {f} is not a column of a series with {features} features.");
                }
            }

            targets = (int[])targetFeatures.Clone();
        }

        int steps = series.Length / features;
        long needed = (long)lookback + targetOffset + horizon;
        if (steps < needed)
        {
            string offset = targetOffset == 0 ? string.Empty : $" + targetOffset ({targetOffset})";
            throw new ArgumentException(
                $"The series has {steps} time steps, too short for one sample: lookback ({lookback}){offset} + horizon ({horizon}) = {needed} time steps are needed.",
                nameof(series));
        }

        int samples = (int)((steps - needed) / stride) + 1;
        int inputLength = lookback * features;
        int targetLength = horizon * targets.Length;
        var x = new float[checked((long)samples * inputLength)];
        var y = new float[checked((long)samples * targetLength)];
        for (int i = 0; i < samples; i++)
        {
            int start = i * stride;
            series.Slice(start * features, inputLength).CopyTo(x.AsSpan(i * inputLength, inputLength));
            int first = start + lookback + targetOffset;
            int o = i * targetLength;
            for (int h = 0; h < horizon; h++)
            {
                int row = (first + h) * features;
                foreach (int f in targets)
                {
                    y[o++] = series[row + f];
                }
            }
        }

        return new WindowSet(x, y, samples, lookback, features, horizon, targets.Length);
    }
}
