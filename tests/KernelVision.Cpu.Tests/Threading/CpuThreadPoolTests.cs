using KernelVision.Cpu.Threading;
using Xunit;

namespace KernelVision.Cpu.Tests.Threading;

public class CpuThreadPoolTests
{
    private sealed class CountingWork(int count) : IParallelWork
    {
        public readonly int[] Hits = new int[count];
        public readonly HashSet<int> Threads = [];

        public void Execute(int index)
        {
            Interlocked.Increment(ref Hits[index]);
            lock (Threads) Threads.Add(Environment.CurrentManagedThreadId);
            Thread.SpinWait(2000);
        }
    }

    [Theory]
    [InlineData(1, 1)]
    [InlineData(1, 10)]
    [InlineData(2, 1)]
    [InlineData(2, 2)]
    [InlineData(2, 37)]
    [InlineData(3, 2)]
    [InlineData(4, 1000)]
    public void EveryIndexRunsExactlyOnce(int threads, int count)
    {
        using var pool = new CpuThreadPool(threads);
        for (int round = 0; round < 20; round++)
        {
            var work = new CountingWork(count);
            pool.ParallelFor(count, work);
            Assert.All(work.Hits, h => Assert.Equal(1, h));
        }
    }

    [Fact]
    public void WorkersTakePartWhenThereIsEnoughWork()
    {
        using var pool = new CpuThreadPool(2);
        var seen = new HashSet<int>();
        // Items block until both threads have arrived, so one thread alone could not finish them.
        for (int round = 0; round < 5; round++)
        {
            using var barrier = new Barrier(2);
            pool.ParallelFor(2, i =>
            {
                lock (seen) seen.Add(Environment.CurrentManagedThreadId);
                Assert.True(barrier.SignalAndWait(TimeSpan.FromSeconds(10)), "the second thread never joined");
            });
        }
        Assert.Equal(2, seen.Count);
    }

    [Fact]
    public void EachThreadStartsOnItsOwnContiguousShare()
    {
        // Affinity: the caller owns items [0, 2), the worker [2, 4), so the same thread handles
        // the same part of every layer. Items 0 and 2 wait for each other: they can only finish
        // when each thread begins with the first item of its own share.
        using var pool = new CpuThreadPool(2);
        int caller = Environment.CurrentManagedThreadId;
        for (int round = 0; round < 5; round++)
        {
            var first = new Dictionary<int, int>(); // thread → the first item it ran
            using var barrier = new Barrier(2);
            pool.ParallelFor(4, i =>
            {
                lock (first) first.TryAdd(Environment.CurrentManagedThreadId, i);
                if (i is 0 or 2) Assert.True(barrier.SignalAndWait(TimeSpan.FromSeconds(10)), $"item {i} waited alone");
            });
            Assert.Equal(2, first.Count);
            Assert.Equal(0, first[caller]);
            Assert.Equal(2, first.Single(kv => kv.Key != caller).Value);
        }
    }

    [Fact]
    public void WorkersWakeUpAfterSleeping()
    {
        using var pool = new CpuThreadPool(2, spinMicroseconds: 10);
        for (int round = 0; round < 3; round++)
        {
            Thread.Sleep(30); // long enough for the worker to block
            using var barrier = new Barrier(2);
            pool.ParallelFor(2, _ => Assert.True(barrier.SignalAndWait(TimeSpan.FromSeconds(10))));
        }
    }

    [Fact]
    public void FirstExceptionPropagatesAndThePoolStaysUsable()
    {
        using var pool = new CpuThreadPool(2);
        var e = Assert.Throws<InvalidOperationException>(() => pool.ParallelFor(100, i =>
        {
            if (i == 13) throw new InvalidOperationException("item 13");
        }));
        Assert.Equal("item 13", e.Message);
        var work = new CountingWork(50);
        pool.ParallelFor(50, work);
        Assert.All(work.Hits, h => Assert.Equal(1, h));
    }

    [Fact]
    public void NestedCallsRunInlineWithoutDeadlock()
    {
        using var pool = new CpuThreadPool(2);
        var hits = new int[8 * 8];
        pool.ParallelFor(8, i =>
        {
            Assert.True(CpuThreadPool.IsInsideJob);
            pool.ParallelFor(8, j => Interlocked.Increment(ref hits[i * 8 + j]));
        });
        Assert.All(hits, h => Assert.Equal(1, h));
        Assert.False(CpuThreadPool.IsInsideJob);
    }

    [Fact]
    public void ConcurrentCallersAreAllServed()
    {
        using var pool = new CpuThreadPool(2);
        var totals = new long[4];
        var callers = Enumerable.Range(0, 4).Select(t => new Thread(() =>
        {
            for (int r = 0; r < 200; r++)
                pool.ParallelFor(10, i => Interlocked.Add(ref totals[t], i));
        })).ToList();
        callers.ForEach(c => c.Start());
        callers.ForEach(c => c.Join());
        Assert.All(totals, s => Assert.Equal(200L * 45, s));
    }

