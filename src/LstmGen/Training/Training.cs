using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Numerics;
using System.Numerics.Tensors;
using System.Threading;

namespace LstmGen;

/// <summary>How much <see cref="Training.Fit{TInput}(ITrainableModel{TInput}, TInput[], float[], FitOptions)"/> prints (Keras's <c>verbose</c>).</summary>
public enum Verbosity
{
    /// <summary>Nothing (Keras 0).</summary>
    Silent = 0,
    /// <summary>A progress bar per epoch, redrawn in place on a console (Keras 1).</summary>
    ProgressBar = 1,
    /// <summary>One line per epoch (Keras 2).</summary>
    OneLinePerEpoch = 2,
}

/// <summary>Options of <see cref="Training.Fit{TInput}(ITrainableModel{TInput}, TInput[], float[], FitOptions)"/>, with Keras's defaults.</summary>
public sealed class FitOptions
{
    /// <summary>The loss (required).</summary>
    public required Loss Loss { get; init; }

    /// <summary>The optimiser; default <c>new Adam()</c>. It keeps its state between Fit calls.</summary>
    public Optimizer? Optimizer { get; init; }

    /// <summary>Epochs (default 1).</summary>
    public int Epochs { get; init; } = 1;

    /// <summary>Samples per gradient step (default 32).</summary>
    public int BatchSize { get; init; } = 32;

    /// <summary>Shuffle the training samples before each epoch (default true).</summary>
    public bool Shuffle { get; init; } = true;

    /// <summary>Seed of the shuffling (default 0): same seed, same worker count, same results.</summary>
    public int Seed { get; init; }

    /// <summary>Fraction of the samples, taken from the end before shuffling as Keras does, held out for validation (default 0).</summary>
    public double ValidationSplit { get; init; }

    /// <summary>Metrics reported beside the loss (and on the validation data with a <c>val_</c> prefix).</summary>
    public IReadOnlyList<Metric> Metrics { get; init; } = [];

    /// <summary>Early stopping, or null.</summary>
    public EarlyStopping? EarlyStopping { get; init; }

    /// <summary>Progress output (default <see cref="Verbosity.ProgressBar"/>).</summary>
    public Verbosity Verbose { get; init; } = Verbosity.ProgressBar;

    /// <summary>Where progress goes (default <see cref="Console.Out"/>).</summary>
    public TextWriter? Output { get; init; }

    /// <summary>
    /// Data-parallel workers: each batch is split into this many contiguous parts computed on separate threads with their
    /// own workspaces, and the gradients are summed in a fixed order (deterministic for a given seed and worker count).
    /// The sum and the optimiser update (Adam, AdamW, SGD, RMSprop without clipping, 16 K+ parameters per worker) are
    /// split over the workers by parameter ranges, with the same result as on one thread.
    /// 1 (default) runs on the calling thread; 0 uses every core. The default stays 1 because the result depends on the
    /// worker count (the batch is summed in other parts): the same seed trains the same weights on every machine.
    /// docs/performance.md ("Beyond two cores") models what more workers pay for a given model.
    /// The replicas Fit creates for the extra workers (sharing the weights, each with its own workspaces for the model's
    /// MaxBatch) and the worker threads are kept for the next Fit call: the replicas live as long as the model, the idle
    /// threads (background threads, up to four pools) as long as the process.
    /// </summary>
    public int Workers { get; init; } = 1;

    /// <summary>
    /// Runs each step on the calling thread with its large matrix products split over two cores (a
    /// <see cref="ProductSplitter"/>) instead of splitting the batch: results are bit-identical to <see cref="Workers"/> = 1.
    /// Pays for models whose products are large next to the rest of a step (measured: W1, LSTM(128) at batch 32, and
    /// W5, LSTM(64) over 64 steps; see docs/performance.md). Cannot be combined with <see cref="Workers"/> above 1.
    /// </summary>
    public bool SplitProducts { get; init; }

    /// <summary>Called after each epoch with its log.</summary>
    public Action<EpochLog>? OnEpochEnd { get; init; }

