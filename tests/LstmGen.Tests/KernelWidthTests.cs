using System;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using LstmGen;
using Xunit;

namespace LstmGen.Tests;

/// <summary>
/// Every vector width's code, run directly whatever this CPU accelerates (a width it lacks runs emulated: slowly, but
/// with the same arithmetic), against one scalar multiply-add chain per element: equal bit for bit. So a NativeAOT
/// binary (128-bit by default), the JIT on an AVX2 or an AVX-512 machine and DOTNET_EnableHWIntrinsic=0 all compute the
/// same numbers for a given FMA setting (see Dispatch.cs).
/// </summary>
public class KernelWidthTests
{
    private delegate void Product(ref float a, int ars, int acs, ref float b, ref float c, int m, int cols, int k, int ld);

    private static readonly (string Name, Product Run)[] Widths =
    [
        ("512", Kernels.GemmPlain512),
        ("512 panels", (ref float a, int ars, int acs, ref float b, ref float c, int m, int cols, int k, int ld) =>
            Kernels.GemmPanels(ref a, ars, acs, ref b, ref c, m, cols, k, ld, wide: true)),
        ("256 panels", (ref float a, int ars, int acs, ref float b, ref float c, int m, int cols, int k, int ld) =>
            Kernels.GemmPanels(ref a, ars, acs, ref b, ref c, m, cols, k, ld, wide: false)),
        ("256", Kernels.GemmNarrow<Width256, Vector256<float>>),
        ("128", Kernels.GemmNarrow<Width128, Vector128<float>>),
        ("scalar", (ref float a, int ars, int acs, ref float b, ref float c, int m, int cols, int k, int ld) =>
            Kernels.GemmScalar(ref a, ars, acs, ref b, ref c, m, cols, k, 0, ld)),
    ];

    [Theory]
    [InlineData(1, 1, 1)]
    [InlineData(1, 3, 5)]       // fewer columns than a 128-bit vector: scalar
    [InlineData(2, 7, 4)]       // one masked 128-bit vector, one 256-bit
    [InlineData(3, 70, 9)]      // 1 × 8-vector blocks (batch-1 form) and edges
    [InlineData(4, 8, 3)]
    [InlineData(5, 37, 17)]     // a 3 × 4-vector block and a 2 × 4 tail (128 bits), 4 × 2-vector blocks (256), a masked last vector
    [InlineData(7, 100, 21)]    // 3 × 4-vector blocks, a 1 × 4 row tail, a masked last vector
    [InlineData(8, 48, 13)]     // 3 × 4 blocks with a 2 × 4 tail (128 bits), 4 × 2-vector blocks (256)
    [InlineData(9, 200, 33)]
    [InlineData(6, 128, 50)]
    [InlineData(1, 512, 40)]
    [InlineData(20, 1030, 40)]  // packed (n ≥ 1024): 32-column panels at 256 bits, 64 at 512, a column tail
    [InlineData(17, 40, 600)]   // packed (k > 512): three depth blocks at 256 bits, a row and a column tail
    [InlineData(53, 1030, 300)] // 48+ rows, blocked at 256 bits: 24-row blocks and a 5-row tail, four column blocks at depth 256, one at 44, a column tail
    [InlineData(50, 64, 8)]     // blocked (packed by the row stride): two 24-row blocks and a 2-row tail
    [InlineData(10, 192, 24)]   // 64-column panels: a 6-row block and a 4-row block
    public void EveryWidth_GivesTheScalarChain_BitForBit(int m, int n, int k)
    {
        var rng = new Random(m * 7919 + n * 31 + k);
        float[] a = Random(rng, m * k), b = Random(rng, k * n), c0 = Random(rng, m * n);
        float[] expected = (float[])c0.Clone();
        for (int i = 0; i < m; i++)
        {
            for (int j = 0; j < n; j++)
            {
                float acc = expected[i * n + j];
                for (int p = 0; p < k; p++) acc = Simd.MulAdd(a[i * k + p], b[p * n + j], acc);
                expected[i * n + j] = acc;
            }
        }
        foreach (var (name, run) in Widths)
        {
            float[] c = (float[])c0.Clone();
            run(ref MemoryMarshal.GetArrayDataReference(a), k, 1, ref MemoryMarshal.GetArrayDataReference(b), ref MemoryMarshal.GetArrayDataReference(c), m, n, k, n);
            AssertBitwise(expected, c, $"{name}-bit product ({m}x{k})·({k}x{n})");
        }
        float[] viaPublic = (float[])c0.Clone();
        Kernels.Gemm(a, b, viaPublic, m, n, k, accumulate: true);
        AssertBitwise(expected, viaPublic, $"Kernels.Gemm on {KernelInfo.Description}");

        // The transposed-left form (a read down its columns) at every width: c' (k x n) += aᵀ · c.
        float[] expectedTn = new float[k * n];
        for (int p = 0; p < k; p++)
        {
            for (int j = 0; j < n; j++)
            {
                float acc = 0f;
                for (int i = 0; i < m; i++) acc = Simd.MulAdd(a[i * k + p], c0[i * n + j], acc);
                expectedTn[p * n + j] = acc;
            }
        }
        foreach (var (name, run) in Widths)
        {
            float[] tn = new float[k * n];
            run(ref MemoryMarshal.GetArrayDataReference(a), 1, k, ref MemoryMarshal.GetArrayDataReference(c0), ref MemoryMarshal.GetArrayDataReference(tn), k, n, m, n);
            AssertBitwise(expectedTn, tn, $"{name}-bit transposed product");
        }
        float[] tnPublic = new float[k * n];
        Kernels.GemmTN(a, c0, tnPublic, m, n, k, accumulate: false);
        AssertBitwise(expectedTn, tnPublic, $"Kernels.GemmTN on {KernelInfo.Description}");
    }

