using System.Diagnostics;
using System.Runtime.ExceptionServices;
using System.Runtime.InteropServices;

namespace KernelVision.Cpu.Threading;

/// <summary>One unit of parallel work: <see cref="Execute"/> is called once for every index of a <see cref="CpuThreadPool.ParallelFor(int, IParallelWork)"/>.</summary>
public interface IParallelWork
{
    /// <summary>Runs item <paramref name="index"/>; items run concurrently on different threads, in no fixed order.</summary>
    void Execute(int index);
}

/// <summary>
/// A persistent pool of worker threads for the Cpu kernels. Unlike <c>Parallel.For</c> a
/// <see cref="ParallelFor(int, IParallelWork)"/> allocates nothing, and the workers spin for a short while
/// after each job so that the next layer's job (typically microseconds later) starts without a
/// wake-up; only after <see cref="SpinMicroseconds"/> of idleness do they block.
/// The calling thread takes part as one of the <see cref="ThreadCount"/> threads, so a pool of N
/// threads owns N−1 workers. Each thread first takes the items of its own contiguous share, then
/// steals from the others' (see RunItems), so uneven items still balance themselves. Jobs never
/// nest: a ParallelFor issued from inside an item, or while another
/// thread's job occupies the pool, runs its items inline on the calling thread.
/// </summary>
public sealed class CpuThreadPool : IDisposable
{
    private static readonly Dictionary<int, CpuThreadPool> SharedPools = [];

    /// <summary>The process-wide pool of <paramref name="threads"/> threads (created on first use, never disposed).</summary>
    public static CpuThreadPool Shared(int threads)
    {
        if (threads < 1) throw new ArgumentOutOfRangeException(nameof(threads), threads, "thread count must be at least 1");
        lock (SharedPools)
        {
            if (!SharedPools.TryGetValue(threads, out var pool))
            {
                pool = new CpuThreadPool(threads) { _isShared = true };
                SharedPools[threads] = pool;
            }
            return pool;
        }
    }

    /// <summary>The shared pool with one thread per logical processor.</summary>
    public static CpuThreadPool Default => Shared(Environment.ProcessorCount);

    /// <summary>A pool that runs everything on the calling thread.</summary>
    public static CpuThreadPool Serial => Shared(1);

    // One cache line (and then some) per worker so that spinning workers do not false-share.
    // State: Idle → Posted (caller offers the job) → Taken (worker joins) → Idle (worker done),
    // or Posted → Idle when the caller finished every item before the worker showed up and
    // withdraws the offer, so a descheduled worker never delays the caller.
    [StructLayout(LayoutKind.Explicit, Size = 128)]
    private struct WorkerSlot
    {
        [FieldOffset(64)] public int State;
        // This participant's share of the items: [Next, End) (Next is claimed with Interlocked;
        // the owner takes its own items in order, idle participants steal from the front).
        [FieldOffset(72)] public int Next;
        [FieldOffset(76)] public int End;
    }

    private const int Idle = 0, Posted = 1, Taken = 2;
    private long _jobs, _lateJobs, _sleeps;

    private readonly Thread[] _workers;
    private readonly int[]? _pinCpus;
    private readonly WorkerSlot[] _slots;
    private readonly object _sleepLock = new();
    private readonly long _spinTicks;
    private int _sleepers;
    private IParallelWork? _work;
    private int _count;
    private int _running;
    private int _busy;
    private Exception? _error;
    private volatile bool _disposed;
    private bool _isShared;

    [ThreadStatic] private static CpuThreadPool? t_inside;
    [ThreadStatic] private static ActionWork? t_actionWork;

    /// <summary>Creates a pool of <paramref name="threads"/> threads (the caller plus threads−1 workers).</summary>
    /// <param name="threads">Total threads that execute a job, at least 1.</param>
    /// <param name="spinMicroseconds">How long an idle worker spins before it blocks; negative: <see cref="DefaultSpinMicroseconds"/>.</param>
    /// <param name="pinWorkers">Pin worker i to the i-th CPU the process may use, when the pool has exactly one thread per such CPU (null: <see cref="DefaultPinWorkers"/>).</param>
    public CpuThreadPool(int threads, int spinMicroseconds = -1, bool? pinWorkers = null)
    {
        if (spinMicroseconds < 0) spinMicroseconds = DefaultSpinMicroseconds;
        if (threads < 1) throw new ArgumentOutOfRangeException(nameof(threads), threads, "thread count must be at least 1");
        ThreadCount = threads;
        SpinMicroseconds = spinMicroseconds;
        _spinTicks = (long)(spinMicroseconds * (Stopwatch.Frequency / 1e6));
        _slots = new WorkerSlot[threads];
        _workers = new Thread[threads - 1];
        if (pinWorkers ?? DefaultPinWorkers) _pinCpus = ThreadAffinity.AllowedCpus() is { } cpus && cpus.Length == threads ? cpus : null;
        for (int w = 0; w < _workers.Length; w++)
        {
            int id = w + 1;
            _workers[w] = new Thread(() => WorkerLoop(id), maxStackSize: 1 << 20)
            {
                IsBackground = true,
                Name = $"kv-cpu-{id}",
            };
            _workers[w].Start();
        }
    }

