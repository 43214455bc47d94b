using System;
using System.Threading;

namespace LstmGen;

/// <summary>
/// A fixed set of background threads that run one body per worker and wait for all of them, without allocating per run
/// (Parallel.For allocates a little every call). Worker 0 runs on the calling thread.
/// </summary>
internal sealed class WorkerPool : IDisposable
{
    private readonly Thread[] _threads;
    private readonly SemaphoreSlim[] _start;
    private readonly CountdownEvent _done;
    private Action<int>? _body;
    private Exception? _error;
    private volatile bool _stopping;

    public WorkerPool(int workers)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(workers, 1);
        Workers = workers;
        _threads = new Thread[workers - 1];
        _start = new SemaphoreSlim[workers - 1];
        _done = new CountdownEvent(1);
        for (int i = 0; i < _threads.Length; i++)
        {
            int worker = i + 1;
            _start[i] = new SemaphoreSlim(0);
            _threads[i] = new Thread(() => Loop(worker)) { IsBackground = true, Name = $"LstmGen worker {worker}" };
            _threads[i].Start();
        }
    }

    public int Workers { get; }

    /// <summary>Runs <paramref name="body"/>(w) for every worker w, in parallel; rethrows the first failure.</summary>
    public void Run(Action<int> body) => Run(body, Workers);

    /// <summary>
    /// Runs <paramref name="body"/>(w) for workers 0 to <paramref name="active"/> - 1 only (the others are not woken: each
    /// wake-up costs the caller tens of µs); rethrows the first failure.
    /// </summary>
    public void Run(Action<int> body, int active)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(active, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(active, Workers);
        _body = body;
        _error = null;
        _done.Reset(active - 1);
        for (int i = 0; i < active - 1; i++) _start[i].Release();
        try
        {
            body(0);
        }
        catch (Exception e)
        {
            _error ??= e;
        }
        if (active > 1) _done.Wait();
        if (_error is not null)
        {
            throw new AggregateException("A training worker failed.", _error);
        }
    }

    private void Loop(int worker)
    {
        while (true)
        {
            _start[worker - 1].Wait();
            if (_stopping) return;
            try
            {
                _body!(worker);
            }
            catch (Exception e)
            {
                Interlocked.CompareExchange(ref _error, e, null);
            }
            finally
            {
                _done.Signal();
            }
        }
    }

    public void Dispose()
    {
        _stopping = true;
        foreach (SemaphoreSlim s in _start) s.Release();
        foreach (Thread t in _threads) t.Join();
        foreach (SemaphoreSlim s in _start) s.Dispose();
        _done.Dispose();
    }
}
