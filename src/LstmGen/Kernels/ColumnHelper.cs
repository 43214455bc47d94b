using System;
using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Threading;

namespace LstmGen;

/// <summary>
/// A second core for the matrix products and LSTM steps of one model call: while installed on a thread
/// (<see cref="Install"/>), the products that thread runs with enough work are split by columns, the upper half going to
/// this helper's thread (products from packed panels by panels), and so are the rows of its LSTM steps (the second half
/// to the helper). At
/// batch 1 the recurrent product of every step is a matrix-vector product that streams the whole recurrent kernel from
/// L2; two cores each stream half. Steps are a few microseconds apart, far too close for a thread pool's wake-up, so
/// the helper spins between jobs and only sleeps after <see cref="SpinMicroseconds"/> without work. Every element is
/// computed by the same kernel as on one thread, so results are bit-identical.
/// </summary>
internal sealed unsafe class ColumnHelper : IDisposable
{
    /// <summary>How long the helper spins without work before it sleeps (a sleeping helper takes tens of µs to wake).</summary>
    public const int SpinMicroseconds = 200;

    /// <summary>How long a poster waits for the helper to take a job before it runs the job itself.</summary>
    public const int ClaimMicroseconds = 20;

    private static readonly long s_claimTicks = Stopwatch.Frequency * ClaimMicroseconds / 1_000_000;

    /// <summary>
    /// How long the poster may wait for the helper after its own half, beyond as long again as that half took, before
    /// the job counts as late. Two late jobs in a row (the helper's thread descheduled, or sharing its core) make the
    /// next splits run on one thread for <see cref="MinBackOffMilliseconds"/>, doubling with every late job after that
    /// up to <see cref="MaxBackOffMilliseconds"/>. The helper's half may be a little slower than the poster's (its part
    /// of c was written by the poster's core), so only a helper twice as slow counts.
    /// </summary>
    public const int LateMicroseconds = 50;

    /// <summary>The first back-off, after the second late job in a row.</summary>
    public const int MinBackOffMilliseconds = 1;

    /// <summary>The longest back-off: while the helper stays late, one split in this long tries it again.</summary>
    public const int MaxBackOffMilliseconds = 100;

    private static readonly long s_lateTicks = Stopwatch.Frequency * LateMicroseconds / 1_000_000;

    // Products with fewer multiply-adds stay on one core: the hand-off costs about a cache-line round trip each way.
    private const long MinWork = 32 * 1024;

    [ThreadStatic] private static ColumnHelper? t_installed;

    private readonly Thread _thread;
    private readonly SemaphoreSlim _wake = new(0);
    /// <summary>For tests: while set, the helper takes no job (as if the OS never scheduled it).</summary>
    internal volatile bool Held;

    /// <summary>For tests: jobs the poster took back and ran itself.</summary>
    internal int JobsTakenBack;

    /// <summary>Products and steps large enough to split that ran on one thread during a back-off (ProductSplitter.RunAlone).</summary>
    internal int RunAlone;

    /// <summary>For tests: whether late jobs start back-offs (on by default).</summary>
    internal bool BacksOff = true;

    /// <summary>For tests: the length of the next back-off (it doubles after each, up to MaxBackOffMilliseconds).</summary>
    internal TimeSpan NextBackOff
    {
        get => TimeSpan.FromSeconds((double)_nextBackOffTicks / Stopwatch.Frequency);
        set => _nextBackOffTicks = (long)(value.TotalSeconds * Stopwatch.Frequency);
    }

    /// <summary>Jobs posted so far (ProductSplitter.Splits).</summary>
    internal int JobsPosted => Volatile.Read(ref _posted);

    /// <summary>For tests: whether the helper thread is asleep (or about to be).</summary>
    internal bool Sleeping => Volatile.Read(ref _sleeping) != 0;

    // Late jobs in a row before a back-off starts: one alone is a hiccup (on the AVX2 VM 1–2 % of jobs were taken back
    // from an awake helper with the machine otherwise idle, and backing off after each single one measured 10–15 %
    // slower on W1's and W5's split training steps), two in a row a helper that has lost its core.
    private const int LateJobsBeforeBackOff = 2;