    /// <summary>Stops training between batches; the history then holds the finished epochs and <see cref="History.Cancelled"/> is true.</summary>
    public CancellationToken CancellationToken { get; init; }

    /// <summary>
    /// What to do when a batch's loss or a gradient is NaN or infinite (Keras's <c>TerminateOnNaN</c>): by default
    /// <see cref="NonFiniteLossAction.Throw"/>, a <see cref="NonFiniteLossException"/> before the update, so the weights
    /// stay finite. The check is one vectorised pass over the gradients per batch.
    /// </summary>
    public NonFiniteLossAction OnNonFiniteLoss { get; init; } = NonFiniteLossAction.Throw;
}

/// <summary>The loss and metrics of <see cref="Training.Evaluate{TInput}"/>.</summary>
public sealed class Evaluation
{
    internal Evaluation(double loss, IReadOnlyDictionary<string, double> metrics)
    {
        Loss = loss;
        Metrics = metrics;
    }

    /// <summary>Mean loss over the data.</summary>
    public double Loss { get; }

    /// <summary>Metric values by Keras name.</summary>
    public IReadOnlyDictionary<string, double> Metrics { get; }
}

/// <summary>Keras-style <c>fit</c> and <c>evaluate</c> for generated models.</summary>
public static class Training
{
    // The replicas a model's Fit calls have used, kept with the model (and collected with it): a replica's workspaces are
    // sized for the model's MaxBatch (about 20 MB for W5 of docs/performance.md), and creating them on every Fit call
    // made short calls (a few batches each, as in a hand-written epoch loop) allocate and page in that much each time.
    // With a replica and a worker pool (WorkerPool.Rent) per call, 8-batch calls of W5 on two workers allocated 20 MB
    // each (156 full collections in 166 calls) and took 2.5 ms a step; keeping both, 1.06-1.2 ms. Fit calls on one model
    // never run at once (the model's own workspaces throw on concurrent use), so they can share replicas.
    private static readonly System.Runtime.CompilerServices.ConditionalWeakTable<object, object[]> s_replicas = new();

    private static ITrainableModel<TInput>[] Replicas<TInput>(ITrainableModel<TInput> model, int workers)
        where TInput : unmanaged
    {
        var replicas = new ITrainableModel<TInput>[workers];
        replicas[0] = model;
        if (workers == 1) return replicas;
        lock (s_replicas)
        {
            object[] cached = s_replicas.TryGetValue(model, out object[]? found) ? found : [];
            if (cached.Length < workers - 1)
            {
                object[] grown = new object[workers - 1];
                cached.CopyTo(grown, 0);
                for (int w = cached.Length; w < grown.Length; w++) grown[w] = model.CreateReplica();
                s_replicas.AddOrUpdate(model, grown);
                cached = grown;
            }
            for (int w = 1; w < workers; w++) replicas[w] = (ITrainableModel<TInput>)cached[w - 1];
        }
        return replicas;
    }

    /// <summary>
    /// reduced[lo, hi) = Σ over workers, in worker order, of share[w] · gradients of worker w (parts with no rows skipped):
    /// a plain multiply then add per term (never fused), so every element is the same sum at any range split. Returns
    /// whether every element of the sum is finite: it is checked block by block while the block is in cache, which spares
    /// the non-finite check of the batch (<see cref="NonFiniteLoss"/>) a pass over all gradients on one thread.
    /// </summary>
    private static bool ReduceGradients<TInput>(ITrainableModel<TInput>[] replicas, int[] partCount, float[] share, float[] reduced, int lo, int hi)
        where TInput : unmanaged
    {
        const int Block = 4096; // 16 KB: the block's sum stays in the L1 cache across the replicas and the check
        bool finite = true;
        for (int b = lo; b < hi; b += Block)
        {
            int e = Math.Min(hi, b + Block);
            ReduceBlock(replicas, partCount, share, reduced, b, e);
            finite &= Kernels.AllFinite(reduced.AsSpan(b, e - b));
        }
        return finite;
    }

