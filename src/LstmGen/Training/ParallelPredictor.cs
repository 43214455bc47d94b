using System;

namespace LstmGen;

/// <summary>
/// Batch inference on several cores: each batch is split into contiguous parts, one per worker, run on model replicas that
/// share the model's weights (<see cref="ITrainableModel{TInput}.CreateReplica"/>) on a persistent thread pool. Results are
/// identical to <see cref="ISequentialModel{TInput}.PredictBatch"/> (each sample is computed the same way). Allocation-free
/// per call; dispose to stop the threads. Not thread-safe; the weights must not change during a call.
/// </summary>
public sealed class ParallelPredictor<TInput> : IDisposable
    where TInput : unmanaged
{
    private readonly ITrainableModel<TInput>[] _replicas;
    private readonly WorkerPool _pool;
    private readonly int[] _start;
    private readonly int[] _count;
    private readonly Action<int> _body;
    private readonly string _inputShape;
    private readonly string _outputShape;
    private TInput[]? _inputs;
    private float[]? _outputs;
    private ProductSplitter? _splitter;

    /// <summary>Creates a predictor over <paramref name="model"/> with <paramref name="workers"/> threads (0: every core).</summary>
    public ParallelPredictor(ITrainableModel<TInput> model, int workers = 0)
    {
        ArgumentNullException.ThrowIfNull(model);
        workers = workers == 0 ? Environment.ProcessorCount : workers;
        ArgumentOutOfRangeException.ThrowIfLessThan(workers, 1);
        _replicas = new ITrainableModel<TInput>[workers];
        _replicas[0] = model;
        for (int w = 1; w < workers; w++) _replicas[w] = model.CreateReplica();
        _pool = new WorkerPool(workers);
        _start = new int[workers];
        _count = new int[workers];
        _inputShape = $"({model.InputLength})";
        _outputShape = $"({model.OutputLength})";
        _body = w =>
        {
            if (_count[w] == 0) return;
            ISequentialModel<TInput> m = _replicas[w];
            m.PredictBatch(_inputs.AsSpan(_start[w] * m.InputLength, _count[w] * m.InputLength),
                _outputs.AsSpan(_start[w] * m.OutputLength, _count[w] * m.OutputLength), _count[w]);
        };
    }

    /// <summary>
    /// The fewest rows a worker is given: a batch of b samples runs on at most ⌈b / 4⌉ workers (measured with the
    /// benchmarks' scaling model: W1 at batch 32 is slower on 16 workers of 2 rows than on 8 of 4).
    /// </summary>
    public const int MinRowsPerWorker = 4;

    /// <summary>Number of worker threads (the calling thread is one of them).</summary>
    public int Workers => _replicas.Length;

    /// <summary>Runs the model on <paramref name="batchSize"/> samples of <paramref name="inputs"/>, batch-major, in parallel.</summary>
    public void PredictBatch(TInput[] inputs, float[] outputs, int batchSize)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        ArgumentNullException.ThrowIfNull(outputs);
        ISequentialModel<TInput> model = _replicas[0];
        Kernels.CheckBatchLength(inputs.Length, batchSize, model.InputLength, nameof(inputs), _inputShape);
        Kernels.CheckBatchLength(outputs.Length, batchSize, model.OutputLength, nameof(outputs), _outputShape);
        // Parts of fewer than MinRowsPerWorker rows cost more in wake-ups than they save (docs/performance.md, "Beyond two
        // cores"): a small batch uses fewer workers. Each sample is computed alike on any worker, so results do not change.
        int workers = Math.Clamp((batchSize + MinRowsPerWorker - 1) / MinRowsPerWorker, 1, _replicas.Length);
        for (int w = 0, s = 0; w < workers; w++)
        {
            _start[w] = s;
            _count[w] = batchSize / workers + (w < batchSize % workers ? 1 : 0);
            s += _count[w];
        }
        _inputs = inputs;
        _outputs = outputs;
        try
        {
            _pool.Run(_body, workers);
        }
        catch (AggregateException e) when (e.InnerException is ArgumentException inner)
        {
            throw inner; // a bad input in one part: report it as PredictBatch does
        }
        finally
        {
            _inputs = null;
            _outputs = null;
        }
    }

    /// <summary>
    /// Runs the model on one sample with a second core: every large matrix product of the forward pass (the input
    /// projection and each step's recurrent product) is split by columns between the calling thread and a helper thread
    /// (a <see cref="ProductSplitter"/>).
    /// At batch 1 each step streams the whole recurrent kernel from the L2 cache, so two cores each stream half
    /// (docs/performance.md has the measurements). Results are identical to
    /// <see cref="ISequentialModel{TInput}.Predict(ReadOnlySpan{TInput}, Span{float})"/>. The helper thread spins for
    /// 200 µs after each product so the next step finds it awake, then sleeps (waking it again costs tens of µs, so the
    /// first call after a pause is slower); with one worker this is a plain <c>Predict</c>. Worth it for products of
    /// 32 K multiply-adds or more per step; smaller ones run on the calling thread alone.
    /// </summary>
    public void Predict(ReadOnlySpan<TInput> input, Span<float> output)
    {
        ISequentialModel<TInput> model = _replicas[0];
        if (_replicas.Length < 2)
        {
            model.Predict(input, output);
            return;
        }
        _splitter ??= new ProductSplitter();
        using (_splitter.Enter())
        {
            model.Predict(input, output);
        }
    }

    /// <summary>Stops the worker threads.</summary>
    public void Dispose()
    {
        _pool.Dispose();
        _splitter?.Dispose();
    }
}
