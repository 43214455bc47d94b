using System;
using System.Linq;
using LstmGen;
using Xunit;

namespace LstmGen.Tests;

/// <summary>The vectorised kernels against plain double-precision loops, across the SIMD block and tail sizes.</summary>
public class KernelTests
{
    [Theory]
    [InlineData(1, 1, 1)]
    [InlineData(3, 7, 5)]
    [InlineData(4, 8, 3)]
    [InlineData(5, 16, 9)]
    [InlineData(9, 33, 17)]
    [InlineData(6, 200, 50)]
    [InlineData(32, 512, 128)]
    [InlineData(7, 71, 1)]
    [InlineData(1, 512, 128)]   // batch-1 recurrent product: the 1x128 kernel
    [InlineData(3, 300, 50)]    // 1x128 blocks, then 32/16/8 and scalar column tails
    [InlineData(9, 200, 33)]    // 4x64 blocks with a row tail, then 32/8 column tails
    public void Gemm_matches_a_naive_product(int m, int n, int k)
    {
        var rng = new Random(m * 1000 + n * 10 + k);
        float[] a = new float[m * k], b = new float[k * n], bias = new float[n], c = new float[m * n];
        for (int i = 0; i < a.Length; i++) a[i] = (float)rng.NextDouble() - 0.5f;
        for (int i = 0; i < b.Length; i++) b[i] = (float)rng.NextDouble() - 0.5f;
        for (int i = 0; i < n; i++) bias[i] = (float)rng.NextDouble();

        Kernels.GemmBias(a, b, bias, c, m, n, k);
        Check(c, 1, bias);
        Kernels.Gemm(a, b, c, m, n, k, accumulate: true);
        Check(c, 2, bias);
        Kernels.Gemm(a, b, c, m, n, k, accumulate: false);
        Check(c, 1, new float[n]);

        void Check(float[] actual, int times, float[] offset)
        {
            for (int i = 0; i < m; i++)
            {
                for (int j = 0; j < n; j++)
                {
                    double expected = offset[j];
                    for (int p = 0; p < k; p++) expected += times * (double)a[i * k + p] * b[p * n + j];
                    Assert.InRange(actual[i * n + j], expected - 1e-4, expected + 1e-4);
                }
            }
        }
    }

    [Theory]
    [InlineData(1, 1)]
    [InlineData(3, 5)]
    [InlineData(8, 8)]
    [InlineData(9, 17)]
    [InlineData(16, 40)]
    [InlineData(37, 8)]
    [InlineData(128, 512)]
    [InlineData(512, 128)]
    public void Transpose_writes_every_element_to_its_place_with_tiles_and_without(int rows, int cols)
    {
        float[] src = Enumerable.Range(0, rows * cols).Select(i => i + 0.5f).ToArray();
        foreach (bool scalar in new[] { false, true })
        {
            float[] dst = Enumerable.Repeat(float.NaN, rows * cols + 3).ToArray();
            Kernels.TransposeScalarOnly = scalar;
            try
            {
                Kernels.Transpose(src, dst, rows, cols);
            }
            finally
            {
                Kernels.TransposeScalarOnly = false;
            }
            for (int r = 0; r < rows; r++)
            {
                for (int c = 0; c < cols; c++)
                {
                    Assert.True(dst[c * rows + r] == src[r * cols + c], $"scalar {scalar}: ({r}, {c}) -> {dst[c * rows + r]}");
                }
            }
            Assert.True(float.IsNaN(dst[rows * cols]), "wrote past the end");
        }
    }

    [Fact]
    public void AllFinite_finds_NaN_and_infinity_anywhere()
    {
        var x = new float[37];
        Assert.True(Kernels.AllFinite(x));
        foreach (int i in new[] { 0, 15, 16, 31, 36 })
        {
            x[i] = float.NaN;
            Assert.False(Kernels.AllFinite(x));
            x[i] = float.NegativeInfinity;
            Assert.False(Kernels.AllFinite(x));
            x[i] = float.MaxValue;
            Assert.True(Kernels.AllFinite(x));
        }
    }
}
