using System;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace LstmGen;

/// <summary>
/// GRU kernels (Keras's GRUCell, gate order z, r, h). A step's gate row holds, on exit, the activated update gate z,
/// reset gate r and candidate hh, which the backward pass reads; h = z·h_prev + (1 - z)·hh as Keras computes it.
/// reset_after (Keras 3's default): hh = act(x_h + r ⊙ (h_prev·U_h + b_rec,h)); reset before (Keras 2's default):
/// hh = act(x_h + (r ⊙ h_prev)·U_h). Masked rows (mask 0) carry the previous state unchanged.
/// </summary>
public static partial class Kernels
{
    /// <summary>
    /// One reset_after GRU step for <paramref name="rows"/> samples. <paramref name="z"/> (rows, 3·units) holds the input
    /// projections with the input bias on entry and the activated gates (z, r, hh) on exit; <paramref name="rec"/>
    /// (rows, 3·units) holds h_prev·recurrent_kernel plus the recurrent bias (kept for the backward pass). An empty
    /// <paramref name="hPrev"/> is the zero state. <paramref name="preActivations"/>, when not empty, receives the gates'
    /// pre-activations (needed backward for gelu and swish).
    /// </summary>
    public static void GruStep(Span<float> z, ReadOnlySpan<float> rec, ReadOnlySpan<float> hPrev, Span<float> h, int rows, int units,
        Activation activation, Activation recurrentActivation, ReadOnlySpan<byte> mask, Span<float> preActivations = default)
    {
        int g3 = 3 * units;
        CheckGru(z.Length, rows, g3, "z");
        CheckGru(rec.Length, rows, g3, "rec");
        CheckGru(h.Length, rows, units, "h");
        if (!hPrev.IsEmpty) CheckGru(hPrev.Length, rows, units, "hPrev");
        bool fast = activation == Activation.Tanh && recurrentActivation == Activation.Sigmoid && preActivations.IsEmpty;
        for (int r = 0; r < rows; r++)
        {
            Span<float> hr = h.Slice(r * units, units);
            ReadOnlySpan<float> hp = hPrev.IsEmpty ? default : hPrev.Slice(r * units, units);
            if (!mask.IsEmpty && mask[r] == 0)
            {
                if (hp.IsEmpty) hr.Clear(); else hp.CopyTo(hr);
                continue;
            }
            Span<float> zr = z.Slice(r * g3, g3);
            ReadOnlySpan<float> rr = rec.Slice(r * g3, g3);
            if (fast)
            {
                GruCellDefault(ref MemoryMarshal.GetReference(zr), ref MemoryMarshal.GetReference(rr),
                    ref hp.IsEmpty ? ref Unsafe.NullRef<float>() : ref MemoryMarshal.GetReference(hp), ref MemoryMarshal.GetReference(hr), units);
                continue;
            }
            Span<float> pr = preActivations.IsEmpty ? default : preActivations.Slice(r * g3, g3);
            for (int u = 0; u < units; u++)
            {
                float xz = zr[u] + rr[u], xr = zr[units + u] + rr[units + u];
                float zg = ActivationMath.Apply(recurrentActivation, xz);
                float rg = ActivationMath.Apply(recurrentActivation, xr);
                float xh = Simd.MulAdd(rg, rr[2 * units + u], zr[2 * units + u]);
                float hh = ActivationMath.Apply(activation, xh);
                if (!pr.IsEmpty)
                {
                    pr[u] = xz; pr[units + u] = xr; pr[2 * units + u] = xh;
                }
                zr[u] = zg; zr[units + u] = rg; zr[2 * units + u] = hh;
                hr[u] = hp.IsEmpty ? (1f - zg) * hh : Simd.MulAdd(zg, hp[u], (1f - zg) * hh);
            }
        }
    }

