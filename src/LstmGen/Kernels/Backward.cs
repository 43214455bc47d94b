using System;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace LstmGen;

public static partial class Kernels
{
    /// <summary>Writes the transpose of <paramref name="src"/> (rows, cols) into <paramref name="dst"/> (cols, rows).</summary>
    public static void Transpose(ReadOnlySpan<float> src, Span<float> dst, int rows, int cols)
    {
        if (src.Length < rows * cols || dst.Length < rows * cols)
        {
            throw new ArgumentException($"Transpose: spans too short for ({rows}, {cols}).");
        }
        if (Avx.IsSupported && !TransposeScalarOnly)
        {
            // 8 × 8 tiles through registers (unpack, shuffle, swap halves): 2.5-5× the scalar loop on LSTM kernels
            // (128 × 512, 64 × 256 and their transposes), which training transposes every step; no gain on W4's
            // 512 × 2048, which is bound by memory. The rest (rows or columns past a multiple of 8) is scalar.
            int r8 = rows & ~7, c8 = cols & ~7;
            ref float s0 = ref MemoryMarshal.GetReference(src);
            ref float d0 = ref MemoryMarshal.GetReference(dst);
            // The tile order whose long stride is the shorter measured fastest (on a 128 × 512 kernel, 12 µs against 25;
            // on 512 × 128, 11 against 65): along the source's rows when they are the longer side, else down its columns.
            if (rows <= cols)
            {
                for (int r = 0; r < r8; r += 8)
                {
                    for (int c = 0; c < c8; c += 8)
                    {
                        Transpose8x8(ref Unsafe.Add(ref s0, r * cols + c), cols, ref Unsafe.Add(ref d0, c * rows + r), rows);
                    }
                }
            }
            else
            {
                for (int c = 0; c < c8; c += 8)
                {
                    for (int r = 0; r < r8; r += 8)
                    {
                        Transpose8x8(ref Unsafe.Add(ref s0, r * cols + c), cols, ref Unsafe.Add(ref d0, c * rows + r), rows);
                    }
                }
            }
            for (int r = 0; r < rows; r++)
            {
                for (int c = r < r8 ? c8 : 0; c < cols; c++)
                {
                    dst[c * rows + r] = src[r * cols + c];
                }
            }
            return;
        }
        const int Block = 16;
        for (int r0 = 0; r0 < rows; r0 += Block)
        {
            int r1 = Math.Min(rows, r0 + Block);
            for (int c0 = 0; c0 < cols; c0 += Block)
            {
                int c1 = Math.Min(cols, c0 + Block);
                for (int r = r0; r < r1; r++)
                {
                    for (int c = c0; c < c1; c++)
                    {
                        dst[c * rows + r] = src[r * cols + c];
                    }
                }
            }
        }
    }

    /// <summary>Test hook: transpose with the scalar loop only (the tiles' reference).</summary>
    [ThreadStatic]
    internal static bool TransposeScalarOnly;

