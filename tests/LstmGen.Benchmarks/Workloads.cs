using System;
using System.Collections.Generic;
using System.Linq;

namespace LstmGen.Benchmarks;

/// <summary>The timed workloads: name, variant (as the PyTorch peer names them) and one call.</summary>
public sealed record Workload(string Name, string Variant, Action Run, int StepsPerCall = 1);

public static class Workloads
{
    /// <summary>
    /// The splitters the workloads use, by the workloads they serve: `compare` prints how many products and steps each
    /// handed to its helper and how many ran alone during back-offs (the helper late: its core busy elsewhere).
    /// </summary>
    public static List<(string Workloads, ProductSplitter Splitter)> Splitters { get; } = [];

    private static ProductSplitter Splitter(string workloads)
    {
        var splitter = new ProductSplitter();
        Splitters.Add((workloads, splitter));
        return splitter;
    }

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
        var p1 = new ParallelPredictor<int>(w1, workers: 2);
        var p2 = new ParallelPredictor<float>(w2, workers: 2);
        // The other way to use two cores for one batch: each step's products split by columns (by packed panels where the
        // recurrent kernel is packed) and each LSTM step's rows split, between the calling thread and a helper.
        var splitter = Splitter("W1, W2 inference b32");

        return
        [
            new("W1", "infer_b1", () => w1.Predict(tokens.AsSpan(0, W1Model.InputLength), y.AsSpan(0, 1))),
            new("W1", "infer_b32", () => w1.PredictBatch(tokens, y, 32)),
            new("W2", "infer_b1", () => w2.Predict(series.AsSpan(0, W2Model.InputLength), y.AsSpan(0, 1))),
            new("W2", "infer_b32", () => w2.PredictBatch(series, y, 32)),
            new("W2", "infer_b1 (loop)", () => w2Looped.Predict(series.AsSpan(0, W2Model.InputLength), y.AsSpan(0, 1))),
            new("W2", "infer_b32 (loop)", () => w2Looped.PredictBatch(series, y, 32)),
            new("W1", "infer_b1 (2 workers)", () => p1.Predict(tokens.AsSpan(0, W1Model.InputLength), y.AsSpan(0, 1))),
            new("W1", "infer_b32 (2 workers)", () => p1.PredictBatch(tokens, y, 32)),
            new("W2", "infer_b32 (2 workers)", () => p2.PredictBatch(series, y, 32)),
            new("W1", "infer_b32 (split products, 2 cores)", () =>
            {
                using (splitter.Enter()) w1.PredictBatch(tokens, y, 32);
            }),
            new("W2", "infer_b32 (split products, 2 cores)", () =>
            {
                using (splitter.Enter()) w2.PredictBatch(series, y, 32);
            }),
        ];
    }

    /// <summary>W3: one streaming step of LSTM(8/32/64); reported per step (batched 1000 steps per timed call).</summary>
    public static IReadOnlyList<Workload> Streaming()
    {
        var s8 = new W3Lstm8().OpenStream();
        var s32 = new W3Lstm32().OpenStream();
        var s64 = new W3Lstm64().OpenStream();
        float[] x = [0.3f];
        float[] y8 = new float[8], y32 = new float[32], y64 = new float[64];
        const int Steps = 1000;
        return
        [
            new("W3", "stream_h8", () => { for (int i = 0; i < Steps; i++) s8.Step(x, y8); }, Steps),
            new("W3", "stream_h32", () => { for (int i = 0; i < Steps; i++) s32.Step(x, y32); }, Steps),
            new("W3", "stream_h64", () => { for (int i = 0; i < Steps; i++) s64.Step(x, y64); }, Steps),
        ];
    }

    /// <summary>W4: forward, and forward + backward, of LSTM(512) on (64, 100, 128); W5: training steps.</summary>
    public static IReadOnlyList<Workload> Large()
    {
        var rng = new Random(5);
        var w4 = new W4Model(new ModelOptions { MaxBatch = 64 });
        float[] x = new float[64 * W4Model.InputLength];
        for (int i = 0; i < x.Length; i++) x[i] = (float)rng.NextDouble() - 0.5f;
        float[] y = new float[64 * W4Model.OutputLength];
        float[] targets = new float[64 * W4Model.OutputLength];
        var w5 = new W5Model();
        float[] x5 = new float[32 * W5Model.InputLength];
        for (int i = 0; i < x5.Length; i++) x5[i] = (float)rng.NextDouble();
        float[] y5 = new float[32];
        var adam = new Adam();
        var p4 = new ParallelPredictor<float>(w4, workers: 2);
        var splitter4 = Splitter("W4 forward");
        // W5 on two workers: Fit over 8 batches of 32 (the same sample repeated), reported per step.
        const int W5Steps = 8;
        var w5Fit = new W5Model();
        float[] x5Fit = new float[W5Steps * x5.Length];
        for (int s = 0; s < W5Steps; s++) x5.CopyTo(x5Fit, s * x5.Length);
        float[] y5Fit = new float[W5Steps * 32];
        var w5Split = new W5Model();
        var adam5Split = new Adam();
        var splitter5 = Splitter("W5 training");
        var w5Two = new FitOptions { Loss = Loss.MeanSquaredError, Epochs = 1, BatchSize = 32, Workers = 2, Verbose = Verbosity.Silent, Optimizer = new Adam() };
        // W4 forward + backward on two workers: Fit over 3 batches of 64 (the same batch repeated), reported per step: two
        // halves of 32 on two threads, their gradients summed, then Adam over 1.3 M parameters, which the peers' forward +
        // backward rows do not include. Several steps per call, as for W5, so the replica's workspaces (allocated once per
        // Fit call; the gates of every step and their gradients are 52 MB each here) are shared by the steps as in a real
        // run: a one-step Fit measured 110-140 ms slower than the two halves computed in parallel.
        const int W4Steps = 3;
        var w4Fit = new W4Model(new ModelOptions { MaxBatch = 64 });
        float[] x4Fit = new float[W4Steps * x.Length];
        for (int s = 0; s < W4Steps; s++) x.CopyTo(x4Fit, s * x.Length);
        float[] t4Fit = new float[W4Steps * targets.Length];
        var w4Two = new FitOptions { Loss = Loss.MeanSquaredError, Epochs = 1, BatchSize = 64, Workers = 2, Shuffle = false, Verbose = Verbosity.Silent, Optimizer = new Adam() };
        return
        [
            new("W4", "forward", () => w4.PredictBatch(x, y, 64)),
            new("W4", "forward (2 workers)", () => p4.PredictBatch(x, y, 64)),
            new("W4", "forward (split products, 2 cores)", () =>
            {
                using (splitter4.Enter()) w4.PredictBatch(x, y, 64);
            }),
            new("W4", "forward_backward", () => w4.ComputeGradients(x, targets, 64, Loss.MeanSquaredError)),
            new("W4", "forward_backward (fit step, 2 workers)", () => w4Fit.Fit(x4Fit, t4Fit, w4Two), W4Steps),
            new("W5", "train_b32", () => w5.TrainStep(x5, y5, 32, Loss.MeanSquaredError, adam)),
            new("W5", "train_b32 (fit, 2 workers)", () => w5Fit.Fit(x5Fit, y5Fit, w5Two), W5Steps),
            new("W5", "train_b32 (split products, 2 cores)", () =>
            {
                using (splitter5.Enter()) w5Split.TrainStep(x5, y5, 32, Loss.MeanSquaredError, adam5Split);
            }),
        ];
    }

    /// <summary>FLOPs of W4's matrix products (the peer counts the same): forward 2·steps·batch·4u·(in + u), backward twice that.</summary>
    public const double W4ForwardFlops = 2.0 * 100 * 64 * 4 * 512 * (128 + 512);

    /// <summary>Every workload `compare` times, in its order (fresh models each call).</summary>
    public static IEnumerable<Workload> All() =>
        Inference().Concat(Training()).Concat(Streaming()).Concat(Large()).Concat(NewLayers());

    /// <summary>Training: one step (forward, loss, backward, Adam) at batch 32, and Fit epochs of 16 steps on 1 and 2 workers.</summary>
    public static IReadOnlyList<Workload> Training()
    {
        var rng = new Random(1234);
        const int Steps = 16, Batch = 32;
        var w1 = new W1Model();
        var w2 = new W2Model();
        int[] tokens = new int[Steps * Batch * W1Model.InputLength];
        for (int i = 0; i < tokens.Length; i++) tokens[i] = rng.Next(1, W1Model.Vocabulary);
        float[] labels = new float[Steps * Batch];
        for (int i = 0; i < labels.Length; i++) labels[i] = rng.Next(2);
        float[] series = new float[Steps * Batch * W2Model.InputLength];
        for (int i = 0; i < series.Length; i++) series[i] = (float)rng.NextDouble();
        float[] targets = new float[Steps * Batch];
        for (int i = 0; i < targets.Length; i++) targets[i] = (float)rng.NextDouble();
        var adam1 = new Adam();
        var adam2 = new Adam();
        var w1Split = new W1Model();
        var w2Split = new W2Model();
        var adam1Split = new Adam();
        var adam2Split = new Adam();
        var splitter = Splitter("W1, W2 training");
        FitOptions Fit(Loss loss, int workers) => new() { Loss = loss, Epochs = 1, BatchSize = Batch, Workers = workers, Verbose = Verbosity.Silent, Optimizer = new Adam() };
        FitOptions w1One = Fit(Loss.BinaryCrossEntropy, 1), w1Two = Fit(Loss.BinaryCrossEntropy, 2);
        FitOptions w2One = Fit(Loss.MeanSquaredError, 1), w2Two = Fit(Loss.MeanSquaredError, 2);
        return
        [
            new("W1", "train_b32", () => w1.TrainStep(tokens.AsSpan(0, Batch * W1Model.InputLength), labels.AsSpan(0, Batch), Batch, Loss.BinaryCrossEntropy, adam1)),
            new("W1", "train_b32 (fit, 1 worker)", () => w1.Fit(tokens, labels, w1One), Steps),
            new("W1", "train_b32 (fit, 2 workers)", () => w1.Fit(tokens, labels, w1Two), Steps),
            new("W1", "train_b32 (split products, 2 cores)", () =>
            {
                using (splitter.Enter()) w1Split.TrainStep(tokens.AsSpan(0, Batch * W1Model.InputLength), labels.AsSpan(0, Batch), Batch, Loss.BinaryCrossEntropy, adam1Split);
            }),
            new("W2", "train_b32", () => w2.TrainStep(series.AsSpan(0, Batch * W2Model.InputLength), targets.AsSpan(0, Batch), Batch, Loss.MeanSquaredError, adam2)),
            new("W2", "train_b32 (split products, 2 cores)", () =>
            {
                using (splitter.Enter()) w2Split.TrainStep(series.AsSpan(0, Batch * W2Model.InputLength), targets.AsSpan(0, Batch), Batch, Loss.MeanSquaredError, adam2Split);
            }),
            new("W2", "train_b32 (fit, 1 worker)", () => w2.Fit(series, targets, w2One), Steps),
            new("W2", "train_b32 (fit, 2 workers)", () => w2.Fit(series, targets, w2Two), Steps),
        ];
    }

    /// <summary>
    /// W6 GRU(64) and W7 SimpleRNN(64) on W5's shape (64 steps, 32 features), W8 Conv1D(64, 3) → LSTM(64) → Dense(1) on
    /// (100, 8): a training step at batch 32 (MSE, Adam) and batch-1 inference each (the PyTorch peer runs the same).
    /// </summary>
    public static IReadOnlyList<Workload> NewLayers()
    {
        var rng = new Random(6);
        var w6 = new W6Gru();
        var w6One = new W6Gru();
        var w7 = new W7SimpleRnn();
        var w7One = new W7SimpleRnn();
        var w8 = new W8ConvLstm();
        var w8One = new W8ConvLstm();
        float[] x5 = new float[32 * W6Gru.InputLength];
        for (int i = 0; i < x5.Length; i++) x5[i] = (float)rng.NextDouble();
        float[] x8 = new float[32 * W8ConvLstm.InputLength];
        for (int i = 0; i < x8.Length; i++) x8[i] = (float)rng.NextDouble();
        float[] targets = new float[32];
        for (int i = 0; i < targets.Length; i++) targets[i] = (float)rng.NextDouble();
        float[] y = new float[32];
        Adam a6 = new(), a7 = new(), a8 = new();
        return
        [
            new("W6", "train_b32", () => w6.TrainStep(x5, targets, 32, Loss.MeanSquaredError, a6)),
            new("W6", "infer_b1", () => w6One.Predict(x5.AsSpan(0, W6Gru.InputLength), y.AsSpan(0, 1))),
            new("W7", "train_b32", () => w7.TrainStep(x5, targets, 32, Loss.MeanSquaredError, a7)),
            new("W7", "infer_b1", () => w7One.Predict(x5.AsSpan(0, W7SimpleRnn.InputLength), y.AsSpan(0, 1))),
            new("W8", "train_b32", () => w8.TrainStep(x8, targets, 32, Loss.MeanSquaredError, a8)),
            new("W8", "infer_b1", () => w8One.Predict(x8.AsSpan(0, W8ConvLstm.InputLength), y.AsSpan(0, 1))),
        ];
    }
}