    private static void ReduceBlock<TInput>(ITrainableModel<TInput>[] replicas, int[] partCount, float[] share, float[] reduced, int lo, int hi)
        where TInput : unmanaged
    {
        Span<float> sum = reduced.AsSpan(lo, hi - lo);
        sum.Clear();
        for (int w = 0; w < replicas.Length; w++)
        {
            if (partCount[w] == 0) continue;
            ReadOnlySpan<float> g = replicas[w].Gradients.Parameters.AsSpan(lo, hi - lo);
            float s = share[w];
            int i = 0;
            if (Vector.IsHardwareAccelerated)
            {
                var vs = new Vector<float>(s);
                for (; i + Vector<float>.Count <= sum.Length; i += Vector<float>.Count)
                {
                    var product = new Vector<float>(g.Slice(i)) * vs;
                    (new Vector<float>(sum.Slice(i)) + product).CopyTo(sum.Slice(i));
                }
            }
            for (; i < sum.Length; i++)
            {
                float product = g[i] * s;
                sum[i] += product;
            }
        }
    }

    /// <summary>
    /// Trains the model as Keras's <c>model.fit</c>: <paramref name="x"/> holds the samples back to back
    /// (<see cref="ISequentialModel.InputLength"/> each), <paramref name="y"/> their targets
    /// (<see cref="ITrainableModel{TInput}.TargetLength"/> each).
    /// </summary>
    public static History Fit<TInput>(this ITrainableModel<TInput> model, TInput[] x, float[] y, FitOptions options)
        where TInput : unmanaged => Fit(model, x, y, options, null, null);

    /// <summary>As <see cref="Fit{TInput}(ITrainableModel{TInput}, TInput[], float[], FitOptions)"/>, validating on the given data after each epoch (Keras's <c>validation_data</c>; the split is then ignored).</summary>
    public static History Fit<TInput>(this ITrainableModel<TInput> model, TInput[] x, float[] y, FitOptions options, TInput[]? validationX, float[]? validationY)
        where TInput : unmanaged
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(y);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(options.Loss, nameof(options.Loss));
        ArgumentOutOfRangeException.ThrowIfLessThan(options.Epochs, 1, nameof(options.Epochs));
        ArgumentOutOfRangeException.ThrowIfLessThan(options.BatchSize, 1, nameof(options.BatchSize));
        if (options.ValidationSplit is < 0 or >= 1 || double.IsNaN(options.ValidationSplit))
        {
            throw new ArgumentOutOfRangeException(nameof(options), options.ValidationSplit, "ValidationSplit must be in [0, 1).");
        }
        if ((validationX is null) != (validationY is null))
        {
            throw new ArgumentException("Give both validationX and validationY, or neither.", validationX is null ? nameof(validationX) : nameof(validationY));
        }
        Loss loss = options.Loss;
        if (loss is OutputLosses && options.Metrics.Count > 0)
        {
            throw new ArgumentException($"Metrics are not computed with a loss per output ({loss.Name}); remove them or train one output.", nameof(options));
        }
        int inLen = model.InputLength, tLen = model.TargetLength(loss), outLen = model.OutputLength, width = model.OutputFeatures;
        int rowsPerSample = outLen / width;
        int samples = Samples(x.Length, inLen, y.Length, tLen, nameof(x), nameof(y));
        loss.ValidateTargets(y, width, nameof(y));
        model.ValidateInputs(x, nameof(x)); // here, so that errors name the index in x, not in a shuffled batch

        int trainN = samples, valStart = samples;
        TInput[]? vx = validationX;
        float[]? vy = validationY;
        if (vx is null && options.ValidationSplit > 0)
        {
            trainN = (int)(samples * (1 - options.ValidationSplit)); // Keras: the last fraction, before shuffling
            valStart = trainN;
            if (trainN < 1 || trainN == samples)
            {
                throw new ArgumentException($"ValidationSplit {options.ValidationSplit} of {samples} samples leaves {trainN} for training and {samples - trainN} for validation.", nameof(options));
            }
        }
        else if (vx is not null)
        {
            Samples(vx.Length, inLen, vy!.Length, tLen, nameof(validationX), nameof(validationY));
        }
        bool hasValidation = vx is not null || valStart < samples;
        if (vx is null && hasValidation)
        {
            vx = x.AsSpan(valStart * inLen).ToArray(); // the held-out tail, copied once
            vy = y.AsSpan(valStart * tLen).ToArray();
        }

