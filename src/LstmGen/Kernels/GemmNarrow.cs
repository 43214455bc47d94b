using System.Runtime.CompilerServices;

namespace LstmGen;

public static partial class Kernels
{
    /// <summary>
    /// c (m × cols) += A · b with 256- or 128-bit vectors (<typeparamref name="W"/>), for CPUs or NativeAOT instruction
    /// sets without AVX-512. Register blocks sized for 16 vector registers: 3 rows × 4 vectors (12 accumulators, 3
    /// broadcasts and 4 loads per 12 multiply-adds; 2 or 1 rows × 4 vectors for the rows left), 4 rows × 2 vectors for
    /// a 2-vector column tail, or 1 row × 8 vectors when there are fewer than 3 rows (a batch-1 step: eight independent
    /// chains hide the latency of the multiply-add). A one-vector column tail runs 8 rows at a time (EdgeColumn), and
    /// columns left over are done by a last vector overlapping the ones before, keeping their lanes, and scalar code
    /// below one vector. Each element is one chain of <see cref="Simd.MulAdd(float, float, float)"/>
    /// over p in order, as at every width. A's element (i, p) is at a[i * ars + p * acs]; rows of b and c are ld apart.
    /// </summary>
    internal static void GemmNarrow<W, V>(ref float a, int ars, int acs, ref float b, ref float c, int m, int cols, int k, int ld)
        where W : struct, IVectorWidth<V> where V : struct
    {
        int w = W.Count;
        int j = 0;
        if (m < 3)
        {
            for (; j + 8 * w <= cols; j += 8 * w)
            {
                for (int i = 0; i < m; i++) Narrow1x8<W, V>(ref Unsafe.Add(ref a, i * ars), acs, ref Unsafe.Add(ref b, j), ref Unsafe.Add(ref c, i * ld + j), ld, k);
            }
        }
        else
        {
            for (; j + 4 * w <= cols; j += 4 * w)
            {
                int i = 0;
                for (; i + 3 <= m; i += 3) Narrow3x4<W, V>(ref Unsafe.Add(ref a, i * ars), ars, acs, ref Unsafe.Add(ref b, j), ld, ref Unsafe.Add(ref c, i * ld + j), ld, k);
                if (m - i == 2) Narrow2x4<W, V>(ref Unsafe.Add(ref a, i * ars), ars, acs, ref Unsafe.Add(ref b, j), ld, ref Unsafe.Add(ref c, i * ld + j), ld, k);
                else if (m - i == 1) Narrow1x4<W, V>(ref Unsafe.Add(ref a, i * ars), acs, ref Unsafe.Add(ref b, j), ld, ref Unsafe.Add(ref c, i * ld + j), ld, k);
            }
        }
        for (; j + 2 * w <= cols; j += 2 * w)
        {
            int i = 0;
            for (; i + 4 <= m; i += 4) Narrow4x2<W, V>(ref Unsafe.Add(ref a, i * ars), ars, acs, ref Unsafe.Add(ref b, j), ld, ref Unsafe.Add(ref c, i * ld + j), ld, k);
            for (; i < m; i++) Narrow1x2<W, V>(ref Unsafe.Add(ref a, i * ars), acs, ref Unsafe.Add(ref b, j), ld, ref Unsafe.Add(ref c, i * ld + j), ld, k);
        }
        for (; j + w <= cols; j += w)
        {
            EdgeColumn<W, V>(ref a, ars, acs, ref Unsafe.Add(ref b, j), ref Unsafe.Add(ref c, j), m, ld, k, W.LanesFrom(0));
        }
        if (j < cols)
        {
            if (cols >= w)
            {
                // The last w columns, keeping the lanes already done (they are recomputed identically, not stored).
                EdgeColumn<W, V>(ref a, ars, acs, ref Unsafe.Add(ref b, cols - w), ref Unsafe.Add(ref c, cols - w), m, ld, k, W.LanesFrom(j - (cols - w)));
            }
            else
            {
                GemmScalar(ref a, ars, acs, ref b, ref c, m, cols, k, j, ld);
            }
        }
    }