    // The back-off, kept by the poster's thread: no split before _resumeAt (0: none), the length of the next one, and
    // the late jobs in a row so far.
    private int _lateInARow;
    private long _resumeAt;
    private long _nextBackOffTicks = s_minBackOffTicks;
    private static readonly long s_minBackOffTicks = Stopwatch.Frequency * MinBackOffMilliseconds / 1000;
    private static readonly long s_maxBackOffTicks = Stopwatch.Frequency * MaxBackOffMilliseconds / 1000;

    // When the poster posted its job, and whether the helper was asleep then (a job taken back from a sleeping helper
    // is the cost of waking it, not a sign of a busy machine).
    private long _postedAt;
    private bool _postedToSleeper;

    private int _posted;
    private int _claimed; // the last job taken, by the helper or, after ClaimMicroseconds, by the poster
    private int _finished;
    private int _sleeping;
    private volatile bool _stopping;
    private Exception? _error;

    // LSTM steps with fewer cells stay on one core (W2's 32 × 50 cells take about 10 µs; a hand-off well under 1).
    private const long MinCells = 1024;

    private enum JobKind { Columns, Panels, LstmRows, LstmBackwardRows }

    // The posted job, operands pinned by the poster until it has waited. Columns: c[:, j0..n) += A · b[:, j0..n) with
    // _b, _c already offset. Panels: panels _j0.. of the packed operand _b into c. LstmRows: the rows of an LSTM step
    // from _z on.
    private JobKind _kind;
    private float* _a, _b, _c;
    private int _ars, _acs, _m, _cols, _k, _ld, _j0;
    private float* _z, _cPrev, _hPrev, _h, _pre;
    private byte* _mask;
    private int _units;
    private Activation _activation, _recurrentActivation;

