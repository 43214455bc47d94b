using System;

namespace LstmGen;

/// <summary>
/// Runs the large matrix products and LSTM steps of model calls on two cores. While a thread is inside
/// <see cref="Enter"/>, every product it runs with 32 K multiply-adds or more (input projections, each step's recurrent
/// product, the backward products and weight gradients) is split by columns between that thread and this splitter's
/// helper thread (a recurrent product from packed panels, by panels), and so are the rows of every LSTM step, forward and
/// backward, with 1024 cells or more; the rest of the work (other cells, losses, optimiser) stays on the calling thread.
/// Each element is computed exactly as on one thread, so results are bit-identical to running without it. The helper
/// thread spins for 200 µs after each job so the next one finds it awake, then sleeps. When the helper is late twice in
/// a row (its core taken by another process, or by the runtime's JIT in a process's first seconds: it then took twice
/// as long as the calling thread's half, or did not start within 20 µs), the products run on the calling thread alone
/// for 1 ms, then 2, 4, … up to 100 ms while the helper stays late, so that a busy machine costs about the one-thread
/// time rather than a wait for the helper's next time slice at every step. For batched inference it is the
/// alternative to <see cref="ParallelPredictor{T}"/>'s two workers: one model, every step split, instead of two replicas
/// each running half the batch (see docs/performance.md for which pays where). Not thread-safe: enter it on one thread at
/// a time. Dispose to stop the helper thread.
/// </summary>
/// <example>
/// <code>
/// using var splitter = new ProductSplitter();
/// using (splitter.Enter())
/// {
///     model.TrainStep(x, y, 32, Loss.BinaryCrossEntropy, adam);
/// }
/// </code>
/// </example>
public sealed class ProductSplitter : IDisposable
{
    private readonly ColumnHelper _helper = new();

    // For tests.
    internal ColumnHelper Helper => _helper;

    /// <summary>
    /// Products and LSTM steps handed to the helper thread so far (those the calling thread took back from a late
    /// helper included). Beside <see cref="RunAlone"/>, it tells how often the splitter backed off: a large share run
    /// alone means the helper's core was busy elsewhere, where one thread serves as well.
    /// </summary>
    public int Splits => _helper.JobsPosted;

    /// <summary>
    /// Products and LSTM steps large enough to split that ran on the calling thread alone so far, because the helper had
    /// been late (a back-off; see the class summary).
    /// </summary>
    public int RunAlone => _helper.RunAlone;
    private bool _disposed;

    /// <summary>Splits the products of the calling thread until the returned scope is disposed.</summary>
    public Scope Enter()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        return new Scope(ColumnHelper.Install(_helper));
    }

    /// <summary>Stops the helper thread.</summary>
    public void Dispose()
    {
        if (!_disposed)
        {
            _disposed = true;
            _helper.Dispose();
        }
    }

    /// <summary>The calling thread's split products; dispose on the same thread to end it.</summary>
    public readonly struct Scope : IDisposable
    {
        private readonly ColumnHelper? _previous;

        internal Scope(ColumnHelper? previous) => _previous = previous;

        /// <summary>Restores what the thread did before <see cref="Enter"/> (usually: products on one core).</summary>
        public void Dispose() => ColumnHelper.Install(_previous);
    }
}
