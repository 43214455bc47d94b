using System;
using System.Collections.Generic;
using System.Linq;
using System.Numerics.Tensors;

namespace LstmGen.Benchmarks;

/// <summary>
/// <c>dotnet run -c Release --project tests/LstmGen.Benchmarks -- scaling</c>: a model of W1, W4 and W5 on more cores,
/// built from costs measured on this machine, with predicted 1, 2, 4, 8 and 16-worker figures; every worker count this
/// machine has is also measured, so a larger machine checks the prediction.
/// <para>
/// The model: a batch of B rows split over p workers (ParallelPredictor, Fit's Workers) costs one worker's time on
/// ⌈B/p⌉ rows, measured on one thread (so the lower efficiency of small per-worker products is in it), plus the pool's
/// fork and join, s per extra worker, plus for training the serial part of a Fit step (U: batch copy, finiteness check,
/// optimiser update; the update is split over the workers when there are 16 K+ parameters per worker) and the reduction
/// of the p gradient buffers (split over the workers: one pass over the parameters in all, a). It ignores contention for
/// shared caches and memory bandwidth, which the measured columns show.
/// </para>
/// </summary>
internal static class Scaling
{
    private static readonly int[] Counts = [1, 2, 4, 8, 16];

    public static int Run(string[] args)
    {
        bool quick = args.Contains("--quick");
        double seconds = quick ? 0.3 : 1.5;
        int cores = Environment.ProcessorCount;
        Console.WriteLine($"Scaling model on {cores} cores ({KernelInfo.Description}); times are medians in µs.");

        // Fork and join of the worker pool per extra worker: a 2-worker batch of 2 rows of a tiny model against one row
        // on one thread.
        var tiny = new W2Model(new ModelOptions { MaxBatch = 2 });
        float[] tinyX = new float[2 * W2Model.InputLength];
        float[] tinyY = new float[2];
        double tinyOne = Median(() => tiny.PredictBatch(tinyX.AsSpan(0, W2Model.InputLength), tinyY.AsSpan(0, 1), 1), seconds);
        double sync;
        using (var tinyPair = new ParallelPredictor<float>(tiny, workers: 2))
        {
            double tinyTwo = Median(() => tinyPair.PredictBatch(tinyX, tinyY, 2), seconds);
            sync = Math.Max(0, tinyTwo - tinyOne);
            Console.WriteLine($"Pool fork and join per extra worker: s = {sync:F1} µs (W2 on 2 rows, 2 workers: {tinyTwo:F1} µs; 1 row, 1 thread: {tinyOne:F1} µs)");
        }

        var rows = new List<string>();
        var rng = new Random(77);

        // W1 inference at batch 32.
        var w1 = new W1Model(new ModelOptions { MaxBatch = 32 });
        int[] tokens = new int[32 * W1Model.InputLength];
        for (int i = 0; i < tokens.Length; i++) tokens[i] = rng.Next(1, W1Model.Vocabulary);
        float[] y1 = new float[32];
        rows.Add(Inference("W1 inference b32", 32, r => () => w1.PredictBatch(tokens.AsSpan(0, r * W1Model.InputLength), y1.AsSpan(0, r), r),
            p => new ParallelPredictor<int>(w1, p), (pp, b) => () => pp.PredictBatch(tokens, y1, b), sync, seconds));

        // W4 forward at batch 64.
        var w4 = new W4Model(new ModelOptions { MaxBatch = 64 });
        float[] x4 = new float[64 * W4Model.InputLength];
        for (int i = 0; i < x4.Length; i++) x4[i] = (float)rng.NextDouble() - 0.5f;
        float[] y4 = new float[64 * W4Model.OutputLength];
        rows.Add(Inference("W4 forward b64", 64, r => () => w4.PredictBatch(x4.AsSpan(0, r * W4Model.InputLength), y4.AsSpan(0, r * W4Model.OutputLength), r),
            p => new ParallelPredictor<float>(w4, p), (pp, b) => () => pp.PredictBatch(x4, y4, b), sync, quick ? 2 : 6));

        // W1 and W5 training at batch 32 (Fit, MSE/BCE, Adam), per step.
        int[] tokensFit = new int[8 * tokens.Length];
        for (int i = 0; i < tokensFit.Length; i++) tokensFit[i] = rng.Next(1, W1Model.Vocabulary);
        float[] labelsFit = new float[8 * 32];
        for (int i = 0; i < labelsFit.Length; i++) labelsFit[i] = rng.Next(2);
        rows.Add(Training("W1 training b32", new W1Model(), tokensFit, labelsFit, W1Model.InputLength, Loss.BinaryCrossEntropy, sync, seconds));

        float[] x5 = new float[8 * 32 * W5Model.InputLength];
        for (int i = 0; i < x5.Length; i++) x5[i] = (float)rng.NextDouble();
        float[] y5 = new float[8 * 32];
        for (int i = 0; i < y5.Length; i++) y5[i] = (float)rng.NextDouble();
        rows.Add(Training("W5 training b32", new W5Model(), x5, y5, W5Model.InputLength, Loss.MeanSquaredError, sync, seconds));

        Console.WriteLine();
        Console.WriteLine($"| workload | {string.Join(" | ", Counts.Select(p => $"{p} worker{(p > 1 ? "s" : "")}"))} |");
        Console.WriteLine($"| --- |{string.Concat(Counts.Select(_ => " ---: |"))}");
        foreach (string row in rows) Console.WriteLine(row);
        Console.WriteLine();
        Console.WriteLine($"Each cell: predicted µs (measured µs where this machine has that many cores: {cores}); speed-up over 1 worker in brackets.");
        return 0;
    }