    [Theory]
    [InlineData(3, 8)]
    [InlineData(2, 13)]
    [InlineData(5, 32)]
    [InlineData(4, 50)]
    public void StreamStep_GivesTheScalarChainAndCell_AtThisMachinesWidth(int features, int units)
    {
        // The column chains and the fused cell of the streaming step at whatever width this process runs. The
        // register-resident LSTM(8) step (256-bit) and the 512-bit blocks of 32 columns split each chain over even and
        // odd inputs: there, equal to rounding.
        bool split = Vector512.IsHardwareAccelerated || (units == 8 && Vector256.IsHardwareAccelerated);
        var rng = new Random(features * 100 + units);
        int g4 = 4 * units;
        float[] x = Random(rng, features), w = Random(rng, features * g4), r = Random(rng, units * g4), bias = Random(rng, g4);
        float[] h = Random(rng, units), c = Random(rng, units), z = new float[g4];
        float[] hExpected = (float[])h.Clone(), cExpected = (float[])c.Clone();
        var zExpected = new float[g4];
        for (int j = 0; j < g4; j++)
        {
            float acc = bias[j];
            for (int p = 0; p < features; p++) acc = Simd.MulAdd(x[p], w[p * g4 + j], acc);
            for (int p = 0; p < units; p++) acc = Simd.MulAdd(h[p], r[p * g4 + j], acc);
            zExpected[j] = acc;
        }
        for (int u = 0; u < units; u++)
        {
            float i = FastMath.Sigmoid(zExpected[u]), f = FastMath.Sigmoid(zExpected[units + u]);
            float g = FastMath.Tanh(zExpected[2 * units + u]), o = FastMath.Sigmoid(zExpected[3 * units + u]);
            cExpected[u] = Simd.MulAdd(f, c[u], i * g);
            hExpected[u] = o * FastMath.Tanh(cExpected[u]);
        }
        Kernels.LstmStreamStep(x, w, r, bias, h, c, z, features, units, Activation.Tanh, Activation.Sigmoid);
        if (split)
        {
            for (int u = 0; u < units; u++)
            {
                Assert.InRange(c[u], cExpected[u] - 1e-5f, cExpected[u] + 1e-5f);
                Assert.InRange(h[u], hExpected[u] - 1e-5f, hExpected[u] + 1e-5f);
            }
            return;
        }
        AssertBitwise(cExpected, c, $"cell state, LSTM({units}) on {KernelInfo.Description}");
        AssertBitwise(hExpected, h, $"output, LSTM({units}) on {KernelInfo.Description}");
    }

