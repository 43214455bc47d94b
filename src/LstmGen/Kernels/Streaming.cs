using System;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace LstmGen;

public static partial class Kernels
{
    /// <summary>
    /// One step of one LSTM for one sample, updating its state in place: z = bias + x·W + h·R computed in registers, then
    /// the gates, c = f·c + i·g and h = o·act(c). <paramref name="z"/> (4·units) is scratch. For the streaming form.
    /// LSTM(8) and LSTM(32) with Keras's default activations and a bias never leave registers (z is then not written);
    /// other sizes store z and run the fused cell, other activations TensorPrimitives.
    /// </summary>
    public static void LstmStreamStep(ReadOnlySpan<float> x, ReadOnlySpan<float> kernel, ReadOnlySpan<float> recurrent, ReadOnlySpan<float> bias,
        Span<float> h, Span<float> c, Span<float> z, int features, int units, Activation activation, Activation recurrentActivation)
    {
        int g4 = 4 * units;
        if (x.Length < features || kernel.Length < features * g4 || recurrent.Length < units * g4 || (!bias.IsEmpty && bias.Length < g4) ||
            h.Length < units || c.Length < units || z.Length < g4)
        {
            throw new ArgumentException($"LstmStreamStep: spans too short for {features} features and {units} units.");
        }
        ref float xr = ref MemoryMarshal.GetReference(x);
        ref float hr = ref MemoryMarshal.GetReference(h);
        ref float w = ref MemoryMarshal.GetReference(kernel);
        ref float r = ref MemoryMarshal.GetReference(recurrent);
        ref float zr = ref MemoryMarshal.GetReference(z);
        if (activation == Activation.Tanh && recurrentActivation == Activation.Sigmoid && !bias.IsEmpty)
        {
            if (units == 8 && Vector256.IsHardwareAccelerated)
            {
                StreamStep8(ref xr, ref w, ref r, ref MemoryMarshal.GetReference(bias), ref hr, ref MemoryMarshal.GetReference(c), features);
                return;
            }
            if (units == 32 && Vector512.IsHardwareAccelerated)
            {
                StreamStep32(ref xr, ref w, ref r, ref MemoryMarshal.GetReference(bias), ref hr, ref MemoryMarshal.GetReference(c), features);
                return;
            }
        }
        int j = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            // Eight independent accumulators per 128 columns: one pass over x and h keeps both FMA pipes busy.
            for (; j + 128 <= g4; j += 128)
            {
                Vector512<float> a0, a1, a2, a3, a4, a5, a6, a7;
                if (bias.IsEmpty)
                {
                    a0 = a1 = a2 = a3 = a4 = a5 = a6 = a7 = Vector512<float>.Zero;
                }
                else
                {
                    ref float bj = ref Unsafe.Add(ref MemoryMarshal.GetReference(bias), j);
                    a0 = Vector512.LoadUnsafe(ref bj); a1 = Vector512.LoadUnsafe(ref bj, 16); a2 = Vector512.LoadUnsafe(ref bj, 32); a3 = Vector512.LoadUnsafe(ref bj, 48);
                    a4 = Vector512.LoadUnsafe(ref bj, 64); a5 = Vector512.LoadUnsafe(ref bj, 80); a6 = Vector512.LoadUnsafe(ref bj, 96); a7 = Vector512.LoadUnsafe(ref bj, 112);
                }
                for (int pass = 0; pass < 2; pass++)
                {
                    ref float v0 = ref pass == 0 ? ref xr : ref hr;
                    ref float row = ref Unsafe.Add(ref pass == 0 ? ref w : ref r, j);
                    int count = pass == 0 ? features : units;
                    for (int k = 0; k < count; k++)
                    {
                        var v = Vector512.Create(Unsafe.Add(ref v0, k));
                        a0 = Simd.MulAdd(v, Vector512.LoadUnsafe(ref row), a0);
                        a1 = Simd.MulAdd(v, Vector512.LoadUnsafe(ref row, 16), a1);
                        a2 = Simd.MulAdd(v, Vector512.LoadUnsafe(ref row, 32), a2);
                        a3 = Simd.MulAdd(v, Vector512.LoadUnsafe(ref row, 48), a3);
                        a4 = Simd.MulAdd(v, Vector512.LoadUnsafe(ref row, 64), a4);
                        a5 = Simd.MulAdd(v, Vector512.LoadUnsafe(ref row, 80), a5);
                        a6 = Simd.MulAdd(v, Vector512.LoadUnsafe(ref row, 96), a6);
                        a7 = Simd.MulAdd(v, Vector512.LoadUnsafe(ref row, 112), a7);
                        row = ref Unsafe.Add(ref row, g4);
                    }
                }
                a0.StoreUnsafe(ref zr, (nuint)j); a1.StoreUnsafe(ref zr, (nuint)(j + 16)); a2.StoreUnsafe(ref zr, (nuint)(j + 32)); a3.StoreUnsafe(ref zr, (nuint)(j + 48));
                a4.StoreUnsafe(ref zr, (nuint)(j + 64)); a5.StoreUnsafe(ref zr, (nuint)(j + 80)); a6.StoreUnsafe(ref zr, (nuint)(j + 96)); a7.StoreUnsafe(ref zr, (nuint)(j + 112));
            }
            // Four independent accumulators per 64 columns, so the FMA chains overlap instead of waiting on each other.
            for (; j + 64 <= g4; j += 64)
            {
                Vector512<float> a0, a1, a2, a3;
                if (bias.IsEmpty)
                {
                    a0 = a1 = a2 = a3 = Vector512<float>.Zero;
                }
                else
                {
                    a0 = Vector512.Create(bias.Slice(j, 16)); a1 = Vector512.Create(bias.Slice(j + 16, 16));
                    a2 = Vector512.Create(bias.Slice(j + 32, 16)); a3 = Vector512.Create(bias.Slice(j + 48, 16));
                }
                for (int k = 0; k < features; k++)
                {
                    var v = Vector512.Create(Unsafe.Add(ref xr, k));
                    ref float row = ref Unsafe.Add(ref w, k * g4 + j);
                    a0 = Simd.MulAdd(v, Vector512.LoadUnsafe(ref row), a0);
                    a1 = Simd.MulAdd(v, Vector512.LoadUnsafe(ref row, 16), a1);
                    a2 = Simd.MulAdd(v, Vector512.LoadUnsafe(ref row, 32), a2);
                    a3 = Simd.MulAdd(v, Vector512.LoadUnsafe(ref row, 48), a3);
                }
                for (int k = 0; k < units; k++)
                {
                    var v = Vector512.Create(Unsafe.Add(ref hr, k));
                    ref float row = ref Unsafe.Add(ref r, k * g4 + j);
                    a0 = Simd.MulAdd(v, Vector512.LoadUnsafe(ref row), a0);
                    a1 = Simd.MulAdd(v, Vector512.LoadUnsafe(ref row, 16), a1);
                    a2 = Simd.MulAdd(v, Vector512.LoadUnsafe(ref row, 32), a2);
                    a3 = Simd.MulAdd(v, Vector512.LoadUnsafe(ref row, 48), a3);
                }
                a0.StoreUnsafe(ref zr, (nuint)j); a1.StoreUnsafe(ref zr, (nuint)(j + 16));
                a2.StoreUnsafe(ref zr, (nuint)(j + 32)); a3.StoreUnsafe(ref zr, (nuint)(j + 48));
            }
            // 32 columns: two accumulators each for even and odd k, so four chains overlap.
            for (; j + 32 <= g4; j += 32)
            {
                Vector512<float> a0 = Vector512<float>.Zero, a1 = Vector512<float>.Zero, e0 = Vector512<float>.Zero, e1 = Vector512<float>.Zero;
                if (!bias.IsEmpty)
                {
                    a0 = Vector512.Create(bias.Slice(j, 16)); a1 = Vector512.Create(bias.Slice(j + 16, 16));
                }
                for (int pass = 0; pass < 2; pass++)
                {
                    ref float v0 = ref pass == 0 ? ref xr : ref hr;
                    ref float row = ref Unsafe.Add(ref pass == 0 ? ref w : ref r, j);
                    int count = pass == 0 ? features : units;
                    int k = 0;
                    for (; k + 2 <= count; k += 2)
                    {
                        var v = Vector512.Create(Unsafe.Add(ref v0, k));
                        var u = Vector512.Create(Unsafe.Add(ref v0, k + 1));
                        ref float next = ref Unsafe.Add(ref row, g4);
                        a0 = Simd.MulAdd(v, Vector512.LoadUnsafe(ref row), a0);
                        a1 = Simd.MulAdd(v, Vector512.LoadUnsafe(ref row, 16), a1);
                        e0 = Simd.MulAdd(u, Vector512.LoadUnsafe(ref next), e0);
                        e1 = Simd.MulAdd(u, Vector512.LoadUnsafe(ref next, 16), e1);
                        row = ref Unsafe.Add(ref next, g4);
                    }
                    if (k < count)
                    {
                        var v = Vector512.Create(Unsafe.Add(ref v0, k));
                        a0 = Simd.MulAdd(v, Vector512.LoadUnsafe(ref row), a0);
                        a1 = Simd.MulAdd(v, Vector512.LoadUnsafe(ref row, 16), a1);
                    }
                }
                (a0 + e0).StoreUnsafe(ref zr, (nuint)j); (a1 + e1).StoreUnsafe(ref zr, (nuint)(j + 16));
            }
            for (; j + 16 <= g4; j += 16)
            {
                Vector512<float> acc = bias.IsEmpty ? Vector512<float>.Zero : Vector512.Create(bias.Slice(j, 16));
                for (int k = 0; k < features; k++)
                    acc = Simd.MulAdd(Vector512.Create(Unsafe.Add(ref xr, k)), Vector512.LoadUnsafe(ref w, (nuint)(k * g4 + j)), acc);
                for (int k = 0; k < units; k++)
                    acc = Simd.MulAdd(Vector512.Create(Unsafe.Add(ref hr, k)), Vector512.LoadUnsafe(ref r, (nuint)(k * g4 + j)), acc);
                acc.StoreUnsafe(ref zr, (nuint)j);
            }
        }
        // What the 512-bit loops left (or everything without AVX-512): 256-bit, then 128-bit vectors, then scalar.
        ref float bias0 = ref MemoryMarshal.GetReference(bias);
        if (Vector256.IsHardwareAccelerated)
        {
            j = StreamColumns<Width256, Vector256<float>>(ref xr, ref w, ref r, ref bias0, bias.IsEmpty, ref hr, ref zr, features, units, j);
        }
        if (Vector128.IsHardwareAccelerated)
        {
            j = StreamColumns<Width128, Vector128<float>>(ref xr, ref w, ref r, ref bias0, bias.IsEmpty, ref hr, ref zr, features, units, j);
        }
        for (; j < g4; j++)
        {
            float acc = bias.IsEmpty ? 0f : bias[j];
            for (int k = 0; k < features; k++) acc = Simd.MulAdd(x[k], kernel[k * g4 + j], acc);
            for (int k = 0; k < units; k++) acc = Simd.MulAdd(h[k], recurrent[k * g4 + j], acc);
            z[j] = acc;
        }

