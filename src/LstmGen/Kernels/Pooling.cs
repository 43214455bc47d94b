using System;
using System.Numerics.Tensors;

namespace LstmGen;

/// <summary>
/// Pooling over time (Keras's MaxPooling1D, AveragePooling1D, GlobalMaxPooling1D, GlobalAveragePooling1D) on time-major
/// tensors (steps, rows, channels). A window of output step t covers input steps [t·stride - padLeft, + pool) clipped to
/// the sequence: max pooling never picks padding, average pooling divides by the steps inside (TensorFlow's 'same').
/// </summary>
public static partial class Kernels
{
    /// <summary>Max over each window; <paramref name="argmax"/> (outSteps, rows, channels) records the input step chosen.</summary>
    public static void MaxPool1D(ReadOnlySpan<float> x, Span<float> y, Span<int> argmax, int steps, int rows, int channels, int pool,
        int stride, int padLeft, int outSteps)
    {
        int block = rows * channels;
        for (int t = 0; t < outSteps; t++)
        {
            int first = Math.Max(0, t * stride - padLeft), last = Math.Min(steps, t * stride - padLeft + pool);
            Span<float> yt = y.Slice(t * block, block);
            Span<int> at = argmax.Slice(t * block, block);
            x.Slice(first * block, block).CopyTo(yt);
            at.Fill(first);
            for (int i = first + 1; i < last; i++)
            {
                ReadOnlySpan<float> xi = x.Slice(i * block, block);
                for (int e = 0; e < block; e++)
                {
                    if (xi[e] > yt[e])
                    {
                        yt[e] = xi[e];
                        at[e] = i;
                    }
                }
            }
        }
    }

    /// <summary>Backward of <see cref="MaxPool1D"/>: each output's gradient goes to the input it took (dx cleared first).</summary>
    public static void MaxPool1DBackward(ReadOnlySpan<float> dy, ReadOnlySpan<int> argmax, Span<float> dx, int steps, int rows, int channels, int outSteps)
    {
        int block = rows * channels;
        dx.Slice(0, steps * block).Clear();
        for (int t = 0; t < outSteps; t++)
        {
            for (int e = 0; e < block; e++)
            {
                dx[argmax[t * block + e] * block + e] += dy[t * block + e];
            }
        }
    }

    /// <summary>Mean over each window's steps inside the sequence.</summary>
    public static void AvgPool1D(ReadOnlySpan<float> x, Span<float> y, int steps, int rows, int channels, int pool, int stride, int padLeft, int outSteps)
    {
        int block = rows * channels;
        for (int t = 0; t < outSteps; t++)
        {
            int first = Math.Max(0, t * stride - padLeft), last = Math.Min(steps, t * stride - padLeft + pool);
            Span<float> yt = y.Slice(t * block, block);
            x.Slice(first * block, block).CopyTo(yt);
            for (int i = first + 1; i < last; i++)
            {
                TensorPrimitives.Add(yt, x.Slice(i * block, block), yt);
            }
            TensorPrimitives.Multiply(yt, 1f / (last - first), yt);
        }
    }

    /// <summary>Backward of <see cref="AvgPool1D"/>: each output's gradient spread evenly over its window (dx cleared first).</summary>
    public static void AvgPool1DBackward(ReadOnlySpan<float> dy, Span<float> dx, int steps, int rows, int channels, int pool, int stride, int padLeft, int outSteps)
    {
        int block = rows * channels;
        dx.Slice(0, steps * block).Clear();
        for (int t = 0; t < outSteps; t++)
        {
            int first = Math.Max(0, t * stride - padLeft), last = Math.Min(steps, t * stride - padLeft + pool);
            float share = 1f / (last - first);
            for (int i = first; i < last; i++)
            {
                Span<float> di = dx.Slice(i * block, block);
                TensorPrimitives.MultiplyAdd(dy.Slice(t * block, block), share, di, di);
            }
        }
    }

    /// <summary>Max over all steps into <paramref name="y"/> (rows, channels); <paramref name="argmax"/> records the steps.</summary>
    public static void GlobalMaxPool1D(ReadOnlySpan<float> x, Span<float> y, Span<int> argmax, int steps, int rows, int channels) =>
        MaxPool1D(x, y, argmax, steps, rows, channels, steps, steps, 0, 1);

    /// <summary>Backward of <see cref="GlobalMaxPool1D"/>.</summary>
    public static void GlobalMaxPool1DBackward(ReadOnlySpan<float> dy, ReadOnlySpan<int> argmax, Span<float> dx, int steps, int rows, int channels) =>
        MaxPool1DBackward(dy, argmax, dx, steps, rows, channels, 1);

    /// <summary>
    /// Mean over the steps into <paramref name="y"/> (rows, channels); with a <paramref name="mask"/> (steps, rows), over
    /// the unmasked steps only (Keras 3), and 0 for a sample whose every step is masked (Keras would give 0/0).
    /// </summary>
    public static void GlobalAvgPool1D(ReadOnlySpan<float> x, Span<float> y, int steps, int rows, int channels, ReadOnlySpan<byte> mask)
    {
        for (int b = 0; b < rows; b++)
        {
            Span<float> yb = y.Slice(b * channels, channels);
            yb.Clear();
            int count = 0;
            for (int t = 0; t < steps; t++)
            {
                if (!mask.IsEmpty && mask[t * rows + b] == 0) continue;
                TensorPrimitives.Add(yb, x.Slice((t * rows + b) * channels, channels), yb);
                count++;
            }
            if (count > 0) TensorPrimitives.Multiply(yb, 1f / count, yb);
        }
    }

    /// <summary>Backward of <see cref="GlobalAvgPool1D"/>: dy / count to every counted step, 0 to masked ones.</summary>
    public static void GlobalAvgPool1DBackward(ReadOnlySpan<float> dy, Span<float> dx, int steps, int rows, int channels, ReadOnlySpan<byte> mask)
    {
        for (int b = 0; b < rows; b++)
        {
            int count = 0;
            for (int t = 0; t < steps; t++)
            {
                if (mask.IsEmpty || mask[t * rows + b] != 0) count++;
            }
            float share = count == 0 ? 0f : 1f / count;
            ReadOnlySpan<float> db = dy.Slice(b * channels, channels);
            for (int t = 0; t < steps; t++)
            {
                Span<float> d = dx.Slice((t * rows + b) * channels, channels);
                if (!mask.IsEmpty && mask[t * rows + b] == 0) d.Clear(); else TensorPrimitives.Multiply(db, share, d);
            }
        }
    }
}
