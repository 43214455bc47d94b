using System;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.Arm;
using System.Runtime.Intrinsics.X86;

namespace LstmGen;

// How the kernels pick a vector width (read this before writing a kernel)
// ------------------------------------------------------------------------
// 1. Width: a kernel tries the widths from the widest down, each guarded by its own check, each loop continuing where
//    the wider one stopped, then a scalar loop for the rest:
//
//        int u = 0;
//        if (Vector512.IsHardwareAccelerated) for (; u + 16 <= n; u += 16) { ... Vector512 ... }
//        if (Vector256.IsHardwareAccelerated) for (; u + 8 <= n; u += 8)   { ... Vector256 ... }
//        if (Vector128.IsHardwareAccelerated) for (; u + 4 <= n; u += 4)   { ... Vector128 ... }
//        for (; u < n; u++)                                                 { ... float ... }
//
//    Never a Vector256/Vector512 operation outside its check: where it is not accelerated it still runs, emulated in
//    software, dozens of times slower than the scalar loop. Matrix-product-like kernels with register blocking can be
//    written once for Vector256 and Vector128 through IVectorWidth (see GemmNarrow in Gemm.cs).
//
//    The checks are constants: the JIT knows the CPU, NativeAOT folds them for the instruction set it compiles for.
//    NativeAOT has no run-time dispatch beyond its baseline: a default publish targets x86-64-v2, where Vector128 (SSE)
//    is the widest accelerated width and FMA is absent (Avx2/Fma/Avx512F.IsSupported and Vector256/512
//    .IsHardwareAccelerated are compiled as false, even on an AVX-512 machine); -p:IlcInstructionSet=x86-64-v3 gives
//    Vector256 with FMA, x86-64-v4 or native Vector512 (docs/performance.md has the measurements). Arm64 has Vector128
//    with FMA (AdvSimd).
//
// 2. Multiply-add: always Simd.MulAdd, never MathF/VectorN.FusedMultiplyAdd or a * b + c. It fuses where the hardware
//    has FMA and is a multiply then an add where it has not (FusedMultiplyAdd without hardware FMA is a C library call
//    per element: 3.5 ns a float measured, 100x a vector FMA). Every width and the scalar tail round alike, so an
//    element's result does not depend on which loop computed it.
//
// 3. Exactness: each output element is computed by the same sequence of operations at every width (for a product, one
//    multiply-add chain over k in order). So results are bit-identical whatever the width, the alignment, the row
//    blocking or the number of threads, within one configuration (FMA or not); between the two they differ by
//    rounding only (about 1e-7 relative per operation). No horizontal sums inside a kernel: they change with the
//    width. Math functions at every width come from FastMath (exp, sigmoid, tanh), which computes every lane alike.
//
// 4. Tests: KernelWidthTests runs each width's code directly (emulated widths are slow but exact) against a scalar
//    chain of Simd.MulAdd and asserts equality bit for bit; add a case there for a new kernel.

/// <summary>The multiply-add the kernels use, and what the hardware gives them.</summary>
internal static class Simd
{
    /// <summary>
    /// True when multiply-adds are fused in hardware: x64 with FMA (the JIT on any x64 CPU since 2013, NativeAOT with
    /// IlcInstructionSet x86-64-v3 or above) and Arm64. A constant for the JIT and for NativeAOT.
    /// </summary>
    public static bool HasFma
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => Fma.IsSupported || AdvSimd.IsSupported;
    }

    /// <summary><c>a · b + c</c>, rounded once where the hardware fuses (see <see cref="HasFma"/>), else twice.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float MulAdd(float a, float b, float c) => HasFma ? MathF.FusedMultiplyAdd(a, b, c) : a * b + c;

    /// <inheritdoc cref="MulAdd(float, float, float)"/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> MulAdd(Vector128<float> a, Vector128<float> b, Vector128<float> c) =>
        HasFma ? Vector128.FusedMultiplyAdd(a, b, c) : a * b + c;

    /// <inheritdoc cref="MulAdd(float, float, float)"/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> MulAdd(Vector256<float> a, Vector256<float> b, Vector256<float> c) =>
        HasFma ? Vector256.FusedMultiplyAdd(a, b, c) : a * b + c;

    /// <inheritdoc cref="MulAdd(float, float, float)"/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> MulAdd(Vector512<float> a, Vector512<float> b, Vector512<float> c) =>
        HasFma ? Vector512.FusedMultiplyAdd(a, b, c) : a * b + c;

    /// <summary>The widest accelerated vector in bits (512, 256 or 128), or 0 when only scalar code runs.</summary>
    public static int VectorBits =>
        Vector512.IsHardwareAccelerated ? 512 : Vector256.IsHardwareAccelerated ? 256 : Vector128.IsHardwareAccelerated ? 128 : 0;
}

/// <summary>
/// One vector width for kernels written once for several widths: static members, so a generic method instantiated
/// over <see cref="Width256"/> or <see cref="Width128"/> compiles to the same code as one written for that width.
/// </summary>
internal interface IVectorWidth<TVector> where TVector : struct
{
    /// <summary>Floats per vector.</summary>
    static abstract int Count { get; }