    /// <summary>
    /// 3 rows × 4 vectors of c (12 accumulators); a points at the first row's a, c at its first element; rows of b are
    /// ldb apart, of c ld. Strides are native integers and the three rows of a are read at fixed offsets from one
    /// pointer, so the loop is the 19 vector instructions and 4 scalar ones it needs (int strides cost a sign extension
    /// per pointer per step, which made the 4 × 2 loop front-end bound).
    /// </summary>
    internal static void Narrow3x4<W, V>(ref float a, nint ars, nint acs, ref float b, nint ldb, ref float c, nint ld, int k)
        where W : struct, IVectorWidth<V> where V : struct
    {
        int w = W.Count;
        nint ars2 = 2 * ars;
        ref float c1 = ref Unsafe.Add(ref c, ld);
        ref float c2 = ref Unsafe.Add(ref c1, ld);
        V s00 = W.Load(ref c, 0), s01 = W.Load(ref c, w), s02 = W.Load(ref c, 2 * w), s03 = W.Load(ref c, 3 * w);
        V s10 = W.Load(ref c1, 0), s11 = W.Load(ref c1, w), s12 = W.Load(ref c1, 2 * w), s13 = W.Load(ref c1, 3 * w);
        V s20 = W.Load(ref c2, 0), s21 = W.Load(ref c2, w), s22 = W.Load(ref c2, 2 * w), s23 = W.Load(ref c2, 3 * w);
        ref float ap = ref a;
        ref float bp = ref b;
        for (int p = k; p > 0; p--)
        {
            V x0 = W.Broadcast(ap), x1 = W.Broadcast(Unsafe.Add(ref ap, ars)), x2 = W.Broadcast(Unsafe.Add(ref ap, ars2));
            V bv = W.Load(ref bp, 0);
            s00 = W.MulAdd(x0, bv, s00); s10 = W.MulAdd(x1, bv, s10); s20 = W.MulAdd(x2, bv, s20);
            bv = W.Load(ref bp, w);
            s01 = W.MulAdd(x0, bv, s01); s11 = W.MulAdd(x1, bv, s11); s21 = W.MulAdd(x2, bv, s21);
            bv = W.Load(ref bp, 2 * w);
            s02 = W.MulAdd(x0, bv, s02); s12 = W.MulAdd(x1, bv, s12); s22 = W.MulAdd(x2, bv, s22);
            bv = W.Load(ref bp, 3 * w);
            s03 = W.MulAdd(x0, bv, s03); s13 = W.MulAdd(x1, bv, s13); s23 = W.MulAdd(x2, bv, s23);
            ap = ref Unsafe.Add(ref ap, acs);
            bp = ref Unsafe.Add(ref bp, ldb);
        }
        W.Store(s00, ref c, 0); W.Store(s01, ref c, w); W.Store(s02, ref c, 2 * w); W.Store(s03, ref c, 3 * w);
        W.Store(s10, ref c1, 0); W.Store(s11, ref c1, w); W.Store(s12, ref c1, 2 * w); W.Store(s13, ref c1, 3 * w);
        W.Store(s20, ref c2, 0); W.Store(s21, ref c2, w); W.Store(s22, ref c2, 2 * w); W.Store(s23, ref c2, 3 * w);
    }