    [Fact]
    public void KernelInfo_DescribesTheWidestAcceleratedWidth()
    {
        int expected = Vector512.IsHardwareAccelerated ? 512 : Vector256.IsHardwareAccelerated ? 256 : Vector128.IsHardwareAccelerated ? 128 : 0;
        Assert.Equal(expected, KernelInfo.VectorBits);
        Assert.Contains(expected == 0 ? "scalar" : $"{expected}-bit", KernelInfo.Description);
        Assert.Equal(System.Runtime.Intrinsics.X86.Fma.IsSupported || System.Runtime.Intrinsics.Arm.AdvSimd.IsSupported, KernelInfo.FusedMultiplyAdd);
    }

    /// <summary>
    /// The prepacked product (a recurrent layer's per-step product over its kernel packed once per batch): the same bits as
    /// Gemm with accumulate, whether PackPanels packed (AVX-512: 64-column panels, 6-row blocks and 4-, 3-, 2- and 1-row
    /// tails; AVX2 without AVX-512: 32-column panels, 3-row blocks and 1-row tails; W1's and W4's shapes) or returned empty (then b is read), and packing exactly where the per-call product would pack.
    /// </summary>
    [Theory]
    [InlineData(32, 512, 128)]  // W1 at batch 32: packed (rows of b 512 floats apart); 3-row blocks and a 2-row tail (AVX2), 6-row (AVX-512)
    [InlineData(4, 256, 64)]    // W5 at batch 4: packed; a 3-row block and a 1-row tail (AVX2), a 4-row block (AVX-512)
    [InlineData(7, 64, 16)]     // packed: two 3-row blocks and a tail, two panels (AVX2); a 6-row block and a tail, one panel (AVX-512)
    [InlineData(20, 1056, 40)]  // packed (n ≥ 1024), 33 panels
    [InlineData(3, 512, 128)]   // 3 rows: not packed (the product packs from 4 rows)
    [InlineData(16, 96, 24)]    // 96 columns: a multiple of 32, not of 64: not packed
    [InlineData(8, 200, 50)]    // not a multiple of 32: not packed
    [InlineData(10, 128, 24)]   // AVX-512: a 6-row block and a 4-row one; AVX2: three 3-row blocks and a 1-row tail
    [InlineData(11, 192, 33)]   // AVX-512: 6-row, 3-row and 2-row blocks, three 64-column panels
    [InlineData(13, 64, 9)]     // AVX-512: two 6-row blocks and a 1-row tail
    public void Prepacked_product_is_Gemm_bit_for_bit(int m, int n, int k)
    {
        var rng = new Random(m * 7919 + n * 31 + k + 1);
        float[] a = Random(rng, m * k), b = Random(rng, k * n), c0 = Random(rng, m * n);
        float[] expected = (float[])c0.Clone();
        Kernels.Gemm(a, b, expected, m, n, k, accumulate: true);

        float[] buffer = new float[k * n];
        ReadOnlySpan<float> packed = Kernels.PackPanels(b, buffer, m, n, k);
        // Panels are 64 columns wide with AVX-512, 32 with AVX2 alone; none without AVX2.
        bool panelWidthFits = Vector512.IsHardwareAccelerated ? n % 64 == 0 : Vector256.IsHardwareAccelerated && n % 32 == 0;
        bool packs = panelWidthFits && m >= 4 && (n % 64 == 0 || m >= 16 && n >= 1024);
        Assert.Equal(packs, !packed.IsEmpty);
        float[] c = (float[])c0.Clone();
        Kernels.GemmPrepacked(a, packed, b, c, m, n, k);
        AssertBitwise(expected, c, $"prepacked product ({m}x{k})·({k}x{n}), {(packed.IsEmpty ? "not packed" : "packed")}");

        float[] unpacked = (float[])c0.Clone();
        Kernels.GemmPrepacked(a, default, b, unpacked, m, n, k);
        AssertBitwise(expected, unpacked, $"prepacked product ({m}x{k})·({k}x{n}) given no panels");
    }

