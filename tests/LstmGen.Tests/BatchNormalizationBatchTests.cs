using System;
using LstmGen.Tests.Models;
using Xunit;

namespace LstmGen.Tests;

/// <summary>
/// BatchNormalization's training statistics are the whole batch's (Keras). ComputeGradients works in chunks of
/// MaxBatch, which would give each chunk its own statistics and move the moving statistics once per chunk: a training
/// batch larger than MaxBatch is refused with the sizes named, and nothing changes; inference-mode gradients (moving
/// statistics, no per-batch state) still run in chunks.
/// </summary>
public class BatchNormalizationBatchTests
{
    [Fact]
    public void A_training_batch_larger_than_MaxBatch_is_refused_and_nothing_moves()
    {
        var model = new Normalized(new ModelOptions { Seed = 1, MaxBatch = 4 });
        var x = new float[8 * 6 * 3];
        for (int i = 0; i < x.Length; i++) x[i] = MathF.Sin(0.37f * i);
        var y = new float[8];
        float[] movingMean = model.Weights.Get("batch_normalization/moving_mean");
        float[] movingVariance = model.Weights.Get("batch_normalization/moving_variance");

        var e = Assert.Throws<ArgumentException>(() => model.ComputeGradients(x, y, 8, Loss.MeanSquaredError));
        Assert.Equal("batchSize", e.ParamName);
        Assert.StartsWith("BatchNormalization 'batch_normalization' takes its statistics over the whole training batch, and this model " +
            "computes at most 4 samples at a time: a training batch of 8 samples needs ModelOptions.MaxBatch >= 8.", e.Message, StringComparison.Ordinal);
        Assert.Equal(movingMean, model.Weights.Get("batch_normalization/moving_mean"));
        Assert.Equal(movingVariance, model.Weights.Get("batch_normalization/moving_variance"));

        // Inference mode and a batch that fits are served; the chunked inference-mode loss equals the one-chunk loss.
        float chunked = model.ComputeGradients(x, y, 8, Loss.MeanSquaredError, training: false);
        var whole = new Normalized(new ModelOptions { Seed = 1, MaxBatch = 8 });
        Assert.Equal(whole.ComputeGradients(x, y, 8, Loss.MeanSquaredError, training: false), chunked, 6);
        Assert.True(float.IsFinite(model.ComputeGradients(x.AsSpan(0, 4 * 18), y.AsSpan(0, 4), 4, Loss.MeanSquaredError)));
    }
}
