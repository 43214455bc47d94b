using System;
using System.Globalization;

namespace LstmGen;

public static partial class Kernels
{
    /// <summary>
    /// The length of a workspace of <paramref name="perSample"/> floats per sample for <paramref name="maxBatch"/> samples
    /// (<see cref="ModelOptions.MaxBatch"/>), for a generated model's constructor. Throws an
    /// <see cref="ArgumentOutOfRangeException"/> (parameter <c>options</c>) in the user's numbers, with the largest
    /// MaxBatch this workspace allows, when the product does not fit in an array (more than
    /// <see cref="Array.MaxLength"/> elements) or <paramref name="maxBatch"/> is not positive, instead of an
    /// <see cref="OverflowException"/> from <c>checked(maxBatch * perSample)</c>.
    /// </summary>
    /// <param name="maxBatch">The model's MaxBatch.</param>
    /// <param name="perSample">Floats per sample of the workspace (0 or more).</param>
    /// <param name="what">The workspace, for the message (e.g. the layer it belongs to).</param>
    /// <returns><paramref name="maxBatch"/> × <paramref name="perSample"/>.</returns>
    public static int WorkspaceLength(int maxBatch, int perSample, string what)
    {
        if (maxBatch < 1)
        {
            throw new ArgumentOutOfRangeException("options", maxBatch, $"ModelOptions.MaxBatch must be at least 1; got {maxBatch}.");
        }
        ArgumentOutOfRangeException.ThrowIfNegative(perSample);
        long length = (long)maxBatch * perSample;
        if (length > Array.MaxLength)
        {
            throw new ArgumentOutOfRangeException("options", maxBatch,
                $"ModelOptions.MaxBatch = {Count(maxBatch)} needs {Count(maxBatch)} × {Count(perSample)} = {Count(length)} floats for {what}, " +
                $"more than an array can hold ({Count(Array.MaxLength)}): use a MaxBatch of at most {Count(Array.MaxLength / perSample)} " +
                "(larger batches are then processed in chunks of MaxBatch samples).");
        }
        return (int)length;
    }

    /// <summary>
    /// <paramref name="count"/> × <paramref name="perItem"/> for a buffer, or an <see cref="ArgumentOutOfRangeException"/>
    /// naming <paramref name="countName"/> and the largest count that fits when the product exceeds <see cref="Array.MaxLength"/>.
    /// </summary>
    internal static int BufferLength(int count, int perItem, string countName, string what)
    {
        long length = (long)count * perItem;
        if (length > Array.MaxLength)
        {
            throw new ArgumentOutOfRangeException(countName, count,
                $"{countName} = {Count(count)} needs {Count(count)} × {Count(perItem)} = {Count(length)} elements for {what}, more than an " +
                $"array can hold ({Count(Array.MaxLength)}): use at most {Count(Array.MaxLength / perItem)}.");
        }
        return (int)length;
    }

    private static string Count(long n) => n.ToString(CultureInfo.InvariantCulture);

    /// <summary>
    /// Throws the <see cref="InvalidOperationException"/> of a model instance (or stream) used by two threads at once:
    /// the second call finds the first one running and refuses to share its workspaces.
    /// </summary>
    [System.Diagnostics.CodeAnalysis.DoesNotReturn]
    public static void ThrowConcurrentUse(string model) =>
        throw new InvalidOperationException(
            $"{model} is already running a call on another thread. An instance computes in its own workspaces and serves one call at a time: " +
            "give each thread its own instance or replica (CreateReplica shares the weights), or use ParallelPredictor to split work over cores.");
}
