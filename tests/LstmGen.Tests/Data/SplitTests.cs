using System;
using System.Collections.Generic;
using System.Linq;
using LstmGen.Data;
using Xunit;

namespace LstmGen.Tests.Data;

/// <summary>
/// Splits, with scikit-learn's sizes (sklearn/model_selection/_split.py, <c>_validate_shuffle_split</c>): a float
/// <c>test_size</c> must be in (0, 1), <c>n_test = ceil(test_size * n_samples)</c>, <c>n_train = n_samples - n_test</c>,
/// and an empty train set is an error. <c>train_test_split(..., shuffle=False)</c> returns
/// <c>arange(n_train)</c>, <c>arange(n_train, n_train + n_test)</c>; <c>ShuffleSplit</c> takes test = the first
/// <c>n_test</c> entries of a permutation, train = the next <c>n_train</c>.
/// </summary>
public sealed class SplitTests
{
    [Fact]
    public void TimeOrdered_AsTrainTestSplitWithoutShuffle()
    {
        // train_test_split(range(10), test_size=0.25, shuffle=False): n_test = ceil(2.5) = 3 -> train 0..6, test 7..9.
        (int[] train, int[] test) = Split.TimeOrdered(10, 0.25);
        Assert.Equal([0, 1, 2, 3, 4, 5, 6], train);
        Assert.Equal([7, 8, 9], test);
    }

    [Fact]
    public void TestSizeIsCeiling()
    {
        // ceil(0.33 * 10) = ceil(3.3000000000000003) = 4; ceil(0.2 * 10) = 2; ceil(0.01 * 10) = 1.
        Assert.Equal(4, Split.TimeOrdered(10, 0.33).Test.Length);
        Assert.Equal(2, Split.TimeOrdered(10, 0.2).Test.Length);
        Assert.Single(Split.TimeOrdered(10, 0.01).Test);

        // The Keras airline tutorial's 144 months with test 0.33: ceil(47.52) = 48 test months, 96 train.
        (int[] train, int[] test) = Split.TimeOrdered(144, 0.33);
        Assert.Equal(96, train.Length);
        Assert.Equal(48, test.Length);
        Assert.Equal(96, test[0]);
    }

    [Fact]
    public void Shuffled_SizesDisjointCompleteAndDeterministic()
    {
        (int[] train, int[] test) = Split.Shuffled(100, 0.2, seed: 42);
        Assert.Equal(80, train.Length);
        Assert.Equal(20, test.Length);
        Assert.Empty(train.Intersect(test));
        Assert.Equal(Enumerable.Range(0, 100), train.Concat(test).OrderBy(i => i));

        // Same seed, same split; another seed, another split; not simply the time order.
        (int[] train2, int[] test2) = Split.Shuffled(100, 0.2, seed: 42);
        Assert.Equal(train, train2);
        Assert.Equal(test, test2);
        Assert.NotEqual(test, Split.Shuffled(100, 0.2, seed: 43).Test);
        Assert.NotEqual(Enumerable.Range(80, 20), test);

        // ShuffleSplit layout: test = permutation[:n_test], train = permutation[n_test:].
        int[] p = Split.Permutation(100, 42);
        Assert.Equal(p.Take(20), test);
        Assert.Equal(p.Skip(20), train);
    }

    [Fact]
    public void Permutation_IsRoughlyUniform()
    {
        // Position 0 over many seeds: each of 4 values about a quarter of the time.
        var counts = new int[4];
        for (int seed = 0; seed < 4000; seed++)
        {
            counts[Split.Permutation(4, seed)[0]]++;
        }

        Assert.All(counts, c => Assert.InRange(c, 850, 1150));
        Assert.Empty(Split.Permutation(0, 1));
    }

    [Fact]
    public void Errors()
    {
        // sklearn: "test_size=... should be ... in the (0, 1) range"; "the resulting train set will be empty".
        Assert.Throws<ArgumentOutOfRangeException>(() => Split.TimeOrdered(10, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => Split.TimeOrdered(10, 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => Split.TimeOrdered(10, double.NaN));
        Assert.Throws<ArgumentOutOfRangeException>(() => Split.Shuffled(0, 0.5, 1));
        var e = Assert.Throws<ArgumentException>(() => Split.TimeOrdered(1, 0.25));
        Assert.Contains("train set would be empty", e.Message);
    }

    [Fact]
    public void Take_GathersRows()
    {
        // 3 rows of 2: [0 1] [2 3] [4 5]; take rows 2, 0, 2.
        float[] data = [0f, 1f, 2f, 3f, 4f, 5f];
        Assert.Equal([4f, 5f, 0f, 1f, 4f, 5f], Split.Take(data, 2, [2, 0, 2]));

        int[] tokens = [10, 11, 12, 20, 21, 22];
        Assert.Equal([20, 21, 22], Split.Take(tokens, 3, [1]));

        string[] texts = ["a", "b", "c"];
        Assert.Equal(["c", "a"], Split.Take(texts, [2, 0]));
        float[] labels = [0f, 1f, 1f];
        Assert.Equal([1f, 0f], Split.Take((IReadOnlyList<float>)labels, [1, 0]));

        Assert.Empty(Split.Take(data, 2, []));
    }

    [Fact]
    public void Take_Errors()
    {
        float[] data = [0f, 1f, 2f, 3f, 4f, 5f];
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => Split.Take(data, 2, [0, 3]));
        Assert.Contains("3 rows", e.Message);
        Assert.Contains("position 1", e.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => Split.Take(data, 2, [-1]));
        Assert.Throws<ArgumentException>(() => Split.Take(data, 4, [0]));
        Assert.Throws<ArgumentOutOfRangeException>(() => Split.Take(data, 0, [0]));
        Assert.Throws<ArgumentOutOfRangeException>(() => Split.Take(new[] { "a" }, [1]));
    }

    [Fact]
    public void WindowsThenShuffledSplit_KeepsInputsAndTargetsAligned()
    {
        // Window i of a ramp is [i, i+1, i+2] -> i+3; after gathering, every row still has input[0] + 3 == target.
        float[] ramp = Enumerable.Range(0, 50).Select(i => (float)i).ToArray();
        WindowSet w = Windows.Create(ramp, features: 1, lookback: 3, horizon: 1);
        (int[] train, _) = Split.Shuffled(w.Samples, 0.25, seed: 7);
        float[] x = Split.Take(w.X, w.InputLength, train);
        float[] y = Split.Take(w.Y, w.TargetLength, train);
        for (int k = 0; k < train.Length; k++)
        {
            Assert.Equal(x[k * 3] + 3, y[k]);
        }
    }
}
