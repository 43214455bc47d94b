using System;
using System.Linq;
using LstmGen.Tests.Models;
using Xunit;

namespace LstmGen.Tests;

/// <summary>Keras's default initialisers: distributions, orthogonality, forget-gate bias, determinism.</summary>
public class InitializerTests
{
    [Fact]
    public void Same_seed_same_weights_and_the_attribute_seed_is_the_default()
    {
        Assert.Equal(new Stacked().Weights.Parameters, new Stacked().Weights.Parameters);
        Assert.Equal(new SeededStacked().Weights.Parameters, new Stacked(new ModelOptions { Seed = 7 }).Weights.Parameters);
        Assert.NotEqual(new Stacked().Weights.Parameters, new Stacked(new ModelOptions { Seed = 1 }).Weights.Parameters);
    }

    [Fact]
    public void Kernels_are_glorot_uniform()
    {
        float[] k = new Stacked().Weights.Get("lstm_1/kernel"); // (50, 200)
        double limit = Math.Sqrt(6.0 / (50 + 200));
        Assert.All(k, v => Assert.InRange(v, -limit, limit));
        double mean = k.Average(v => (double)v);
        double variance = k.Average(v => (v - mean) * (v - mean));
        Assert.InRange(mean, -0.01, 0.01);
        Assert.InRange(variance, 0.95 * limit * limit / 3, 1.05 * limit * limit / 3); // U(-l, l) has variance l²/3
        Assert.True(k.Max() > 0.95 * limit && k.Min() < -0.95 * limit);
    }

    [Fact]
    public void Recurrent_kernels_are_orthogonal()
    {
        float[] r = new Stacked().Weights.Get("lstm_1/recurrent_kernel"); // (50, 200): orthonormal rows
        for (int i = 0; i < 50; i++)
        {
            for (int j = 0; j < 50; j++)
            {
                double dot = 0;
                for (int c = 0; c < 200; c++) dot += r[i * 200 + c] * (double)r[j * 200 + c];
                Assert.InRange(dot, (i == j ? 1 : 0) - 1e-5, (i == j ? 1 : 0) + 1e-5);
            }
        }
    }

    [Fact]
    public void Lstm_bias_has_the_forget_gate_at_one_unless_UnitForgetBias_is_false()
    {
        float[] b = new Stacked().Weights.Get("lstm/bias");
        Assert.All(b.Take(50), v => Assert.Equal(0f, v));
        Assert.All(b.Skip(50).Take(50), v => Assert.Equal(1f, v));
        Assert.All(b.Skip(100), v => Assert.Equal(0f, v));
        Assert.All(new NoForgetBias().Weights.Get("lstm/bias"), v => Assert.Equal(0f, v));
        Assert.All(new Stacked().Weights.Get("dense/bias"), v => Assert.Equal(0f, v));
    }

    [Fact]
    public void Embeddings_are_uniform_within_five_hundredths()
    {
        float[] e = new Sentiment().Weights.Get("embedding/embeddings");
        Assert.All(e, v => Assert.InRange(v, -0.05f, 0.05f));
        Assert.True(e.Max() > 0.049f && e.Min() < -0.049f);
    }
}
