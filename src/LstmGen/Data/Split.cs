using System;
using System.Collections.Generic;

namespace LstmGen.Data;

/// <summary>
/// Train/test splits as index arrays, with scikit-learn's <c>train_test_split</c> sizes (test = <c>ceil(testFraction ×
/// samples)</c>, train = the rest), and helpers to gather the rows of a split.
/// </summary>
public static class Split
{
    /// <summary>
    /// A split without shuffling, for time series (sklearn <c>train_test_split(..., shuffle=False)</c>): train is the
    /// first samples, test the last <c>ceil(testFraction × samples)</c>, both in time order.
    /// </summary>
    /// <param name="samples">The number of samples.</param>
    /// <param name="testFraction">The share of samples for test, in (0, 1).</param>
    /// <returns>The train and test indices.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="samples"/> is not positive, or <paramref name="testFraction"/> is not in (0, 1).</exception>
    /// <exception cref="ArgumentException">The train set would be empty.</exception>
    public static (int[] Train, int[] Test) TimeOrdered(int samples, double testFraction)
    {
        (int train, int test) = Sizes(samples, testFraction);
        var trainIdx = new int[train];
        var testIdx = new int[test];
        for (int i = 0; i < train; i++)
        {
            trainIdx[i] = i;
        }

        for (int i = 0; i < test; i++)
        {
            testIdx[i] = train + i;
        }

        return (trainIdx, testIdx);
    }

    /// <summary>
    /// A shuffled split (sklearn <c>ShuffleSplit</c> layout: a random permutation, its first
    /// <c>ceil(testFraction × samples)</c> entries are test, the rest train). Indices are in shuffled order. The
    /// permutation comes from a fixed generator (SplitMix64 + Fisher–Yates), so a seed gives the same split on every
    /// platform and .NET version; it is not NumPy's stream.
    /// </summary>
    /// <param name="samples">The number of samples.</param>
    /// <param name="testFraction">The share of samples for test, in (0, 1).</param>
    /// <param name="seed">The shuffle seed.</param>
    /// <returns>The train and test indices.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="samples"/> is not positive, or <paramref name="testFraction"/> is not in (0, 1).</exception>
    /// <exception cref="ArgumentException">The train set would be empty.</exception>
    public static (int[] Train, int[] Test) Shuffled(int samples, double testFraction, int seed)
    {
        (int train, int test) = Sizes(samples, testFraction);
        int[] permutation = Permutation(samples, seed);
        return (permutation.AsSpan(test, train).ToArray(), permutation.AsSpan(0, test).ToArray());
    }

    /// <summary>A random permutation of <c>0 .. samples - 1</c> (the generator of <see cref="Shuffled"/>).</summary>
    /// <param name="samples">The number of indices; 0 or more.</param>
    /// <param name="seed">The seed.</param>
    /// <returns>The permuted indices.</returns>
    public static int[] Permutation(int samples, int seed)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(samples);
        var p = new int[samples];
        for (int i = 0; i < samples; i++)
        {
            p[i] = i;
        }

        ulong state = unchecked((ulong)(uint)seed * 0x9E3779B97F4A7C15UL + 0x243F6A8885A308D3UL);
        for (int i = samples - 1; i > 0; i--)
        {
            int j = (int)NextBelow(ref state, (ulong)(i + 1));
            (p[i], p[j]) = (p[j], p[i]);
        }