    [Fact]
    public void StateOverloadPassesTheState()
    {
        using var pool = new CpuThreadPool(2);
        var sums = new int[16];
        pool.ParallelFor(16, sums, static (s, i) => s[i] = i * i);
        Assert.Equal(Enumerable.Range(0, 16).Select(i => i * i), sums);
    }

    [Fact]
    public void ParallelForAllocatesNothingOnceWarm()
    {
        using var pool = new CpuThreadPool(2);
        var work = new CountingWork(4);
        Action<int> body = static _ => { };
        Action<CountingWork, int> stateBody = static (w, i) => { };
        pool.ParallelFor(4, work);
        pool.ParallelFor(4, body);
        pool.ParallelFor(4, work, stateBody);
        long allocated = SteadyAllocations.Measure(() =>
        {
            for (int r = 0; r < 100; r++)
            {
                pool.ParallelFor(4, work);
                pool.ParallelFor(4, body);
                pool.ParallelFor(4, work, stateBody);
            }
        });
        Assert.Equal(0, allocated);
    }

    [Theory]
    [InlineData(10, 3)]
    [InlineData(2, 5)]
    [InlineData(0, 2)]
    [InlineData(17, 17)]
    public void PartitionCoversTheRangeInNearEqualPieces(int total, int parts)
    {
        int next = 0;
        for (int p = 0; p < parts; p++)
        {
            var (s, e) = CpuThreadPool.Partition(total, parts, p);
            Assert.Equal(next, s);
            Assert.InRange(e - s, total / parts, total / parts + 1);
            next = e;
        }
        Assert.Equal(total, next);
    }

    [Fact]
    public void SharedPoolsAreCachedAndCannotBeDisposed()
    {
        Assert.Same(CpuThreadPool.Shared(2), CpuThreadPool.Shared(2));
        Assert.Equal(2, CpuThreadPool.Shared(2).ThreadCount);
        Assert.Throws<InvalidOperationException>(() => CpuThreadPool.Shared(2).Dispose());
        Assert.Throws<ArgumentOutOfRangeException>(() => CpuThreadPool.Shared(0));
    }

    [Fact]
    public void PoolsWithoutASpinWindowTakeTheDefault()
    {
        int saved = CpuThreadPool.DefaultSpinMicroseconds;
        try
        {
            CpuThreadPool.DefaultSpinMicroseconds = 1234;
            using var pool = new CpuThreadPool(2);
            Assert.Equal(1234, pool.SpinMicroseconds);
            using var explicitPool = new CpuThreadPool(2, spinMicroseconds: 0);
            Assert.Equal(0, explicitPool.SpinMicroseconds);
            Assert.Throws<ArgumentOutOfRangeException>(() => CpuThreadPool.DefaultSpinMicroseconds = -1);
        }
        finally
        {
            CpuThreadPool.DefaultSpinMicroseconds = saved;
        }
    }

    [Fact]
    public void StatsCountJobsLateJobsAndSleeps()
    {
        using var pool = new CpuThreadPool(2, spinMicroseconds: 0);
        var before = pool.Stats;
        // On a loaded machine the worker may not get a core during the first jobs at all (the caller
        // then runs every item): go on, up to a bound, until it has blocked once.
        int jobs = 0;
        for (; jobs < 10 || ((pool.Stats - before).WorkerSleeps == 0 && jobs < 1000); jobs++)
        {
            pool.ParallelFor(4, static _ => Thread.SpinWait(2000));
            Thread.Sleep(2); // the worker has no spin window: it blocks between jobs
        }
        pool.ParallelFor(1, static _ => { }); // one item runs inline: not a job
        var d = pool.Stats - before;
        Assert.Equal(jobs, d.Jobs);
        Assert.InRange(d.LateJobs, 0, jobs);
        Assert.True(d.WorkerSleeps >= 1, $"worker sleeps {d.WorkerSleeps}");
    }

    [Fact]
    public void WorkersArePinnedOnlyWhenThePoolOwnsEveryUsableCpu()
    {
        var cpus = ThreadAffinity.AllowedCpus();
        if (cpus is null || cpus.Length < 2) return; // not Linux, or one CPU: nothing to pin
        using (var unpinned = new CpuThreadPool(cpus.Length, pinWorkers: false)) Assert.False(unpinned.PinnedWorkers);
        using (var oversized = new CpuThreadPool(cpus.Length + 1, pinWorkers: true)) Assert.False(oversized.PinnedWorkers);
        using var pool = new CpuThreadPool(cpus.Length, pinWorkers: true);
        Assert.True(pool.PinnedWorkers);
        // Items run by a worker thread report that worker's CPU; the caller (never pinned) may be anywhere.
        int caller = Environment.CurrentManagedThreadId;
        var seen = new System.Collections.Concurrent.ConcurrentDictionary<int, int>();
        for (int rep = 0; rep < 50 && seen.IsEmpty; rep++)
            pool.ParallelFor(64, i =>
            {
                Thread.SpinWait(5000);
                if (Environment.CurrentManagedThreadId != caller) seen[Environment.CurrentManagedThreadId] = ThreadAffinity.CurrentCpu();
            });
        Assert.NotEmpty(seen);
        foreach (int cpu in seen.Values) Assert.Contains(cpu, cpus[1..]);
    }
}