    /// <summary>
    /// Spin window of pools created without one (the shared pools included): the KV_SPIN_US
    /// environment variable if set, else 2 ms — enough to bridge the gaps between one run's
    /// layers (with 200 µs a worker fell asleep about once per ResNet-18 or MobileNetV2 run after a
    /// pause and was late for the next layers), and at most 2 ms of a busy core after a run. A host
    /// that runs inferences a few milliseconds apart (camera frames) can set it longer so the
    /// workers are still awake for the next run, at the price of a busy core while idle; ONNX
    /// Runtime's default spins about 40–50 ms after each run on this machine.
    /// </summary>
    public static int DefaultSpinMicroseconds
    {
        get => _defaultSpin;
        set => _defaultSpin = value >= 0 ? value : throw new ArgumentOutOfRangeException(nameof(value), value, "spin window must be ≥ 0 µs");
    }

    private static int _defaultSpin =
        int.TryParse(Environment.GetEnvironmentVariable("KV_SPIN_US"), out int us) && us >= 0 ? us : 2000;

    /// <summary>
    /// Whether pools pin their workers by default: true unless the KV_PIN environment variable is
    /// "0". Why: a worker that slept is woken by the caller, and Linux tends to wake it on the
    /// caller's own CPU, where it waits for the load balancer while the other core idles — after a
    /// 60 ms pause, 10 of MobileNetV2's 55 parallel jobs per run finished before the worker joined
    /// (0.6 with the worker pinned). Only a pool with one thread per usable CPU pins (it owns the
    /// machine); the calling thread is never pinned.
    /// </summary>
    public static bool DefaultPinWorkers { get; set; } = Environment.GetEnvironmentVariable("KV_PIN") != "0";

    /// <summary>True when the workers are pinned, worker i to the i-th usable CPU.</summary>
    public bool PinnedWorkers => _pinCpus is not null;

    /// <summary>Threads that execute a job, the caller included.</summary>
    public int ThreadCount { get; }

    /// <summary>How long an idle worker spins before blocking.</summary>
    public int SpinMicroseconds { get; }

    /// <summary>
    /// Counters since the pool was made (read them before and after a run and subtract): jobs
    /// handed to the workers, jobs that some offered worker never joined (the caller ran its share —
    /// a worker descheduled or slow to wake), and times a worker fell asleep after its spin window.
    /// </summary>
    public PoolStats Stats => new(Volatile.Read(ref _jobs), Volatile.Read(ref _lateJobs), Interlocked.Read(ref _sleeps));

    /// <summary>True when the current thread is executing an item of some pool's job (a nested ParallelFor runs inline).</summary>
    public static bool IsInsideJob => t_inside is not null;

    /// <summary>
    /// Runs <c>work.Execute(i)</c> for every i in [0, <paramref name="count"/>) on up to
    /// <see cref="ThreadCount"/> threads and returns when all are done. The first exception an item
    /// throws is rethrown here (remaining unstarted items are skipped).
    /// </summary>
    public void ParallelFor(int count, IParallelWork work)
    {
        ArgumentNullException.ThrowIfNull(work);
        if (count <= 0) return;
        if (count == 1 || _workers.Length == 0 || t_inside is not null || _disposed
            || Interlocked.CompareExchange(ref _busy, 1, 0) != 0)
        {
            for (int i = 0; i < count; i++) work.Execute(i);
            return;
        }
        try
        {
            _work = work;
            _count = count;
            _error = null;
            int helpers = Math.Min(_workers.Length, count - 1);
            _participants = helpers + 1;
            for (int t = 0; t <= helpers; t++)
            {
                var (start, end) = Partition(count, helpers + 1, t);
                _slots[t].Next = start;
                _slots[t].End = end;
            }
            _running = helpers;
            for (int w = 1; w <= helpers; w++) Volatile.Write(ref _slots[w].State, Posted);
            Interlocked.MemoryBarrier();
            if (Volatile.Read(ref _sleepers) > 0)
                lock (_sleepLock) Monitor.PulseAll(_sleepLock);

            t_inside = this;
            try { RunItems(0); }
            finally { t_inside = null; }

            // Every item is taken: withdraw offers no worker has picked up yet.
            bool late = false;
            for (int w = 1; w <= helpers; w++)
                if (Interlocked.CompareExchange(ref _slots[w].State, Idle, Posted) == Posted)
                {
                    Interlocked.Decrement(ref _running);
                    late = true;
                }
            _jobs++;
            if (late) _lateJobs++;
            var spin = new SpinWait();
            while (Volatile.Read(ref _running) != 0) spin.SpinOnce(sleep1Threshold: -1);
            _work = null;
            if (_error is { } e) ExceptionDispatchInfo.Capture(e).Throw();
        }
        finally
        {
            Volatile.Write(ref _busy, 0);
        }
    }

