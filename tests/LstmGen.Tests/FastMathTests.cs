using System;
using System.Runtime.Intrinsics;
using LstmGen;
using Xunit;

namespace LstmGen.Tests;

/// <summary>The vectorised sigmoid/tanh of the fused LSTM cell, against double precision, and the fused cell against the generic one.</summary>
public class FastMathTests
{
    // Every 1552nd float bit pattern in [0, 100], each with its negative, plus the special points: about 1.4 M inputs.
    private static float[] Inputs()
    {
        var list = new System.Collections.Generic.List<float> { 0f, -0f, 1e-30f, -1e-30f, 88.3f, -87.3f, 89f, -89f, 100f, -100f, float.MaxValue, float.MinValue };
        for (int bits = 0; bits < 0x42C80000; bits += 97 * 16)
        {
            float v = BitConverter.Int32BitsToSingle(bits);
            list.Add(v);
            list.Add(-v);
        }
        return list.ToArray();
    }

    // Each width's code runs whether or not this CPU accelerates it (emulated otherwise: same arithmetic). The 128-bit
    // results are folded into the scalar ones where they differ, so that the tests' "all widths agree" covers them.
    private static (float[] Vec512, float[] Vec256, float[] Scalar) Evaluate(float[] x, Func<Vector512<float>, Vector512<float>> v512,
        Func<Vector256<float>, Vector256<float>> v256, Func<Vector128<float>, Vector128<float>> v128, Func<float, float> scalar)
    {
        int n = x.Length / 16 * 16;
        var a = new float[n]; var b = new float[n]; var c = new float[n];
        for (int i = 0; i < n; i += 16)
        {
            v512(Vector512.Create(x.AsSpan(i, 16))).CopyTo(a.AsSpan(i, 16));
            v256(Vector256.Create(x.AsSpan(i, 8))).CopyTo(b.AsSpan(i, 8));
            v256(Vector256.Create(x.AsSpan(i + 8, 8))).CopyTo(b.AsSpan(i + 8, 8));
            for (int q = 0; q < 16; q += 4)
            {
                Vector128<float> v = v128(Vector128.Create(x.AsSpan(i + q, 4)));
                for (int j = 0; j < 4; j++)
                {
                    float s = scalar(x[i + q + j]);
                    c[i + q + j] = BitConverter.SingleToInt32Bits(s) == BitConverter.SingleToInt32Bits(v[j]) ? s : float.NaN;
                }
            }
        }
        return (a, b, c);
    }

    [Fact]
    public void Sigmoid_IsWithin2e7OfDouble_AndAllWidthsAgree()
    {
        float[] x = Inputs();
        var (a, b, c) = Evaluate(x, FastMath.Sigmoid, FastMath.Sigmoid, FastMath.Sigmoid, FastMath.Sigmoid);
        double worst = 0;
        for (int i = 0; i < a.Length; i++)
        {
            double exact = 1.0 / (1.0 + Math.Exp(-(double)x[i]));
            worst = Math.Max(worst, Math.Abs(a[i] - exact));
            Assert.Equal(a[i], b[i]);
            Assert.Equal(a[i], c[i]);
            Assert.InRange(a[i], 0f, 1f);
        }
        Assert.True(worst < 2e-7, $"max abs error {worst:E3}");
    }

    [Fact]
    public void Tanh_IsWithin4e7OfDouble_AndOdd()
    {
        float[] x = Inputs();
        var (a, b, c) = Evaluate(x, FastMath.Tanh, FastMath.Tanh, FastMath.Tanh, FastMath.Tanh);
        double worst = 0;
        for (int i = 0; i < a.Length; i++)
        {
            worst = Math.Max(worst, Math.Abs(a[i] - Math.Tanh(x[i])));
            Assert.Equal(a[i], b[i]);
            Assert.Equal(a[i], c[i]);
            Assert.InRange(a[i], -1f, 1f);
        }
        Assert.True(worst < 4e-7, $"max abs error {worst:E3}");
        Assert.Equal(0f, FastMath.Tanh(0f));
        Assert.Equal(1f, FastMath.Tanh(50f));
        Assert.Equal(-1f, FastMath.Tanh(-50f));
    }

