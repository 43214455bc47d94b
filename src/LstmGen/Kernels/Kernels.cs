using System;
using System.ComponentModel;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace LstmGen;

/// <summary>
/// The vectorised building blocks that generated models call. Tensors inside a model are time-major
/// (steps, batch, features), so the rows of one step are contiguous. Public so that generated code can call it;
/// not meant to be called by hand.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public static partial class Kernels
{
    /// <summary>Applies <paramref name="activation"/> in place to <paramref name="rows"/> rows of <paramref name="cols"/> values.</summary>
    public static void Activate(Activation activation, Span<float> x, int rows, int cols)
    {
        Span<float> v = x.Slice(0, rows * cols);
        switch (activation)
        {
            case Activation.Linear:
                break;
            case Activation.Relu:
                TensorPrimitives.Max(v, 0f, v);
                break;
            case Activation.Tanh:
                TensorPrimitives.Tanh(v, v);
                break;
            case Activation.Sigmoid:
                TensorPrimitives.Sigmoid(v, v);
                break;
            case Activation.Softmax:
                for (int r = 0; r < rows; r++)
                {
                    Softmax(v.Slice(r * cols, cols));
                }
                break;
            case >= Activation.HardSigmoid and <= Activation.Exponential:
                ActivationMath.Apply(activation, v);
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(activation), activation, "Unknown activation.");
        }
    }

    private static void Softmax(Span<float> row)
    {
        float max = TensorPrimitives.Max(row);
        TensorPrimitives.Subtract(row, max, row);
        TensorPrimitives.Exp(row, row);
        float sum = TensorPrimitives.Sum(row);
        TensorPrimitives.Divide(row, sum, row);
    }

    /// <summary>
    /// One LSTM step for <paramref name="rows"/> samples. On entry <paramref name="z"/> (rows, 4·units) holds the gate
    /// pre-activations (i, f, c, o blocks); on exit it holds the activated gates. Writes the new cell state
    /// <paramref name="c"/> and output <paramref name="h"/> (rows, units). An empty <paramref name="cPrev"/> /
    /// <paramref name="hPrev"/> is the zero initial state. Where <paramref name="mask"/> (rows) is 0, the previous state
    /// is carried unchanged (Keras masking); an empty mask means every row is valid.
    /// </summary>
    /// <remarks>When not empty, <paramref name="preActivations"/> receives the gate pre-activations (rows, 4·units), which
    /// the backward pass needs for gelu and swish.</remarks>
    public static void LstmStep(Span<float> z, ReadOnlySpan<float> cPrev, ReadOnlySpan<float> hPrev, Span<float> c, Span<float> h,
        int rows, int units, Activation activation, Activation recurrentActivation, ReadOnlySpan<byte> mask, Span<float> preActivations = default)
    {
        int g4 = 4 * units;
        if (z.Length < rows * g4 || c.Length < rows * units || h.Length < rows * units
            || (!cPrev.IsEmpty && cPrev.Length < rows * units) || (!hPrev.IsEmpty && hPrev.Length < rows * units)
            || (!mask.IsEmpty && mask.Length < rows) || (!preActivations.IsEmpty && preActivations.Length < rows * g4))
        {
            // Checked here for every span, as the split rows (ColumnHelper) run on unchecked pointers.
            throw new ArgumentException($"LstmStep: spans too short for {rows} rows of {units} units.");
        }
        if (ColumnHelper.TrySplitLstmStep(z, cPrev, hPrev, c, h, rows, units, activation, recurrentActivation, mask, preActivations))
        {
            return;
        }
        LstmStepRows(z, cPrev, hPrev, c, h, rows, units, activation, recurrentActivation, mask, preActivations);
    }

    // LstmStep's rows, checked by the caller, on this thread.
    internal static void LstmStepRows(Span<float> z, ReadOnlySpan<float> cPrev, ReadOnlySpan<float> hPrev, Span<float> c, Span<float> h,
        int rows, int units, Activation activation, Activation recurrentActivation, ReadOnlySpan<byte> mask, Span<float> preActivations)
    {
        int g4 = 4 * units;
        for (int r = 0; r < rows; r++)
        {
            Span<float> cr = c.Slice(r * units, units);
            Span<float> hr = h.Slice(r * units, units);
            if (!mask.IsEmpty && mask[r] == 0)
            {
                if (cPrev.IsEmpty) cr.Clear(); else cPrev.Slice(r * units, units).CopyTo(cr);
                if (hPrev.IsEmpty) hr.Clear(); else hPrev.Slice(r * units, units).CopyTo(hr);
                continue;
            }
            Span<float> zr = z.Slice(r * g4, g4);
            if (!preActivations.IsEmpty)
            {
                zr.CopyTo(preActivations.Slice(r * g4, g4));
            }
            if (activation == Activation.Tanh && recurrentActivation == Activation.Sigmoid)
            {
                FusedCell(ref MemoryMarshal.GetReference(zr),
                    ref cPrev.IsEmpty ? ref Unsafe.NullRef<float>() : ref Unsafe.AsRef(in cPrev[r * units]),
                    ref MemoryMarshal.GetReference(cr), ref MemoryMarshal.GetReference(hr), units);
                continue;
            }
            Span<float> gi = zr.Slice(0, units);
            Span<float> gf = zr.Slice(units, units);
            Span<float> gc = zr.Slice(2 * units, units);
            Span<float> go = zr.Slice(3 * units, units);
            if (recurrentActivation == Activation.Sigmoid)
            {
                TensorPrimitives.Sigmoid(zr.Slice(0, 2 * units), zr.Slice(0, 2 * units));
                TensorPrimitives.Sigmoid(go, go);
            }
            else
            {
                Activate(recurrentActivation, zr.Slice(0, 2 * units), 1, 2 * units);
                Activate(recurrentActivation, go, 1, units);
            }
            Activate(activation, gc, 1, units);
            // c = f * cPrev + i * g
            TensorPrimitives.Multiply(gi, gc, cr);
            if (!cPrev.IsEmpty)
            {
                TensorPrimitives.FusedMultiplyAdd(gf, cPrev.Slice(r * units, units), cr, cr);
            }
            // h = o * act(c)
            cr.CopyTo(hr);
            Activate(activation, hr, 1, units);
            TensorPrimitives.Multiply(go, hr, hr);
        }
    }

    /// <summary>Copies a batch-major (batch, steps, features) tensor into time-major (steps, batch, features).</summary>
    public static void ToTimeMajor(ReadOnlySpan<float> src, Span<float> dst, int batch, int steps, int features)
    {
        for (int b = 0; b < batch; b++)
        {
            for (int t = 0; t < steps; t++)
            {
                src.Slice((b * steps + t) * features, features).CopyTo(dst.Slice((t * batch + b) * features, features));
            }
        }
    }

    /// <summary>Copies a time-major (steps, batch, features) tensor into batch-major (batch, steps, features).</summary>
    public static void ToBatchMajor(ReadOnlySpan<float> src, Span<float> dst, int batch, int steps, int features)
    {
        for (int t = 0; t < steps; t++)
        {
            for (int b = 0; b < batch; b++)
            {
                src.Slice((t * batch + b) * features, features).CopyTo(dst.Slice((b * steps + t) * features, features));
            }
        }
    }

    /// <summary>Repeats <paramref name="src"/> (rows, features) <paramref name="n"/> times into time-major (n, rows, features).</summary>
    public static void RepeatVector(ReadOnlySpan<float> src, Span<float> dst, int rows, int features, int n)
    {
        ReadOnlySpan<float> block = src.Slice(0, rows * features);
        for (int t = 0; t < n; t++)
        {
            block.CopyTo(dst.Slice(t * block.Length, block.Length));
        }
    }

    /// <summary>Pads a time-major sequence (steps, rows, features) with <paramref name="left"/> and <paramref name="right"/> zero steps.</summary>
    public static void ZeroPad(ReadOnlySpan<float> src, Span<float> dst, int steps, int rows, int features, int left, int right)
    {
        int stepSize = rows * features;
        dst.Slice(0, left * stepSize).Clear();
        src.Slice(0, steps * stepSize).CopyTo(dst.Slice(left * stepSize));
        dst.Slice((left + steps) * stepSize, right * stepSize).Clear();
    }

    /// <summary>
    /// Clears the rows of masked steps in <paramref name="values"/> (steps, rows, width), time-major: row r of position t is
    /// cleared when the mask (steps, rows) is 0 at step t, or at step steps - 1 - t when <paramref name="reversed"/>. Keras's
    /// Bidirectional forces <c>zero_output_for_mask</c> on its layers when they return sequences, so a masked bidirectional
    /// sequence is zero at padded steps (its states still carry over them); the backward pass clears the same gradient rows.
    /// </summary>
    public static void ClearMaskedSteps(Span<float> values, ReadOnlySpan<byte> mask, int steps, int rows, int width, bool reversed)
    {
        for (int t = 0; t < steps; t++)
        {
            ReadOnlySpan<byte> m = mask.Slice((reversed ? steps - 1 - t : t) * rows, rows);
            for (int r = 0; r < rows; r++)
            {
                if (m[r] == 0)
                {
                    values.Slice((t * rows + r) * width, width).Clear();
                }
            }
        }
    }

    /// <summary>
    /// Merges the outputs of a bidirectional layer, time-major. <paramref name="forward"/> and <paramref name="backward"/>
    /// (steps, rows, units) are each in their own processing order; the backward sequence is reversed back to input order
    /// before merging, as Keras does. For a layer without sequences, pass steps = 1 and the two final outputs.
    /// </summary>
    public static void MergeBidirectional(ReadOnlySpan<float> forward, ReadOnlySpan<float> backward, Span<float> dst,
        int steps, int rows, int units, MergeMode mode)
    {
        int block = rows * units;
        for (int t = 0; t < steps; t++)
        {
            ReadOnlySpan<float> f = forward.Slice(t * block, block);
            ReadOnlySpan<float> b = backward.Slice((steps - 1 - t) * block, block);
            switch (mode)
            {
                case MergeMode.Concat:
                    Span<float> d = dst.Slice(t * 2 * block, 2 * block);
                    for (int r = 0; r < rows; r++)
                    {
                        f.Slice(r * units, units).CopyTo(d.Slice(r * 2 * units, units));
                        b.Slice(r * units, units).CopyTo(d.Slice(r * 2 * units + units, units));
                    }
                    break;
                case MergeMode.Sum:
                    TensorPrimitives.Add(f, b, dst.Slice(t * block, block));
                    break;
                case MergeMode.Mul:
                    TensorPrimitives.Multiply(f, b, dst.Slice(t * block, block));
                    break;
                case MergeMode.Ave:
                    TensorPrimitives.Add(f, b, dst.Slice(t * block, block));
                    TensorPrimitives.Multiply(dst.Slice(t * block, block), 0.5f, dst.Slice(t * block, block));
                    break;
                default:
                    throw new ArgumentOutOfRangeException(nameof(mode), mode, "Unknown merge mode.");
            }
        }
    }

    /// <summary>
    /// Looks up token ids (batch, steps), batch-major, into time-major embeddings (steps, batch, dim). When
    /// <paramref name="mask"/> is not empty it receives, time-major (steps, batch), 1 for a token and 0 for padding (id 0).
    /// Token ids must have been checked with <see cref="CheckTokens"/>.
    /// </summary>
    public static void Embed(ReadOnlySpan<int> tokens, ReadOnlySpan<float> table, Span<float> dst, Span<byte> mask, int batch, int steps, int dim)
    {
        for (int b = 0; b < batch; b++)
        {
            for (int t = 0; t < steps; t++)
            {
                int id = tokens[b * steps + t];
                table.Slice(id * dim, dim).CopyTo(dst.Slice((t * batch + b) * dim, dim));
                if (!mask.IsEmpty)
                {
                    mask[t * batch + b] = id == 0 ? (byte)0 : (byte)1;
                }
            }
        }
    }

    /// <summary>Throws when a token id is outside [0, <paramref name="vocabulary"/>), naming the sample and step.</summary>
    public static void CheckTokens(ReadOnlySpan<int> tokens, int vocabulary, int steps, string paramName)
    {
        for (int i = 0; i < tokens.Length; i++)
        {
            if ((uint)tokens[i] >= (uint)vocabulary)
            {
                ThrowToken(tokens[i], i, vocabulary, steps, paramName);
            }
        }
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void ThrowToken(int id, int index, int vocabulary, int steps, string paramName) =>
        throw new ArgumentOutOfRangeException(paramName, id,
            $"Token id {id} at sample {index / steps}, step {index % steps} is outside the vocabulary [0, {vocabulary}).");

    /// <summary>Throws an <see cref="ArgumentException"/> naming the first element of <paramref name="values"/> that is NaN or infinite.</summary>
    public static void CheckFinite(ReadOnlySpan<float> values, string paramName)
    {
        if (!AllFinite(values))
        {
            for (int i = 0; i < values.Length; i++)
            {
                if (!float.IsFinite(values[i]))
                {
                    throw new ArgumentException($"{paramName}[{i}] is {values[i]}; inputs must be finite numbers.", paramName);
                }
            }
        }
    }

    /// <summary>True when no element is NaN or infinite (one vectorised pass).</summary>
    public static bool AllFinite(ReadOnlySpan<float> values)
    {
        ref float x = ref MemoryMarshal.GetReference(values);
        int n = values.Length;
        int i = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            var acc = Vector512<float>.Zero;
            for (; i + 16 <= n; i += 16)
            {
                var v = Vector512.LoadUnsafe(ref x, (nuint)i);
                acc += v - v; // 0 for finite, NaN for NaN and ±Inf
            }
            if (!Vector512.EqualsAll(acc, Vector512<float>.Zero)) return false;
        }
        else if (Vector256.IsHardwareAccelerated)
        {
            var acc = Vector256<float>.Zero;
            for (; i + 8 <= n; i += 8)
            {
                var v = Vector256.LoadUnsafe(ref x, (nuint)i);
                acc += v - v;
            }
            if (!Vector256.EqualsAll(acc, Vector256<float>.Zero)) return false;
        }
        else if (Vector128.IsHardwareAccelerated)
        {
            var acc = Vector128<float>.Zero;
            for (; i + 4 <= n; i += 4)
            {
                var v = Vector128.LoadUnsafe(ref x, (nuint)i);
                acc += v - v;
            }
            if (!Vector128.EqualsAll(acc, Vector128<float>.Zero)) return false;
        }
        for (; i < n; i++)
        {
            if (!float.IsFinite(Unsafe.Add(ref x, i))) return false;
        }
        return true;
    }

    /// <summary>Throws an <see cref="ArgumentException"/> when <paramref name="length"/> differs from <paramref name="expected"/>.</summary>
    public static void CheckLength(int length, int expected, string paramName, string what)
    {
        if (length != expected)
        {
            ThrowLength(length, expected, paramName, what);
        }
    }

    /// <summary>
    /// Throws an <see cref="ArgumentException"/> unless <paramref name="length"/> is <paramref name="batchSize"/> samples of
    /// <paramref name="perSample"/> elements (a negative batch size throws <see cref="ArgumentOutOfRangeException"/>).
    /// </summary>
    public static void CheckBatchLength(int length, int batchSize, int perSample, string paramName, string shape)
    {
        if (batchSize < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(batchSize), batchSize, "The batch size must not be negative.");
        }
        long expected = (long)batchSize * perSample; // long: int.MaxValue samples must not read as a negative count
        if (expected != length)
        {
            ThrowLength(length, expected, paramName, $"{batchSize} samples of shape {shape}");
        }
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void ThrowLength(int length, long expected, string paramName, string what) =>
        throw new ArgumentException($"{paramName} has {length} elements; expected {expected} ({what})"
            + (expected > int.MaxValue ? ", more than a span can hold." : "."), paramName);
}