    /// <summary>
    /// <see cref="ParallelFor(int, IParallelWork)"/> over a delegate. Allocation-free when
    /// <paramref name="body"/> is a cached delegate (a static lambda or a field).
    /// </summary>
    public void ParallelFor(int count, Action<int> body)
    {
        ArgumentNullException.ThrowIfNull(body);
        if (count <= 0) return;
        if (count == 1 || _workers.Length == 0 || t_inside is not null)
        {
            for (int i = 0; i < count; i++) body(i);
            return;
        }
        var adapter = t_actionWork ?? new ActionWork();
        t_actionWork = null; // taken: a re-entrant call on this thread makes its own
        adapter.Body = body;
        try { ParallelFor(count, adapter); }
        finally
        {
            adapter.Body = null;
            t_actionWork = adapter;
        }
    }

    /// <summary>
    /// <see cref="ParallelFor(int, IParallelWork)"/> over a static-lambda body and a state object, so
    /// the caller needs no closure: <c>pool.ParallelFor(n, this, static (self, i) => self.Row(i))</c>.
    /// </summary>
    public void ParallelFor<TState>(int count, TState state, Action<TState, int> body)
    {
        ArgumentNullException.ThrowIfNull(body);
        if (count <= 0) return;
        if (count == 1 || _workers.Length == 0 || t_inside is not null)
        {
            for (int i = 0; i < count; i++) body(state, i);
            return;
        }
        var adapter = StateWork<TState>.Cached ?? new StateWork<TState>();
        StateWork<TState>.Cached = null;
        adapter.State = state;
        adapter.Body = body;
        try { ParallelFor(count, adapter); }
        finally
        {
            adapter.State = default;
            adapter.Body = null;
            StateWork<TState>.Cached = adapter;
        }
    }

    /// <summary>
    /// The <paramref name="index"/>-th of <paramref name="parts"/> near-equal contiguous pieces of
    /// [0, <paramref name="total"/>) as [start, end); pieces differ in size by at most one.
    /// </summary>
    public static (int Start, int End) Partition(int total, int parts, int index)
    {
        int q = total / parts, r = total % parts;
        int start = index * q + Math.Min(index, r);
        return (start, start + q + (index < r ? 1 : 0));
    }

    private int _participants;

    /// <summary>
    /// Runs items as participant <paramref name="self"/> (0: the caller): first its own contiguous
    /// share, then whatever is left of the others' shares. Contiguous shares give affinity — the
    /// same thread handles the same part of every layer, so the data it wrote stays in its own
    /// core's cache and the next layer's share (often the same rows or channels) reads it there —
    /// which on a machine whose cores exchange cache lines slowly (a VM's vCPUs on different
    /// chiplets) decides whether two threads are faster than one.
    /// </summary>
    private void RunItems(int self)
    {
        var work = _work!;
        int parts = _participants;
        for (int k = 0; k < parts; k++)
        {
            ref var slot = ref _slots[(self + k) % parts];
            int end = slot.End;
            while (true)
            {
                int i = Interlocked.Increment(ref slot.Next) - 1;
                if (i >= end) break;
                try { work.Execute(i); }
                catch (Exception e)
                {
                    Interlocked.CompareExchange(ref _error, e, null);
                    for (int q = 0; q < parts; q++) Volatile.Write(ref _slots[q].Next, _slots[q].End); // stop handing out items
                }
            }
        }
    }