        if (!Enum.IsDefined(options.OnNonFiniteLoss))
        {
            throw new ArgumentOutOfRangeException(nameof(options), options.OnNonFiniteLoss, "OnNonFiniteLoss is not a NonFiniteLossAction value.");
        }
        Optimizer optimizer = options.Optimizer ?? new Adam();
        int batch = Math.Min(options.BatchSize, trainN); // as Keras: a batch larger than the data is all of it (and sizes stay small)
        int workers = options.Workers == 0 ? Environment.ProcessorCount : options.Workers;
        ArgumentOutOfRangeException.ThrowIfLessThan(workers, 1, nameof(options.Workers));
        workers = Math.Min(workers, batch);
        if (options.SplitProducts && workers > 1)
        {
            throw new ArgumentException(
                $"FitOptions.SplitProducts splits each step's products over two cores and cannot be combined with Workers = {options.Workers}; set one of them.",
                nameof(options));
        }
        using ProductSplitter? splitter = options.SplitProducts ? new ProductSplitter() : null;
        using ProductSplitter.Scope? split = splitter?.Enter();
        var monitorKeys = new List<string> { "loss" };
        monitorKeys.AddRange(options.Metrics.Select(m => m.Name));
        if (hasValidation) monitorKeys.AddRange(monitorKeys.ToArray().Select(k => "val_" + k));
        if (options.EarlyStopping is { } es && !monitorKeys.Contains(es.Monitor))
        {
            throw new ArgumentException($"EarlyStopping monitors '{es.Monitor}', which is not logged; logged: {string.Join(", ", monitorKeys)}.", nameof(options));
        }

        var xb = new TInput[batch * inLen];
        var yb = new float[batch * tLen];
        var pred = new float[Kernels.BufferLength(batch, outLen, nameof(options.BatchSize), "the outputs of one batch")];
        var order = Enumerable.Range(0, trainN).ToArray();
        var rng = new Random(options.Seed);
        var history = new History();
        var progress = new Progress(options.Output ?? Console.Out, options.Verbose);
        EarlyStoppingTracker? stopping = options.EarlyStopping is { } rule
            ? new EarlyStoppingTracker(rule, rule.IsMaximizedFor(options.Metrics), model.Weights.Count)
            : null;

        // Data-parallel state: replicas share the weights; gradients are reduced in worker order.
        ITrainableModel<TInput>[] replicas = Replicas(model, workers);
        float[] reduced = workers > 1 ? new float[model.Weights.Count] : [];
        var partLoss = new float[workers];
        var partStart = new int[workers];
        var partCount = new int[workers];
        using WorkerPool.Lease lease = WorkerPool.Rent(workers, out WorkerPool? pool);
        Action<int> body = w =>
        {
            if (partCount[w] == 0) return;
            int s0 = partStart[w], n = partCount[w];
            partLoss[w] = replicas[w].ComputeGradients(xb.AsSpan(s0 * inLen, n * inLen), yb.AsSpan(s0 * tLen, n * tLen), n, loss,
                default, pred.AsSpan(s0 * outLen, n * outLen));
        };

        var partShare = new float[workers];
        var partFinite = new bool[workers];
        int reduceChunk = (model.Weights.Count / workers + 63) & ~63; // whole cache lines per worker
        Action<int> reduceBody = w =>
        {
            int lo = Math.Min(w * reduceChunk, reduced.Length), hi = Math.Min(lo + reduceChunk, reduced.Length);
            if (w == workers - 1) hi = reduced.Length;
            partFinite[w] = ReduceGradients(replicas, partCount, partShare, reduced, lo, hi);
        };