    /// <summary>
    /// 6 rows × 4 vectors of c (24 accumulators, 6 broadcasts and 4 loads per 24 multiply-adds): the block for widths with
    /// 32 vector registers (AVX-512: 24 accumulators, the 4 vectors of b and a broadcast fit without spilling; at 256 bits
    /// it would spill). The six rows of a are read at fixed offsets from one pointer, as in <see cref="Narrow3x4"/>.
    /// </summary>
    internal static void Narrow6x4<W, V>(ref float a, nint ars, nint acs, ref float b, nint ldb, ref float c, nint ld, int k)
        where W : struct, IVectorWidth<V> where V : struct
    {
        int w = W.Count;
        // Rows of c are addressed from c at each use (not held in six pointers across the loop, which would leave the
        // row offsets of a to spill).
        V s00 = W.Load(ref c, 0), s01 = W.Load(ref c, w), s02 = W.Load(ref c, 2 * w), s03 = W.Load(ref c, 3 * w);
        ref float cr = ref Unsafe.Add(ref c, ld);
        V s10 = W.Load(ref cr, 0), s11 = W.Load(ref cr, w), s12 = W.Load(ref cr, 2 * w), s13 = W.Load(ref cr, 3 * w);
        cr = ref Unsafe.Add(ref cr, ld);
        V s20 = W.Load(ref cr, 0), s21 = W.Load(ref cr, w), s22 = W.Load(ref cr, 2 * w), s23 = W.Load(ref cr, 3 * w);
        cr = ref Unsafe.Add(ref cr, ld);
        V s30 = W.Load(ref cr, 0), s31 = W.Load(ref cr, w), s32 = W.Load(ref cr, 2 * w), s33 = W.Load(ref cr, 3 * w);
        cr = ref Unsafe.Add(ref cr, ld);
        V s40 = W.Load(ref cr, 0), s41 = W.Load(ref cr, w), s42 = W.Load(ref cr, 2 * w), s43 = W.Load(ref cr, 3 * w);
        cr = ref Unsafe.Add(ref cr, ld);
        V s50 = W.Load(ref cr, 0), s51 = W.Load(ref cr, w), s52 = W.Load(ref cr, 2 * w), s53 = W.Load(ref cr, 3 * w);
        nint ars2 = 2 * ars, ars3 = 3 * ars, ars4 = 4 * ars, ars5 = 5 * ars;
        ref float ap = ref a;
        ref float bp = ref b;
        for (int p = k; p > 0; p--)
        {
            // Six broadcasts, then one vector of b at a time (as in Narrow3x4): 24 accumulators, 6 broadcasts and 1 vector
            // of b are 31 of the 32 registers.
            V x0 = W.Broadcast(ap), x1 = W.Broadcast(Unsafe.Add(ref ap, ars)), x2 = W.Broadcast(Unsafe.Add(ref ap, ars2));
            V x3 = W.Broadcast(Unsafe.Add(ref ap, ars3)), x4 = W.Broadcast(Unsafe.Add(ref ap, ars4)), x5 = W.Broadcast(Unsafe.Add(ref ap, ars5));
            V bv = W.Load(ref bp, 0);
            s00 = W.MulAdd(x0, bv, s00); s10 = W.MulAdd(x1, bv, s10); s20 = W.MulAdd(x2, bv, s20);
            s30 = W.MulAdd(x3, bv, s30); s40 = W.MulAdd(x4, bv, s40); s50 = W.MulAdd(x5, bv, s50);
            bv = W.Load(ref bp, w);
            s01 = W.MulAdd(x0, bv, s01); s11 = W.MulAdd(x1, bv, s11); s21 = W.MulAdd(x2, bv, s21);
            s31 = W.MulAdd(x3, bv, s31); s41 = W.MulAdd(x4, bv, s41); s51 = W.MulAdd(x5, bv, s51);
            bv = W.Load(ref bp, 2 * w);
            s02 = W.MulAdd(x0, bv, s02); s12 = W.MulAdd(x1, bv, s12); s22 = W.MulAdd(x2, bv, s22);
            s32 = W.MulAdd(x3, bv, s32); s42 = W.MulAdd(x4, bv, s42); s52 = W.MulAdd(x5, bv, s52);
            bv = W.Load(ref bp, 3 * w);
            s03 = W.MulAdd(x0, bv, s03); s13 = W.MulAdd(x1, bv, s13); s23 = W.MulAdd(x2, bv, s23);
            s33 = W.MulAdd(x3, bv, s33); s43 = W.MulAdd(x4, bv, s43); s53 = W.MulAdd(x5, bv, s53);
            ap = ref Unsafe.Add(ref ap, acs);
            bp = ref Unsafe.Add(ref bp, ldb);
        }
        W.Store(s00, ref c, 0); W.Store(s01, ref c, w); W.Store(s02, ref c, 2 * w); W.Store(s03, ref c, 3 * w);
        cr = ref Unsafe.Add(ref c, ld);
        W.Store(s10, ref cr, 0); W.Store(s11, ref cr, w); W.Store(s12, ref cr, 2 * w); W.Store(s13, ref cr, 3 * w);
        cr = ref Unsafe.Add(ref cr, ld);
        W.Store(s20, ref cr, 0); W.Store(s21, ref cr, w); W.Store(s22, ref cr, 2 * w); W.Store(s23, ref cr, 3 * w);
        cr = ref Unsafe.Add(ref cr, ld);
        W.Store(s30, ref cr, 0); W.Store(s31, ref cr, w); W.Store(s32, ref cr, 2 * w); W.Store(s33, ref cr, 3 * w);
        cr = ref Unsafe.Add(ref cr, ld);
        W.Store(s40, ref cr, 0); W.Store(s41, ref cr, w); W.Store(s42, ref cr, 2 * w); W.Store(s43, ref cr, 3 * w);
        cr = ref Unsafe.Add(ref cr, ld);
        W.Store(s50, ref cr, 0); W.Store(s51, ref cr, w); W.Store(s52, ref cr, 2 * w); W.Store(s53, ref cr, 3 * w);
    }