    private void WorkerLoop(int id)
    {
        if (_pinCpus is { } cpus) ThreadAffinity.PinCurrentThread(cpus[id]);
        ref int state = ref _slots[id].State;
        while (true)
        {
            if (Volatile.Read(ref state) != Posted)
            {
                long deadline = Stopwatch.GetTimestamp() + _spinTicks;
                int iter = 0;
                while (Volatile.Read(ref state) != Posted && !_disposed)
                {
                    Thread.SpinWait(16);
                    if ((++iter & 31) == 0 && Stopwatch.GetTimestamp() > deadline) break;
                }
                if (Volatile.Read(ref state) != Posted && !_disposed)
                {
                    lock (_sleepLock)
                    {
                        Interlocked.Increment(ref _sleepers);
                        Interlocked.Increment(ref _sleeps);
                        while (Volatile.Read(ref state) != Posted && !_disposed)
                            Monitor.Wait(_sleepLock);
                        Interlocked.Decrement(ref _sleepers);
                    }
                }
                if (_disposed) return;
            }
            if (Interlocked.CompareExchange(ref state, Taken, Posted) != Posted) continue; // withdrawn
            t_inside = this;
            try { RunItems(id); }
            finally { t_inside = null; }
            Volatile.Write(ref state, Idle);
            Interlocked.Decrement(ref _running);
        }
    }

    /// <summary>Stops the workers (not allowed on <see cref="Shared"/> pools, which live as long as the process).</summary>
    public void Dispose()
    {
        if (_isShared) throw new InvalidOperationException("shared pools cannot be disposed");
        if (_disposed) return;
        _disposed = true;
        lock (_sleepLock) Monitor.PulseAll(_sleepLock);
        foreach (var t in _workers) t.Join();
    }

    private sealed class ActionWork : IParallelWork
    {
        public Action<int>? Body;
        public void Execute(int index) => Body!(index);
    }

    private sealed class StateWork<TState> : IParallelWork
    {
        [ThreadStatic] public static StateWork<TState>? Cached;
        public TState? State;
        public Action<TState, int>? Body;
        public void Execute(int index) => Body!(State!, index);
    }
}

/// <summary>Counters of a <see cref="CpuThreadPool"/>; see <see cref="CpuThreadPool.Stats"/>.</summary>
/// <param name="Jobs">Parallel jobs offered to the workers.</param>
/// <param name="LateJobs">Jobs finished by the caller before some offered worker joined.</param>
/// <param name="WorkerSleeps">Times a worker blocked after spinning idle for its spin window.</param>
public readonly record struct PoolStats(long Jobs, long LateJobs, long WorkerSleeps)
{
    /// <summary>The counts accumulated between <paramref name="before"/> and <paramref name="after"/>.</summary>
    public static PoolStats operator -(PoolStats after, PoolStats before) =>
        new(after.Jobs - before.Jobs, after.LateJobs - before.LateJobs, after.WorkerSleeps - before.WorkerSleeps);
}

/// <summary>Linux CPU affinity of the calling thread (sched_getaffinity/sched_setaffinity); elsewhere a no-op.</summary>
internal static partial class ThreadAffinity
{
    private const int MaskWords = 16; // 1024 CPUs

    /// <summary>The CPUs the calling thread may run on, ascending; null where unknown (not Linux, or the call failed).</summary>
    public static unsafe int[]? AllowedCpus()
    {
        if (!OperatingSystem.IsLinux()) return null;
        ulong* mask = stackalloc ulong[MaskWords];
        try
        {
            if (sched_getaffinity(0, MaskWords * sizeof(ulong), mask) != 0) return null;
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            return null;
        }
        var cpus = new List<int>();
        for (int w = 0; w < MaskWords; w++)
            for (int b = 0; b < 64; b++)
                if ((mask[w] & (1UL << b)) != 0) cpus.Add(w * 64 + b);
        return cpus.ToArray();
    }

    /// <summary>Restricts the calling thread to <paramref name="cpu"/>; false when that failed (the thread then runs anywhere, as before).</summary>
    public static unsafe bool PinCurrentThread(int cpu)
    {
        if (!OperatingSystem.IsLinux() || cpu < 0 || cpu >= MaskWords * 64) return false;
        ulong* mask = stackalloc ulong[MaskWords];
        for (int w = 0; w < MaskWords; w++) mask[w] = 0;
        mask[cpu / 64] = 1UL << (cpu % 64);
        try
        {
            return sched_setaffinity(0, MaskWords * sizeof(ulong), mask) == 0;
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            return false;
        }
    }

    /// <summary>The CPU the calling thread is running on now; -1 where unknown.</summary>
    public static int CurrentCpu()
    {
        if (!OperatingSystem.IsLinux()) return -1;
        try
        {
            return sched_getcpu();
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            return -1;
        }
    }

    [LibraryImport("libc")]
    private static partial int sched_getcpu();

    [LibraryImport("libc", SetLastError = true)]
    private static unsafe partial int sched_getaffinity(int pid, nint size, ulong* mask);

    [LibraryImport("libc", SetLastError = true)]
    private static unsafe partial int sched_setaffinity(int pid, nint size, ulong* mask);
}
