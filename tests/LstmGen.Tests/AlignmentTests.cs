using System;
using LstmGen;
using Xunit;

namespace LstmGen.Tests;

/// <summary>Runs alone: other tests' pinned allocations (every model's workspaces) would interleave with the aligned ones.</summary>
[CollectionDefinition(nameof(AlignmentTests), DisableParallelization = true)]
public class AlignmentCollection;

/// <summary>Aligned allocation, and matrix products whose right operand starts anywhere within a cache line.</summary>
[Collection(nameof(AlignmentTests))]
public class AlignmentTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(300)]
    [InlineData(5000)]
    public void AllocateAligned_GivesZeroedArraysOfTheLength_MostlyAlignedForSmallSizes(int length)
    {
        // Alignment is best effort (another thread's pinned allocation can interleave), so most, not all, must be
        // aligned; a plain GC.AllocateArray is aligned one time in eight.
        int aligned = 0;
        for (int t = 0; t < 10; t++)
        {
            float[] a = Kernels.AllocateAligned(length);
            Assert.Equal(length, a.Length);
            Assert.All(a, v => Assert.Equal(0f, v));
            aligned += Kernels.IsAligned(a) ? 1 : 0;
        }
        Assert.True(aligned >= 7, $"only {aligned} of 10 {length}-float arrays are 64-byte aligned");
    }

    [Theory]
    [InlineData(1, 64, 7)]
    [InlineData(3, 128, 20)]
    [InlineData(5, 96, 33)]
    [InlineData(9, 2048, 16)]
    public void Gemm_GivesBitIdenticalResults_AtEveryOffsetOfB(int m, int n, int k)
    {
        var rng = new Random(m * 1000 + n + k);
        float[] a = new float[m * k];
        for (int i = 0; i < a.Length; i++) a[i] = (float)(rng.NextDouble() * 2 - 1);
        float[] bValues = new float[k * n];
        for (int i = 0; i < bValues.Length; i++) bValues[i] = (float)(rng.NextDouble() * 2 - 1);
        float[] c0 = new float[m * n];
        for (int i = 0; i < c0.Length; i++) c0[i] = (float)(rng.NextDouble() - 0.5);

        float[] storage = Kernels.AllocateAligned(k * n + 16);
        float[]? first = null;
        for (int offset = 0; offset < 16; offset++)
        {
            Span<float> b = storage.AsSpan(offset, k * n);
            bValues.CopyTo(b);
            float[] c = (float[])c0.Clone();
            Kernels.Gemm(a, b, c, m, n, k, accumulate: true);
            if (first is null)
            {
                first = c;
                for (int i = 0; i < m; i++)
                {
                    for (int j = 0; j < n; j++)
                    {
                        double expected = c0[i * n + j];
                        for (int p = 0; p < k; p++) expected += (double)a[i * k + p] * bValues[p * n + j];
                        Assert.True(Math.Abs(c[i * n + j] - expected) < 1e-5, $"c[{i},{j}] = {c[i * n + j]}, expected {expected}");
                    }
                }
            }
            else
            {
                Assert.Equal(first, c); // same FMA chain per element, whatever the alignment
            }
        }
    }

    [Theory]
    [InlineData(16, 64, 600)]
    [InlineData(20, 1024, 300)]
    [InlineData(300, 512, 257)]
    [InlineData(33, 2048, 130)]
    public void PackedGemm_EqualsRowByRowProducts_BitForBit(int m, int n, int k)
    {
        // These shapes take the packed, k-blocked path (see ShouldPack); one row at a time takes the plain one. Each element is the same FMA
        // chain either way, so the results must be identical, and close to a double-precision product.
        var rng = new Random(m + n + k);
        float[] a = new float[m * k], b = new float[k * n], c0 = new float[m * n];
        for (int i = 0; i < a.Length; i++) a[i] = (float)(rng.NextDouble() * 2 - 1);
        for (int i = 0; i < b.Length; i++) b[i] = (float)(rng.NextDouble() * 2 - 1);
        for (int i = 0; i < c0.Length; i++) c0[i] = (float)(rng.NextDouble() - 0.5);
        float[] packed = (float[])c0.Clone();
        Kernels.Gemm(a, b, packed, m, n, k, accumulate: true);
        float[] rows = (float[])c0.Clone();
        for (int i = 0; i < m; i++)
        {
            Kernels.Gemm(a.AsSpan(i * k, k), b, rows.AsSpan(i * n, n), 1, n, k, accumulate: true);
        }
        Assert.Equal(rows, packed);
        for (int i = 0; i < m; i += 7)
        {
            for (int j = 0; j < n; j += 5)
            {
                double expected = c0[i * n + j];
                for (int p = 0; p < k; p++) expected += (double)a[i * k + p] * b[p * n + j];
                Assert.True(Math.Abs(packed[i * n + j] - expected) < 1e-4, $"c[{i},{j}] = {packed[i * n + j]}, expected {expected}");
            }
        }
        // The transposed-left form packs too.
        float[] tn = new float[k * n], tnRows = new float[k * n];
        Kernels.GemmTN(a, packed, tn, m, n, k, accumulate: false);
        for (int p = 0; p < k; p++)
        {
            for (int i = 0; i < m; i++)
            {
                for (int j = 0; j < n; j++) tnRows[p * n + j] = Simd.MulAdd(a[i * k + p], packed[i * n + j], tnRows[p * n + j]);
            }
        }
        Assert.Equal(tnRows, tn);
    }
}