    private static void Transpose8x8(ref float src, int srcStride, ref float dst, int dstStride)
    {
        Vector256<float> a0 = Vector256.LoadUnsafe(ref src), a1 = Vector256.LoadUnsafe(ref src, (nuint)srcStride);
        Vector256<float> a2 = Vector256.LoadUnsafe(ref src, (nuint)(2 * srcStride)), a3 = Vector256.LoadUnsafe(ref src, (nuint)(3 * srcStride));
        Vector256<float> a4 = Vector256.LoadUnsafe(ref src, (nuint)(4 * srcStride)), a5 = Vector256.LoadUnsafe(ref src, (nuint)(5 * srcStride));
        Vector256<float> a6 = Vector256.LoadUnsafe(ref src, (nuint)(6 * srcStride)), a7 = Vector256.LoadUnsafe(ref src, (nuint)(7 * srcStride));
        // Pairs of rows interleaved: t0 = a0[0] a1[0] a0[1] a1[1] | a0[4] a1[4] a0[5] a1[5], ...
        Vector256<float> t0 = Avx.UnpackLow(a0, a1), t1 = Avx.UnpackHigh(a0, a1);
        Vector256<float> t2 = Avx.UnpackLow(a2, a3), t3 = Avx.UnpackHigh(a2, a3);
        Vector256<float> t4 = Avx.UnpackLow(a4, a5), t5 = Avx.UnpackHigh(a4, a5);
        Vector256<float> t6 = Avx.UnpackLow(a6, a7), t7 = Avx.UnpackHigh(a6, a7);
        // Quads: u0 = column 0 of rows 0-3 | column 4 of rows 0-3, ...
        Vector256<float> u0 = Avx.Shuffle(t0, t2, 0x44), u1 = Avx.Shuffle(t0, t2, 0xEE);
        Vector256<float> u2 = Avx.Shuffle(t1, t3, 0x44), u3 = Avx.Shuffle(t1, t3, 0xEE);
        Vector256<float> u4 = Avx.Shuffle(t4, t6, 0x44), u5 = Avx.Shuffle(t4, t6, 0xEE);
        Vector256<float> u6 = Avx.Shuffle(t5, t7, 0x44), u7 = Avx.Shuffle(t5, t7, 0xEE);
        // Halves joined: column j of rows 0-7.
        Avx.Permute2x128(u0, u4, 0x20).StoreUnsafe(ref dst);
        Avx.Permute2x128(u1, u5, 0x20).StoreUnsafe(ref dst, (nuint)dstStride);
        Avx.Permute2x128(u2, u6, 0x20).StoreUnsafe(ref dst, (nuint)(2 * dstStride));
        Avx.Permute2x128(u3, u7, 0x20).StoreUnsafe(ref dst, (nuint)(3 * dstStride));
        Avx.Permute2x128(u0, u4, 0x31).StoreUnsafe(ref dst, (nuint)(4 * dstStride));
        Avx.Permute2x128(u1, u5, 0x31).StoreUnsafe(ref dst, (nuint)(5 * dstStride));
        Avx.Permute2x128(u2, u6, 0x31).StoreUnsafe(ref dst, (nuint)(6 * dstStride));
        Avx.Permute2x128(u3, u7, 0x31).StoreUnsafe(ref dst, (nuint)(7 * dstStride));
    }

    /// <summary>Adds the column sums of <paramref name="x"/> (rows, cols) to <paramref name="sums"/> (cols): a bias gradient.</summary>
    public static void AddColumnSums(ReadOnlySpan<float> x, Span<float> sums, int rows, int cols)
    {
        Span<float> s = sums.Slice(0, cols);
        for (int r = 0; r < rows; r++)
        {
            TensorPrimitives.Add(s, x.Slice(r * cols, cols), s);
        }
    }

    /// <summary>
    /// Turns the gradient with respect to an activation's output into the gradient with respect to its input, in place:
    /// <paramref name="dy"/> ← dy ⊙ f'(x), with f' computed from the outputs <paramref name="y"/> (rows, cols). Softmax
    /// applies its Jacobian per row.
    /// </summary>
    public static void ActivationBackward(Activation activation, ReadOnlySpan<float> y, Span<float> dy, int rows, int cols) =>
        ActivationBackward(activation, default, y, dy, rows, cols);

