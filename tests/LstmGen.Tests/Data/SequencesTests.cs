using System;
using System.Collections.Generic;
using LstmGen.Data;
using Xunit;

namespace LstmGen.Tests.Data;

/// <summary>
/// <see cref="Sequences.Pad(IReadOnlyList{IReadOnlyList{int}}, int?, Padding, Truncating, int)"/> against Keras's
/// <c>keras.utils.pad_sequences</c> (keras/src/utils/sequence_utils.py): its docstring examples, and its code
/// (<c>x = np.full((n, maxlen), value)</c>; <c>trunc = s[-maxlen:]</c> ("pre") or <c>s[:maxlen]</c> ("post");
/// <c>x[idx, -len(trunc):] = trunc</c> ("pre") or <c>x[idx, :len(trunc)] = trunc</c> ("post"); empty sequences are
/// skipped, i.e. all padding; <c>maxlen=None</c> is <c>np.max(lengths)</c>).
/// </summary>
public sealed class SequencesTests
{
    private static readonly int[][] DocSequences = [[1], [2, 3], [4, 5, 6]];

    [Fact]
    public void DocstringExample_Default()
    {
        // >>> keras.utils.pad_sequences([[1], [2, 3], [4, 5, 6]])
        // array([[0, 0, 1], [0, 2, 3], [4, 5, 6]], dtype=int32)
        Assert.Equal([0, 0, 1, 0, 2, 3, 4, 5, 6], Sequences.Pad(DocSequences));
    }

    [Fact]
    public void DocstringExample_Value()
    {
        // >>> keras.utils.pad_sequences(sequence, value=-1)
        // array([[-1, -1, 1], [-1, 2, 3], [4, 5, 6]], dtype=int32)
        Assert.Equal([-1, -1, 1, -1, 2, 3, 4, 5, 6], Sequences.Pad(DocSequences, value: -1));
    }

    [Fact]
    public void DocstringExample_PaddingPost()
    {
        // >>> keras.utils.pad_sequences(sequence, padding='post')
        // array([[1, 0, 0], [2, 3, 0], [4, 5, 6]], dtype=int32)
        Assert.Equal([1, 0, 0, 2, 3, 0, 4, 5, 6], Sequences.Pad(DocSequences, padding: Padding.Post));
    }

    [Fact]
    public void DocstringExample_Maxlen2()
    {
        // >>> keras.utils.pad_sequences(sequence, maxlen=2)
        // array([[0, 1], [2, 3], [5, 6]], dtype=int32)      (truncating="pre" keeps s[-2:])
        Assert.Equal([0, 1, 2, 3, 5, 6], Sequences.Pad(DocSequences, maxlen: 2));
    }

    [Fact]
    public void TruncatingPost_KeepsTheFirstValues()
    {
        // truncating="post": trunc = s[:2] -> [4, 5]; padding "pre" for [1] -> [0, 1].
        Assert.Equal([0, 1, 2, 3, 4, 5], Sequences.Pad(DocSequences, maxlen: 2, truncating: Truncating.Post));

        // Both post: [1, 0], [2, 3], [4, 5].
        Assert.Equal([1, 0, 2, 3, 4, 5], Sequences.Pad(DocSequences, maxlen: 2, padding: Padding.Post, truncating: Truncating.Post));
    }

    [Fact]
    public void MaxlenLongerThanEverySequence_PadsAll()
    {
        // maxlen=4, "pre": [0,0,0,1], [0,0,2,3], [0,4,5,6].
        Assert.Equal([0, 0, 0, 1, 0, 0, 2, 3, 0, 4, 5, 6], Sequences.Pad(DocSequences, maxlen: 4));
    }

    [Fact]
    public void EmptySequences_BecomeAllPadding()
    {
        // Keras: `if not len(s): continue` leaves the row at `value`.
        int[][] seqs = [[], [7, 8], []];
        Assert.Equal([9, 9, 7, 8, 9, 9], Sequences.Pad(seqs, value: 9));
        Assert.Equal([0, 0, 0, 7, 8, 0, 0, 0, 0], Sequences.Pad(seqs, maxlen: 3, padding: Padding.Post));
    }

    [Fact]
    public void AllSequencesEmpty_MaxlenNull_GivesWidthZero()
    {
        // Keras: maxlen = np.max([0, 0]) = 0 -> an array of shape (2, 0).
        Assert.Empty(Sequences.Pad(new int[][] { [], [] }));

        // With a maxlen they are all padding: shape (2, 2).
        Assert.Equal([0, 0, 0, 0], Sequences.Pad(new int[][] { [], [] }, maxlen: 2));
    }

    [Fact]
    public void NoSequences()
    {
        // Keras: np.max([]) raises ValueError (zero-size array) when maxlen is None.
        var e = Assert.Throws<ArgumentException>(() => Sequences.Pad(Array.Empty<int[]>()));
        Assert.Contains("maxlen", e.Message);

        // With maxlen: shape (0, maxlen).
        Assert.Empty(Sequences.Pad(Array.Empty<int[]>(), maxlen: 5));
    }

    [Fact]
    public void MaxlenZeroOrNegative_Throws()
    {
        // Keras has no meaningful result: s[-0:] is the whole sequence, which then cannot be assigned to a width-0 row.
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => Sequences.Pad(DocSequences, maxlen: 0));
        Assert.Contains("maxlen must be positive", e.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => Sequences.Pad(DocSequences, maxlen: -1));
    }

    [Fact]
    public void UndefinedEnumValues_AndNullSequence_Throw()
    {
        // Keras: ValueError('Padding type "..." not understood') / ('Truncating type "..." not understood').
        Assert.Throws<ArgumentOutOfRangeException>(() => Sequences.Pad(DocSequences, padding: (Padding)7));
        Assert.Throws<ArgumentOutOfRangeException>(() => Sequences.Pad(DocSequences, truncating: (Truncating)7));
        var e = Assert.Throws<ArgumentException>(() => Sequences.Pad(new int[][] { [1], null! }));
        Assert.Contains("Sequence 1", e.Message);
    }

    [Fact]
    public void FloatOverload_AndListInputs()
    {
        // dtype="float32", value=0.5, maxlen=3: [[0.5, 0.5, 1.5], [2.5, 3.5, 4.5]] (pre-truncated to the last 3).
        var seqs = new List<float[]> { new[] { 1.5f }, new[] { 9f, 2.5f, 3.5f, 4.5f } };
        Assert.Equal([0.5f, 0.5f, 1.5f, 2.5f, 3.5f, 4.5f], Sequences.Pad(seqs, maxlen: 3, value: 0.5f));

        // Lists (not arrays) take the element-by-element path.
        var lists = new List<List<int>> { new() { 1, 2, 3 }, new() { 4 } };
        Assert.Equal([2, 3, 0, 4], Sequences.Pad(lists, maxlen: 2));
    }

    [Fact]
    public void TokenizerOutput_PadsForAnEmbeddingModel()
    {
        // The usual Keras pipeline: texts_to_sequences then pad_sequences(maxlen=4, padding="post").
        var t = new Tokenizer();
        t.FitOnTexts(["a b c", "a b", "a"]);
        int[] x = Sequences.Pad(t.TextsToSequences(["a b c a b", "c"]), maxlen: 4, padding: Padding.Post);

        // a 1, b 2, c 3; "a b c a b" pre-truncated to the last 4: [2, 3, 1, 2]; "c" -> [3, 0, 0, 0].
        Assert.Equal([2, 3, 1, 2, 3, 0, 0, 0], x);
    }
}