    private static string Inference<TModel>(string name, int batch, Func<int, Action> oneThread, Func<int, ParallelPredictor<TModel>> create,
        Func<ParallelPredictor<TModel>, int, Action> parallel, double sync, double seconds)
        where TModel : unmanaged
    {
        var cells = new List<string>();
        double one = 0;
        foreach (int p in Counts)
        {
            int rows = (batch + p - 1) / p;
            double part = Median(oneThread(rows), seconds);
            double predicted = part + sync * (p - 1);
            if (p == 1) one = predicted;
            string measured = "";
            if (p > 1 && p <= Environment.ProcessorCount)
            {
                using ParallelPredictor<TModel> pp = create(p);
                measured = $" (measured {Median(parallel(pp, batch), seconds):F0})";
            }
            Console.WriteLine($"  {name}: {p} workers: one thread on {rows} rows {part:F1} µs + {p - 1} × s → {predicted:F1} µs{measured}");
            cells.Add($"{predicted:F0}{measured} [{one / predicted:F1}×]");
        }
        return $"| {name} | {string.Join(" | ", cells)} |";
    }

    private static string Training<TModel>(string name, ITrainableModel<TModel> model, TModel[] x, float[] y, int inputLength, Loss loss, double sync, double seconds)
        where TModel : unmanaged
    {
        const int Batch = 32;
        int steps = y.Length / Batch;
        int parameters = model.Weights.Count;
        FitOptions Options(int workers) => new()
        {
            Loss = loss, Epochs = 1, BatchSize = Batch, Workers = workers, Verbose = Verbosity.Silent, Optimizer = new Adam(), Shuffle = false,
        };
        FitOptions single = Options(1);
        double fitOne = Median(() => model.Fit(x, y, single), seconds) / steps;
        double gradients = Median(() => model.ComputeGradients(x.AsSpan(0, Batch * inputLength), y.AsSpan(0, Batch), Batch, loss), seconds);
        // Fit's serial part U (batch copy, finiteness check, optimiser), and of it the optimiser update alone, which
        // Fit splits over the workers by parameter ranges (16 K+ parameters per worker).
        double serial = Math.Max(0, fitOne - gradients);
        var adam = new Adam();
        float[] someGradients = model.Gradients.Parameters.ToArray();
        double update = Median(() => adam.Apply(model.Weights, someGradients), seconds);
        double unsplit = Math.Max(0, serial - update);
        // The reduction: each worker sums the p gradient buffers over 1/p of the parameters (one multiply-add pass over
        // all of them in total, a) after clearing its range.
        float[] sum = new float[parameters], part = new float[parameters];
        double reduce = Median(() => TensorPrimitives.MultiplyAdd(part, 0.5f, sum, sum), seconds);
        double clear = Median(() => Array.Clear(sum), seconds);
        Console.WriteLine($"  {name}: Fit step on 1 worker {fitOne:F1} µs = gradients {gradients:F1} + serial U {serial:F1} (of which the Adam update over {parameters} parameters {update:F1}); reduction pass a = {reduce:F1} µs + clear {clear:F1}");
        var cells = new List<string>();
        double one = 0;
        foreach (int p in Counts)
        {
            int rows = (Batch + p - 1) / p;
            double part1 = p == 1 ? gradients : Median(() => model.ComputeGradients(x.AsSpan(0, rows * inputLength), y.AsSpan(0, rows), rows, loss), seconds);
            int updaters = Math.Max(1, Math.Min(p, parameters / (16 * 1024)));
            // Three pool runs per step with workers (gradients, reduction, update), each waking p - 1 of them.
            double predicted = p == 1 ? part1 + serial : part1 + unsplit + update / updaters + 3 * sync * (p - 1) + clear / p + reduce;
            if (p == 1) one = predicted;
            string measured = "";
            if (p > 1 && p <= Environment.ProcessorCount)
            {
                FitOptions options = Options(p);
                measured = $" (measured {Median(() => model.Fit(x, y, options), seconds) / steps:F0})";
            }
            Console.WriteLine($"  {name}: {p} workers: gradients on {rows} rows {part1:F1} µs → {predicted:F1} µs per step{measured}");
            cells.Add($"{predicted:F0}{measured} [{one / predicted:F1}×]");
        }
        return $"| {name} | {string.Join(" | ", cells)} |";
    }

    // Few warm-up calls and samples: W4 takes about 0.4 s a call and is timed at five batch sizes.
    private static double Median(Action run, double seconds) => Compare.Time(run, seconds, warmups: 3, minSamples: 5).Median;
}