    /// <summary>
    /// As <see cref="ActivationBackward(Activation, ReadOnlySpan{float}, Span{float}, int, int)"/>, with the activation's
    /// inputs <paramref name="x"/> as well, which gelu and swish need (their derivative is not a function of the output).
    /// </summary>
    public static void ActivationBackward(Activation activation, ReadOnlySpan<float> x, ReadOnlySpan<float> y, Span<float> dy, int rows, int cols)
    {
        int n = rows * cols;
        ReadOnlySpan<float> yv = y.Slice(0, n);
        Span<float> d = dy.Slice(0, n);
        switch (activation)
        {
            case Activation.Linear:
                break;
            case Activation.Relu:
                for (int i = 0; i < n; i++)
                {
                    if (yv[i] <= 0f) d[i] = 0f;
                }
                break;
            case Activation.Tanh:
                for (int i = 0; i < n; i++)
                {
                    d[i] *= 1f - yv[i] * yv[i];
                }
                break;
            case Activation.Sigmoid:
                for (int i = 0; i < n; i++)
                {
                    d[i] *= yv[i] * (1f - yv[i]);
                }
                break;
            case Activation.Softmax:
                for (int r = 0; r < rows; r++)
                {
                    ReadOnlySpan<float> yr = yv.Slice(r * cols, cols);
                    Span<float> dr = d.Slice(r * cols, cols);
                    float dot = TensorPrimitives.Dot(yr, dr);
                    for (int j = 0; j < cols; j++)
                    {
                        dr[j] = yr[j] * (dr[j] - dot);
                    }
                }
                break;
            case >= Activation.HardSigmoid and <= Activation.Exponential:
                ActivationMath.Backward(activation, x.IsEmpty ? default : x.Slice(0, n), yv, d);
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(activation), activation, "Unknown activation.");
        }
    }

    /// <summary>The derivative of an activation at the point where it took <paramref name="x"/> and output <paramref name="y"/>.</summary>
    private static float Derivative(Activation activation, float x, float y) => ActivationMath.Derivative(activation, x, y);

    /// <summary>
    /// Backward of one LSTM step for <paramref name="rows"/> samples. <paramref name="z"/> holds the step's activated gates
    /// (i, f, c, o) as the forward pass left them, <paramref name="c"/> the step's cell state and <paramref name="cPrev"/>
    /// the previous one (empty at the first step). <paramref name="dh"/> is the total gradient reaching the step's output
    /// and <paramref name="dc"/> the gradient reaching its cell state from the next step; on exit <paramref name="dc"/>
    /// holds the gradient for the previous cell state and <paramref name="dz"/> the gradient of the gate pre-activations.
    /// Masked rows (mask 0) carried the state unchanged: their dz is zero and dc passes through (the caller passes dh).
    /// </summary>
    /// <remarks><paramref name="preActivations"/>: the gate pre-activations the forward pass kept (LstmStep's), needed only
    /// when an activation is gelu or swish; else empty.</remarks>
    public static void LstmStepBackward(ReadOnlySpan<float> z, ReadOnlySpan<float> c, ReadOnlySpan<float> cPrev,
        ReadOnlySpan<float> dh, Span<float> dc, Span<float> dz, int rows, int units,
        Activation activation, Activation recurrentActivation, ReadOnlySpan<byte> mask, ReadOnlySpan<float> preActivations = default)
    {
        int g4 = 4 * units;
        if (z.Length < rows * g4 || dz.Length < rows * g4 || c.Length < rows * units || dh.Length < rows * units ||
            dc.Length < rows * units || (!cPrev.IsEmpty && cPrev.Length < rows * units) || (!mask.IsEmpty && mask.Length < rows) ||
            (!preActivations.IsEmpty && preActivations.Length < rows * g4))
        {
            // Checked here for every span, as the split rows (ColumnHelper) run on unchecked pointers.
            throw new ArgumentException($"LstmStepBackward: spans too short for {rows} rows of {units} units.");
        }
        if (ColumnHelper.TrySplitLstmStepBackward(z, c, cPrev, dh, dc, dz, rows, units, activation, recurrentActivation, mask, preActivations))
        {
            return;
        }
        LstmStepBackwardRows(z, c, cPrev, dh, dc, dz, rows, units, activation, recurrentActivation, mask, preActivations);
    }

    // LstmStepBackward's rows, checked by the caller, on this thread.
    internal static void LstmStepBackwardRows(ReadOnlySpan<float> z, ReadOnlySpan<float> c, ReadOnlySpan<float> cPrev,
        ReadOnlySpan<float> dh, Span<float> dc, Span<float> dz, int rows, int units,
        Activation activation, Activation recurrentActivation, ReadOnlySpan<byte> mask, ReadOnlySpan<float> preActivations)
    {
        int g4 = 4 * units;
        for (int r = 0; r < rows; r++)
        {
            Span<float> dzr = dz.Slice(r * g4, g4);
            if (!mask.IsEmpty && mask[r] == 0)
            {
                dzr.Clear();
                continue;
            }
            ReadOnlySpan<float> zr = z.Slice(r * g4, g4);
            ReadOnlySpan<float> cr = c.Slice(r * units, units);
            ReadOnlySpan<float> cp = cPrev.IsEmpty ? default : cPrev.Slice(r * units, units);
            ReadOnlySpan<float> dhr = dh.Slice(r * units, units);
            Span<float> dcr = dc.Slice(r * units, units);
            // act(c) is recomputed, vectorised, into the output-gate slot of dz, which is written last.
            Span<float> ac = dzr.Slice(3 * units, units);
            if (activation == Activation.Tanh && recurrentActivation == Activation.Sigmoid)
            {
                // The forward's fused cell computed h = o · tanh(c) with FastMath's tanh: the same function here. It is
                // also 2.5× cheaper than TensorPrimitives.Tanh, which evaluates exp in double precision (1.04 against
                // 2.63 ns an element, measured on the AVX2 VM).
                FastMath.Tanh(cr, ac);
            }
            else if (activation == Activation.Tanh)
            {
                TensorPrimitives.Tanh(cr, ac);
            }
            else
            {
                cr.CopyTo(ac);
                Activate(activation, ac, 1, units);
            }
            if (activation == Activation.Tanh && recurrentActivation == Activation.Sigmoid)
            {
                StepBackwardDefault(zr, ac, cp, dhr, dcr, dzr, units);
                continue;
            }
            ReadOnlySpan<float> pr = preActivations.IsEmpty ? default : preActivations.Slice(r * g4, g4);
            for (int u = 0; u < units; u++)
            {
                float gi = zr[u], gf = zr[units + u], gg = zr[2 * units + u], go = zr[3 * units + u];
                float a = ac[u];
                float xi = 0f, xf = 0f, xg = 0f, xo = 0f;
                if (!pr.IsEmpty)
                {
                    xi = pr[u]; xf = pr[units + u]; xg = pr[2 * units + u]; xo = pr[3 * units + u];
                }
                float dcTotal = dcr[u] + dhr[u] * go * Derivative(activation, cr[u], a);
                dzr[u] = dcTotal * gg * Derivative(recurrentActivation, xi, gi);
                dzr[units + u] = cp.IsEmpty ? 0f : dcTotal * cp[u] * Derivative(recurrentActivation, xf, gf);
                dzr[2 * units + u] = dcTotal * gi * Derivative(activation, xg, gg);
                dzr[3 * units + u] = dhr[u] * a * Derivative(recurrentActivation, xo, go);
                dcr[u] = dcTotal * gf;
            }
        }
    }

    /// <summary>The backward step for Keras's default activations (tanh, sigmoid), vectorised; <paramref name="ac"/> = tanh(c) aliases dz's o block.</summary>
    private static void StepBackwardDefault(ReadOnlySpan<float> z, ReadOnlySpan<float> ac, ReadOnlySpan<float> cp,
        ReadOnlySpan<float> dh, Span<float> dc, Span<float> dz, int units)
    {
        int u = 0;
        if (System.Numerics.Vector.IsHardwareAccelerated)
        {
            int width = System.Numerics.Vector<float>.Count;
            var one = System.Numerics.Vector<float>.One;
            for (; u + width <= units; u += width)
            {
                var gi = new System.Numerics.Vector<float>(z.Slice(u));
                var gf = new System.Numerics.Vector<float>(z.Slice(units + u));
                var gg = new System.Numerics.Vector<float>(z.Slice(2 * units + u));
                var go = new System.Numerics.Vector<float>(z.Slice(3 * units + u));
                var a = new System.Numerics.Vector<float>(ac.Slice(u));
                var dhv = new System.Numerics.Vector<float>(dh.Slice(u));
                var dcTotal = new System.Numerics.Vector<float>(dc.Slice(u)) + dhv * go * (one - a * a);
                var cpv = cp.IsEmpty ? System.Numerics.Vector<float>.Zero : new System.Numerics.Vector<float>(cp.Slice(u));
                (dcTotal * gg * gi * (one - gi)).CopyTo(dz.Slice(u));
                (dcTotal * cpv * gf * (one - gf)).CopyTo(dz.Slice(units + u));
                (dcTotal * gi * (one - gg * gg)).CopyTo(dz.Slice(2 * units + u));
                (dhv * a * go * (one - go)).CopyTo(dz.Slice(3 * units + u)); // overwrites a (this lane block only)
                (dcTotal * gf).CopyTo(dc.Slice(u));
            }
        }
        for (; u < units; u++)
        {
            float gi = z[u], gf = z[units + u], gg = z[2 * units + u], go = z[3 * units + u], a = ac[u];
            float dcTotal = dc[u] + dh[u] * go * (1f - a * a);
            dz[u] = dcTotal * gg * gi * (1f - gi);
            dz[units + u] = cp.IsEmpty ? 0f : dcTotal * cp[u] * gf * (1f - gf);
            dz[2 * units + u] = dcTotal * gi * (1f - gg * gg);
            dz[3 * units + u] = dh[u] * a * go * (1f - go);
            dc[u] = dcTotal * gf;
        }
    }

    /// <summary>For rows whose mask is 0, adds the row of <paramref name="source"/> to <paramref name="destination"/> (rows, units).</summary>
    public static void AddMaskedRows(ReadOnlySpan<float> source, Span<float> destination, ReadOnlySpan<byte> mask, int rows, int units)
    {
        if (mask.IsEmpty)
        {
            return;
        }
        for (int r = 0; r < rows; r++)
        {
            if (mask[r] == 0)
            {
                TensorPrimitives.Add(destination.Slice(r * units, units), source.Slice(r * units, units), destination.Slice(r * units, units));
            }
        }
    }

    /// <summary>Backward of <see cref="RepeatVector"/>: <paramref name="dx"/> (rows, features) = the sum over the n steps of <paramref name="dy"/>.</summary>
    public static void RepeatVectorBackward(ReadOnlySpan<float> dy, Span<float> dx, int rows, int features, int n)
    {
        int block = rows * features;
        Span<float> d = dx.Slice(0, block);
        dy.Slice(0, block).CopyTo(d);
        for (int t = 1; t < n; t++)
        {
            TensorPrimitives.Add(d, dy.Slice(t * block, block), d);
        }
    }

    /// <summary>
    /// Backward of <see cref="MergeBidirectional"/>: splits <paramref name="dy"/> into the gradients of the forward and
    /// backward outputs, each in its own processing order (the backward one reversed back).
    /// </summary>
    public static void MergeBidirectionalBackward(ReadOnlySpan<float> dy, ReadOnlySpan<float> forward, ReadOnlySpan<float> backward,
        Span<float> dForward, Span<float> dBackward, int steps, int rows, int units, MergeMode mode)
    {
        int block = rows * units;
        for (int t = 0; t < steps; t++)
        {
            Span<float> df = dForward.Slice(t * block, block);
            Span<float> db = dBackward.Slice((steps - 1 - t) * block, block);
            switch (mode)
            {
                case MergeMode.Concat:
                    ReadOnlySpan<float> d = dy.Slice(t * 2 * block, 2 * block);
                    for (int r = 0; r < rows; r++)
                    {
                        d.Slice(r * 2 * units, units).CopyTo(df.Slice(r * units, units));
                        d.Slice(r * 2 * units + units, units).CopyTo(db.Slice(r * units, units));
                    }
                    break;
                case MergeMode.Sum:
                    dy.Slice(t * block, block).CopyTo(df);
                    dy.Slice(t * block, block).CopyTo(db);
                    break;
                case MergeMode.Mul:
                    TensorPrimitives.Multiply(dy.Slice(t * block, block), backward.Slice((steps - 1 - t) * block, block), df);
                    TensorPrimitives.Multiply(dy.Slice(t * block, block), forward.Slice(t * block, block), db);
                    break;
                case MergeMode.Ave:
                    TensorPrimitives.Multiply(dy.Slice(t * block, block), 0.5f, df);
                    TensorPrimitives.Multiply(dy.Slice(t * block, block), 0.5f, db);
                    break;
                default:
                    throw new ArgumentOutOfRangeException(nameof(mode), mode, "Unknown merge mode.");
            }
        }
    }

    /// <summary>Backward of <see cref="Embed"/>: adds each step's gradient (time-major) to its token's row of <paramref name="tableGradient"/>.</summary>
    public static void EmbedBackward(ReadOnlySpan<int> tokens, ReadOnlySpan<float> dy, Span<float> tableGradient, int batch, int steps, int dim)
    {
        for (int b = 0; b < batch; b++)
        {
            for (int t = 0; t < steps; t++)
            {
                Span<float> row = tableGradient.Slice(tokens[b * steps + t] * dim, dim);
                TensorPrimitives.Add(row, dy.Slice((t * batch + b) * dim, dim), row);
            }
        }
    }
}