    /// <summary>
    /// 2 rows × 4 vectors of c (the two rows left below the 3-row blocks, as at batch 32: 8 accumulators, 2 broadcasts
    /// and 4 loads per 8 multiply-adds, where two 1 × 4 passes load each vector of b twice); rows of b are ldb apart.
    /// </summary>
    internal static void Narrow2x4<W, V>(ref float a, nint ars, nint acs, ref float b, nint ldb, ref float c, nint ld, int k)
        where W : struct, IVectorWidth<V> where V : struct
    {
        int w = W.Count;
        ref float c1 = ref Unsafe.Add(ref c, ld);
        V s00 = W.Load(ref c, 0), s01 = W.Load(ref c, w), s02 = W.Load(ref c, 2 * w), s03 = W.Load(ref c, 3 * w);
        V s10 = W.Load(ref c1, 0), s11 = W.Load(ref c1, w), s12 = W.Load(ref c1, 2 * w), s13 = W.Load(ref c1, 3 * w);
        ref float ap = ref a;
        ref float bp = ref b;
        for (int p = k; p > 0; p--)
        {
            V x0 = W.Broadcast(ap), x1 = W.Broadcast(Unsafe.Add(ref ap, ars));
            V bv = W.Load(ref bp, 0);
            s00 = W.MulAdd(x0, bv, s00); s10 = W.MulAdd(x1, bv, s10);
            bv = W.Load(ref bp, w);
            s01 = W.MulAdd(x0, bv, s01); s11 = W.MulAdd(x1, bv, s11);
            bv = W.Load(ref bp, 2 * w);
            s02 = W.MulAdd(x0, bv, s02); s12 = W.MulAdd(x1, bv, s12);
            bv = W.Load(ref bp, 3 * w);
            s03 = W.MulAdd(x0, bv, s03); s13 = W.MulAdd(x1, bv, s13);
            ap = ref Unsafe.Add(ref ap, acs);
            bp = ref Unsafe.Add(ref bp, ldb);
        }
        W.Store(s00, ref c, 0); W.Store(s01, ref c, w); W.Store(s02, ref c, 2 * w); W.Store(s03, ref c, 3 * w);
        W.Store(s10, ref c1, 0); W.Store(s11, ref c1, w); W.Store(s12, ref c1, 2 * w); W.Store(s13, ref c1, 3 * w);
    }

    /// <summary>1 row × 4 vectors of c (a row left below the 3-row blocks); rows of b are ldb apart.</summary>
    internal static void Narrow1x4<W, V>(ref float a, nint acs, ref float b, nint ldb, ref float c, nint ld, int k)
        where W : struct, IVectorWidth<V> where V : struct
    {
        int w = W.Count;
        V s0 = W.Load(ref c, 0), s1 = W.Load(ref c, w), s2 = W.Load(ref c, 2 * w), s3 = W.Load(ref c, 3 * w);
        ref float ap = ref a;
        ref float bp = ref b;
        for (int p = k; p > 0; p--)
        {
            V x = W.Broadcast(ap);
            s0 = W.MulAdd(x, W.Load(ref bp, 0), s0);
            s1 = W.MulAdd(x, W.Load(ref bp, w), s1);
            s2 = W.MulAdd(x, W.Load(ref bp, 2 * w), s2);
            s3 = W.MulAdd(x, W.Load(ref bp, 3 * w), s3);
            ap = ref Unsafe.Add(ref ap, acs);
            bp = ref Unsafe.Add(ref bp, ldb);
        }
        W.Store(s0, ref c, 0); W.Store(s1, ref c, w); W.Store(s2, ref c, 2 * w); W.Store(s3, ref c, 3 * w);
    }

