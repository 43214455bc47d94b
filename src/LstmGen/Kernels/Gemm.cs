using System;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace LstmGen;

public static partial class Kernels
{
    /// <summary>
    /// Row-major matrix product <c>c = a · b</c> (or <c>c += a · b</c> when <paramref name="accumulate"/>), with
    /// <c>a</c> (m, k), <c>b</c> (k, n), <c>c</c> (m, n), all contiguous.
    /// </summary>
    public static void Gemm(ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> c, int m, int n, int k, bool accumulate)
    {
        CheckGemm(a.Length, b.Length, c.Length, m, n, k);
        if (!accumulate)
        {
            c.Slice(0, m * n).Clear();
        }
        GemmCore(ref MemoryMarshal.GetReference(a), k, 1, ref MemoryMarshal.GetReference(b), ref MemoryMarshal.GetReference(c), m, n, k);
    }

    /// <summary>
    /// Transposed-left product <c>c = aᵀ · b</c> (or <c>c += aᵀ · b</c>), with <c>a</c> (m, k), <c>b</c> (m, n) and
    /// <c>c</c> (k, n), all contiguous row-major: the weight gradient of <c>y = x · w</c> summed over m rows in one product.
    /// </summary>
    public static void GemmTN(ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> c, int m, int n, int k, bool accumulate)
    {
        CheckGemm(a.Length, b.Length, c.Length, k, n, m); // c is (k, n); the reduction runs over m
        if (!accumulate)
        {
            c.Slice(0, k * n).Clear();
        }
        // As a product of a (k x m) matrix whose rows are a's columns (row stride 1, column stride k) with b (m x n).
        GemmCore(ref MemoryMarshal.GetReference(a), 1, k, ref MemoryMarshal.GetReference(b), ref MemoryMarshal.GetReference(c), k, n, m);
    }

    /// <summary>
    /// Row-major matrix product plus a bias broadcast over the rows: <c>c = a · b + bias</c>. An empty
    /// <paramref name="bias"/> means no bias.
    /// </summary>
    public static void GemmBias(ReadOnlySpan<float> a, ReadOnlySpan<float> b, ReadOnlySpan<float> bias, Span<float> c, int m, int n, int k)
    {
        CheckGemm(a.Length, b.Length, c.Length, m, n, k);
        FillBias(bias, c, m, n);
        GemmCore(ref MemoryMarshal.GetReference(a), k, 1, ref MemoryMarshal.GetReference(b), ref MemoryMarshal.GetReference(c), m, n, k);
    }

    // The first m rows of c (n floats each) set to the bias, or to zero when it is empty: where GemmBias's chains start.
    private static void FillBias(ReadOnlySpan<float> bias, Span<float> c, int m, int n)
    {
        if (bias.IsEmpty)
        {
            c.Slice(0, m * n).Clear();
            return;
        }
        if (bias.Length != n)
        {
            throw new ArgumentException($"bias has {bias.Length} elements, expected {n}.", nameof(bias));
        }
        for (int i = 0; i < m; i++)
        {
            bias.CopyTo(c.Slice(i * n, n));
        }
    }

