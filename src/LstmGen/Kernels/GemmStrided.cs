using System;
using System.Runtime.InteropServices;

namespace LstmGen;

public static partial class Kernels
{
    /// <summary>
    /// Matrix product on column blocks: <c>c = a · b</c> (or <c>c += a · b</c>), with <c>a</c> (m, k) whose rows are
    /// <paramref name="aRowStride"/> floats apart, and <c>b</c> (k, n) and <c>c</c> (m, n) whose rows are
    /// <paramref name="ld"/> floats apart: products with a block of columns of a wider matrix, such as a GRU's
    /// recurrent kernel split into its update/reset and candidate parts. Same arithmetic as <see cref="Gemm"/>.
    /// </summary>
    public static void GemmStrided(ReadOnlySpan<float> a, int aRowStride, ReadOnlySpan<float> b, Span<float> c, int m, int n, int k, int ld, bool accumulate)
    {
        CheckStrided(a.Length, aRowStride, m, k, "a");
        CheckStrided(b.Length, ld, k, n, "b");
        CheckStrided(c.Length, ld, m, n, "c");
        if (m == 0 || n == 0)
        {
            return;
        }
        if (!accumulate)
        {
            for (int i = 0; i < m; i++) c.Slice(i * ld, n).Clear();
        }
        if (k == 0)
        {
            return;
        }
        GemmColumns(ref MemoryMarshal.GetReference(a), aRowStride, 1, ref MemoryMarshal.GetReference(b), ref MemoryMarshal.GetReference(c), m, n, k, ld);
    }

    /// <summary>
    /// Transposed-left product on column blocks: <c>c += aᵀ · b</c>, with <c>a</c> (m, k) contiguous, <c>b</c> (m, n) and
    /// <c>c</c> (k, n) whose rows are <paramref name="ld"/> floats apart: the gradient of a block of a weight's columns.
    /// </summary>
    public static void GemmTNStrided(ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> c, int m, int n, int k, int ld)
    {
        CheckStrided(a.Length, k, m, k, "a");
        CheckStrided(b.Length, ld, m, n, "b");
        CheckStrided(c.Length, ld, k, n, "c");
        if (m == 0 || n == 0 || k == 0)
        {
            return;
        }
        GemmColumns(ref MemoryMarshal.GetReference(a), 1, k, ref MemoryMarshal.GetReference(b), ref MemoryMarshal.GetReference(c), k, n, m, ld);
    }

    private static void CheckStrided(int length, int stride, int rows, int cols, string name)
    {
        if (rows < 0 || cols < 0 || stride < cols)
        {
            throw new ArgumentOutOfRangeException(name, $"{name}: {rows} rows of {cols} columns cannot have a row stride of {stride}.");
        }
        if (rows > 0 && cols > 0 && length < (long)(rows - 1) * stride + cols)
        {
            throw new ArgumentException($"{name} has {length} elements, too few for {rows} rows of {cols} columns {stride} apart.", name);
        }
    }

    /// <summary>Copies <paramref name="row"/> into each of the <paramref name="rows"/> rows of <paramref name="destination"/>; an empty row clears them.</summary>
    public static void SetRows(ReadOnlySpan<float> row, Span<float> destination, int rows, int cols)
    {
        if (row.IsEmpty)
        {
            destination.Slice(0, rows * cols).Clear();
            return;
        }
        CheckLength(row.Length, cols, nameof(row), "one row");
        for (int r = 0; r < rows; r++) row.CopyTo(destination.Slice(r * cols, cols));
    }

    /// <summary>
    /// Copies one part of each sample's values: for each of <paramref name="samples"/> samples of <paramref name="stride"/>
    /// values in <paramref name="source"/>, the <paramref name="length"/> values at <paramref name="offset"/>, back to back
    /// into <paramref name="destination"/> (the targets of one output of a model with several).
    /// </summary>
    public static void GatherParts(ReadOnlySpan<float> source, int samples, int stride, int offset, int length, Span<float> destination)
    {
        for (int b = 0; b < samples; b++)
        {
            source.Slice(b * stride + offset, length).CopyTo(destination.Slice(b * length, length));
        }
    }
}