    /// <summary>4 rows × 2 vectors of c (8 accumulators); a points at the first row's a, c at its first element; rows of b are ldb apart, of c ld.</summary>
    internal static void Narrow4x2<W, V>(ref float a, int ars, int acs, ref float b, int ldb, ref float c, int ld, int k)
        where W : struct, IVectorWidth<V> where V : struct
    {
        int w = W.Count;
        ref float c1 = ref Unsafe.Add(ref c, ld);
        ref float c2 = ref Unsafe.Add(ref c1, ld);
        ref float c3 = ref Unsafe.Add(ref c2, ld);
        V s00 = W.Load(ref c, 0), s01 = W.Load(ref c, w);
        V s10 = W.Load(ref c1, 0), s11 = W.Load(ref c1, w);
        V s20 = W.Load(ref c2, 0), s21 = W.Load(ref c2, w);
        V s30 = W.Load(ref c3, 0), s31 = W.Load(ref c3, w);
        ref float a0 = ref a;
        ref float a1 = ref Unsafe.Add(ref a0, ars);
        ref float a2 = ref Unsafe.Add(ref a1, ars);
        ref float a3 = ref Unsafe.Add(ref a2, ars);
        ref float bp = ref b;
        for (int p = 0; p < k; p++)
        {
            V b0 = W.Load(ref bp, 0), b1 = W.Load(ref bp, w);
            V x = W.Broadcast(a0);
            s00 = W.MulAdd(x, b0, s00); s01 = W.MulAdd(x, b1, s01);
            x = W.Broadcast(a1);
            s10 = W.MulAdd(x, b0, s10); s11 = W.MulAdd(x, b1, s11);
            x = W.Broadcast(a2);
            s20 = W.MulAdd(x, b0, s20); s21 = W.MulAdd(x, b1, s21);
            x = W.Broadcast(a3);
            s30 = W.MulAdd(x, b0, s30); s31 = W.MulAdd(x, b1, s31);
            a0 = ref Unsafe.Add(ref a0, acs); a1 = ref Unsafe.Add(ref a1, acs); a2 = ref Unsafe.Add(ref a2, acs); a3 = ref Unsafe.Add(ref a3, acs);
            bp = ref Unsafe.Add(ref bp, ldb);
        }
        W.Store(s00, ref c, 0); W.Store(s01, ref c, w);
        W.Store(s10, ref c1, 0); W.Store(s11, ref c1, w);
        W.Store(s20, ref c2, 0); W.Store(s21, ref c2, w);
        W.Store(s30, ref c3, 0); W.Store(s31, ref c3, w);
    }

    /// <summary>1 row × 2 vectors of c; rows of b are ldb apart.</summary>
    internal static void Narrow1x2<W, V>(ref float a, int acs, ref float b, int ldb, ref float c, int ld, int k)
        where W : struct, IVectorWidth<V> where V : struct
    {
        int w = W.Count;
        V s0 = W.Load(ref c, 0), s1 = W.Load(ref c, w);
        ref float bp = ref b;
        for (int p = 0; p < k; p++)
        {
            V x = W.Broadcast(Unsafe.Add(ref a, p * acs));
            s0 = W.MulAdd(x, W.Load(ref bp, 0), s0);
            s1 = W.MulAdd(x, W.Load(ref bp, w), s1);
            bp = ref Unsafe.Add(ref bp, ldb);
        }
        W.Store(s0, ref c, 0); W.Store(s1, ref c, w);
    }

