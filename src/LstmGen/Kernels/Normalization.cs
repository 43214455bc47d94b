using System;
using System.Numerics.Tensors;

namespace LstmGen;

/// <summary>
/// BatchNormalization, LayerNormalization and Masking over the last axis of (rows, channels) tensors, with Keras 3's
/// formulas. The forward passes keep the normalised values x̂ and 1/σ per channel (BatchNormalization) or per row
/// (LayerNormalization) for the backward pass.
/// </summary>
public static partial class Kernels
{
    /// <summary>
    /// BatchNormalization. In inference (<paramref name="training"/> false) the moving statistics normalise; in training
    /// the batch's (over the rows; with a <paramref name="mask"/>, over the unmasked rows with Keras's weighted moments),
    /// and when <paramref name="updateMoving"/> the moving statistics move towards them: m ← m·momentum + s·(1 - momentum).
    /// Writes x̂ (rows, channels), the mean used and 1/σ (channels each) and y = γ·x̂ + β (an empty γ is 1, an empty β is 0).
    /// </summary>
    public static void BatchNorm(ReadOnlySpan<float> x, Span<float> y, Span<float> xhat, Span<float> mean, Span<float> invStd, ReadOnlySpan<float> gamma,
        ReadOnlySpan<float> beta, Span<float> movingMean, Span<float> movingVariance, int rows, int channels, float epsilon, float momentum,
        bool training, bool updateMoving, ReadOnlySpan<byte> mask)
    {
        if (x.Length < rows * channels || y.Length < rows * channels || xhat.Length < rows * channels || invStd.Length < channels || mean.Length < channels)
        {
            throw new ArgumentException($"BatchNorm: spans too short for {rows} rows of {channels} channels.");
        }
        if (!training)
        {
            for (int c = 0; c < channels; c++)
            {
                mean[c] = movingMean[c];
                invStd[c] = 1f / MathF.Sqrt(movingVariance[c] + epsilon);
            }
        }
        else
        {
            // Moments in double, per channel: a Keras-weighted mean and biased variance over the counted rows.
            double weight = 0;
            for (int r = 0; r < rows; r++) weight += mask.IsEmpty || mask[r] != 0 ? 1 : 0;
            double denominator = mask.IsEmpty ? weight : weight + 1e-7; // Keras adds its epsilon to a mask's weight sum
            BatchMoments(x, mask, rows, channels, denominator, mean, invStd, epsilon, movingMean, movingVariance, momentum, updateMoving);
        }
        Normalize(x, y, xhat, mean, invStd, gamma, beta, rows, channels);
    }

    private static void BatchMoments(ReadOnlySpan<float> x, ReadOnlySpan<byte> mask, int rows, int channels, double denominator, Span<float> means,
        Span<float> invStd, float epsilon, Span<float> movingMean, Span<float> movingVariance, float momentum, bool updateMoving)
    {
        for (int c = 0; c < channels; c++)
        {
            double sum = 0;
            for (int r = 0; r < rows; r++)
            {
                if (mask.IsEmpty || mask[r] != 0) sum += x[r * channels + c];
            }
            double mu = denominator > 0 ? sum / denominator : 0;
            double squares = 0;
            for (int r = 0; r < rows; r++)
            {
                if (mask.IsEmpty || mask[r] != 0)
                {
                    double d = x[r * channels + c] - mu;
                    squares += d * d;
                }
            }
            double variance = denominator > 0 ? squares / denominator : 0;
            means[c] = (float)mu;
            invStd[c] = (float)(1.0 / Math.Sqrt(variance + epsilon));
            if (updateMoving)
            {
                movingMean[c] = (float)(movingMean[c] * (double)momentum + mu * (1.0 - momentum));
                movingVariance[c] = (float)(movingVariance[c] * (double)momentum + variance * (1.0 - momentum));
            }
        }
    }

    private static void Normalize(ReadOnlySpan<float> x, Span<float> y, Span<float> xhat, ReadOnlySpan<float> mean, ReadOnlySpan<float> invStd,
        ReadOnlySpan<float> gamma, ReadOnlySpan<float> beta, int rows, int channels)
    {
        for (int r = 0; r < rows; r++)
        {
            for (int c = 0; c < channels; c++)
            {
                int i = r * channels + c;
                float h = (x[i] - mean[c]) * invStd[c];
                xhat[i] = h;
                y[i] = Simd.MulAdd(gamma.IsEmpty ? 1f : gamma[c], h, beta.IsEmpty ? 0f : beta[c]);
            }
        }
    }