        int steps = (trainN + batch - 1) / batch;
        for (int epoch = 1; epoch <= options.Epochs; epoch++)
        {
            var clock = Stopwatch.StartNew();
            if (options.Shuffle)
            {
                for (int i = trainN - 1; i > 0; i--)
                {
                    int j = rng.Next(i + 1);
                    (order[i], order[j]) = (order[j], order[i]);
                }
            }
            foreach (Metric m in options.Metrics) m.Reset();
            double lossSum = 0;
            long seen = 0;
            progress.StartEpoch(epoch, options.Epochs, steps);
            for (int step = 0; step < steps; step++)
            {
                if (options.CancellationToken.IsCancellationRequested)
                {
                    history.Cancelled = true;
                    progress.Cancelled();
                    return history;
                }
                int start = step * batch, n = Math.Min(batch, trainN - start);
                for (int i = 0; i < n; i++)
                {
                    int s = order[start + i];
                    x.AsSpan(s * inLen, inLen).CopyTo(xb.AsSpan(i * inLen));
                    y.AsSpan(s * tLen, tLen).CopyTo(yb.AsSpan(i * tLen));
                }
                float batchLoss;
                ReadOnlySpan<float> gradients;
                if (pool is null)
                {
                    batchLoss = model.ComputeGradients(xb.AsSpan(0, n * inLen), yb.AsSpan(0, n * tLen), n, loss, default, pred.AsSpan(0, n * outLen));
                    gradients = model.Gradients.Parameters;
                }
                else
                {
                    for (int w = 0, s0 = 0; w < workers; w++)
                    {
                        partStart[w] = s0;
                        partCount[w] = n / workers + (w < n % workers ? 1 : 0);
                        s0 += partCount[w];
                    }
                    pool.Run(body);
                    // Each part's loss and gradients are means over its samples: weight them by its share, in worker order.
                    // The gradient sum is split over the workers by parameter ranges (each element is the same sum in
                    // the same order whoever computes it), so it costs one worker's share instead of workers × the buffer.
                    batchLoss = 0;
                    for (int w = 0; w < workers; w++)
                    {
                        partShare[w] = partCount[w] == 0 ? 0f : (float)partCount[w] / n;
                        if (partCount[w] != 0) batchLoss += partShare[w] * partLoss[w];
                    }
                    pool.Run(reduceBody);
                    gradients = reduced;
                }
                if (options.OnNonFiniteLoss != NonFiniteLossAction.Continue
                    && NonFiniteLoss.Check(batchLoss, gradients, pool is not null && Array.TrueForAll(partFinite, f => f), model.Weights, epoch, step + 1, steps, optimizer.LearningRate) is var (message, tensor))
                {
                    if (options.OnNonFiniteLoss == NonFiniteLossAction.Throw)
                    {
                        throw new NonFiniteLossException(message, epoch, step + 1, batchLoss, tensor, history);
                    }
                    history.StoppedOnNonFiniteLoss = true;
                    progress.Line(message);
                    break;
                }
                // With workers, the update is split over them too when the rule allows it (bit-identical either way).
                optimizer.ApplyParallel(model.Weights, pool is null ? model.Gradients.Parameters : reduced, pool);
                lossSum += (double)batchLoss * n;
                seen += n;
                foreach (Metric m in options.Metrics) m.Update(pred.AsSpan(0, n * outLen), yb.AsSpan(0, n * tLen), n * rowsPerSample, width);
                progress.Step(step + 1, lossSum / seen, options.Metrics);
            }
            if (history.StoppedOnNonFiniteLoss)
            {
                break; // the unfinished epoch is not logged
            }

            var logs = new Dictionary<string, double> { ["loss"] = lossSum / seen };
            foreach (Metric m in options.Metrics) logs[m.Name] = m.Result;
            if (hasValidation)
            {
                Evaluation v = Evaluate(model, vx!, vy!, loss, options.Metrics, batch);
                logs["val_loss"] = v.Loss;
                foreach (var (k, value) in v.Metrics) logs["val_" + k] = value;
            }
            var log = new EpochLog(epoch, logs, clock.Elapsed);
            history.Add(log);
            progress.EndEpoch(log, steps);
            options.OnEpochEnd?.Invoke(log);

            if (stopping is not null && stopping.EpochEnd(epoch, logs[options.EarlyStopping!.Monitor], model.Weights.Parameters))
            {
                history.StoppedEpoch = epoch;
                progress.Line($"Epoch {epoch}: early stopping ({options.EarlyStopping.Monitor} did not improve for {stopping.Wait} epochs; best {stopping.Best:G6} at epoch {stopping.BestEpoch}).");
                break;
            }
        }
        if (stopping is not null && stopping.TryRestore(model.Weights.Parameters))
        {
            history.RestoredEpoch = stopping.BestEpoch;
            progress.Line($"Restored the weights of epoch {stopping.BestEpoch}.");
        }
        return history;
    }

    /// <summary>The mean loss and the metrics on data, as Keras's <c>model.evaluate</c>.</summary>
    public static Evaluation Evaluate<TInput>(this ISequentialModel<TInput> model, TInput[] x, float[] y, Loss loss, IReadOnlyList<Metric>? metrics = null, int batchSize = 32)
        where TInput : unmanaged
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(y);
        ArgumentNullException.ThrowIfNull(loss);
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
        if (loss is OutputLosses)
        {
            return EvaluateOutputs(model, x, y, loss, metrics, batchSize);
        }
        int inLen = model.InputLength, outLen = model.OutputLength, width = model.OutputFeatures;
        int rowsPerSample = outLen / width, tLen = rowsPerSample * loss.TargetWidth(width);
        int samples = Samples(x.Length, inLen, y.Length, tLen, nameof(x), nameof(y));
        batchSize = Math.Min(batchSize, samples); // buffers for the data there is, whatever the batch size asked for
        loss.ValidateTargets(y, width, nameof(y));
        model.ValidateInputs(x, nameof(x));
        metrics ??= [];
        foreach (Metric m in metrics) m.Reset();
        var pred = new float[Kernels.BufferLength(batchSize, outLen, nameof(batchSize), "the outputs of one batch")];
        var scratch = new float[pred.Length];
        double sum = 0;
        for (int start = 0; start < samples; start += batchSize)
        {
            int n = Math.Min(batchSize, samples - start);
            model.PredictBatch(x.AsSpan(start * inLen, n * inLen), pred.AsSpan(0, n * outLen), n);
            ReadOnlySpan<float> t = y.AsSpan(start * tLen, n * tLen);
            sum += loss.Accumulate(pred.AsSpan(0, n * outLen), t, scratch, n * rowsPerSample, width, 1f, fused: false);
            foreach (Metric m in metrics) m.Update(pred.AsSpan(0, n * outLen), t, n * rowsPerSample, width);
        }
        var values = metrics.ToDictionary(m => m.Name, m => m.Result);
        return new Evaluation(sum / loss.Denominator((long)samples * rowsPerSample, width), values);
    }

    // A loss per output: the model computes it (forward only) chunk by chunk; the mean is weighted by chunk size.
    private static Evaluation EvaluateOutputs<TInput>(ISequentialModel<TInput> model, TInput[] x, float[] y, Loss loss, IReadOnlyList<Metric>? metrics, int batchSize)
        where TInput : unmanaged
    {
        if (model is not ITrainableModel<TInput> trainable)
        {
            throw new ArgumentException($"{loss.Name} is a loss per output; {model.GetType().Name} cannot compute it.", nameof(loss));
        }
        if (metrics is { Count: > 0 })
        {
            throw new ArgumentException($"Metrics are not computed with a loss per output ({loss.Name}).", nameof(metrics));
        }
        int inLen = model.InputLength, tLen = trainable.TargetLength(loss);
        int samples = Samples(x.Length, inLen, y.Length, tLen, nameof(x), nameof(y));
        double sum = 0;
        for (int start = 0; start < samples; start += batchSize)
        {
            int n = Math.Min(batchSize, samples - start);
            sum += (double)trainable.ComputeLoss(x.AsSpan(start * inLen, n * inLen), y.AsSpan(start * tLen, n * tLen), n, loss) * n;
        }
        return new Evaluation(sum / samples, new Dictionary<string, double>());
    }

    private static int Samples(int xLength, int inLen, int yLength, int tLen, string xName, string yName)
    {
        if (xLength == 0 || xLength % inLen != 0)
        {
            throw new ArgumentException($"{xName} has {xLength} elements, not a positive multiple of the {inLen} of one sample.", xName);
        }
        int samples = xLength / inLen;
        if (yLength != (long)samples * tLen)
        {
            throw new ArgumentException($"{yName} has {yLength} elements; {samples} samples need {(long)samples * tLen} ({tLen} each).", yName);
        }
        return samples;
    }

    /// <summary>Keras-like progress output: a bar redrawn in place on a console, else one line per epoch.</summary>
    private sealed class Progress(TextWriter output, Verbosity verbosity)
    {
        private readonly bool _interactive = verbosity == Verbosity.ProgressBar && ReferenceEquals(output, Console.Out) && !Console.IsOutputRedirected;
        private readonly Stopwatch _clock = new();
        private long _lastDraw;
        private int _steps;

        public void StartEpoch(int epoch, int epochs, int steps)
        {
            _steps = steps;
            _clock.Restart();
            _lastDraw = 0;
            if (verbosity != Verbosity.Silent)
            {
                output.WriteLine($"Epoch {epoch}/{epochs}");
            }
        }

        public void Step(int step, double loss, IReadOnlyList<Metric> metrics)
        {
            if (!_interactive || (_clock.ElapsedMilliseconds - _lastDraw < 100 && step < _steps)) return;
            _lastDraw = _clock.ElapsedMilliseconds;
            double perStep = _clock.Elapsed.TotalSeconds / step;
            string eta = FormatDuration(perStep * (_steps - step));
            string line = $"{Bar(step)} - ETA: {eta} - loss: {Format(loss)}" + string.Concat(metrics.Select(m => $" - {m.Name}: {Format(m.Result)}"));
            output.Write("\r" + line.PadRight(ConsoleWidth()));
        }

        public void EndEpoch(EpochLog log, int steps)
        {
            if (verbosity == Verbosity.Silent) return;
            double msPerStep = log.Duration.TotalMilliseconds / Math.Max(1, steps);
            string values = string.Concat(log.Values.Select(kv => $" - {kv.Key}: {Format(kv.Value)}"));
            string line = $"{Bar(steps)} - {FormatDuration(log.Duration.TotalSeconds)} {msPerStep:F0}ms/step{values}";
            output.WriteLine(_interactive ? "\r" + line : line);
        }

        public void Line(string text)
        {
            if (verbosity != Verbosity.Silent) output.WriteLine(text);
        }

        public void Cancelled() => Line(_interactive ? "\nCancelled." : "Cancelled.");

        private static int ConsoleWidth()
        {
            try
            {
                return Math.Clamp(Console.WindowWidth - 1, 0, 160);
            }
            catch (IOException)
            {
                return 0; // no console window
            }
        }

        private string Bar(int step)
        {
            const int Width = 30;
            int filled = _steps == 0 ? Width : step * Width / _steps;
            string digits = _steps.ToString(CultureInfo.InvariantCulture);
            string done = step.ToString(CultureInfo.InvariantCulture).PadLeft(digits.Length);
            string bar = step >= _steps ? new string('=', Width) : new string('=', Math.Max(0, filled - 1)) + ">" + new string('.', Width - Math.Max(1, filled));
            return $"{done}/{digits} [{bar}]";
        }

        private static string Format(double v) =>
            v != 0 && Math.Abs(v) < 1e-3 ? v.ToString("0.0000e+00", CultureInfo.InvariantCulture) : v.ToString("F4", CultureInfo.InvariantCulture);

        private static string FormatDuration(double seconds) =>
            seconds >= 3600 ? $"{(int)(seconds / 3600)}:{(int)(seconds % 3600 / 60):00}:{(int)(seconds % 60):00}"
            : seconds >= 60 ? $"{(int)(seconds / 60)}:{(int)(seconds % 60):00}"
            : $"{Math.Max(0, (int)Math.Round(seconds))}s";
    }
}