    /// <summary>1 row × 8 vectors of c: eight independent chains for the few-row (batch-1) products.</summary>
    private static void Narrow1x8<W, V>(ref float a, int acs, ref float b, ref float c, int ld, int k)
        where W : struct, IVectorWidth<V> where V : struct
    {
        int w = W.Count;
        V s0 = W.Load(ref c, 0), s1 = W.Load(ref c, w), s2 = W.Load(ref c, 2 * w), s3 = W.Load(ref c, 3 * w);
        V s4 = W.Load(ref c, 4 * w), s5 = W.Load(ref c, 5 * w), s6 = W.Load(ref c, 6 * w), s7 = W.Load(ref c, 7 * w);
        ref float bp = ref b;
        for (int p = 0; p < k; p++)
        {
            V x = W.Broadcast(Unsafe.Add(ref a, p * acs));
            s0 = W.MulAdd(x, W.Load(ref bp, 0), s0);
            s1 = W.MulAdd(x, W.Load(ref bp, w), s1);
            s2 = W.MulAdd(x, W.Load(ref bp, 2 * w), s2);
            s3 = W.MulAdd(x, W.Load(ref bp, 3 * w), s3);
            s4 = W.MulAdd(x, W.Load(ref bp, 4 * w), s4);
            s5 = W.MulAdd(x, W.Load(ref bp, 5 * w), s5);
            s6 = W.MulAdd(x, W.Load(ref bp, 6 * w), s6);
            s7 = W.MulAdd(x, W.Load(ref bp, 7 * w), s7);
            bp = ref Unsafe.Add(ref bp, ld);
        }
        W.Store(s0, ref c, 0); W.Store(s1, ref c, w); W.Store(s2, ref c, 2 * w); W.Store(s3, ref c, 3 * w);
        W.Store(s4, ref c, 4 * w); W.Store(s5, ref c, 5 * w); W.Store(s6, ref c, 6 * w); W.Store(s7, ref c, 7 * w);
    }

    /// <summary>
    /// One vector of columns of c over all m rows, storing only the lanes set in <paramref name="keep"/>: 8 rows at a
    /// time (eight independent multiply-add chains hide the instruction's latency; one row alone runs one chain, at an
    /// eighth of the rate, which made the column tail of a 50-unit LSTM's products cost a third of their full blocks),
    /// then 4, then single rows.
    /// </summary>
    private static void EdgeColumn<W, V>(ref float a, int ars, int acs, ref float b, ref float c, int m, int ld, int k, V keep)
        where W : struct, IVectorWidth<V> where V : struct
    {
        int i = 0;
        for (; i + 8 <= m; i += 8) NarrowEdge8<W, V>(ref Unsafe.Add(ref a, i * ars), ars, acs, ref b, ref Unsafe.Add(ref c, i * ld), ld, k, keep);
        for (; i + 4 <= m; i += 4) NarrowEdge4<W, V>(ref Unsafe.Add(ref a, i * ars), ars, acs, ref b, ref Unsafe.Add(ref c, i * ld), ld, k, keep);
        for (; i < m; i++) NarrowEdge<W, V>(ref Unsafe.Add(ref a, i * ars), acs, ref b, ref Unsafe.Add(ref c, i * ld), ld, k, keep);
    }

    /// <summary>8 rows × 1 vector of c (rows ld apart), storing only the lanes set in <paramref name="keep"/>.</summary>
    private static void NarrowEdge8<W, V>(ref float a, nint ars, nint acs, ref float b, ref float c, nint ld, int k, V keep)
        where W : struct, IVectorWidth<V> where V : struct
    {
        ref float c4 = ref Unsafe.Add(ref c, 4 * ld);
        V s0 = W.Load(ref c, 0), s1 = W.Load(ref Unsafe.Add(ref c, ld), 0), s2 = W.Load(ref Unsafe.Add(ref c, 2 * ld), 0), s3 = W.Load(ref Unsafe.Add(ref c, 3 * ld), 0);
        V s4 = W.Load(ref c4, 0), s5 = W.Load(ref Unsafe.Add(ref c4, ld), 0), s6 = W.Load(ref Unsafe.Add(ref c4, 2 * ld), 0), s7 = W.Load(ref Unsafe.Add(ref c4, 3 * ld), 0);
        ref float ap = ref a;
        ref float a4 = ref Unsafe.Add(ref a, 4 * ars);
        ref float bp = ref b;
        for (int p = k; p > 0; p--)
        {
            V bv = W.Load(ref bp, 0);
            s0 = W.MulAdd(W.Broadcast(ap), bv, s0);
            s1 = W.MulAdd(W.Broadcast(Unsafe.Add(ref ap, ars)), bv, s1);
            s2 = W.MulAdd(W.Broadcast(Unsafe.Add(ref ap, 2 * ars)), bv, s2);
            s3 = W.MulAdd(W.Broadcast(Unsafe.Add(ref ap, 3 * ars)), bv, s3);
            s4 = W.MulAdd(W.Broadcast(a4), bv, s4);
            s5 = W.MulAdd(W.Broadcast(Unsafe.Add(ref a4, ars)), bv, s5);
            s6 = W.MulAdd(W.Broadcast(Unsafe.Add(ref a4, 2 * ars)), bv, s6);
            s7 = W.MulAdd(W.Broadcast(Unsafe.Add(ref a4, 3 * ars)), bv, s7);
            ap = ref Unsafe.Add(ref ap, acs);
            a4 = ref Unsafe.Add(ref a4, acs);
            bp = ref Unsafe.Add(ref bp, ld);
        }
        StoreKept<W, V>(s0, ref c, keep); StoreKept<W, V>(s1, ref Unsafe.Add(ref c, ld), keep);
        StoreKept<W, V>(s2, ref Unsafe.Add(ref c, 2 * ld), keep); StoreKept<W, V>(s3, ref Unsafe.Add(ref c, 3 * ld), keep);
        StoreKept<W, V>(s4, ref c4, keep); StoreKept<W, V>(s5, ref Unsafe.Add(ref c4, ld), keep);
        StoreKept<W, V>(s6, ref Unsafe.Add(ref c4, 2 * ld), keep); StoreKept<W, V>(s7, ref Unsafe.Add(ref c4, 3 * ld), keep);
    }

