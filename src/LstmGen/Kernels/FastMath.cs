using System;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace LstmGen;

/// <summary>
/// Vectorised float sigmoid and tanh for the fused LSTM cell (and the GRU and SimpleRNN cells). tanh is a rational
/// function, tanh(x) ≈ x·P(x²)/Q(x²) for |x| ≤ 9 (P of degree 6 and Q of degree 3 in x², fitted for the smallest maximum
/// absolute error by tests/reference/fit_tanh.py, 6e-9 in exact arithmetic), clamped to [−1, 1]; sigmoid(x) =
/// 0.5·tanh(x/2) + 0.5. No exp and one division: with the cell's one method per vector width, an LSTM cell took 5.3–5.5
/// ns against 7.1–7.7 with the exp-based forms used before, and 4.8–4.9 against 5.4–6.5 once the 256-bit forms read their
/// coefficients from memory (see s_coefficients256; measured with `cells` on the AVX2 VM). Absolute error is below 2e-7
/// for sigmoid and 4e-7 for tanh (tested against double precision on 1.4 M inputs spread over [−100, 100], plus the
/// extremes; 1.5e-7 and 2.9e-7 measured), relative error of tanh below 3e-7 near 0, far inside the 1e-5 Keras agreement
/// the library promises; NaN stays NaN. Every lane is computed the same way at every width, so scalar tails agree with
/// vectors. Multiply-adds go through <see cref="Simd.MulAdd(float, float, float)"/>: fused where the hardware has FMA, so
/// every width still agrees bit for bit with the others in either setting.
/// </summary>
internal static class FastMath
{
    // |x| from which tanh is ±1 (tanh(9) = 1 − 3e-8; the rational form there gives 1 − 2e-7, so these lanes take ±1
    // exactly, as float tanh does from 9.01); x is also clamped to it, which keeps x¹²·P6 and x⁶·Q3 finite.
    private const float Clamp = 9f;
    private const float P0 = 0.99999994f, P1 = 0.13079157f, P2 = 0.0030986466f, P3 = 1.1101742e-05f,
        P4 = -2.0029223e-08f, P5 = 5.192528e-11f, P6 = -8.2908866e-14f;
    private const float Q1 = 0.46412477f, Q2 = 0.024473732f, Q3 = 0.000253859f;

    // Vector512/256/128.Min and Max propagate NaN (IEEE 754 minimum and maximum), and a NaN lane is not saturated, so a
    // NaN input gives NaN.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Tanh(Vector512<float> x)
    {
        Vector512<float> saturated = Vector512.GreaterThanOrEqual(Vector512.Abs(x), Vector512.Create(Clamp));
        Vector512<float> one = Vector512.CopySign(Vector512<float>.One, x);
        x = Vector512.Min(Vector512.Max(x, Vector512.Create(-Clamp)), Vector512.Create(Clamp));
        Vector512<float> x2 = x * x;
        Vector512<float> p = Simd.MulAdd(x2, Vector512.Create(P6), Vector512.Create(P5));
        p = Simd.MulAdd(x2, p, Vector512.Create(P4));
        p = Simd.MulAdd(x2, p, Vector512.Create(P3));
        p = Simd.MulAdd(x2, p, Vector512.Create(P2));
        p = Simd.MulAdd(x2, p, Vector512.Create(P1));
        p = Simd.MulAdd(x2, p, Vector512.Create(P0));
        Vector512<float> q = Simd.MulAdd(x2, Vector512.Create(Q3), Vector512.Create(Q2));
        q = Simd.MulAdd(x2, q, Vector512.Create(Q1));
        q = Simd.MulAdd(x2, q, Vector512<float>.One);
        return Vector512.ConditionalSelect(saturated, one, Vector512.Min(Vector512.Max(p * x / q, Vector512.Create(-1f)), Vector512<float>.One));
    }