    // The reset_after cell for sigmoid gates and a tanh candidate over one row, vectorised at every width alike
    // (Kernels/Dispatch.cs): hh = tanh(x_h + r·rec_h) and h = z·h_prev + (1 - z)·hh with Simd.MulAdd.
    private static void GruCellDefault(ref float z, ref float rec, ref float hPrev, ref float h, int units)
    {
        bool hasPrev = !Unsafe.IsNullRef(ref hPrev);
        ref float zr = ref Unsafe.Add(ref z, units);
        ref float zh = ref Unsafe.Add(ref z, 2 * units);
        ref float rr = ref Unsafe.Add(ref rec, units);
        ref float rh = ref Unsafe.Add(ref rec, 2 * units);
        int u = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            for (; u + 16 <= units; u += 16)
            {
                var g = FastMath.Sigmoid(Vector512.LoadUnsafe(ref z, (nuint)u) + Vector512.LoadUnsafe(ref rec, (nuint)u));
                var r = FastMath.Sigmoid(Vector512.LoadUnsafe(ref zr, (nuint)u) + Vector512.LoadUnsafe(ref rr, (nuint)u));
                var hh = FastMath.Tanh(Simd.MulAdd(r, Vector512.LoadUnsafe(ref rh, (nuint)u), Vector512.LoadUnsafe(ref zh, (nuint)u)));
                var hn = (Vector512<float>.One - g) * hh;
                if (hasPrev) hn = Simd.MulAdd(g, Vector512.LoadUnsafe(ref hPrev, (nuint)u), hn);
                g.StoreUnsafe(ref z, (nuint)u); r.StoreUnsafe(ref zr, (nuint)u); hh.StoreUnsafe(ref zh, (nuint)u);
                hn.StoreUnsafe(ref h, (nuint)u);
            }
        }
        if (Vector256.IsHardwareAccelerated)
        {
            for (; u + 8 <= units; u += 8)
            {
                var g = FastMath.Sigmoid(Vector256.LoadUnsafe(ref z, (nuint)u) + Vector256.LoadUnsafe(ref rec, (nuint)u));
                var r = FastMath.Sigmoid(Vector256.LoadUnsafe(ref zr, (nuint)u) + Vector256.LoadUnsafe(ref rr, (nuint)u));
                var hh = FastMath.Tanh(Simd.MulAdd(r, Vector256.LoadUnsafe(ref rh, (nuint)u), Vector256.LoadUnsafe(ref zh, (nuint)u)));
                var hn = (Vector256<float>.One - g) * hh;
                if (hasPrev) hn = Simd.MulAdd(g, Vector256.LoadUnsafe(ref hPrev, (nuint)u), hn);
                g.StoreUnsafe(ref z, (nuint)u); r.StoreUnsafe(ref zr, (nuint)u); hh.StoreUnsafe(ref zh, (nuint)u);
                hn.StoreUnsafe(ref h, (nuint)u);
            }
        }
        if (Vector128.IsHardwareAccelerated)
        {
            for (; u + 4 <= units; u += 4)
            {
                var g = FastMath.Sigmoid(Vector128.LoadUnsafe(ref z, (nuint)u) + Vector128.LoadUnsafe(ref rec, (nuint)u));
                var r = FastMath.Sigmoid(Vector128.LoadUnsafe(ref zr, (nuint)u) + Vector128.LoadUnsafe(ref rr, (nuint)u));
                var hh = FastMath.Tanh(Simd.MulAdd(r, Vector128.LoadUnsafe(ref rh, (nuint)u), Vector128.LoadUnsafe(ref zh, (nuint)u)));
                var hn = (Vector128<float>.One - g) * hh;
                if (hasPrev) hn = Simd.MulAdd(g, Vector128.LoadUnsafe(ref hPrev, (nuint)u), hn);
                g.StoreUnsafe(ref z, (nuint)u); r.StoreUnsafe(ref zr, (nuint)u); hh.StoreUnsafe(ref zh, (nuint)u);
                hn.StoreUnsafe(ref h, (nuint)u);
            }
        }
        for (; u < units; u++)
        {
            float g = FastMath.Sigmoid(Unsafe.Add(ref z, u) + Unsafe.Add(ref rec, u));
            float r = FastMath.Sigmoid(Unsafe.Add(ref zr, u) + Unsafe.Add(ref rr, u));
            float hh = FastMath.Tanh(Simd.MulAdd(r, Unsafe.Add(ref rh, u), Unsafe.Add(ref zh, u)));
            float hn = (1f - g) * hh;
            if (hasPrev) hn = Simd.MulAdd(g, Unsafe.Add(ref hPrev, u), hn);
            Unsafe.Add(ref z, u) = g; Unsafe.Add(ref zr, u) = r; Unsafe.Add(ref zh, u) = hh;
            Unsafe.Add(ref h, u) = hn;
        }
    }

    /// <summary>
    /// Backward of one reset_after GRU step. From the activated gates <paramref name="z"/>, the recurrent projection
    /// <paramref name="rec"/>, h_prev (empty: zero) and the total gradient <paramref name="dh"/> of the step's output,
    /// writes the gradients of the input-side pre-activations <paramref name="dzInput"/> (z, r, h blocks: for the kernel,
    /// input bias and input), of the recurrent-side ones <paramref name="dzRecurrent"/> (for the recurrent kernel and bias;
    /// the h block is scaled by r) and the direct part of h_prev's gradient, dh·z, into <paramref name="dhPrev"/> (the
    /// caller adds dzRecurrent·Uᵀ). Masked rows pass dh to h_prev and have zero gate gradients.
    /// </summary>
    public static void GruStepBackward(ReadOnlySpan<float> z, ReadOnlySpan<float> rec, ReadOnlySpan<float> hPrev, ReadOnlySpan<float> dh,
        Span<float> dzInput, Span<float> dzRecurrent, Span<float> dhPrev, int rows, int units,
        Activation activation, Activation recurrentActivation, ReadOnlySpan<byte> mask, ReadOnlySpan<float> preActivations = default)
    {
        int g3 = 3 * units;
        CheckGru(z.Length, rows, g3, "z");
        CheckGru(rec.Length, rows, g3, "rec");
        CheckGru(dh.Length, rows, units, "dh");
        CheckGru(dzInput.Length, rows, g3, "dzInput");
        CheckGru(dzRecurrent.Length, rows, g3, "dzRecurrent");
        CheckGru(dhPrev.Length, rows, units, "dhPrev");
        for (int r = 0; r < rows; r++)
        {
            ReadOnlySpan<float> dhr = dh.Slice(r * units, units);
            Span<float> di = dzInput.Slice(r * g3, g3), dr = dzRecurrent.Slice(r * g3, g3), dp = dhPrev.Slice(r * units, units);
            if (!mask.IsEmpty && mask[r] == 0)
            {
                di.Clear();
                dr.Clear();
                dhr.CopyTo(dp);
                continue;
            }
            ReadOnlySpan<float> zr = z.Slice(r * g3, g3), rr = rec.Slice(r * g3, g3);
            ReadOnlySpan<float> hp = hPrev.IsEmpty ? default : hPrev.Slice(r * units, units);
            ReadOnlySpan<float> pr = preActivations.IsEmpty ? default : preActivations.Slice(r * g3, g3);
            for (int u = 0; u < units; u++)
            {
                float zg = zr[u], rg = zr[units + u], hh = zr[2 * units + u];
                float h0 = hp.IsEmpty ? 0f : hp[u];
                float d = dhr[u];
                float dz = d * (h0 - hh) * ActivationMath.Derivative(recurrentActivation, pr.IsEmpty ? 0f : pr[u], zg);
                float dhh = d * (1f - zg) * ActivationMath.Derivative(activation, pr.IsEmpty ? 0f : pr[2 * units + u], hh);
                float drg = dhh * rr[2 * units + u] * ActivationMath.Derivative(recurrentActivation, pr.IsEmpty ? 0f : pr[units + u], rg);
                di[u] = dz; di[units + u] = drg; di[2 * units + u] = dhh;
                dr[u] = dz; dr[units + u] = drg; dr[2 * units + u] = dhh * rg;
                dp[u] = d * zg;
            }
        }
    }

    /// <summary>
    /// First half of a reset-before GRU step (Keras 2's default): <paramref name="z"/>'s z and r blocks hold
    /// x·W + b + h_prev·U on entry and the activated gates on exit; writes r ⊙ h_prev into <paramref name="resetState"/>
    /// (rows, units), the left operand of the candidate's recurrent product.
    /// </summary>
    public static void GruGates(Span<float> z, ReadOnlySpan<float> hPrev, Span<float> resetState, int rows, int units,
        Activation recurrentActivation, Span<float> preActivations = default)
    {
        int g3 = 3 * units;
        CheckGru(z.Length, rows, g3, "z");
        CheckGru(resetState.Length, rows, units, "resetState");
        if (!hPrev.IsEmpty) CheckGru(hPrev.Length, rows, units, "hPrev");
        for (int r = 0; r < rows; r++)
        {
            Span<float> gates = z.Slice(r * g3, 2 * units);
            if (!preActivations.IsEmpty) gates.CopyTo(preActivations.Slice(r * g3, 2 * units));
            Activate(recurrentActivation, gates, 1, 2 * units);
            Span<float> rh = resetState.Slice(r * units, units);
            if (hPrev.IsEmpty)
            {
                rh.Clear();
            }
            else
            {
                System.Numerics.Tensors.TensorPrimitives.Multiply(gates.Slice(units, units), hPrev.Slice(r * units, units), rh);
            }
        }
    }

    /// <summary>
    /// Second half of a reset-before GRU step: <paramref name="z"/>'s h block holds x_h + (r ⊙ h_prev)·U_h on entry and
    /// the candidate on exit; writes h = z·h_prev + (1 - z)·hh. Masked rows carry h_prev.
    /// </summary>
    public static void GruCandidate(Span<float> z, ReadOnlySpan<float> hPrev, Span<float> h, int rows, int units,
        Activation activation, ReadOnlySpan<byte> mask, Span<float> preActivations = default)
    {
        int g3 = 3 * units;
        CheckGru(z.Length, rows, g3, "z");
        CheckGru(h.Length, rows, units, "h");
        for (int r = 0; r < rows; r++)
        {
            Span<float> hr = h.Slice(r * units, units);
            ReadOnlySpan<float> hp = hPrev.IsEmpty ? default : hPrev.Slice(r * units, units);
            if (!mask.IsEmpty && mask[r] == 0)
            {
                if (hp.IsEmpty) hr.Clear(); else hp.CopyTo(hr);
                continue;
            }
            Span<float> zr = z.Slice(r * g3, g3);
            Span<float> cand = zr.Slice(2 * units, units);
            if (!preActivations.IsEmpty) cand.CopyTo(preActivations.Slice(r * g3 + 2 * units, units));
            Activate(activation, cand, 1, units);
            for (int u = 0; u < units; u++)
            {
                float zg = zr[u];
                hr[u] = hp.IsEmpty ? (1f - zg) * cand[u] : Simd.MulAdd(zg, hp[u], (1f - zg) * cand[u]);
            }
        }
    }

    /// <summary>
    /// Backward of <see cref="GruCandidate"/>: writes the z and h blocks of <paramref name="dz"/> (pre-activation
    /// gradients) and dh·z into <paramref name="dhPrev"/>; masked rows pass dh to h_prev with zero gate gradients. The
    /// caller then forms d(r ⊙ h_prev) = dz_h·U_hᵀ and calls <see cref="GruResetBackward"/>.
    /// </summary>
    public static void GruCandidateBackward(ReadOnlySpan<float> z, ReadOnlySpan<float> hPrev, ReadOnlySpan<float> dh, Span<float> dz,
        Span<float> dhPrev, int rows, int units, Activation activation, Activation recurrentActivation, ReadOnlySpan<byte> mask,
        ReadOnlySpan<float> preActivations = default)
    {
        int g3 = 3 * units;
        CheckGru(z.Length, rows, g3, "z");
        CheckGru(dh.Length, rows, units, "dh");
        CheckGru(dz.Length, rows, g3, "dz");
        CheckGru(dhPrev.Length, rows, units, "dhPrev");
        for (int r = 0; r < rows; r++)
        {
            ReadOnlySpan<float> dhr = dh.Slice(r * units, units);
            Span<float> dzr = dz.Slice(r * g3, g3), dp = dhPrev.Slice(r * units, units);
            if (!mask.IsEmpty && mask[r] == 0)
            {
                dzr.Clear();
                dhr.CopyTo(dp);
                continue;
            }
            ReadOnlySpan<float> zr = z.Slice(r * g3, g3);
            ReadOnlySpan<float> hp = hPrev.IsEmpty ? default : hPrev.Slice(r * units, units);
            ReadOnlySpan<float> pr = preActivations.IsEmpty ? default : preActivations.Slice(r * g3, g3);
            for (int u = 0; u < units; u++)
            {
                float zg = zr[u], hh = zr[2 * units + u], d = dhr[u];
                float h0 = hp.IsEmpty ? 0f : hp[u];
                dzr[u] = d * (h0 - hh) * ActivationMath.Derivative(recurrentActivation, pr.IsEmpty ? 0f : pr[u], zg);
                dzr[units + u] = 0f;
                dzr[2 * units + u] = d * (1f - zg) * ActivationMath.Derivative(activation, pr.IsEmpty ? 0f : pr[2 * units + u], hh);
                dp[u] = d * zg;
            }
        }
    }

    /// <summary>
    /// Backward through the reset gate of a reset-before GRU step: from d(r ⊙ h_prev) in <paramref name="dResetState"/>,
    /// writes the r block of <paramref name="dz"/> and adds d·r to <paramref name="dhPrev"/>. Masked rows are left alone.
    /// </summary>
    public static void GruResetBackward(ReadOnlySpan<float> z, ReadOnlySpan<float> hPrev, ReadOnlySpan<float> dResetState, Span<float> dz,
        Span<float> dhPrev, int rows, int units, Activation recurrentActivation, ReadOnlySpan<byte> mask, ReadOnlySpan<float> preActivations = default)
    {
        int g3 = 3 * units;
        if (hPrev.IsEmpty)
        {
            return; // the first step: r multiplied a zero state, so it has no gradient (its dz block is already 0)
        }
        CheckGru(z.Length, rows, g3, "z");
        CheckGru(dResetState.Length, rows, units, "dResetState");
        for (int r = 0; r < rows; r++)
        {
            if (!mask.IsEmpty && mask[r] == 0)
            {
                continue;
            }
            ReadOnlySpan<float> zr = z.Slice(r * g3, g3), hp = hPrev.Slice(r * units, units), drs = dResetState.Slice(r * units, units);
            ReadOnlySpan<float> pr = preActivations.IsEmpty ? default : preActivations.Slice(r * g3, g3);
            Span<float> dzr = dz.Slice(r * g3, g3), dp = dhPrev.Slice(r * units, units);
            for (int u = 0; u < units; u++)
            {
                float rg = zr[units + u];
                dzr[units + u] = drs[u] * hp[u] * ActivationMath.Derivative(recurrentActivation, pr.IsEmpty ? 0f : pr[units + u], rg);
                dp[u] += drs[u] * rg;
            }
        }
    }

    /// <summary>
    /// One GRU step of a stream (batch 1) with the state <paramref name="h"/> updated in place. <paramref name="scratch"/>
    /// holds at least 7·units floats.
    /// </summary>
    public static void GruStreamStep(ReadOnlySpan<float> x, ReadOnlySpan<float> kernel, ReadOnlySpan<float> recurrent, ReadOnlySpan<float> bias,
        Span<float> h, Span<float> scratch, int inputs, int units, Activation activation, Activation recurrentActivation, bool resetAfter)
    {
        int g3 = 3 * units;
        Span<float> z = scratch.Slice(0, g3), rec = scratch.Slice(g3, g3), hn = scratch.Slice(2 * g3, units);
        if (resetAfter)
        {
            GemmBias(x, kernel, bias.IsEmpty ? default : bias.Slice(0, g3), z, 1, g3, inputs);
            GemmBias(h, recurrent, bias.IsEmpty ? default : bias.Slice(g3, g3), rec, 1, g3, units);
            GruStep(z, rec, h, hn, 1, units, activation, recurrentActivation, default);
        }
        else
        {
            GemmBias(x, kernel, bias, z, 1, g3, inputs);
            GemmStrided(h, units, recurrent, z, 1, 2 * units, units, g3, accumulate: true);
            Span<float> rh = rec.Slice(0, units);
            GruGates(z, h, rh, 1, units, recurrentActivation);
            GemmStrided(rh, units, recurrent.Slice(2 * units), z.Slice(2 * units), 1, units, units, g3, accumulate: true);
            GruCandidate(z, h, hn, 1, units, activation, default);
        }
        hn.CopyTo(h);
    }

    private static void CheckGru(int length, int rows, int width, string name)
    {
        if (length < rows * width)
        {
            throw new ArgumentException($"GRU kernel: {name} has {length} elements, expected {rows} rows of {width}.", name);
        }
    }
}