    /// <summary>
    /// GemmBias at the shapes of the models' input projections, packed and not, with column tails and two depth blocks:
    /// the same bits as the bias copied into every row, then Gemm with accumulate. Stale values in c must not leak in.
    /// </summary>
    [Theory]
    [InlineData(640, 512, 128)] // W1's input projection at batch 32 (packed: 256+ rows), 3-row blocks and a 1-row tail
    [InlineData(320, 200, 50)]  // W2's second layer: 6 panels and an 8-column tail
    [InlineData(32, 256, 64)]   // packed by the row stride (a multiple of 64 floats), a 2-row tail
    [InlineData(20, 1030, 40)]  // packed (n ≥ 1024), a 6-column tail
    [InlineData(600, 40, 300)]  // two depth blocks, a 1-panel product with an 8-column tail
    [InlineData(5, 64, 8)]      // packed by the stride, 5 rows
    [InlineData(3, 64, 8)]      // 3 rows: not packed
    public void Bias_product_is_bias_then_Gemm_bit_for_bit(int m, int n, int k)
    {
        var rng = new Random(m * 131 + n * 17 + k);
        float[] a = Random(rng, m * k), b = Random(rng, k * n), bias = Random(rng, n);
        float[] expected = new float[m * n];
        for (int i = 0; i < m; i++) bias.CopyTo(expected, i * n);
        Kernels.Gemm(a, b, expected, m, n, k, accumulate: true);

        float[] c = Random(rng, m * n); // stale workspace contents
        Kernels.GemmBias(a, b, bias, c, m, n, k);
        AssertBitwise(expected, c, $"GemmBias ({m}x{k})·({k}x{n})");
    }

    [Fact]
    public void Prepacked_product_rejects_short_buffers_and_wrong_panels()
    {
        float[] a = new float[32 * 128], b = new float[128 * 512], c = new float[32 * 512];
        Assert.Contains("buffer has 100 floats", Assert.Throws<ArgumentException>(() => Kernels.PackPanels(b, new float[100], 32, 512, 128)).Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => Kernels.PackPanels(new float[10], new float[128 * 512], 32, 512, 128));
        Assert.Throws<ArgumentOutOfRangeException>(() => Kernels.PackPanels(b, new float[128 * 512], -1, 512, 128));
        // On every CPU (the fallback legs of CI run this with AVX-512 off and with no vector hardware at all).
        Assert.Contains("packed has 64 floats", Assert.Throws<ArgumentException>(() => Kernels.GemmPrepacked(a, new float[64], b, c, 32, 512, 128)).Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => Kernels.GemmPrepacked(a, default, b, new float[10], 32, 512, 128));
    }

    /// <summary>
    /// PanelBuffer gives k × n floats exactly where PackPanels packs for some batch up to maxRows on this CPU, and an empty
    /// array elsewhere; with its buffer, every smaller batch that packs still gets Gemm's bits; an empty buffer packs
    /// nothing (the product reads b) on every CPU.
    /// </summary>
    [Theory]
    [InlineData(32, 512, 128)]  // W1's recurrent kernel at batch 32
    [InlineData(1, 512, 128)]   // single-sample inference: never packs
    [InlineData(3, 256, 64)]    // fewer than 4 rows: never packs
    [InlineData(4, 256, 64)]    // W5 at batch 4
    [InlineData(64, 200, 50)]   // not a multiple of 32
    [InlineData(16, 96, 24)]    // a multiple of 32, not of 64
    [InlineData(20, 1056, 40)]  // large: packs from 16 rows
    public void Panel_buffers_exist_only_where_packing_pays_for_some_batch(int maxRows, int n, int k)
    {
        float[] buffer = Kernels.PanelBuffer(maxRows, n, k);
        var rng = new Random(maxRows * 131 + n + k);
        float[] b = Random(rng, k * n);
        bool anyPacks = false;
        for (int m = 1; m <= maxRows; m++)
        {
            bool packs = !Kernels.PackPanels(b, new float[k * n], m, n, k).IsEmpty;
            anyPacks |= packs;
            ReadOnlySpan<float> packed = Kernels.PackPanels(b, buffer, m, n, k);
            Assert.Equal(packs, !packed.IsEmpty); // the buffer serves every batch that packs
            float[] a = Random(rng, m * k), c0 = Random(rng, m * n);
            float[] expected = (float[])c0.Clone(), c = (float[])c0.Clone();
            Kernels.Gemm(a, b, expected, m, n, k, accumulate: true);
            Kernels.GemmPrepacked(a, packed, b, c, m, n, k);
            AssertBitwise(expected, c, $"({m}x{k})·({k}x{n}) with a panel buffer for {maxRows} rows");
        }
        Assert.Equal(anyPacks ? k * n : 0, buffer.Length);
        Assert.True(Kernels.PackPanels(b, [], maxRows, n, k).IsEmpty, "an empty buffer packs nothing");
    }

