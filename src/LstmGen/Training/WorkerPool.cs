using System;
using System.Collections.Generic;
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

    // Pools that Fit calls have finished with, kept for the next call. A new pool starts new threads, and each new thread
    // allocates and pages in its own thread-static kernel buffers (panels and blocks, about 1.4 MB for W5 of
    // docs/performance.md): with a pool per call, 8-batch Fit calls of W5 on two workers allocated that much per call and
    // varied from 1.1 to 3.5 ms a step. The threads of a kept pool are background threads blocked on a semaphore.
    private static readonly System.Collections.Concurrent.ConcurrentBag<WorkerPool> s_idle = new();
    private const int MaxIdle = 4;

    /// <summary>
    /// A pool of <paramref name="workers"/> workers for one caller at a time, reused from an earlier <see cref="Lease"/>
    /// where one of that size is idle; disposing the lease returns it.
    /// </summary>
    public static Lease Rent(int workers, out WorkerPool? pool)
    {
        pool = null;
        if (workers <= 1) return default;
        var passed = new List<WorkerPool>();
        while (s_idle.TryTake(out WorkerPool? idle))
        {
            if (idle.Workers == workers)
            {
                pool = idle;
                break;
            }
            passed.Add(idle);
        }
        foreach (WorkerPool p in passed) s_idle.Add(p);
        pool ??= new WorkerPool(workers);
        return new Lease(pool);
    }

    /// <summary>Returns its pool to the idle set (or stops its threads when enough are idle).</summary>
    public readonly struct Lease(WorkerPool? pool) : IDisposable
    {
        public void Dispose()
        {
            if (pool is null) return;
            if (s_idle.Count < MaxIdle) s_idle.Add(pool);
            else pool.Dispose();
        }
    }

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