    static abstract TVector Load(ref float source, int offset);

    static abstract void Store(TVector value, ref float destination, int offset);

    static abstract TVector Broadcast(float value);

    /// <summary><see cref="Simd.MulAdd(float, float, float)"/> lane by lane.</summary>
    static abstract TVector MulAdd(TVector a, TVector b, TVector c);

    /// <summary>A mask of the lanes from <paramref name="first"/> on (as floats: all bits set or clear).</summary>
    static abstract TVector LanesFrom(int first);

    /// <summary>Lanes of <paramref name="ifTrue"/> where <paramref name="mask"/> is set, else of <paramref name="ifFalse"/>.</summary>
    static abstract TVector Select(TVector mask, TVector ifTrue, TVector ifFalse);
}

/// <summary>512-bit vectors (AVX-512F): 32 vector registers, so register blocks of up to 24 accumulators.</summary>
internal readonly struct Width512 : IVectorWidth<Vector512<float>>
{
    public static int Count => Vector512<float>.Count;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Load(ref float source, int offset) => Vector512.LoadUnsafe(ref Unsafe.Add(ref source, offset));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store(Vector512<float> value, ref float destination, int offset) => value.StoreUnsafe(ref Unsafe.Add(ref destination, offset));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Broadcast(float value) => Vector512.Create(value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> MulAdd(Vector512<float> a, Vector512<float> b, Vector512<float> c) => Simd.MulAdd(a, b, c);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> LanesFrom(int first) =>
        Vector512.GreaterThanOrEqual(Vector512<int>.Indices, Vector512.Create(first)).AsSingle();

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Select(Vector512<float> mask, Vector512<float> ifTrue, Vector512<float> ifFalse) =>
        Vector512.ConditionalSelect(mask, ifTrue, ifFalse);
}

/// <summary>256-bit vectors (AVX2).</summary>
internal readonly struct Width256 : IVectorWidth<Vector256<float>>
{
    public static int Count => Vector256<float>.Count;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Load(ref float source, int offset) => Vector256.LoadUnsafe(ref Unsafe.Add(ref source, offset));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store(Vector256<float> value, ref float destination, int offset) => value.StoreUnsafe(ref Unsafe.Add(ref destination, offset));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Broadcast(float value) => Vector256.Create(value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> MulAdd(Vector256<float> a, Vector256<float> b, Vector256<float> c) => Simd.MulAdd(a, b, c);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> LanesFrom(int first) =>
        Vector256.GreaterThanOrEqual(Vector256<int>.Indices, Vector256.Create(first)).AsSingle();

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Select(Vector256<float> mask, Vector256<float> ifTrue, Vector256<float> ifFalse) =>
        Vector256.ConditionalSelect(mask, ifTrue, ifFalse);
}

/// <summary>128-bit vectors (SSE, the NativeAOT default on x64; AdvSimd on Arm64).</summary>
internal readonly struct Width128 : IVectorWidth<Vector128<float>>
{
    public static int Count => Vector128<float>.Count;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Load(ref float source, int offset) => Vector128.LoadUnsafe(ref Unsafe.Add(ref source, offset));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store(Vector128<float> value, ref float destination, int offset) => value.StoreUnsafe(ref Unsafe.Add(ref destination, offset));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Broadcast(float value) => Vector128.Create(value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> MulAdd(Vector128<float> a, Vector128<float> b, Vector128<float> c) => Simd.MulAdd(a, b, c);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> LanesFrom(int first) =>
        Vector128.GreaterThanOrEqual(Vector128<int>.Indices, Vector128.Create(first)).AsSingle();

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Select(Vector128<float> mask, Vector128<float> ifTrue, Vector128<float> ifFalse) =>
        Vector128.ConditionalSelect(mask, ifTrue, ifFalse);
}

/// <summary>
/// What the kernels run on in this process: the vector width and whether multiply-adds are fused. With the JIT this
/// follows the CPU; in a NativeAOT binary it is fixed by the instruction set it was compiled for (IlcInstructionSet:
/// the default x86-64-v2 gives 128-bit vectors without FMA; see docs/performance.md).
/// </summary>
public static class KernelInfo
{
    /// <summary>The widest vector the kernels use, in bits: 512, 256 or 128; 0 when they run scalar code only.</summary>
    public static int VectorBits => Simd.VectorBits;

    /// <summary>
    /// True when multiply-adds are fused (one rounding). Results are bit-identical across widths, thread counts and
    /// runs within one setting, and differ by rounding only (about 1e-7 relative per operation) between the two.
    /// </summary>
    public static bool FusedMultiplyAdd => Simd.HasFma;

    /// <summary>A one-line description, such as "256-bit vectors, fused multiply-add".</summary>
    public static string Description =>
        (VectorBits == 0 ? "scalar code" : $"{VectorBits}-bit vectors") + (FusedMultiplyAdd ? ", fused multiply-add" : ", multiply then add (no FMA)");
}