    // The 256-bit forms load their polynomial coefficients (and sigmoid's 0.5) from this table, eight copies each, where
    // the multiply-adds use them. As vector constants, the JIT hoisted them out of the cell's loop into registers, which
    // AVX2's 16 cannot hold beside the cell's values, and spilled them to the stack: the LSTM cell's loop had about 80
    // stack loads and stores a vector. Read from an array (the loop's stores keep the loads inside it), each costs a load
    // and holds no register across the loop (9 stack accesses left in the whole method): the LSTM forward cell 5.4–6.5 →
    // 4.8–4.9 ns (`cells`, four alternating runs of the two builds). The clamps stay constants: Vector256.Min and Max
    // against a value not known to be a number expand to NaN-propagating comparisons (about ten instructions each).
    // Same values, same operations: results are unchanged, bit for bit.
    private static readonly float[] s_coefficients256 = Coefficients256();

    private const int TP6 = 0, TP5 = 8, TP4 = 16, TP3 = 24, TP2 = 32, TP1 = 40, TP0 = 48, TQ3 = 56, TQ2 = 64, TQ1 = 72, THalf = 80;

    private static float[] Coefficients256()
    {
        float[] values = [P6, P5, P4, P3, P2, P1, P0, Q3, Q2, Q1, 0.5f];
        float[] table = Kernels.AllocateAligned(values.Length * 8);
        for (int i = 0; i < table.Length; i++)
        {
            table[i] = values[i / 8];
        }
        return table;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> Coefficient(ref float table, int offset) => Vector256.LoadUnsafe(ref table, (nuint)offset);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Tanh(Vector256<float> x)
    {
        ref float t = ref MemoryMarshal.GetArrayDataReference(s_coefficients256);
        Vector256<float> saturated = Vector256.GreaterThanOrEqual(Vector256.Abs(x), Vector256.Create(Clamp));
        Vector256<float> one = Vector256.CopySign(Vector256<float>.One, x);
        x = Vector256.Min(Vector256.Max(x, Vector256.Create(-Clamp)), Vector256.Create(Clamp));
        Vector256<float> x2 = x * x;
        Vector256<float> p = Simd.MulAdd(x2, Coefficient(ref t, TP6), Coefficient(ref t, TP5));
        p = Simd.MulAdd(x2, p, Coefficient(ref t, TP4));
        p = Simd.MulAdd(x2, p, Coefficient(ref t, TP3));
        p = Simd.MulAdd(x2, p, Coefficient(ref t, TP2));
        p = Simd.MulAdd(x2, p, Coefficient(ref t, TP1));
        p = Simd.MulAdd(x2, p, Coefficient(ref t, TP0));
        Vector256<float> q = Simd.MulAdd(x2, Coefficient(ref t, TQ3), Coefficient(ref t, TQ2));
        q = Simd.MulAdd(x2, q, Coefficient(ref t, TQ1));
        q = Simd.MulAdd(x2, q, Vector256<float>.One);
        return Vector256.ConditionalSelect(saturated, one, Vector256.Min(Vector256.Max(p * x / q, Vector256.Create(-1f)), Vector256<float>.One));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Tanh(Vector128<float> x)
    {
        Vector128<float> saturated = Vector128.GreaterThanOrEqual(Vector128.Abs(x), Vector128.Create(Clamp));
        Vector128<float> one = Vector128.CopySign(Vector128<float>.One, x);
        x = Vector128.Min(Vector128.Max(x, Vector128.Create(-Clamp)), Vector128.Create(Clamp));
        Vector128<float> x2 = x * x;
        Vector128<float> p = Simd.MulAdd(x2, Vector128.Create(P6), Vector128.Create(P5));
        p = Simd.MulAdd(x2, p, Vector128.Create(P4));
        p = Simd.MulAdd(x2, p, Vector128.Create(P3));
        p = Simd.MulAdd(x2, p, Vector128.Create(P2));
        p = Simd.MulAdd(x2, p, Vector128.Create(P1));
        p = Simd.MulAdd(x2, p, Vector128.Create(P0));
        Vector128<float> q = Simd.MulAdd(x2, Vector128.Create(Q3), Vector128.Create(Q2));
        q = Simd.MulAdd(x2, q, Vector128.Create(Q1));
        q = Simd.MulAdd(x2, q, Vector128<float>.One);
        return Vector128.ConditionalSelect(saturated, one, Vector128.Min(Vector128.Max(p * x / q, Vector128.Create(-1f)), Vector128<float>.One));
    }

    /// <summary>The scalar form of the same computation, for tails and for hardware without vectors.</summary>
    public static float Tanh(float x)
    {
        if (MathF.Abs(x) >= Clamp)
        {
            return MathF.CopySign(1f, x);
        }
        float x2 = x * x;
        float p = Simd.MulAdd(x2, P6, P5);
        p = Simd.MulAdd(x2, p, P4);
        p = Simd.MulAdd(x2, p, P3);
        p = Simd.MulAdd(x2, p, P2);
        p = Simd.MulAdd(x2, p, P1);
        p = Simd.MulAdd(x2, p, P0);
        float q = Simd.MulAdd(x2, Q3, Q2);
        q = Simd.MulAdd(x2, q, Q1);
        q = Simd.MulAdd(x2, q, 1f);
        return MathF.Min(MathF.Max(p * x / q, -1f), 1f);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Sigmoid(Vector512<float> x) => Simd.MulAdd(Tanh(x * Vector512.Create(0.5f)), Vector512.Create(0.5f), Vector512.Create(0.5f));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Sigmoid(Vector256<float> x)
    {
        ref float t = ref MemoryMarshal.GetArrayDataReference(s_coefficients256);
        return Simd.MulAdd(Tanh(x * Coefficient(ref t, THalf)), Coefficient(ref t, THalf), Coefficient(ref t, THalf));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Sigmoid(Vector128<float> x) => Simd.MulAdd(Tanh(x * Vector128.Create(0.5f)), Vector128.Create(0.5f), Vector128.Create(0.5f));

    public static float Sigmoid(float x) => Simd.MulAdd(Tanh(x * 0.5f), 0.5f, 0.5f);

    /// <summary>y = tanh(x) elementwise, at the widest vector width (the same function as the fused LSTM cell's); y may alias x.</summary>
    public static void Tanh(ReadOnlySpan<float> x, Span<float> y)
    {
        if (y.Length < x.Length)
        {
            throw new ArgumentException($"FastMath.Tanh: destination has {y.Length} floats, fewer than the source's {x.Length}.", nameof(y));
        }
        ref float xs = ref MemoryMarshal.GetReference(x);
        ref float ys = ref MemoryMarshal.GetReference(y);
        int n = x.Length, i = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            for (; i + 16 <= n; i += 16) Tanh(Vector512.LoadUnsafe(ref xs, (nuint)i)).StoreUnsafe(ref ys, (nuint)i);
        }
        if (Vector256.IsHardwareAccelerated)
        {
            for (; i + 8 <= n; i += 8) Tanh(Vector256.LoadUnsafe(ref xs, (nuint)i)).StoreUnsafe(ref ys, (nuint)i);
            if (i < n && n >= 8)
            {
                // The last 1–7 elements as the last 8, keeping the lanes already done (y may alias x).
                nuint t = (nuint)(n - 8);
                Vector256.ConditionalSelect(Width256.LanesFrom(i - (n - 8)), Tanh(Vector256.LoadUnsafe(ref xs, t)), Vector256.LoadUnsafe(ref ys, t)).StoreUnsafe(ref ys, t);
                i = n;
            }
        }
        if (Vector128.IsHardwareAccelerated)
        {
            for (; i + 4 <= n; i += 4) Tanh(Vector128.LoadUnsafe(ref xs, (nuint)i)).StoreUnsafe(ref ys, (nuint)i);
        }
        for (; i < n; i++) Unsafe.Add(ref ys, i) = Tanh(Unsafe.Add(ref xs, i));
    }
}

public static partial class Kernels
{
    /// <summary>
    /// The LSTM cell for Keras's default activations (sigmoid gates, tanh cell and output) over one row, in a single
    /// pass: <paramref name="z"/> (i, f, c, o blocks of <paramref name="units"/>) holds pre-activations on entry and
    /// activated gates on exit; c = f·cPrev + i·g and h = o·tanh(c). <paramref name="cPrev"/> may be a null reference
    /// (zero state) or alias <paramref name="c"/>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void FusedCell(ref float z, ref float cPrev, ref float c, ref float h, int units)
    {
        // One method per width, each with its own loop: inlined into one body, the five sigmoid and tanh evaluations of
        // every width's loop gave the JIT more locals than it tracks in registers (measured: 6.9–9.1 → 10.6 ns a cell).
        int u = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            u = FusedCell512(ref z, ref cPrev, ref c, ref h, units, u);
        }
        if (Vector256.IsHardwareAccelerated && u < units)
        {
            u = FusedCell256(ref z, ref cPrev, ref c, ref h, units, u);
        }
        if (Vector128.IsHardwareAccelerated && u < units)
        {
            u = FusedCell128(ref z, ref cPrev, ref c, ref h, units, u);
        }
        if (u < units)
        {
            FusedCellScalar(ref z, ref cPrev, ref c, ref h, units, u);
        }
    }

    // Units u.. in 16-lane vectors while 16 are left; returns the first unit not done.
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static int FusedCell512(ref float z, ref float cPrev, ref float c, ref float h, int units, int u)
    {
        bool hasPrev = !Unsafe.IsNullRef(ref cPrev);
        ref float zf = ref Unsafe.Add(ref z, units);
        ref float zg = ref Unsafe.Add(ref z, 2 * units);
        ref float zo = ref Unsafe.Add(ref z, 3 * units);
        for (; u + 16 <= units; u += 16)
        {
            var i = FastMath.Sigmoid(Vector512.LoadUnsafe(ref z, (nuint)u));
            var f = FastMath.Sigmoid(Vector512.LoadUnsafe(ref zf, (nuint)u));
            var g = FastMath.Tanh(Vector512.LoadUnsafe(ref zg, (nuint)u));
            var o = FastMath.Sigmoid(Vector512.LoadUnsafe(ref zo, (nuint)u));
            var cn = hasPrev ? Simd.MulAdd(f, Vector512.LoadUnsafe(ref cPrev, (nuint)u), i * g) : i * g;
            i.StoreUnsafe(ref z, (nuint)u); f.StoreUnsafe(ref zf, (nuint)u); g.StoreUnsafe(ref zg, (nuint)u); o.StoreUnsafe(ref zo, (nuint)u);
            cn.StoreUnsafe(ref c, (nuint)u);
            (o * FastMath.Tanh(cn)).StoreUnsafe(ref h, (nuint)u);
        }
        return u;
    }

    // Units u.. in 8-lane vectors, the last 1–7 as the last 8 (when there are 8 or more units); returns the first unit not done.
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static int FusedCell256(ref float z, ref float cPrev, ref float c, ref float h, int units, int u)
    {
        bool hasPrev = !Unsafe.IsNullRef(ref cPrev);
        ref float zf = ref Unsafe.Add(ref z, units);
        ref float zg = ref Unsafe.Add(ref z, 2 * units);
        ref float zo = ref Unsafe.Add(ref z, 3 * units);
        for (; u + 8 <= units; u += 8)
        {
            var i = FastMath.Sigmoid(Vector256.LoadUnsafe(ref z, (nuint)u));
            var f = FastMath.Sigmoid(Vector256.LoadUnsafe(ref zf, (nuint)u));
            var g = FastMath.Tanh(Vector256.LoadUnsafe(ref zg, (nuint)u));
            var o = FastMath.Sigmoid(Vector256.LoadUnsafe(ref zo, (nuint)u));
            var cn = hasPrev ? Simd.MulAdd(f, Vector256.LoadUnsafe(ref cPrev, (nuint)u), i * g) : i * g;
            i.StoreUnsafe(ref z, (nuint)u); f.StoreUnsafe(ref zf, (nuint)u); g.StoreUnsafe(ref zg, (nuint)u); o.StoreUnsafe(ref zo, (nuint)u);
            cn.StoreUnsafe(ref c, (nuint)u);
            (o * FastMath.Tanh(cn)).StoreUnsafe(ref h, (nuint)u);
        }
        if (u < units && units >= 8)
        {
            // The last 1–7 units as the last 8, keeping the lanes already done (their z holds activations and c
            // may alias cPrev, so they are recomputed from other inputs and discarded). Each new lane is the scalar
            // tail's computation, which is the same operations: results are unchanged, without 5 scalar exps a unit.
            nuint t = (nuint)(units - 8);
            var keepNew = Width256.LanesFrom(u - (units - 8));
            var zi = Vector256.LoadUnsafe(ref z, t); var zfv = Vector256.LoadUnsafe(ref zf, t);
            var zgv = Vector256.LoadUnsafe(ref zg, t); var zov = Vector256.LoadUnsafe(ref zo, t);
            var i = Vector256.ConditionalSelect(keepNew, FastMath.Sigmoid(zi), zi);
            var f = Vector256.ConditionalSelect(keepNew, FastMath.Sigmoid(zfv), zfv);
            var g = Vector256.ConditionalSelect(keepNew, FastMath.Tanh(zgv), zgv);
            var o = Vector256.ConditionalSelect(keepNew, FastMath.Sigmoid(zov), zov);
            var cn = hasPrev ? Simd.MulAdd(f, Vector256.LoadUnsafe(ref cPrev, t), i * g) : i * g;
            i.StoreUnsafe(ref z, t); f.StoreUnsafe(ref zf, t); g.StoreUnsafe(ref zg, t); o.StoreUnsafe(ref zo, t);
            Vector256.ConditionalSelect(keepNew, o * FastMath.Tanh(cn), Vector256.LoadUnsafe(ref h, t)).StoreUnsafe(ref h, t);
            Vector256.ConditionalSelect(keepNew, cn, Vector256.LoadUnsafe(ref c, t)).StoreUnsafe(ref c, t);
            u = units;
        }
        return u;
    }

    // Units u.. in 4-lane vectors while 4 are left; returns the first unit not done.
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static int FusedCell128(ref float z, ref float cPrev, ref float c, ref float h, int units, int u)
    {
        bool hasPrev = !Unsafe.IsNullRef(ref cPrev);
        ref float zf = ref Unsafe.Add(ref z, units);
        ref float zg = ref Unsafe.Add(ref z, 2 * units);
        ref float zo = ref Unsafe.Add(ref z, 3 * units);
        for (; u + 4 <= units; u += 4)
        {
            var i = FastMath.Sigmoid(Vector128.LoadUnsafe(ref z, (nuint)u));
            var f = FastMath.Sigmoid(Vector128.LoadUnsafe(ref zf, (nuint)u));
            var g = FastMath.Tanh(Vector128.LoadUnsafe(ref zg, (nuint)u));
            var o = FastMath.Sigmoid(Vector128.LoadUnsafe(ref zo, (nuint)u));
            var cn = hasPrev ? Simd.MulAdd(f, Vector128.LoadUnsafe(ref cPrev, (nuint)u), i * g) : i * g;
            i.StoreUnsafe(ref z, (nuint)u); f.StoreUnsafe(ref zf, (nuint)u); g.StoreUnsafe(ref zg, (nuint)u); o.StoreUnsafe(ref zo, (nuint)u);
            cn.StoreUnsafe(ref c, (nuint)u);
            (o * FastMath.Tanh(cn)).StoreUnsafe(ref h, (nuint)u);
        }
        return u;
    }

    // Units u.. one at a time: the same operations per lane as the vectors.
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static int FusedCellScalar(ref float z, ref float cPrev, ref float c, ref float h, int units, int u)
    {
        bool hasPrev = !Unsafe.IsNullRef(ref cPrev);
        ref float zf = ref Unsafe.Add(ref z, units);
        ref float zg = ref Unsafe.Add(ref z, 2 * units);
        ref float zo = ref Unsafe.Add(ref z, 3 * units);
        for (; u < units; u++)
        {
            float i = FastMath.Sigmoid(Unsafe.Add(ref z, u));
            float f = FastMath.Sigmoid(Unsafe.Add(ref zf, u));
            float g = FastMath.Tanh(Unsafe.Add(ref zg, u));
            float o = FastMath.Sigmoid(Unsafe.Add(ref zo, u));
            float cn = hasPrev ? Simd.MulAdd(f, Unsafe.Add(ref cPrev, u), i * g) : i * g;
            Unsafe.Add(ref z, u) = i; Unsafe.Add(ref zf, u) = f; Unsafe.Add(ref zg, u) = g; Unsafe.Add(ref zo, u) = o;
            Unsafe.Add(ref c, u) = cn;
            Unsafe.Add(ref h, u) = o * FastMath.Tanh(cn);
        }
        return u;
    }
}
