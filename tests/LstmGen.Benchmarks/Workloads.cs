using System;
using System.Collections.Generic;

namespace LstmGen.Benchmarks;

/// <summary>The timed workloads: name, variant (as the PyTorch peer names them) and one call.</summary>
public sealed record Workload(string Name, string Variant, Action Run);

public static class Workloads
{
    public static IReadOnlyList<Workload> Inference()
    {
        var rng = new Random(1234);
        var w1 = new W1Model(new ModelOptions { MaxBatch = 32 });
        var w2 = new W2Model(new ModelOptions { MaxBatch = 32 });
        var w2Looped = new W2ModelLooped(new ModelOptions { MaxBatch = 32 });
        int[] tokens = new int[32 * W1Model.InputLength];
        for (int i = 0; i < tokens.Length; i++) tokens[i] = rng.Next(1, W1Model.Vocabulary);
        float[] series = new float[32 * W2Model.InputLength];
        for (int i = 0; i < series.Length; i++) series[i] = (float)rng.NextDouble();
        float[] y = new float[32];

        return
        [
            new("W1", "infer_b1", () => w1.Predict(tokens.AsSpan(0, W1Model.InputLength), y.AsSpan(0, 1))),
            new("W1", "infer_b32", () => w1.PredictBatch(tokens, y, 32)),
            new("W2", "infer_b1", () => w2.Predict(series.AsSpan(0, W2Model.InputLength), y.AsSpan(0, 1))),
            new("W2", "infer_b32", () => w2.PredictBatch(series, y, 32)),
            new("W2", "infer_b1 (loop)", () => w2Looped.Predict(series.AsSpan(0, W2Model.InputLength), y.AsSpan(0, 1))),
            new("W2", "infer_b32 (loop)", () => w2Looped.PredictBatch(series, y, 32)),
        ];
    }
}
