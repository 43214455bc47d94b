using System;

namespace LstmGen;

/// <summary>SimpleRNN kernels (Keras's SimpleRNNCell): h = activation(x·W + b + h_prev·U). Masked rows carry h_prev.</summary>
public static partial class Kernels
{
    /// <summary>
    /// One SimpleRNN step for <paramref name="rows"/> samples: <paramref name="z"/> (rows, units) holds the
    /// pre-activation (kept for the backward pass); writes h = activation(z), or h_prev (empty: zero) where the mask is 0.
    /// </summary>
    public static void SimpleRnnStep(ReadOnlySpan<float> z, ReadOnlySpan<float> hPrev, Span<float> h, int rows, int units,
        Activation activation, ReadOnlySpan<byte> mask)
    {
        CheckGru(z.Length, rows, units, "z");
        CheckGru(h.Length, rows, units, "h");
        if (mask.IsEmpty)
        {
            z.Slice(0, rows * units).CopyTo(h);
            ActivateCell(activation, h, rows, units);
            return;
        }
        for (int r = 0; r < rows; r++)
        {
            Span<float> hr = h.Slice(r * units, units);
            if (mask[r] == 0)
            {
                if (hPrev.IsEmpty) hr.Clear(); else hPrev.Slice(r * units, units).CopyTo(hr);
                continue;
            }
            z.Slice(r * units, units).CopyTo(hr);
            ActivateCell(activation, hr, 1, units);
        }
    }

    /// <summary>
    /// Backward of one SimpleRNN step: <paramref name="dz"/> = dh ⊙ activation'(z) from the pre-activation
    /// <paramref name="z"/> and output <paramref name="h"/>; zero on masked rows (whose dh the caller passes to h_prev).
    /// </summary>
    public static void SimpleRnnStepBackward(ReadOnlySpan<float> z, ReadOnlySpan<float> h, ReadOnlySpan<float> dh, Span<float> dz,
        int rows, int units, Activation activation, ReadOnlySpan<byte> mask)
    {
        CheckGru(dz.Length, rows, units, "dz");
        dh.Slice(0, rows * units).CopyTo(dz);
        ActivationBackward(activation, ActivationMath.NeedsInput(activation) ? z : default, h, dz, rows, units);
        if (!mask.IsEmpty)
        {
            for (int r = 0; r < rows; r++)
            {
                if (mask[r] == 0) dz.Slice(r * units, units).Clear();
            }
        }
    }

    /// <summary>One SimpleRNN step of a stream (batch 1), state <paramref name="h"/> updated in place; <paramref name="scratch"/> holds units floats.</summary>
    public static void SimpleRnnStreamStep(ReadOnlySpan<float> x, ReadOnlySpan<float> kernel, ReadOnlySpan<float> recurrent, ReadOnlySpan<float> bias,
        Span<float> h, Span<float> scratch, int inputs, int units, Activation activation)
    {
        Span<float> z = scratch.Slice(0, units);
        GemmBias(x, kernel, bias, z, 1, units, inputs);
        Gemm(h, recurrent, z, 1, units, units, accumulate: true);
        z.CopyTo(h);
        ActivateCell(activation, h, 1, units);
    }

    // The cell's activation, in place: tanh (Keras's default) with FastMath's vectorised tanh, as the LSTM and GRU cells
    // (about 2.5× faster than TensorPrimitives.Tanh, which evaluates exp in double precision); others as Activate. The
    // batch and streaming steps both go through here, so a stream still equals Predict.
    private static void ActivateCell(Activation activation, Span<float> h, int rows, int units)
    {
        if (activation == Activation.Tanh) FastMath.Tanh(h.Slice(0, rows * units), h);
        else Activate(activation, h, rows, units);
    }
}
