using System;
using System.Numerics.Tensors;

namespace LstmGen;

/// <summary>
/// Conv1D kernels (Keras's Conv1D, channels last). A convolution is one matrix product: the input windows are laid out
/// as rows (im2col: output step t, sample b → the kernel_size input steps t·stride + j·dilation - padLeft, zeros outside
/// the sequence, channels contiguous), times the kernel, whose Keras layout (kernel_size, in, filters) is already the
/// (kernel_size·in, filters) matrix. Tensors are time-major (steps, batch, channels).
/// </summary>
public static partial class Kernels
{
    /// <summary>
    /// Writes the windows of <paramref name="x"/> (steps, rows, channels) as <paramref name="columns"/>
    /// (outSteps·rows, kernel·channels): row (t, b) holds input steps t·stride + j·dilation - padLeft for j &lt; kernel.
    /// </summary>
    public static void Im2Col(ReadOnlySpan<float> x, Span<float> columns, int steps, int rows, int channels, int kernel, int stride,
        int dilation, int padLeft, int outSteps)
    {
        int width = kernel * channels;
        if (x.Length < steps * rows * channels || columns.Length < outSteps * rows * width)
        {
            throw new ArgumentException($"Im2Col: spans too short for {steps} steps of {rows} rows of {channels} channels and {outSteps} windows of {kernel}.");
        }
        for (int t = 0; t < outSteps; t++)
        {
            for (int j = 0; j < kernel; j++)
            {
                int i = t * stride + j * dilation - padLeft;
                for (int b = 0; b < rows; b++)
                {
                    Span<float> dst = columns.Slice((t * rows + b) * width + j * channels, channels);
                    if (i < 0 || i >= steps)
                    {
                        dst.Clear();
                    }
                    else
                    {
                        x.Slice((i * rows + b) * channels, channels).CopyTo(dst);
                    }
                }
            }
        }
    }

    /// <summary>
    /// The adjoint of <see cref="Im2Col"/>: writes into <paramref name="dx"/> (steps, rows, channels) the sum, over every
    /// window that read an input value, of that window's gradient in <paramref name="dColumns"/>.
    /// </summary>
    public static void Col2Im(ReadOnlySpan<float> dColumns, Span<float> dx, int steps, int rows, int channels, int kernel, int stride,
        int dilation, int padLeft, int outSteps)
    {
        int width = kernel * channels;
        dx.Slice(0, steps * rows * channels).Clear();
        for (int t = 0; t < outSteps; t++)
        {
            for (int j = 0; j < kernel; j++)
            {
                int i = t * stride + j * dilation - padLeft;
                if (i < 0 || i >= steps)
                {
                    continue;
                }
                for (int b = 0; b < rows; b++)
                {
                    Span<float> d = dx.Slice((i * rows + b) * channels, channels);
                    TensorPrimitives.Add(d, dColumns.Slice((t * rows + b) * width + j * channels, channels), d);
                }
            }
        }
    }

    /// <summary>
    /// One step of a causal Conv1D (stride 1) in a stream: <paramref name="history"/> holds the previous
    /// (kernel - 1)·dilation inputs (oldest first, zeros at the start) and is shifted by one step; <paramref name="y"/>
    /// receives bias + Σ_j x[t - (kernel - 1 - j)·dilation]·kernel[j]. <paramref name="columns"/> holds kernel·channels floats.
    /// </summary>
    public static void Conv1DStreamStep(ReadOnlySpan<float> x, ReadOnlySpan<float> kernelWeights, ReadOnlySpan<float> bias, Span<float> history,
        Span<float> columns, Span<float> y, int channels, int filters, int kernel, int dilation)
    {
        int past = (kernel - 1) * dilation;
        for (int j = 0; j < kernel; j++)
        {
            int back = (kernel - 1 - j) * dilation; // steps before the current one
            Span<float> dst = columns.Slice(j * channels, channels);
            if (back == 0)
            {
                x.Slice(0, channels).CopyTo(dst);
            }
            else
            {
                history.Slice((past - back) * channels, channels).CopyTo(dst);
            }
        }
        GemmBias(columns.Slice(0, kernel * channels), kernelWeights, bias, y, 1, filters, kernel * channels);
        if (past > 0)
        {
            history.Slice(channels, (past - 1) * channels).CopyTo(history);
            x.Slice(0, channels).CopyTo(history.Slice((past - 1) * channels, channels));
        }
    }
}