    public ColumnHelper()
    {
        _thread = new Thread(Loop) { IsBackground = true, Name = "LstmGen column helper" };
        _thread.Start();
    }

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
        if (helper is null || n < 128 || (long)m * n * k < MinWork || helper.BackingOff())
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
            int job = Post(JobKind.Columns);
            Kernels.GemmColumns(ref a, ars, acs, ref b, ref c, m, mid, k, n);
            Wait(job);
        }
    }

    /// <summary>
    /// Splits GemmPrepacked's product c (m × n) += a · packed by panels with the installed helper when there is one and
    /// the product is large enough (the helper takes the upper panels); returns false (nothing done) otherwise.
    /// </summary>
    internal static bool TrySplitPanels(ref float a, ref float packed, ref float c, int m, int n, int k)
    {
        ColumnHelper? helper = t_installed;
        if (helper is null || n < 2 * Kernels.PrepackedPanel || (long)m * n * k < MinWork || helper.BackingOff())
        {
            return false;
        }
        int mid = (n / 2) & ~(Kernels.PrepackedPanel - 1); // whole panels on both sides
        fixed (float* pa = &a, pp = &packed, pc = &c)
        {
            helper._a = pa; helper._b = pp; helper._c = pc;
            helper._m = m; helper._ld = n; helper._k = k; helper._j0 = mid;
            int job = helper.Post(JobKind.Panels);
            Kernels.PrepackedPanels(ref a, ref packed, ref c, m, n, k, 0, mid);
            helper.Wait(job);
        }
        return true;
    }

    /// <summary>
    /// Splits an LSTM step's rows with the installed helper when there is one and the step has enough cells (the helper
    /// takes the second half of the rows; every row is computed as on one thread); returns false (nothing done) otherwise.
    /// </summary>
    internal static bool TrySplitLstmStep(Span<float> z, ReadOnlySpan<float> cPrev, ReadOnlySpan<float> hPrev, Span<float> c, Span<float> h,
        int rows, int units, Activation activation, Activation recurrentActivation, ReadOnlySpan<byte> mask, Span<float> preActivations)
    {
        ColumnHelper? helper = t_installed;
        if (helper is null || rows < 2 || (long)rows * units < MinCells || helper.BackingOff())
        {
            return false;
        }
        int mid = rows / 2;
        int g4 = 4 * units;
        fixed (float* pz = z, pcp = cPrev, php = hPrev, pc = c, ph = h, ppre = preActivations)
        fixed (byte* pm = mask)
        {
            helper._z = pz + mid * g4;
            helper._cPrev = cPrev.IsEmpty ? null : pcp + mid * units;
            helper._hPrev = hPrev.IsEmpty ? null : php + mid * units;
            helper._c = pc + mid * units;
            helper._h = ph + mid * units;
            helper._mask = mask.IsEmpty ? null : pm + mid;
            helper._pre = preActivations.IsEmpty ? null : ppre + mid * g4;
            helper._m = rows - mid; helper._units = units; helper._activation = activation; helper._recurrentActivation = recurrentActivation;
            int job = helper.Post(JobKind.LstmRows);
            Kernels.LstmStepRows(z, cPrev, hPrev, c, h, mid, units, activation, recurrentActivation, mask, preActivations);
            helper.Wait(job);
        }
        return true;
    }

    /// <summary>
    /// Splits an LSTM step's backward rows with the installed helper, as <see cref="TrySplitLstmStep"/> splits the forward
    /// step's; returns false (nothing done) otherwise.
    /// </summary>
    internal static bool TrySplitLstmStepBackward(ReadOnlySpan<float> z, ReadOnlySpan<float> c, ReadOnlySpan<float> cPrev,
        ReadOnlySpan<float> dh, Span<float> dc, Span<float> dz, int rows, int units,
        Activation activation, Activation recurrentActivation, ReadOnlySpan<byte> mask, ReadOnlySpan<float> preActivations)
    {
        ColumnHelper? helper = t_installed;
        if (helper is null || rows < 2 || (long)rows * units < MinCells || helper.BackingOff())
        {
            return false;
        }
        int mid = rows / 2;
        int g4 = 4 * units;
        fixed (float* pz = z, pc = c, pcp = cPrev, pdh = dh, pdc = dc, pdz = dz, ppre = preActivations)
        fixed (byte* pm = mask)
        {
            // The backward job's operands in the forward job's fields: z, c and cPrev as they are, dh in _hPrev, dc in
            // _h, dz in _a, the pre-activations in _pre.
            helper._z = pz + mid * g4;
            helper._c = pc + mid * units;
            helper._cPrev = cPrev.IsEmpty ? null : pcp + mid * units;
            helper._hPrev = pdh + mid * units;
            helper._h = pdc + mid * units;
            helper._a = pdz + mid * g4;
            helper._mask = mask.IsEmpty ? null : pm + mid;
            helper._pre = preActivations.IsEmpty ? null : ppre + mid * g4;
            helper._m = rows - mid; helper._units = units; helper._activation = activation; helper._recurrentActivation = recurrentActivation;
            int job = helper.Post(JobKind.LstmBackwardRows);
            Kernels.LstmStepBackwardRows(z, c, cPrev, dh, dc, dz, mid, units, activation, recurrentActivation, mask, preActivations);
            helper.Wait(job);
        }
        return true;
    }

    // Whether a late job's back-off is still running (then the caller runs the whole product or step itself).
    private bool BackingOff()
    {
        if (_resumeAt == 0)
        {
            return false;
        }
        if (Stopwatch.GetTimestamp() < _resumeAt)
        {
            RunAlone++;
            return true;
        }
        _resumeAt = 0;
        return false;
    }

    // Publishes the job whose operands are in the fields (the poster keeps them pinned until Wait returns) and wakes the
    // helper if it sleeps.
    private int Post(JobKind kind)
    {
        _kind = kind;
        _postedAt = Stopwatch.GetTimestamp();
        int job = Interlocked.Increment(ref _posted);
        _postedToSleeper = Volatile.Read(ref _sleeping) != 0;
        if (_postedToSleeper)
        {
            _wake.Release();
        }
        return job;
    }

    // After a job: a late one (the helper finished more than max(LateMicroseconds, the poster's own half) after that
    // half, or an awake helper did not take it at all) counts towards a back-off, which starts at the second late job in
    // a row and doubles with each further one; a timely job resets both. Without it, on a machine whose other threads
    // take the helper's core (another process, or the runtime's JIT in a process's first seconds), every split step waited
    // for the helper's next time slice: W1 at batch 32, split, took 6.5–12.2 ms in a process's first seconds against
    // 3.5–3.8 ms on one thread, and 5.3–6.6 ms against 2.3–2.7 beside a busy process (`yes`); with it, 1.8–2.4 ms and
    // 2.6–3.8 ms against 2.4–3.7 ms.
    private void Settle(bool late)
    {
        if (!late || !BacksOff)
        {
            _lateInARow = 0;
            _nextBackOffTicks = s_minBackOffTicks;
            return;
        }
        if (++_lateInARow < LateJobsBeforeBackOff)
        {
            return;
        }
        _resumeAt = Stopwatch.GetTimestamp() + _nextBackOffTicks;
        _nextBackOffTicks = Math.Min(2 * _nextBackOffTicks, s_maxBackOffTicks);
    }

    // Waits for the job's other half. A job the helper has not taken within ClaimMicroseconds (its thread descheduled by
    // the OS, or asleep) is taken back and run here. A job the helper took and was then descheduled in the middle of is
    // waited for; Settle's back-off keeps that from happening at every step.
    private void Wait(int job)
    {
        long start = Stopwatch.GetTimestamp();
        long own = start - _postedAt;
        var spin = new SpinWait();
        while (Volatile.Read(ref _finished) != job)
        {
            // A plain read first: once the helper has taken the job, the poster only waits (no locked operation per spin
            // on the cache line the helper's job fields share).
            if (Volatile.Read(ref _claimed) != job && Stopwatch.GetTimestamp() - start > s_claimTicks &&
                Interlocked.CompareExchange(ref _claimed, job, job - 1) == job - 1)
            {
                try
                {
                    RunJob();
                }
                finally
                {
                    Volatile.Write(ref _finished, job);
                }
                JobsTakenBack++;
                if (!_postedToSleeper)
                {
                    Settle(late: true);
                }
                return;
            }
            spin.SpinOnce(sleep1Threshold: -1);
        }
        Settle(late: Stopwatch.GetTimestamp() - start > own + Math.Max(own, s_lateTicks));
        if (_error is { } error)
        {
            _error = null;
            throw new InvalidOperationException("The column helper failed.", error);
        }
    }

    private void RunJob()
    {
        switch (_kind)
        {
            case JobKind.Columns:
                Kernels.GemmColumns(ref *_a, _ars, _acs, ref *_b, ref *_c, _m, _cols, _k, _ld);
                break;
            case JobKind.Panels:
                Kernels.PrepackedPanels(ref *_a, ref *_b, ref *_c, _m, _ld, _k, _j0, _ld);
                break;
            case JobKind.LstmRows:
                int g4 = 4 * _units;
                Kernels.LstmStepRows(new Span<float>(_z, _m * g4),
                    _cPrev is null ? default : new ReadOnlySpan<float>(_cPrev, _m * _units),
                    _hPrev is null ? default : new ReadOnlySpan<float>(_hPrev, _m * _units),
                    new Span<float>(_c, _m * _units), new Span<float>(_h, _m * _units), _m, _units, _activation, _recurrentActivation,
                    _mask is null ? default : new ReadOnlySpan<byte>(_mask, _m),
                    _pre is null ? default : new Span<float>(_pre, _m * g4));
                break;
            case JobKind.LstmBackwardRows:
                int b4 = 4 * _units;
                Kernels.LstmStepBackwardRows(new ReadOnlySpan<float>(_z, _m * b4), new ReadOnlySpan<float>(_c, _m * _units),
                    _cPrev is null ? default : new ReadOnlySpan<float>(_cPrev, _m * _units),
                    new ReadOnlySpan<float>(_hPrev, _m * _units), new Span<float>(_h, _m * _units), new Span<float>(_a, _m * b4),
                    _m, _units, _activation, _recurrentActivation,
                    _mask is null ? default : new ReadOnlySpan<byte>(_mask, _m),
                    _pre is null ? default : new ReadOnlySpan<float>(_pre, _m * b4));
                break;
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
            if (Held)
            {
                if (_stopping) return;
                Thread.SpinWait(8);
                continue;
            }
            seen = posted;
            if (Interlocked.CompareExchange(ref _claimed, posted, posted - 1) != posted - 1)
            {
                // The poster took this job back and ran it itself (Wait).
                idleSince = Stopwatch.GetTimestamp();
                continue;
            }
            try
            {
                RunJob();
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