    [Fact]
    public void Per_step_projection_gives_GemmBias_bits_and_refuses_bad_arguments()
    {
        // One step's projection from a packed kernel starts each element from its bias (or zero) and runs the chain over
        // k in order, as GemmBias does for all steps at once.
        var rng = new Random(77);
        const int M = 10, N = 128, K = 24;
        float[] a = Random(rng, M * K), b = Random(rng, K * N), bias = Random(rng, N);
        Kernels.ProjectPerStepAlways = true;
        float[] buffer;
        ReadOnlySpan<float> packed;
        try
        {
            buffer = Kernels.ProjectionPanelBuffer(M, 3, N, K);
            packed = Kernels.PackProjection(b, buffer, M, 3, N, K);
        }
        finally
        {
            Kernels.ProjectPerStepAlways = false;
        }
        Assert.Equal(Vector512.IsHardwareAccelerated || Vector256.IsHardwareAccelerated, !packed.IsEmpty);
        foreach (float[] biasOrNone in new[] { bias, Array.Empty<float>() })
        {
            float[] expected = Random(rng, M * N), c = Random(rng, M * N);
            Kernels.GemmBias(a, b, biasOrNone, expected, M, N, K);
            Kernels.GemmBiasPrepacked(a, packed, b, biasOrNone, c, M, N, K);
            AssertBitwise(expected, c, $"per-step projection, {(biasOrNone.Length == 0 ? "no bias" : "bias")}");
        }
        // Small sizes project all steps at once without the test switch; one step never projects per step.
        Assert.True(Kernels.PackProjection(b, new float[K * N], M, 3, N, K).IsEmpty);
        Assert.Empty(Kernels.ProjectionPanelBuffer(M, 1, N, K));
        var wrongBias = Assert.Throws<ArgumentException>(() => Kernels.GemmBiasPrepacked(a, default, b, new float[N - 1], new float[M * N], M, N, K));
        Assert.Contains("bias has 127 elements, expected 128", wrongBias.Message);
        var shortBuffer = Assert.Throws<ArgumentException>(() => Kernels.PackProjection(b, new float[K * N - 1], M, 3, N, K));
        Assert.Contains("buffer has 3071 floats", shortBuffer.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => Kernels.PackProjection(b, default, M, -1, N, K));
        Assert.Throws<ArgumentOutOfRangeException>(() => Kernels.ProjectionPanelBuffer(M, -2, N, K));
        Assert.Throws<ArgumentException>(() => Kernels.PackProjection(new float[K * N - 5], default, M, 3, N, K));
    }

    [Fact]
    public void Panel_buffers_refuse_negative_sizes()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => Kernels.PanelBuffer(-1, 512, 128));
        Assert.Throws<ArgumentOutOfRangeException>(() => Kernels.PanelBuffer(8, -512, 128));
        Assert.Throws<ArgumentOutOfRangeException>(() => Kernels.PanelBuffer(8, 512, -128));
        Assert.Empty(Kernels.PanelBuffer(0, 512, 128));
    }

    private static float[] Random(Random rng, int length)
    {
        var v = new float[length];
        for (int i = 0; i < length; i++) v[i] = (float)(rng.NextDouble() * 2 - 1);
        return v;
    }

    private static void AssertBitwise(float[] expected, float[] actual, string what)
    {
        for (int i = 0; i < expected.Length; i++)
        {
            if (BitConverter.SingleToInt32Bits(expected[i]) != BitConverter.SingleToInt32Bits(actual[i]))
            {
                Assert.Fail($"{what}: element {i} is {actual[i]:R}, the scalar chain gives {expected[i]:R}");
            }
        }
    }
}