    /// <summary>
    /// Backward of <see cref="BatchNorm"/>. Adds Σ dy·x̂ to <paramref name="dGamma"/> and Σ dy to <paramref name="dBeta"/>
    /// (either may be empty); writes dx: in inference dy·γ/σ; in training
    /// γ/σ·(dy - m/W·(Σdy + x̂·Σdy·x̂)), with m the row's mask and W the counted rows (the batch statistics' gradient).
    /// </summary>
    public static void BatchNormBackward(ReadOnlySpan<float> dy, ReadOnlySpan<float> xhat, ReadOnlySpan<float> invStd, ReadOnlySpan<float> gamma,
        Span<float> dx, Span<float> dGamma, Span<float> dBeta, int rows, int channels, bool training, ReadOnlySpan<byte> mask)
    {
        double weight = 0;
        for (int r = 0; r < rows; r++) weight += mask.IsEmpty || mask[r] != 0 ? 1 : 0;
        double denominator = mask.IsEmpty ? weight : weight + 1e-7;
        for (int c = 0; c < channels; c++)
        {
            double sumDy = 0, sumDyX = 0;
            for (int r = 0; r < rows; r++)
            {
                int i = r * channels + c;
                sumDy += dy[i];
                sumDyX += dy[i] * (double)xhat[i];
            }
            if (!dGamma.IsEmpty) dGamma[c] += (float)sumDyX;
            if (!dBeta.IsEmpty) dBeta[c] += (float)sumDy;
            if (dx.IsEmpty)
            {
                continue;
            }
            float g = (gamma.IsEmpty ? 1f : gamma[c]) * invStd[c];
            for (int r = 0; r < rows; r++)
            {
                int i = r * channels + c;
                if (!training || denominator <= 0)
                {
                    dx[i] = dy[i] * g;
                    continue;
                }
                double m = mask.IsEmpty || mask[r] != 0 ? 1.0 / denominator : 0.0;
                dx[i] = (float)(g * (dy[i] - m * (sumDy + xhat[i] * sumDyX)));
            }
        }
    }

    /// <summary>
    /// LayerNormalization of each row: x̂ = (x - mean)/σ over the row's channels (biased variance, ε inside the root),
    /// y = γ·x̂ + β; keeps x̂ and 1/σ per row (<paramref name="invStd"/>, rows).
    /// </summary>
    public static void LayerNorm(ReadOnlySpan<float> x, Span<float> y, Span<float> xhat, Span<float> invStd, ReadOnlySpan<float> gamma,
        ReadOnlySpan<float> beta, int rows, int channels, float epsilon)
    {
        for (int r = 0; r < rows; r++)
        {
            ReadOnlySpan<float> xr = x.Slice(r * channels, channels);
            double sum = 0;
            foreach (float v in xr) sum += v;
            double mu = sum / channels, squares = 0;
            foreach (float v in xr) squares += (v - mu) * (v - mu);
            float s = (float)(1.0 / Math.Sqrt(squares / channels + epsilon));
            invStd[r] = s;
            for (int c = 0; c < channels; c++)
            {
                int i = r * channels + c;
                float h = (float)(x[i] - mu) * s;
                xhat[i] = h;
                y[i] = Simd.MulAdd(gamma.IsEmpty ? 1f : gamma[c], h, beta.IsEmpty ? 0f : beta[c]);
            }
        }
    }

    /// <summary>Backward of <see cref="LayerNorm"/>: dx = (1/σ)·(g - mean(g) - x̂·mean(g·x̂)) with g = dy·γ; adds Σ dy·x̂ and Σ dy.</summary>
    public static void LayerNormBackward(ReadOnlySpan<float> dy, ReadOnlySpan<float> xhat, ReadOnlySpan<float> invStd, ReadOnlySpan<float> gamma,
        Span<float> dx, Span<float> dGamma, Span<float> dBeta, int rows, int channels)
    {
        for (int r = 0; r < rows; r++)
        {
            double meanG = 0, meanGX = 0;
            for (int c = 0; c < channels; c++)
            {
                int i = r * channels + c;
                double g = dy[i] * (double)(gamma.IsEmpty ? 1f : gamma[c]);
                meanG += g;
                meanGX += g * xhat[i];
                if (!dGamma.IsEmpty) dGamma[c] += dy[i] * xhat[i];
                if (!dBeta.IsEmpty) dBeta[c] += dy[i];
            }
            meanG /= channels;
            meanGX /= channels;
            if (dx.IsEmpty)
            {
                continue;
            }
            for (int c = 0; c < channels; c++)
            {
                int i = r * channels + c;
                double g = dy[i] * (double)(gamma.IsEmpty ? 1f : gamma[c]);
                dx[i] = (float)(invStd[r] * (g - meanG - xhat[i] * meanGX));
            }
        }
    }

    /// <summary>
    /// Keras Masking: a row (one step of one sample) whose values all equal <paramref name="maskValue"/> is masked:
    /// <paramref name="mask"/>[row] = 0 and the row of y is zero; other rows pass unchanged (mask 1).
    /// </summary>
    public static void Masking(ReadOnlySpan<float> x, Span<float> y, Span<byte> mask, int rows, int channels, float maskValue)
    {
        for (int r = 0; r < rows; r++)
        {
            ReadOnlySpan<float> xr = x.Slice(r * channels, channels);
            bool keep = false;
            foreach (float v in xr)
            {
                if (v != maskValue)
                {
                    keep = true;
                    break;
                }
            }
            mask[r] = keep ? (byte)1 : (byte)0;
            if (keep) xr.CopyTo(y.Slice(r * channels, channels)); else y.Slice(r * channels, channels).Clear();
        }
    }

    /// <summary>Backward of <see cref="Masking"/>: dx = dy on kept rows, 0 on masked ones.</summary>
    public static void MaskingBackward(ReadOnlySpan<float> dy, Span<float> dx, ReadOnlySpan<byte> mask, int rows, int channels)
    {
        for (int r = 0; r < rows; r++)
        {
            if (mask[r] != 0) dy.Slice(r * channels, channels).CopyTo(dx.Slice(r * channels, channels));
            else dx.Slice(r * channels, channels).Clear();
        }
    }
}