    [Fact]
    public void Tanh_HasRelativeErrorBelow3e7_NearZero_AndKeepsNaN()
    {
        // The rational form has no cancellation near 0 (the exp-based one it replaced had an absolute error of 1e-7 there).
        double worst = 0;
        for (float v = 1e-8f; v < 0.1f; v *= 1.001f)
        {
            worst = Math.Max(worst, Math.Abs(FastMath.Tanh(v) / Math.Tanh(v) - 1));
        }
        Assert.True(worst < 3e-7, $"max relative error {worst:E3}");
        Assert.True(float.IsNaN(FastMath.Tanh(float.NaN)));
        Assert.True(float.IsNaN(FastMath.Sigmoid(float.NaN)));
        Assert.True(float.IsNaN(FastMath.Tanh(Vector256.Create(float.NaN)).GetElement(3)));
        Assert.True(float.IsNaN(FastMath.Sigmoid(Vector128.Create(float.NaN)).GetElement(1)));
        Assert.True(float.IsNaN(FastMath.Tanh(Vector512.Create(float.NaN)).GetElement(15)));
        Assert.Equal(1f, FastMath.Tanh(float.PositiveInfinity));
        Assert.Equal(0f, FastMath.Sigmoid(float.NegativeInfinity));
    }

    [Theory]
    [InlineData(1, 8)]
    [InlineData(3, 13)]
    [InlineData(2, 32)]
    [InlineData(4, 50)]
    public void FusedCell_MatchesTheGenericCell(int rows, int units)
    {
        // LstmStep takes the fused path for the default activations; the reference is the cell in double precision.
        var rng = new Random(units * 31 + rows);
        int g4 = 4 * units;
        float[] z = new float[rows * g4], cPrev = new float[rows * units];
        for (int i = 0; i < z.Length; i++) z[i] = (float)(rng.NextDouble() * 12 - 6);
        for (int i = 0; i < cPrev.Length; i++) cPrev[i] = (float)(rng.NextDouble() * 4 - 2);
        float[] zIn = (float[])z.Clone();
        float[] c = new float[rows * units], h = new float[rows * units];
        byte[] mask = new byte[rows];
        Array.Fill(mask, (byte)1);
        mask[rows - 1] = (byte)(rows > 1 ? 0 : 1);
        float[] hPrev = new float[rows * units];
        Array.Fill(hPrev, 0.25f);
        Kernels.LstmStep(z, cPrev, hPrev, c, h, rows, units, Activation.Tanh, Activation.Sigmoid, mask);
        for (int r = 0; r < rows; r++)
        {
            for (int u = 0; u < units; u++)
            {
                int k = r * units + u;
                if (mask[r] == 0)
                {
                    Assert.Equal(cPrev[k], c[k]);
                    Assert.Equal(0.25f, h[k]);
                    continue;
                }
                double Sig(double v) => 1 / (1 + Math.Exp(-v));
                double i = Sig(zIn[r * g4 + u]), f = Sig(zIn[r * g4 + units + u]), g = Math.Tanh(zIn[r * g4 + 2 * units + u]), o = Sig(zIn[r * g4 + 3 * units + u]);
                double cn = f * cPrev[k] + i * g;
                Assert.True(Math.Abs(c[k] - cn) < 1e-6, $"c[{r},{u}] = {c[k]}, expected {cn}");
                Assert.True(Math.Abs(h[k] - o * Math.Tanh(cn)) < 1e-6, $"h[{r},{u}] = {h[k]}, expected {o * Math.Tanh(cn)}");
                Assert.True(Math.Abs(z[r * g4 + u] - i) < 1e-6 && Math.Abs(z[r * g4 + 2 * units + u] - g) < 1e-6 && Math.Abs(z[r * g4 + 3 * units + u] - o) < 1e-6);
            }
        }
    }
}
