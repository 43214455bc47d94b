using System;
using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Threading;

namespace LstmGen;

/// <summary>
/// A second core for the matrix products of one forward pass: while installed on a thread (<see cref="Install"/>), the
/// products that thread runs with enough work are split by columns, the upper half going to this helper's thread. At
/// batch 1 the recurrent product of every step is a matrix-vector product that streams the whole recurrent kernel from
/// L2; two cores each stream half. Steps are a few microseconds apart, far too close for a thread pool's wake-up, so
/// the helper spins between jobs and only sleeps after <see cref="SpinMicroseconds"/> without work. Every element is
/// computed by the same kernel as on one thread, so results are bit-identical.
/// </summary>
internal sealed unsafe class ColumnHelper : IDisposable
{
    /// <summary>How long the helper spins without work before it sleeps (a sleeping helper takes tens of µs to wake).</summary>
    public const int SpinMicroseconds = 200;

    // Products with fewer multiply-adds stay on one core: the hand-off costs about a cache-line round trip each way.
    private const long MinWork = 32 * 1024;

    [ThreadStatic] private static ColumnHelper? t_installed;

    private readonly Thread _thread;
    private readonly SemaphoreSlim _wake = new(0);
    private int _posted;
    private int _finished;
    private int _sleeping;
    private volatile bool _stopping;
    private Exception? _error;

    // The posted job: c[:, j0..n) += A · b[:, j0..n), operands pinned by the poster until it has waited.
    private float* _a, _b, _c;
    private int _ars, _acs, _m, _cols, _k, _ld;

    public ColumnHelper()
    {
        _thread = new Thread(Loop) { IsBackground = true, Name = "LstmGen column helper" };
        _thread.Start();
    }

    /// <summary>Whether the calling thread splits its large products with a helper.</summary>
    internal static bool IsInstalled => t_installed is not null;

    /// <summary>Makes the calling thread split its large products with <paramref name="helper"/> (null: stop).</summary>
    public static ColumnHelper? Install(ColumnHelper? helper)
    {
        ColumnHelper? previous = t_installed;
        t_installed = helper;
        return previous;
    }

    /// <summary>
    /// Splits c (m × n) += A · b by columns with the installed helper when there is one and the product is large enough;
    /// returns false (nothing done) otherwise.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static bool TrySplit(ref float a, int ars, int acs, ref float b, ref float c, int m, int n, int k)
    {
        ColumnHelper? helper = t_installed;
        if (helper is null || n < 128 || (long)m * n * k < MinWork)
        {
            return false;
        }
        helper.Split(ref a, ars, acs, ref b, ref c, m, n, k);
        return true;
    }

    private void Split(ref float a, int ars, int acs, ref float b, ref float c, int m, int n, int k)
    {
        int mid = (n / 2 + 63) & ~63; // a multiple of 64, so both halves run whole 64-column kernels
        fixed (float* pa = &a, pb = &b, pc = &c)
        {
            _a = pa; _b = pb + mid; _c = pc + mid;
            _ars = ars; _acs = acs; _m = m; _cols = n - mid; _k = k; _ld = n;
            int job = Interlocked.Increment(ref _posted);
            if (Volatile.Read(ref _sleeping) != 0)
            {
                _wake.Release();
            }
            Kernels.GemmColumns(ref a, ars, acs, ref b, ref c, m, mid, k, n);
            var spin = new SpinWait();
            while (Volatile.Read(ref _finished) != job)
            {
                spin.SpinOnce(sleep1Threshold: -1);
            }
        }
        if (_error is { } error)
        {
            _error = null;
            throw new InvalidOperationException("The column helper failed.", error);
        }
    }

    private void Loop()
    {
        int seen = 0;
        long idleSince = Stopwatch.GetTimestamp();
        long spinTicks = Stopwatch.Frequency * SpinMicroseconds / 1_000_000;
        while (true)
        {
            int posted = Volatile.Read(ref _posted);
            if (posted == seen)
            {
                if (_stopping) return;
                if (Stopwatch.GetTimestamp() - idleSince < spinTicks)
                {
                    Thread.SpinWait(8);
                    continue;
                }
                Interlocked.Exchange(ref _sleeping, 1);
                if (Volatile.Read(ref _posted) == seen && !_stopping)
                {
                    _wake.Wait();
                }
                Interlocked.Exchange(ref _sleeping, 0);
                idleSince = Stopwatch.GetTimestamp();
                continue;
            }
            seen = posted;
            try
            {
                Kernels.GemmColumns(ref *_a, _ars, _acs, ref *_b, ref *_c, _m, _cols, _k, _ld);
            }
            catch (Exception e)
            {
                _error = e;
            }
            Volatile.Write(ref _finished, seen);
            idleSince = Stopwatch.GetTimestamp();
        }
    }

    /// <summary>Stops the helper thread.</summary>
    public void Dispose()
    {
        _stopping = true;
        _wake.Release();
        _thread.Join();
        _wake.Dispose();
    }
}