    private static void CheckGemm(int aLength, int bLength, int cLength, int m, int n, int k)
    {
        if (m < 0 || n < 0 || k < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(m), $"Matrix sizes must be non-negative (m={m}, n={n}, k={k}).");
        }
        if (aLength < m * k || bLength < k * n || cLength < m * n)
        {
            throw new ArgumentException($"Spans too short for ({m}x{k})·({k}x{n}): a={aLength}, b={bLength}, c={cLength}.");
        }
    }

    // When to pack the right operand (measured on the product shapes of the benchmark models, in the models: a
    // microbenchmark with b hot in cache favours packing less): with 16+ rows of c, and either wide rows of b
    // (n ≥ 1024: every row of a panel lands on the same L1 sets), a deep product (k > 512: the panel outgrows L1), a
    // product 4+ times deeper than wide (the backward dh = dz·Rᵀ: Rᵀ is evicted between steps and re-read by every row
    // block) or many row blocks to share the copy (m ≥ 256). Elsewhere packing measured 5-20% slower.
    private static bool ShouldPack(int m, int n, int k) => m >= 16 && (n >= 1024 || k > 512 || k >= 4 * n || m >= 256);

    // At 256 bits also whenever rows of b are a multiple of 256 bytes apart and there are 4+ rows of c: such rows share
    // at most 16 of the 64 L1 sets, so a 32-column strip read in place evicts itself (measured on an AVX2 Zen 3: W1's
    // recurrent product (32 × 128)·(128 × 512) 74 → 54 µs, (4 × 128)·(128 × 512) 14.0 → 12.8 µs; strides such as 200
    // floats gain nothing from packing and are left alone).
    private static bool ShouldPack256(int m, int n, int k) => ShouldPack(m, n, k) || (m >= 4 && (n & 63) == 0);

    // c (m x n) += A · b, c already initialised; A (m x k) has element (i, p) at a[i * ars + p * acs].
    private static void GemmCore(ref float a, int ars, int acs, ref float b, ref float c, int m, int n, int k)
    {
        if (ColumnHelper.TrySplit(ref a, ars, acs, ref b, ref c, m, n, k))
        {
            return;
        }
        GemmColumns(ref a, ars, acs, ref b, ref c, m, n, k, n);
    }

    /// <summary>Columns [0, cols) of a product whose b and c rows are ld floats apart (also one half of a split product).</summary>
    internal static void GemmColumns(ref float a, int ars, int acs, ref float b, ref float c, int m, int cols, int k, int ld)
    {
        // Packed into panels of four vectors where that pays (see ShouldPack and ShouldPack256): at 512 bits 64-column
        // panels and the 6 × 4-vector kernel, at 256 bits 32-column panels and the 3 × 4-vector kernel.
        if (Vector512.IsHardwareAccelerated)
        {
            if (cols >= 64 && k > 0 && ShouldPack(m, ld, k))
            {
                GemmPanels(ref a, ars, acs, ref b, ref c, m, cols, k, ld, wide: true);
                return;
            }
        }
        else if (Vector256.IsHardwareAccelerated && cols >= 32 && k > 0 && ShouldPack256(m, ld, k))
        {
            GemmPanels(ref a, ars, acs, ref b, ref c, m, cols, k, ld, wide: false);
            return;
        }
        GemmPlain(ref a, ars, acs, ref b, ref c, m, cols, k, ld);
    }

    // Rows of b per panel of the packed product: 256 × 32 floats = 32 KB at 256 bits, the L1 of AVX2 CPUs; measured
    // faster than 128 rows on W4's product (fewer reloads of c between depth blocks outweigh the evictions). 64 KB at 512
    // bits, in the 48 KB L1 and the L2 of AVX-512 CPUs.
    private const int PackDepth = 256;

    [ThreadStatic] private static float[]? t_panel;

    // The packed product: each panel (four vectors of columns: 32 at 256 bits, 64 at 512) of PackDepth rows of b is
    // copied to a contiguous buffer (rows of b ld floats apart map to few L1 sets: W4's 2048-float rows all to one, so
    // unpacked every load of b missed L1), then every block of rows of c runs the panel kernel over it (3 × 4 vectors
    // at 256 bits, 6 × 4 at 512). Each element of c is still one multiply-add chain over p in order (c is stored and
    // reloaded between depth blocks), so results are bit-identical to the unpacked product and to the other widths.
    // `wide` picks the 512-bit panels (the caller's Vector512 check; tests run either on any CPU, emulated if need be).
    internal static void GemmPanels(ref float a, int ars, int acs, ref float b, ref float c, int m, int cols, int k, int ld, bool wide)
    {
        if (m >= 2 * BlockRows)
        {
            GemmBlocked(ref a, ars, acs, ref b, ref c, m, cols, k, ld, BlockRows, int.MaxValue, t_block ??= AllocateAligned(BlockFloats), wide);
        }
        else
        {
            // Few rows: one panel at a time, all rows over it while it is in cache.
            GemmBlocked(ref a, ars, acs, ref b, ref c, m, cols, k, ld, m, wide ? 64 : 32, t_panel ??= AllocateAligned(PackDepth * 64), wide);
        }
    }

    // Rows of c per block of the blocked product (8 row triples at 256 bits, 4 row sextets at 512: 24 × 256 floats of a =
    // 24 KB stay in L1 and L2 while the block runs over a column block's panels), and floats of b packed per column
    // block (256 KB: an L2 of panels, 512 columns at depth 128, 256 at depth 256). Measured at 256 bits on W4's input
    // projection (6400 × 128)·(128 × 2048): 46–52 → 67–71 GFLOP/s (12 and 24 rows alike, 36 and 48 slower, a 128 KB
    // column block slower at depth 256); at 512 bits (Intel Xeon, AVX-512) the same projection went from 58–75 GFLOP/s
    // (4 × 64 blocks over 128-row panels, every panel re-reading all of a) to 81–111 in paired runs.
    private const int BlockRows = 24;
    private const int BlockFloats = 65536;

    [ThreadStatic] private static float[]? t_block;

    // For each depth block of PackDepth rows: a column block of b (as many panels as `buffer` holds at this depth, at
    // most maxBlockColumns columns) is packed, then every block of `blockRows` rows of a runs over all of its panels
    // before the next. With 48+ rows, 24-row blocks keep the rows of a in cache while the panels stream from L2
    // (unblocked, every panel re-read all m rows of a: W4's input projection read 3.2 MB of a 64 times); with fewer,
    // one panel and all rows. Each element of c is one multiply-add chain over p in order (c stored and reloaded between
    // depth blocks), so results are bit-identical whatever the blocking, and to the unpacked product and the other widths.
    private static void GemmBlocked(ref float a, int ars, int acs, ref float b, ref float c, int m, int cols, int k, int ld, int blockRows, int maxBlockColumns, float[] buffer, bool wide)
    {
        int panel = wide ? 64 : 32;
        ref float br = ref MemoryMarshal.GetArrayDataReference(buffer);
        int whole = cols & ~(panel - 1);
        for (int p0 = 0; p0 < k; p0 += PackDepth)
        {
            int kk = Math.Min(PackDepth, k - p0);
            int nc = Math.Min(maxBlockColumns, Math.Max(panel, (buffer.Length / kk) & ~(panel - 1)));
            ref float ap = ref Unsafe.Add(ref a, p0 * acs);
            ref float bp = ref Unsafe.Add(ref b, p0 * ld);
            for (int j0 = 0; j0 < whole; j0 += nc)
            {
                int jn = Math.Min(nc, whole - j0);
                for (int j = 0; j < jn; j += panel)
                {
                    CopyPanel(wide, ref Unsafe.Add(ref bp, j0 + j), ld, ref Unsafe.Add(ref br, j * kk), kk);
                }
                for (int i0 = 0; i0 < m; i0 += blockRows)
                {
                    int mi = Math.Min(blockRows, m - i0);
                    for (int j = 0; j < jn; j += panel)
                    {
                        PanelRows(wide, ref Unsafe.Add(ref ap, i0 * ars), ars, acs, ref Unsafe.Add(ref br, j * kk), ref Unsafe.Add(ref c, i0 * ld + j0 + j), mi, ld, kk);
                    }
                }
            }
            if (whole < cols)
            {
                GemmPlain(ref ap, ars, acs, ref Unsafe.Add(ref bp, whole), ref Unsafe.Add(ref c, whole), m, cols - whole, kk, ld);
            }
        }
    }

    // One panel copied (CopyPanel) or run over by rows of a (PanelRows512, PanelRows256), 64 columns wide or 32.
    private static void CopyPanel(bool wide, ref float b, int ld, ref float panel, int rows)
    {
        if (wide)
        {
            CopyPanel<Width512, Vector512<float>>(ref b, ld, ref panel, rows);
        }
        else
        {
            CopyPanel<Width256, Vector256<float>>(ref b, ld, ref panel, rows);
        }
    }

    private static void PanelRows(bool wide, ref float a, int ars, int acs, ref float panel, ref float c, int m, int ld, int depth)
    {
        if (wide)
        {
            PanelRows512(ref a, ars, acs, ref panel, ref c, m, ld, depth);
        }
        else
        {
            PanelRows256(ref a, ars, acs, ref panel, ref c, m, ld, depth);
        }
    }

    // Copies four vectors of columns (32 at 256 bits, 64 at 512) of `rows` rows of b (rows ld floats apart) to a
    // contiguous panel, one row of four vectors after another.
    private static void CopyPanel<W, V>(ref float b, int ld, ref float panel, int rows)
        where W : struct, IVectorWidth<V> where V : struct
    {
        int w = W.Count;
        for (int q = 0; q < rows; q++)
        {
            ref float row = ref Unsafe.Add(ref b, q * ld);
            ref float dst = ref Unsafe.Add(ref panel, q * 4 * w);
            W.Store(W.Load(ref row, 0), ref dst, 0);
            W.Store(W.Load(ref row, w), ref dst, w);
            W.Store(W.Load(ref row, 2 * w), ref dst, 2 * w);
            W.Store(W.Load(ref row, 3 * w), ref dst, 3 * w);
        }
    }

    // 64 columns of c (m rows, ld floats apart; c points at the first column) += A · panel, with `depth` rows of a
    // contiguous 64-column panel: 6-row blocks of the 6 × 4-vector kernel (AVX-512's 32 registers), then the rows left:
    // 4 in one 4 × 4 block, 5 as 3 + 2, and 3, 2 or 1 in one block (a 1 × 4 block alone where it must: 4 chains cannot
    // hide the multiply-add's latency).
    private static void PanelRows512(ref float a, int ars, int acs, ref float panel, ref float c, int m, int ld, int depth)
    {
        int i = 0;
        for (; i + 6 <= m; i += 6)
        {
            Narrow6x4<Width512, Vector512<float>>(ref Unsafe.Add(ref a, i * ars), ars, acs, ref panel, 64, ref Unsafe.Add(ref c, i * ld), ld, depth);
        }
        if (m - i == 4)
        {
            Kernel4x64(ref Unsafe.Add(ref a, i * ars), ars, acs, ref panel, 64, ref Unsafe.Add(ref c, i * ld), 0, 0, ld, depth);
            return;
        }
        if (m - i >= 3)
        {
            Narrow3x4<Width512, Vector512<float>>(ref Unsafe.Add(ref a, i * ars), ars, acs, ref panel, 64, ref Unsafe.Add(ref c, i * ld), ld, depth);
            i += 3;
        }
        if (m - i == 2)
        {
            Narrow2x4<Width512, Vector512<float>>(ref Unsafe.Add(ref a, i * ars), ars, acs, ref panel, 64, ref Unsafe.Add(ref c, i * ld), ld, depth);
        }
        else if (m - i == 1)
        {
            Narrow1x4<Width512, Vector512<float>>(ref Unsafe.Add(ref a, i * ars), acs, ref panel, 64, ref Unsafe.Add(ref c, i * ld), ld, depth);
        }
    }

    // 32 columns of c (m rows, ld floats apart; c points at the first column) += A · panel, with `depth` rows of a
    // contiguous 32-column panel: 3-row blocks of the 3 × 4-vector kernel, then the 2 or 1 rows left (2 × 4, 1 × 4).
    private static void PanelRows256(ref float a, int ars, int acs, ref float panel, ref float c, int m, int ld, int depth)
    {
        int i = 0;
        for (; i + 3 <= m; i += 3)
        {
            Narrow3x4<Width256, Vector256<float>>(ref Unsafe.Add(ref a, i * ars), ars, acs, ref panel, 32, ref Unsafe.Add(ref c, i * ld), ld, depth);
        }
        if (m - i == 2)
        {
            Narrow2x4<Width256, Vector256<float>>(ref Unsafe.Add(ref a, i * ars), ars, acs, ref panel, 32, ref Unsafe.Add(ref c, i * ld), ld, depth);
        }
        else if (m - i == 1)
        {
            Narrow1x4<Width256, Vector256<float>>(ref Unsafe.Add(ref a, i * ars), acs, ref panel, 32, ref Unsafe.Add(ref c, i * ld), ld, depth);
        }
    }

    // c (m x cols) += A · b for cols ≤ ld columns of b and c, whose rows are ld floats apart; no packing. The widest
    // accelerated width does the work (see Dispatch.cs); every element is the same multiply-add chain at every width.
    private static void GemmPlain(ref float a, int ars, int acs, ref float b, ref float c, int m, int cols, int k, int ld)
    {
        if (Vector512.IsHardwareAccelerated)
        {
            GemmPlain512(ref a, ars, acs, ref b, ref c, m, cols, k, ld);
        }
        else if (Vector256.IsHardwareAccelerated)
        {
            GemmNarrow<Width256, Vector256<float>>(ref a, ars, acs, ref b, ref c, m, cols, k, ld);
        }
        else if (Vector128.IsHardwareAccelerated)
        {
            GemmNarrow<Width128, Vector128<float>>(ref a, ars, acs, ref b, ref c, m, cols, k, ld);
        }
        else
        {
            GemmScalar(ref a, ars, acs, ref b, ref c, m, cols, k, 0, ld);
        }
    }

    /// <summary>The AVX-512 product (internal so that tests can run it, emulated, on any machine).</summary>
    internal static void GemmPlain512(ref float a, int ars, int acs, ref float b, ref float c, int m, int cols, int k, int ld)
    {
        int j = 0;
        {
            // When every row of b starts at the same offset within a cache line (ld a multiple of 16) and b is not
            // 64-byte aligned, the first few columns are done apart so that all the kernels' loads of b are aligned:
            // a 64-byte load across two cache lines costs two (measured 1.8x on a load-bound product). Not for fewer
            // than 4 rows: there b streams from L2 once, and the two edge passes (single FMA chains, latency-bound) cost
            // more than the split loads (measured on W1's batch-1 recurrent product: 59 vs 55 µs for 20 steps).
            if ((ld & 15) == 0 && cols >= 64 && k > 0 && m >= 4)
            {
                int skew = ColumnsToAlignment(ref b);
                if (skew != 0)
                {
                    // Columns [0, skew) now; the last 16 - skew columns are left to the masked tail below.
                    GemmEdge(ref a, ars, acs, ref b, ref c, m, ld, k, Vector512.LessThan(Vector512<int>.Indices, Vector512.Create(skew)).AsSingle());
                    j = skew;
                }
            }
            if (m < 4)
            {
                // Few rows (batch 1 recurrent steps): eight independent accumulators per row keep the FMA units busy
                // instead of waiting on two dependent chains.
                for (; j + 128 <= cols; j += 128)
                {
                    for (int i = 0; i < m; i++) Kernel1x128(ref a, ars, acs, ref Unsafe.Add(ref b, j), ld, ref c, i, j, ld, k);
                }
            }
            if (m >= 4)
            {
                for (; j + 64 <= cols; j += 64)
                {
                    int i = 0;
                    for (; i + 4 <= m; i += 4) Kernel4x64(ref a, ars, acs, ref Unsafe.Add(ref b, j), ld, ref c, i, j, ld, k);
                    for (; i < m; i++)
                    {
                        Kernel1x32(ref a, ars, acs, ref Unsafe.Add(ref b, j), ld, ref c, i, j, ld, k);
                        Kernel1x32(ref a, ars, acs, ref Unsafe.Add(ref b, j + 32), ld, ref c, i, j + 32, ld, k);
                    }
                }
            }
            for (; j + 32 <= cols; j += 32)
            {
                int i = 0;
                for (; i + 4 <= m; i += 4) Kernel4x32(ref a, ars, acs, ref Unsafe.Add(ref b, j), ld, ref c, i, j, ld, k);
                for (; i < m; i++) Kernel1x32(ref a, ars, acs, ref Unsafe.Add(ref b, j), ld, ref c, i, j, ld, k);
            }
            for (; j + 16 <= cols; j += 16)
            {
                int i = 0;
                for (; i + 4 <= m; i += 4) Kernel4x16(ref a, ars, acs, ref Unsafe.Add(ref b, j), ld, ref c, i, j, ld, k);
                for (; i < m; i++) Kernel1x16(ref a, ars, acs, ref Unsafe.Add(ref b, j), ld, ref c, i, j, ld, k);
            }
            if (j < cols && cols >= 16)
            {
                // Fewer than 16 columns left (cols not a multiple of 16, or shifted for alignment): one vector over the
                // last 16 columns, keeping the lanes already done, instead of narrower or scalar loops.
                GemmEdge(ref a, ars, acs, ref Unsafe.Add(ref b, cols - 16), ref Unsafe.Add(ref c, cols - 16), m, ld, k,
                    Vector512.GreaterThanOrEqual(Vector512<int>.Indices, Vector512.Create(j - (cols - 16))).AsSingle());
                return;
            }
        }
        if (j < cols)
        {
            // Fewer than 16 columns in all (a Dense(1) or Dense(8) output): 256- and 128-bit vectors, then scalar.
            GemmNarrow<Width256, Vector256<float>>(ref a, ars, acs, ref Unsafe.Add(ref b, j), ref Unsafe.Add(ref c, j), m, cols - j, k, ld);
        }
    }

    /// <summary>Columns before the first 64-byte boundary of <paramref name="b"/> (0..15); floats are 4-byte aligned.</summary>
    private static unsafe int ColumnsToAlignment(ref float b) => (int)((Alignment - ((nuint)Unsafe.AsPointer(ref b) & (Alignment - 1))) & (Alignment - 1)) / sizeof(float);

    /// <summary>
    /// 16 columns of c += A·b starting at <paramref name="b"/> / <paramref name="c"/> (row strides n), storing only the
    /// lanes set in <paramref name="keep"/>; the others are written back unchanged. Like every kernel here, each
    /// element is one FMA chain over p in order, so results do not depend on b's alignment or on how rows are grouped.
    /// </summary>
    private static void GemmEdge(ref float a, int ars, int acs, ref float b, ref float c, int m, int n, int k, Vector512<float> keep)
    {
        int i = 0;
        for (; i + 4 <= m; i += 4)
        {
            ref float c0 = ref Unsafe.Add(ref c, i * n);
            ref float c1 = ref Unsafe.Add(ref c0, n);
            ref float c2 = ref Unsafe.Add(ref c1, n);
            ref float c3 = ref Unsafe.Add(ref c2, n);
            Vector512<float> o0 = Vector512.LoadUnsafe(ref c0), o1 = Vector512.LoadUnsafe(ref c1), o2 = Vector512.LoadUnsafe(ref c2), o3 = Vector512.LoadUnsafe(ref c3);
            Vector512<float> s0 = o0, s1 = o1, s2 = o2, s3 = o3;
            ref float a0 = ref Unsafe.Add(ref a, i * ars);
            ref float a1 = ref Unsafe.Add(ref a0, ars);
            ref float a2 = ref Unsafe.Add(ref a1, ars);
            ref float a3 = ref Unsafe.Add(ref a2, ars);
            ref float bp = ref b;
            for (int p = 0; p < k; p++)
            {
                Vector512<float> bv = Vector512.LoadUnsafe(ref bp);
                s0 = Simd.MulAdd(Vector512.Create(a0), bv, s0);
                s1 = Simd.MulAdd(Vector512.Create(a1), bv, s1);
                s2 = Simd.MulAdd(Vector512.Create(a2), bv, s2);
                s3 = Simd.MulAdd(Vector512.Create(a3), bv, s3);
                a0 = ref Unsafe.Add(ref a0, acs); a1 = ref Unsafe.Add(ref a1, acs); a2 = ref Unsafe.Add(ref a2, acs); a3 = ref Unsafe.Add(ref a3, acs);
                bp = ref Unsafe.Add(ref bp, n);
            }
            Vector512.ConditionalSelect(keep, s0, o0).StoreUnsafe(ref c0);
            Vector512.ConditionalSelect(keep, s1, o1).StoreUnsafe(ref c1);
            Vector512.ConditionalSelect(keep, s2, o2).StoreUnsafe(ref c2);
            Vector512.ConditionalSelect(keep, s3, o3).StoreUnsafe(ref c3);
        }
        for (; i < m; i++)
        {
            ref float c0 = ref Unsafe.Add(ref c, i * n);
            Vector512<float> o0 = Vector512.LoadUnsafe(ref c0), s0 = o0;
            ref float a0 = ref Unsafe.Add(ref a, i * ars);
            ref float bp = ref b;
            for (int p = 0; p < k; p++)
            {
                s0 = Simd.MulAdd(Vector512.Create(a0), Vector512.LoadUnsafe(ref bp), s0);
                a0 = ref Unsafe.Add(ref a0, acs);
                bp = ref Unsafe.Add(ref bp, n);
            }
            Vector512.ConditionalSelect(keep, s0, o0).StoreUnsafe(ref c0);
        }
    }

    internal static void GemmScalar(ref float a, int ars, int acs, ref float b, ref float c, int m, int cols, int k, int j0, int ld)
    {
        for (int i = 0; i < m; i++)
        {
            for (int p = 0; p < k; p++)
            {
                float av = Unsafe.Add(ref a, i * ars + p * acs);
                ref float brow = ref Unsafe.Add(ref b, p * ld);
                ref float crow = ref Unsafe.Add(ref c, i * ld);
                for (int j = j0; j < cols; j++)
                {
                    Unsafe.Add(ref crow, j) = Simd.MulAdd(av, Unsafe.Add(ref brow, j), Unsafe.Add(ref crow, j));
                }
            }
        }
    }

    /// <summary>4 rows × 64 columns: 16 accumulators, 4 loads of b and 4 broadcasts per 16 FMAs; row pointers advance by acs.</summary>
    private static void Kernel4x64(ref float a, int ars, int acs, ref float b, int bs, ref float c, int i, int j, int n, int k)
    {
        ref float c0 = ref Unsafe.Add(ref c, i * n + j);
        ref float c1 = ref Unsafe.Add(ref c0, n);
        ref float c2 = ref Unsafe.Add(ref c1, n);
        ref float c3 = ref Unsafe.Add(ref c2, n);
        var s00 = Vector512.LoadUnsafe(ref c0); var s01 = Vector512.LoadUnsafe(ref c0, 16); var s02 = Vector512.LoadUnsafe(ref c0, 32); var s03 = Vector512.LoadUnsafe(ref c0, 48);
        var s10 = Vector512.LoadUnsafe(ref c1); var s11 = Vector512.LoadUnsafe(ref c1, 16); var s12 = Vector512.LoadUnsafe(ref c1, 32); var s13 = Vector512.LoadUnsafe(ref c1, 48);
        var s20 = Vector512.LoadUnsafe(ref c2); var s21 = Vector512.LoadUnsafe(ref c2, 16); var s22 = Vector512.LoadUnsafe(ref c2, 32); var s23 = Vector512.LoadUnsafe(ref c2, 48);
        var s30 = Vector512.LoadUnsafe(ref c3); var s31 = Vector512.LoadUnsafe(ref c3, 16); var s32 = Vector512.LoadUnsafe(ref c3, 32); var s33 = Vector512.LoadUnsafe(ref c3, 48);
        ref float a0 = ref Unsafe.Add(ref a, i * ars);
        ref float a1 = ref Unsafe.Add(ref a0, ars);
        ref float a2 = ref Unsafe.Add(ref a1, ars);
        ref float a3 = ref Unsafe.Add(ref a2, ars);
        ref float bp = ref b;
        for (int p = 0; p < k; p++)
        {
            var b0 = Vector512.LoadUnsafe(ref bp); var b1 = Vector512.LoadUnsafe(ref bp, 16);
            var b2 = Vector512.LoadUnsafe(ref bp, 32); var b3 = Vector512.LoadUnsafe(ref bp, 48);
            var x = Vector512.Create(a0);
            s00 = Simd.MulAdd(x, b0, s00); s01 = Simd.MulAdd(x, b1, s01); s02 = Simd.MulAdd(x, b2, s02); s03 = Simd.MulAdd(x, b3, s03);
            x = Vector512.Create(a1);
            s10 = Simd.MulAdd(x, b0, s10); s11 = Simd.MulAdd(x, b1, s11); s12 = Simd.MulAdd(x, b2, s12); s13 = Simd.MulAdd(x, b3, s13);
            x = Vector512.Create(a2);
            s20 = Simd.MulAdd(x, b0, s20); s21 = Simd.MulAdd(x, b1, s21); s22 = Simd.MulAdd(x, b2, s22); s23 = Simd.MulAdd(x, b3, s23);
            x = Vector512.Create(a3);
            s30 = Simd.MulAdd(x, b0, s30); s31 = Simd.MulAdd(x, b1, s31); s32 = Simd.MulAdd(x, b2, s32); s33 = Simd.MulAdd(x, b3, s33);
            a0 = ref Unsafe.Add(ref a0, acs); a1 = ref Unsafe.Add(ref a1, acs); a2 = ref Unsafe.Add(ref a2, acs); a3 = ref Unsafe.Add(ref a3, acs);
            bp = ref Unsafe.Add(ref bp, bs);
        }
        s00.StoreUnsafe(ref c0); s01.StoreUnsafe(ref c0, 16); s02.StoreUnsafe(ref c0, 32); s03.StoreUnsafe(ref c0, 48);
        s10.StoreUnsafe(ref c1); s11.StoreUnsafe(ref c1, 16); s12.StoreUnsafe(ref c1, 32); s13.StoreUnsafe(ref c1, 48);
        s20.StoreUnsafe(ref c2); s21.StoreUnsafe(ref c2, 16); s22.StoreUnsafe(ref c2, 32); s23.StoreUnsafe(ref c2, 48);
        s30.StoreUnsafe(ref c3); s31.StoreUnsafe(ref c3, 16); s32.StoreUnsafe(ref c3, 32); s33.StoreUnsafe(ref c3, 48);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Kernel4x32(ref float a, int ars, int acs, ref float b, int bs, ref float c, int i, int j, int n, int k)
    {
        ref float c0 = ref Unsafe.Add(ref c, i * n + j);
        ref float c1 = ref Unsafe.Add(ref c0, n);
        ref float c2 = ref Unsafe.Add(ref c1, n);
        ref float c3 = ref Unsafe.Add(ref c2, n);
        var s00 = Vector512.LoadUnsafe(ref c0); var s01 = Vector512.LoadUnsafe(ref c0, 16);
        var s10 = Vector512.LoadUnsafe(ref c1); var s11 = Vector512.LoadUnsafe(ref c1, 16);
        var s20 = Vector512.LoadUnsafe(ref c2); var s21 = Vector512.LoadUnsafe(ref c2, 16);
        var s30 = Vector512.LoadUnsafe(ref c3); var s31 = Vector512.LoadUnsafe(ref c3, 16);
        ref float a0 = ref Unsafe.Add(ref a, i * ars);
        ref float a1 = ref Unsafe.Add(ref a0, ars);
        ref float a2 = ref Unsafe.Add(ref a1, ars);
        ref float a3 = ref Unsafe.Add(ref a2, ars);
        ref float bp = ref b;
        for (int p = 0; p < k; p++)
        {
            var b0 = Vector512.LoadUnsafe(ref bp);
            var b1 = Vector512.LoadUnsafe(ref bp, 16);
            var x = Vector512.Create(Unsafe.Add(ref a0, p * acs));
            s00 = Simd.MulAdd(x, b0, s00); s01 = Simd.MulAdd(x, b1, s01);
            x = Vector512.Create(Unsafe.Add(ref a1, p * acs));
            s10 = Simd.MulAdd(x, b0, s10); s11 = Simd.MulAdd(x, b1, s11);
            x = Vector512.Create(Unsafe.Add(ref a2, p * acs));
            s20 = Simd.MulAdd(x, b0, s20); s21 = Simd.MulAdd(x, b1, s21);
            x = Vector512.Create(Unsafe.Add(ref a3, p * acs));
            s30 = Simd.MulAdd(x, b0, s30); s31 = Simd.MulAdd(x, b1, s31);
            bp = ref Unsafe.Add(ref bp, bs);
        }
        s00.StoreUnsafe(ref c0); s01.StoreUnsafe(ref c0, 16);
        s10.StoreUnsafe(ref c1); s11.StoreUnsafe(ref c1, 16);
        s20.StoreUnsafe(ref c2); s21.StoreUnsafe(ref c2, 16);
        s30.StoreUnsafe(ref c3); s31.StoreUnsafe(ref c3, 16);
    }

    private static void Kernel1x128(ref float a, int ars, int acs, ref float b, int bs, ref float c, int i, int j, int n, int k)
    {
        ref float c0 = ref Unsafe.Add(ref c, i * n + j);
        var s0 = Vector512.LoadUnsafe(ref c0); var s1 = Vector512.LoadUnsafe(ref c0, 16);
        var s2 = Vector512.LoadUnsafe(ref c0, 32); var s3 = Vector512.LoadUnsafe(ref c0, 48);
        var s4 = Vector512.LoadUnsafe(ref c0, 64); var s5 = Vector512.LoadUnsafe(ref c0, 80);
        var s6 = Vector512.LoadUnsafe(ref c0, 96); var s7 = Vector512.LoadUnsafe(ref c0, 112);
        ref float a0 = ref Unsafe.Add(ref a, i * ars);
        ref float bp = ref b;
        for (int p = 0; p < k; p++)
        {
            var x = Vector512.Create(Unsafe.Add(ref a0, p * acs));
            s0 = Simd.MulAdd(x, Vector512.LoadUnsafe(ref bp), s0);
            s1 = Simd.MulAdd(x, Vector512.LoadUnsafe(ref bp, 16), s1);
            s2 = Simd.MulAdd(x, Vector512.LoadUnsafe(ref bp, 32), s2);
            s3 = Simd.MulAdd(x, Vector512.LoadUnsafe(ref bp, 48), s3);
            s4 = Simd.MulAdd(x, Vector512.LoadUnsafe(ref bp, 64), s4);
            s5 = Simd.MulAdd(x, Vector512.LoadUnsafe(ref bp, 80), s5);
            s6 = Simd.MulAdd(x, Vector512.LoadUnsafe(ref bp, 96), s6);
            s7 = Simd.MulAdd(x, Vector512.LoadUnsafe(ref bp, 112), s7);
            bp = ref Unsafe.Add(ref bp, bs);
        }
        s0.StoreUnsafe(ref c0); s1.StoreUnsafe(ref c0, 16); s2.StoreUnsafe(ref c0, 32); s3.StoreUnsafe(ref c0, 48);
        s4.StoreUnsafe(ref c0, 64); s5.StoreUnsafe(ref c0, 80); s6.StoreUnsafe(ref c0, 96); s7.StoreUnsafe(ref c0, 112);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Kernel1x32(ref float a, int ars, int acs, ref float b, int bs, ref float c, int i, int j, int n, int k)
    {
        ref float c0 = ref Unsafe.Add(ref c, i * n + j);
        var s0 = Vector512.LoadUnsafe(ref c0); var s1 = Vector512.LoadUnsafe(ref c0, 16);
        ref float a0 = ref Unsafe.Add(ref a, i * ars);
        ref float bp = ref b;
        for (int p = 0; p < k; p++)
        {
            var x = Vector512.Create(Unsafe.Add(ref a0, p * acs));
            s0 = Simd.MulAdd(x, Vector512.LoadUnsafe(ref bp), s0);
            s1 = Simd.MulAdd(x, Vector512.LoadUnsafe(ref bp, 16), s1);
            bp = ref Unsafe.Add(ref bp, bs);
        }
        s0.StoreUnsafe(ref c0); s1.StoreUnsafe(ref c0, 16);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Kernel4x16(ref float a, int ars, int acs, ref float b, int bs, ref float c, int i, int j, int n, int k)
    {
        ref float c0 = ref Unsafe.Add(ref c, i * n + j);
        ref float c1 = ref Unsafe.Add(ref c0, n);
        ref float c2 = ref Unsafe.Add(ref c1, n);
        ref float c3 = ref Unsafe.Add(ref c2, n);
        var s0 = Vector512.LoadUnsafe(ref c0); var s1 = Vector512.LoadUnsafe(ref c1);
        var s2 = Vector512.LoadUnsafe(ref c2); var s3 = Vector512.LoadUnsafe(ref c3);
        ref float a0 = ref Unsafe.Add(ref a, i * ars);
        ref float a1 = ref Unsafe.Add(ref a0, ars);
        ref float a2 = ref Unsafe.Add(ref a1, ars);
        ref float a3 = ref Unsafe.Add(ref a2, ars);
        ref float bp = ref b;
        for (int p = 0; p < k; p++)
        {
            var bv = Vector512.LoadUnsafe(ref bp);
            s0 = Simd.MulAdd(Vector512.Create(Unsafe.Add(ref a0, p * acs)), bv, s0);
            s1 = Simd.MulAdd(Vector512.Create(Unsafe.Add(ref a1, p * acs)), bv, s1);
            s2 = Simd.MulAdd(Vector512.Create(Unsafe.Add(ref a2, p * acs)), bv, s2);
            s3 = Simd.MulAdd(Vector512.Create(Unsafe.Add(ref a3, p * acs)), bv, s3);
            bp = ref Unsafe.Add(ref bp, bs);
        }
        s0.StoreUnsafe(ref c0); s1.StoreUnsafe(ref c1); s2.StoreUnsafe(ref c2); s3.StoreUnsafe(ref c3);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Kernel1x16(ref float a, int ars, int acs, ref float b, int bs, ref float c, int i, int j, int n, int k)
    {
        ref float c0 = ref Unsafe.Add(ref c, i * n + j);
        var s0 = Vector512.LoadUnsafe(ref c0);
        ref float a0 = ref Unsafe.Add(ref a, i * ars);
        ref float bp = ref b;
        for (int p = 0; p < k; p++)
        {
            s0 = Simd.MulAdd(Vector512.Create(Unsafe.Add(ref a0, p * acs)), Vector512.LoadUnsafe(ref bp), s0);
            bp = ref Unsafe.Add(ref bp, bs);
        }
        s0.StoreUnsafe(ref c0);
    }
}