        if (activation == Activation.Tanh && recurrentActivation == Activation.Sigmoid)
        {
            FusedCell(ref zr, ref MemoryMarshal.GetReference(c), ref MemoryMarshal.GetReference(c), ref MemoryMarshal.GetReference(h), units);
            return;
        }
        Span<float> gi = z.Slice(0, units), gf = z.Slice(units, units), gg = z.Slice(2 * units, units), go = z.Slice(3 * units, units);
        Span<float> cs = c.Slice(0, units), hs = h.Slice(0, units);
        if (recurrentActivation == Activation.Sigmoid)
        {
            TensorPrimitives.Sigmoid(z.Slice(0, 2 * units), z.Slice(0, 2 * units));
            TensorPrimitives.Sigmoid(go, go);
        }
        else
        {
            Activate(recurrentActivation, z.Slice(0, 2 * units), 1, 2 * units);
            Activate(recurrentActivation, go, 1, units);
        }
        Activate(activation, gg, 1, units);
        TensorPrimitives.Multiply(gf, cs, cs);                 // c = f·c
        TensorPrimitives.FusedMultiplyAdd(gi, gg, cs, cs);     //   + i·g
        cs.CopyTo(hs);                                          // h = o·act(c)
        Activate(activation, hs, 1, units);
        TensorPrimitives.Multiply(go, hs, hs);
    }

    /// <summary>
    /// LSTM(8) step with Keras's default activations, gates kept in registers: four 8-lane accumulators (i, f, g, o),
    /// each split over even and odd inputs so the FMA chains are half as long, then the cell in place.
    /// </summary>
    private static void StreamStep8(ref float x, ref float w, ref float r, ref float bias, ref float h, ref float c, int features)
    {
        const int G4 = 32;
        Vector256<float> i0 = Vector256.LoadUnsafe(ref bias), f0 = Vector256.LoadUnsafe(ref bias, 8);
        Vector256<float> g0 = Vector256.LoadUnsafe(ref bias, 16), o0 = Vector256.LoadUnsafe(ref bias, 24);
        Vector256<float> i1 = Vector256<float>.Zero, f1 = Vector256<float>.Zero, g1 = Vector256<float>.Zero, o1 = Vector256<float>.Zero;
        for (int k = 0; k < features; k++)
        {
            var v = Vector256.Create(Unsafe.Add(ref x, k));
            ref float row = ref Unsafe.Add(ref w, k * G4);
            i1 = Simd.MulAdd(v, Vector256.LoadUnsafe(ref row), i1);
            f1 = Simd.MulAdd(v, Vector256.LoadUnsafe(ref row, 8), f1);
            g1 = Simd.MulAdd(v, Vector256.LoadUnsafe(ref row, 16), g1);
            o1 = Simd.MulAdd(v, Vector256.LoadUnsafe(ref row, 24), o1);
        }
        for (int k = 0; k < 8; k += 2)
        {
            var v = Vector256.Create(Unsafe.Add(ref h, k));
            var u = Vector256.Create(Unsafe.Add(ref h, k + 1));
            ref float row = ref Unsafe.Add(ref r, k * G4);
            i0 = Simd.MulAdd(v, Vector256.LoadUnsafe(ref row), i0);
            f0 = Simd.MulAdd(v, Vector256.LoadUnsafe(ref row, 8), f0);
            g0 = Simd.MulAdd(v, Vector256.LoadUnsafe(ref row, 16), g0);
            o0 = Simd.MulAdd(v, Vector256.LoadUnsafe(ref row, 24), o0);
            i1 = Simd.MulAdd(u, Vector256.LoadUnsafe(ref row, 32), i1);
            f1 = Simd.MulAdd(u, Vector256.LoadUnsafe(ref row, 40), f1);
            g1 = Simd.MulAdd(u, Vector256.LoadUnsafe(ref row, 48), g1);
            o1 = Simd.MulAdd(u, Vector256.LoadUnsafe(ref row, 56), o1);
        }
        var gi = FastMath.Sigmoid(i0 + i1);
        var gf = FastMath.Sigmoid(f0 + f1);
        var gg = FastMath.Tanh(g0 + g1);
        var go = FastMath.Sigmoid(o0 + o1);
        var cn = Simd.MulAdd(gf, Vector256.LoadUnsafe(ref c), gi * gg);
        cn.StoreUnsafe(ref c);
        (go * FastMath.Tanh(cn)).StoreUnsafe(ref h);
    }

    /// <summary>
    /// LSTM(32) step with Keras's default activations, gates kept in registers: eight 16-lane accumulators (two each
    /// for i, f, g, o) over one pass of x and h, then the cell in place.
    /// </summary>
    private static void StreamStep32(ref float x, ref float w, ref float r, ref float bias, ref float h, ref float c, int features)
    {
        const int G4 = 128;
        Vector512<float> i0 = Vector512.LoadUnsafe(ref bias), i1 = Vector512.LoadUnsafe(ref bias, 16);
        Vector512<float> f0 = Vector512.LoadUnsafe(ref bias, 32), f1 = Vector512.LoadUnsafe(ref bias, 48);
        Vector512<float> g0 = Vector512.LoadUnsafe(ref bias, 64), g1 = Vector512.LoadUnsafe(ref bias, 80);
        Vector512<float> o0 = Vector512.LoadUnsafe(ref bias, 96), o1 = Vector512.LoadUnsafe(ref bias, 112);
        for (int pass = 0; pass < 2; pass++)
        {
            ref float v0 = ref pass == 0 ? ref x : ref h;
            ref float row = ref pass == 0 ? ref w : ref r;
            int count = pass == 0 ? features : 32;
            for (int k = 0; k < count; k++)
            {
                var v = Vector512.Create(Unsafe.Add(ref v0, k));
                i0 = Simd.MulAdd(v, Vector512.LoadUnsafe(ref row), i0);
                i1 = Simd.MulAdd(v, Vector512.LoadUnsafe(ref row, 16), i1);
                f0 = Simd.MulAdd(v, Vector512.LoadUnsafe(ref row, 32), f0);
                f1 = Simd.MulAdd(v, Vector512.LoadUnsafe(ref row, 48), f1);
                g0 = Simd.MulAdd(v, Vector512.LoadUnsafe(ref row, 64), g0);
                g1 = Simd.MulAdd(v, Vector512.LoadUnsafe(ref row, 80), g1);
                o0 = Simd.MulAdd(v, Vector512.LoadUnsafe(ref row, 96), o0);
                o1 = Simd.MulAdd(v, Vector512.LoadUnsafe(ref row, 112), o1);
                row = ref Unsafe.Add(ref row, G4);
            }
        }
        var c0 = Simd.MulAdd(FastMath.Sigmoid(f0), Vector512.LoadUnsafe(ref c), FastMath.Sigmoid(i0) * FastMath.Tanh(g0));
        var c1 = Simd.MulAdd(FastMath.Sigmoid(f1), Vector512.LoadUnsafe(ref c, 16), FastMath.Sigmoid(i1) * FastMath.Tanh(g1));
        c0.StoreUnsafe(ref c);
        c1.StoreUnsafe(ref c, 16);
        (FastMath.Sigmoid(o0) * FastMath.Tanh(c0)).StoreUnsafe(ref h);
        (FastMath.Sigmoid(o1) * FastMath.Tanh(c1)).StoreUnsafe(ref h, 16);
    }

    /// <summary>
    /// z[j..4·units) = bias + x·W + h·R for one sample with vectors of width <typeparamref name="W"/>, from column
    /// <paramref name="j"/> on; returns the first column not done (fewer than one vector left). Each column is one chain:
    /// bias, then the inputs in order, then the previous outputs in order. Four vectors at a time keep four chains in
    /// flight.
    /// </summary>
    private static int StreamColumns<W, V>(ref float x, ref float kernel, ref float recurrent, ref float bias, bool noBias,
        ref float h, ref float z, int features, int units, int j)
        where W : struct, IVectorWidth<V> where V : struct
    {
        int g4 = 4 * units, w = W.Count;
        for (; j + 4 * w <= g4; j += 4 * w)
        {
            V a0, a1, a2, a3;
            if (noBias)
            {
                a0 = a1 = a2 = a3 = W.Broadcast(0f);
            }
            else
            {
                a0 = W.Load(ref bias, j); a1 = W.Load(ref bias, j + w); a2 = W.Load(ref bias, j + 2 * w); a3 = W.Load(ref bias, j + 3 * w);
            }
            for (int pass = 0; pass < 2; pass++)
            {
                ref float v0 = ref pass == 0 ? ref x : ref h;
                ref float row = ref Unsafe.Add(ref pass == 0 ? ref kernel : ref recurrent, j);
                int count = pass == 0 ? features : units;
                for (int k = 0; k < count; k++)
                {
                    V v = W.Broadcast(Unsafe.Add(ref v0, k));
                    a0 = W.MulAdd(v, W.Load(ref row, 0), a0);
                    a1 = W.MulAdd(v, W.Load(ref row, w), a1);
                    a2 = W.MulAdd(v, W.Load(ref row, 2 * w), a2);
                    a3 = W.MulAdd(v, W.Load(ref row, 3 * w), a3);
                    row = ref Unsafe.Add(ref row, g4);
                }
            }
            W.Store(a0, ref z, j); W.Store(a1, ref z, j + w); W.Store(a2, ref z, j + 2 * w); W.Store(a3, ref z, j + 3 * w);
        }
        for (; j + w <= g4; j += w)
        {
            V acc = noBias ? W.Broadcast(0f) : W.Load(ref bias, j);
            for (int k = 0; k < features; k++) acc = W.MulAdd(W.Broadcast(Unsafe.Add(ref x, k)), W.Load(ref kernel, k * g4 + j), acc);
            for (int k = 0; k < units; k++) acc = W.MulAdd(W.Broadcast(Unsafe.Add(ref h, k)), W.Load(ref recurrent, k * g4 + j), acc);
            W.Store(acc, ref z, j);
        }
        return j;
    }
}