    /// <summary>4 rows × 1 vector of c (rows ld apart), storing only the lanes set in <paramref name="keep"/>.</summary>
    private static void NarrowEdge4<W, V>(ref float a, nint ars, nint acs, ref float b, ref float c, nint ld, int k, V keep)
        where W : struct, IVectorWidth<V> where V : struct
    {
        V s0 = W.Load(ref c, 0), s1 = W.Load(ref Unsafe.Add(ref c, ld), 0), s2 = W.Load(ref Unsafe.Add(ref c, 2 * ld), 0), s3 = W.Load(ref Unsafe.Add(ref c, 3 * ld), 0);
        ref float ap = ref a;
        ref float bp = ref b;
        for (int p = k; p > 0; p--)
        {
            V bv = W.Load(ref bp, 0);
            s0 = W.MulAdd(W.Broadcast(ap), bv, s0);
            s1 = W.MulAdd(W.Broadcast(Unsafe.Add(ref ap, ars)), bv, s1);
            s2 = W.MulAdd(W.Broadcast(Unsafe.Add(ref ap, 2 * ars)), bv, s2);
            s3 = W.MulAdd(W.Broadcast(Unsafe.Add(ref ap, 3 * ars)), bv, s3);
            ap = ref Unsafe.Add(ref ap, acs);
            bp = ref Unsafe.Add(ref bp, ld);
        }
        StoreKept<W, V>(s0, ref c, keep); StoreKept<W, V>(s1, ref Unsafe.Add(ref c, ld), keep);
        StoreKept<W, V>(s2, ref Unsafe.Add(ref c, 2 * ld), keep); StoreKept<W, V>(s3, ref Unsafe.Add(ref c, 3 * ld), keep);
    }

    // Stores the lanes of s set in keep; the others keep c's value (still the one loaded before the product).
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StoreKept<W, V>(V s, ref float c, V keep)
        where W : struct, IVectorWidth<V> where V : struct
        => W.Store(W.Select(keep, s, W.Load(ref c, 0)), ref c, 0);

    /// <summary>1 row × 1 vector of c, storing only the lanes set in <paramref name="keep"/> (the others are written back unchanged).</summary>
    private static void NarrowEdge<W, V>(ref float a, int acs, ref float b, ref float c, int ld, int k, V keep)
        where W : struct, IVectorWidth<V> where V : struct
    {
        V old = W.Load(ref c, 0), s = old;
        ref float bp = ref b;
        for (int p = 0; p < k; p++)
        {
            s = W.MulAdd(W.Broadcast(Unsafe.Add(ref a, p * acs)), W.Load(ref bp, 0), s);
            bp = ref Unsafe.Add(ref bp, ld);
        }
        W.Store(W.Select(keep, s, old), ref c, 0);
    }
}
