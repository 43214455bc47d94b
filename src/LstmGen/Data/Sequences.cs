using System;
using System.Collections.Generic;

namespace LstmGen.Data;

/// <summary>Where <see cref="Sequences.Pad(IReadOnlyList{IReadOnlyList{int}}, int?, Padding, Truncating, int)"/> adds padding (Keras <c>padding</c>).</summary>
public enum Padding
{
    /// <summary>Before the sequence (Keras <c>"pre"</c>, the default).</summary>
    Pre = 0,

    /// <summary>After the sequence (Keras <c>"post"</c>).</summary>
    Post = 1,
}

/// <summary>Which end of a too-long sequence <see cref="Sequences.Pad(IReadOnlyList{IReadOnlyList{int}}, int?, Padding, Truncating, int)"/> removes (Keras <c>truncating</c>).</summary>
public enum Truncating
{
    /// <summary>Remove values from the beginning, keeping the last <c>maxlen</c> (Keras <c>"pre"</c>, the default).</summary>
    Pre = 0,

    /// <summary>Remove values from the end, keeping the first <c>maxlen</c> (Keras <c>"post"</c>).</summary>
    Post = 1,
}

/// <summary>Sequence utilities with the semantics of Keras's <c>keras.utils.pad_sequences</c>.</summary>
public static class Sequences
{
    /// <summary>
    /// Keras <c>pad_sequences</c> (dtype int32): every sequence made <paramref name="maxlen"/> long by padding with
    /// <paramref name="value"/> or truncating, returned row-major as one flat array of <c>sequences.Count × maxlen</c>.
    /// </summary>
    /// <param name="sequences">The sequences (for example from <see cref="Tokenizer.TextsToSequences"/>); empty ones become all padding.</param>
    /// <param name="maxlen">The length of every row; null = the longest sequence (0 if all are empty, as Keras).</param>
    /// <param name="padding">Pad before (default) or after.</param>
    /// <param name="truncating">Drop values from the beginning (default) or the end of longer sequences.</param>
    /// <param name="value">The padding value (default 0).</param>
    /// <returns>The padded rows, flat; the row length is <c>result.Length / sequences.Count</c> (or <paramref name="maxlen"/>).</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="maxlen"/> is not positive, or an enum value is undefined.</exception>
    /// <exception cref="ArgumentException"><paramref name="maxlen"/> is null and there are no sequences, or a sequence is null.</exception>
    public static int[] Pad(
        IReadOnlyList<IReadOnlyList<int>> sequences,
        int? maxlen = null,
        Padding padding = Padding.Pre,
        Truncating truncating = Truncating.Pre,
        int value = 0) => PadCore(sequences, maxlen, padding, truncating, value);

    /// <summary>
    /// Keras <c>pad_sequences</c> with <c>dtype="float32"</c>: as the int overload, for float sequences (for example
    /// variable-length series).
    /// </summary>
    /// <param name="sequences">The sequences; empty ones become all padding.</param>
    /// <param name="maxlen">The length of every row; null = the longest sequence (0 if all are empty, as Keras).</param>
    /// <param name="padding">Pad before (default) or after.</param>
    /// <param name="truncating">Drop values from the beginning (default) or the end of longer sequences.</param>
    /// <param name="value">The padding value (default 0).</param>
    /// <returns>The padded rows, flat (<c>sequences.Count × maxlen</c>).</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="maxlen"/> is not positive, or an enum value is undefined.</exception>
    /// <exception cref="ArgumentException"><paramref name="maxlen"/> is null and there are no sequences, or a sequence is null.</exception>
    public static float[] Pad(
        IReadOnlyList<IReadOnlyList<float>> sequences,
        int? maxlen = null,
        Padding padding = Padding.Pre,
        Truncating truncating = Truncating.Pre,
        float value = 0f) => PadCore(sequences, maxlen, padding, truncating, value);

    private static T[] PadCore<T>(IReadOnlyList<IReadOnlyList<T>> sequences, int? maxlen, Padding padding, Truncating truncating, T value)
    {
        ArgumentNullException.ThrowIfNull(sequences);
        if (padding is not (Padding.Pre or Padding.Post))
        {
            throw new ArgumentOutOfRangeException(nameof(padding), padding, "Padding must be Pre or Post.");
        }

        if (truncating is not (Truncating.Pre or Truncating.Post))
        {
            throw new ArgumentOutOfRangeException(nameof(truncating), truncating, "Truncating must be Pre or Post.");
        }

        int n = sequences.Count;
        int longest = 0;
        for (int i = 0; i < n; i++)
        {
            IReadOnlyList<T> s = sequences[i] ?? throw new ArgumentException($"Sequence {i} is null.", nameof(sequences));
            longest = Math.Max(longest, s.Count);
        }

        int width;
        if (maxlen is int m)
        {
            // Keras gives no useful result for maxlen <= 0: s[-0:] keeps the whole sequence, which then fails to fit.
            if (m <= 0)
            {
                throw new ArgumentOutOfRangeException(nameof(maxlen), m, "maxlen must be positive (or null for the longest sequence).");
            }

            width = m;
        }
        else
        {
            // Keras: maxlen = np.max(lengths), which raises for an empty list of sequences.
            if (n == 0)
            {
                throw new ArgumentException("maxlen is null and there are no sequences to take the longest length from: pass maxlen.", nameof(sequences));
            }

            width = longest;
        }

        long total = (long)n * width;
        if (total > Array.MaxLength)
        {
            throw new ArgumentException($"{n} sequences of length {width} need {total} elements, more than an array can hold.", nameof(maxlen));
        }

        var x = new T[total];
        Array.Fill(x, value);

        for (int i = 0; i < n; i++)
        {
            IReadOnlyList<T> s = sequences[i];
            int len = s.Count;
            if (len == 0)
            {
                continue;
            }

            int keep = Math.Min(len, width);

            // truncating "pre": s[-maxlen:] (the last values); "post": s[:maxlen].
            int from = truncating == Truncating.Pre ? len - keep : 0;

            // padding "post": x[i, :len(trunc)]; "pre": x[i, -len(trunc):].
            int to = i * width + (padding == Padding.Pre ? width - keep : 0);
            if (s is T[] array)
            {
                Array.Copy(array, from, x, to, keep);
            }
            else
            {
                for (int k = 0; k < keep; k++)
                {
                    x[to + k] = s[from + k];
                }
            }
        }

        return x;
    }
}
