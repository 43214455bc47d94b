using System;
using System.Numerics.Tensors;

namespace LstmGen;

/// <summary>
/// Dropout masks: inverted dropout as Keras applies it (a kept value is scaled by 1 / (1 - rate)), drawn from a
/// counter-based generator so that a mask depends only on (key, counter, element): deterministic from the seed.
/// </summary>
public static partial class Kernels
{
    /// <summary>
    /// Fills <paramref name="mask"/> with 0 (dropped, probability <paramref name="rate"/>) or 1 / (1 - rate) (kept),
    /// element i drawn from (<paramref name="seed"/>, <paramref name="counter"/>, <paramref name="offset"/> + i).
    /// </summary>
    public static void DropoutMask(Span<float> mask, float rate, ulong seed, ulong counter, long offset = 0)
    {
        if (!(rate >= 0f && rate < 1f))
        {
            throw new ArgumentOutOfRangeException(nameof(rate), rate, "A dropout rate must be in [0, 1).");
        }
        float scale = 1f / (1f - rate);
        ulong key = Mix64(seed ^ Mix64(counter + 0x632BE59BD9B4E019UL));
        for (int i = 0; i < mask.Length; i++)
        {
            ulong bits = Mix64(key + (ulong)(offset + i) * 0x9E3779B97F4A7C15UL);
            float u = (bits >> 40) * (1f / (1 << 24)); // 24 random bits: uniform in [0, 1), exact in float
            mask[i] = u >= rate ? scale : 0f;
        }
    }

    /// <summary>
    /// <paramref name="y"/> = <paramref name="x"/> ⊙ <paramref name="rowMask"/> repeated: x is <paramref name="blocks"/>
    /// blocks of rowMask.Length values (the steps of a time-major tensor, each block one step's rows), and every block is
    /// multiplied by the same mask (one mask per sequence).
    /// </summary>
    public static void MultiplyBlocks(ReadOnlySpan<float> x, ReadOnlySpan<float> rowMask, Span<float> y, int blocks)
    {
        int n = rowMask.Length;
        if (x.Length < blocks * n || y.Length < blocks * n)
        {
            throw new ArgumentException($"MultiplyBlocks: {blocks} blocks of {n} need {blocks * n} values (x has {x.Length}, y {y.Length}).");
        }
        for (int b = 0; b < blocks; b++)
        {
            TensorPrimitives.Multiply(x.Slice(b * n, n), rowMask, y.Slice(b * n, n));
        }
    }

    /// <summary>SplitMix64's finaliser: a bijective 64-bit mix.</summary>
    public static ulong Mix64(ulong z)
    {
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }
}
