using System;
using System.Numerics.Tensors;
using System.Runtime.InteropServices;

namespace LstmGen;

public static partial class Kernels
{
    /// <summary>
    /// Checks that <paramref name="tensor"/> is dense and shaped (batch, <paramref name="sampleShape"/>...) and returns its
    /// elements as a span, and the batch size. Throws an <see cref="ArgumentException"/> naming both shapes otherwise.
    /// </summary>
    public static ReadOnlySpan<float> DenseBatch(in ReadOnlyTensorSpan<float> tensor, ReadOnlySpan<int> sampleShape, string paramName, out int batch)
    {
        ReadOnlySpan<nint> lengths = tensor.Lengths;
        bool ok = lengths.Length == sampleShape.Length + 1;
        for (int i = 0; ok && i < sampleShape.Length; i++)
        {
            ok = lengths[i + 1] == sampleShape[i];
        }
        if (!ok)
        {
            throw new ArgumentException(
                $"{paramName} has shape ({string.Join(", ", lengths.ToArray())}); expected (batch, {string.Join(", ", sampleShape.ToArray())}).", paramName);
        }
        if (!tensor.IsDense)
        {
            throw new ArgumentException($"{paramName} must be dense (contiguous, row-major); copy it into a dense tensor first.", paramName);
        }
        batch = checked((int)lengths[0]);
        return tensor.FlattenedLength == 0
            ? ReadOnlySpan<float>.Empty
            : MemoryMarshal.CreateReadOnlySpan(in tensor.GetPinnableReference(), checked((int)tensor.FlattenedLength));
    }

    /// <summary>Writable counterpart of <see cref="DenseBatch(in ReadOnlyTensorSpan{float}, ReadOnlySpan{int}, string, out int)"/>.</summary>
    public static Span<float> DenseBatch(in TensorSpan<float> tensor, ReadOnlySpan<int> sampleShape, string paramName, out int batch)
    {
        ReadOnlySpan<float> read = DenseBatch((ReadOnlyTensorSpan<float>)tensor, sampleShape, paramName, out batch);
        return MemoryMarshal.CreateSpan(ref MemoryMarshal.GetReference(read), read.Length);
    }
}