        return p;
    }

    /// <summary>Gathers rows of row-major float data: the result holds row <c>indices[k]</c> at row <c>k</c>.</summary>
    /// <param name="data">Row-major data, a whole number of rows of <paramref name="rowLength"/>.</param>
    /// <param name="rowLength">Values per row (for example a model's input length).</param>
    /// <param name="indices">The rows to take, in order; repeats allowed.</param>
    /// <returns><c>indices.Length × rowLength</c> values.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="rowLength"/> is not positive, or an index is not a row.</exception>
    /// <exception cref="ArgumentException">The data is not a whole number of rows.</exception>
    public static float[] Take(ReadOnlySpan<float> data, int rowLength, ReadOnlySpan<int> indices) => TakeRows(data, rowLength, indices);

    /// <summary>Gathers rows of row-major int data (for example padded token sequences).</summary>
    /// <param name="data">Row-major data, a whole number of rows of <paramref name="rowLength"/>.</param>
    /// <param name="rowLength">Values per row.</param>
    /// <param name="indices">The rows to take, in order; repeats allowed.</param>
    /// <returns><c>indices.Length × rowLength</c> values.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="rowLength"/> is not positive, or an index is not a row.</exception>
    /// <exception cref="ArgumentException">The data is not a whole number of rows.</exception>
    public static int[] Take(ReadOnlySpan<int> data, int rowLength, ReadOnlySpan<int> indices) => TakeRows(data, rowLength, indices);

    /// <summary>Gathers single items (labels, texts): the result holds <c>items[indices[k]]</c> at <c>k</c>.</summary>
    /// <typeparam name="T">The item type.</typeparam>
    /// <param name="items">The items.</param>
    /// <param name="indices">The items to take, in order; repeats allowed.</param>
    /// <returns><c>indices.Length</c> items.</returns>
    /// <exception cref="ArgumentOutOfRangeException">An index is not an item.</exception>
    public static T[] Take<T>(IReadOnlyList<T> items, ReadOnlySpan<int> indices)
    {
        ArgumentNullException.ThrowIfNull(items);
        var result = new T[indices.Length];
        for (int k = 0; k < indices.Length; k++)
        {
            int i = indices[k];
            if ((uint)i >= (uint)items.Count)
            {
                throw new ArgumentOutOfRangeException(nameof(indices), i, $"Index {i} (at position {k}) is not an item: there are {items.Count}.");
            }

            result[k] = items[i];
        }

        return result;
    }

    private static T[] TakeRows<T>(ReadOnlySpan<T> data, int rowLength, ReadOnlySpan<int> indices)
    {
        if (rowLength <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(rowLength), rowLength, "rowLength must be positive.");
        }

        if (data.Length % rowLength != 0)
        {
            throw new ArgumentException($"The data has {data.Length} values, not a whole number of rows of {rowLength}.", nameof(data));
        }

        int rows = data.Length / rowLength;
        var result = new T[checked((long)indices.Length * rowLength)];
        for (int k = 0; k < indices.Length; k++)
        {
            int i = indices[k];
            if ((uint)i >= (uint)rows)
            {
                throw new ArgumentOutOfRangeException(nameof(indices), i, $"Index {i} (at position {k}) is not a row: the data has {rows} rows.");
            }

            data.Slice(i * rowLength, rowLength).CopyTo(result.AsSpan(k * rowLength, rowLength));
        }

        return result;
    }

    private static (int Train, int Test) Sizes(int samples, double testFraction)
    {
        if (samples <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(samples), samples, "samples must be positive.");
        }

        // sklearn _validate_shuffle_split: a float test_size must be in (0, 1); n_test = ceil(test_size * n_samples).
        if (!(testFraction > 0 && testFraction < 1))
        {
            throw new ArgumentOutOfRangeException(nameof(testFraction), testFraction, "testFraction must be in the (0, 1) range.");
        }

        int test = (int)Math.Ceiling(testFraction * samples);
        int train = samples - test;
        if (train == 0)
        {
            throw new ArgumentException(
                $"With {samples} samples and testFraction {testFraction}, the train set would be empty (test takes ceil({testFraction} × {samples}) = {test}).",
                nameof(testFraction));
        }

        return (train, test);
    }

    private static ulong NextBelow(ref ulong state, ulong bound)
    {
        // Unbiased: reject the top partial block.
        ulong limit = ulong.MaxValue - (ulong.MaxValue % bound);
        while (true)
        {
            ulong r = SplitMix64(ref state);
            if (r < limit)
            {
                return r % bound;
            }
        }
    }

    private static ulong SplitMix64(ref ulong state)
    {
        unchecked
        {
            ulong z = state += 0x9E3779B97F4A7C15UL;
            z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
            z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
            return z ^ (z >> 31);
        }
    }
}
