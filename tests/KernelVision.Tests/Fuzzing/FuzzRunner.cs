using System.Collections.Concurrent;
using System.Diagnostics;
using KernelVision.Backends;

namespace KernelVision.Tests.Fuzzing;

/// <summary>Outcome of one case: its kind and, for crashes and hangs, what happened.</summary>
public sealed record FuzzResult(FuzzOutcome Outcome, string? Detail = null, Exception? Error = null);

/// <summary>Runs fuzz cases with a time bound each and tallies the outcomes.</summary>
public static class FuzzRunner
{
    /// <summary>Runs one case on a worker thread; past <paramref name="timeout"/> it is a <see cref="FuzzOutcome.Hang"/>.</summary>
    public static FuzzResult RunCase(byte[] bytes, string? baseDir, TimeSpan timeout, IBackend? backend = null, bool differential = false)
    {
        using var cts = new CancellationTokenSource();
        var task = Task.Factory.StartNew(() => differential
                ? FuzzTarget.ExecuteDifferential(bytes, baseDir, cts.Token, backend)
                : FuzzTarget.ExecuteDetailed(bytes, baseDir, cts.Token, backend),
            cts.Token, TaskCreationOptions.LongRunning, TaskScheduler.Default); // its own thread: no pool starvation skews the bound
        bool finished;
        try { finished = task.Wait(timeout); }
        catch (AggregateException) { finished = true; }
        if (!finished)
        {
            cts.Cancel(); // stops a run between nodes; a node stuck in a loop keeps its thread
            return new FuzzResult(FuzzOutcome.Hang, $"no result after {timeout.TotalSeconds:0.#} s");
        }
        if (task.IsCompletedSuccessfully) return new FuzzResult(task.Result.Outcome, task.Result.Message);
        var e = task.Exception!.InnerException!;
        return new FuzzResult(FuzzOutcome.Crash, $"{e.GetType().FullName}: {e.Message}", e);
    }

    /// <summary>Outcome counts and the first failures of a campaign.</summary>
    public sealed class Tally
    {
        private readonly ConcurrentDictionary<FuzzOutcome, int> _counts = new();
        private readonly ConcurrentDictionary<string, int> _byFamily = new();
        private readonly ConcurrentDictionary<FuzzOutcome, ConcurrentQueue<string>> _samples = new();
        private readonly ConcurrentQueue<(int Index, string Seed, FuzzResult Result, byte[] Bytes)> _failures = new();

        /// <summary>Cases run.</summary>
        public int Total => _counts.Values.Sum();
        /// <summary>Count per outcome.</summary>
        public IReadOnlyDictionary<FuzzOutcome, int> Counts => _counts;
        /// <summary>Count per first mutation family.</summary>
        public IReadOnlyDictionary<string, int> ByFamily => _byFamily;
        /// <summary>Crashes and hangs (the first 50 kept).</summary>
        public IEnumerable<(int Index, string Seed, FuzzResult Result, byte[] Bytes)> Failures => _failures;
        /// <summary>Wall time of the campaign.</summary>
        public TimeSpan Elapsed { get; set; }
        /// <summary>Slowest case.</summary>
        public double SlowestMs;

        /// <summary>Records one result.</summary>
        public void Add(int index, string seed, string family, FuzzResult r, byte[] bytes, double ms)
        {
            _counts.AddOrUpdate(r.Outcome, 1, (_, c) => c + 1);
            _byFamily.AddOrUpdate(family, 1, (_, c) => c + 1);
            var q = _samples.GetOrAdd(r.Outcome, _ => new());
            if (q.Count < 4 && r.Detail is not null) q.Enqueue(r.Detail.Length > 200 ? r.Detail[..200] : r.Detail);
            if (r.Outcome is FuzzOutcome.Crash or FuzzOutcome.Hang or FuzzOutcome.Mismatch && _failures.Count < 50) _failures.Enqueue((index, seed, r, bytes));
            double prev;
            do { prev = Volatile.Read(ref SlowestMs); } while (ms > prev && Interlocked.CompareExchange(ref SlowestMs, ms, prev) != prev);
        }

        /// <summary>Crashes plus hangs.</summary>
        public int Bugs => _counts.GetValueOrDefault(FuzzOutcome.Crash) + _counts.GetValueOrDefault(FuzzOutcome.Hang)
            + _counts.GetValueOrDefault(FuzzOutcome.Mismatch);

        /// <summary>A one-screen report.</summary>
        public string Report() =>
            $"mutants: {Total} in {Elapsed.TotalSeconds:0.0} s (slowest case {SlowestMs:0} ms)\n" +
            string.Join("\n", Enum.GetValues<FuzzOutcome>().Select(o => $"  {o,-14} {_counts.GetValueOrDefault(o),7}")) + "\n" +
            "by first mutation: " + string.Join(", ", _byFamily.OrderBy(k => k.Key).Select(k => $"{k.Key} {k.Value}")) + "\n" +
            "sample messages:\n" + string.Join("\n", _samples.OrderBy(k => k.Key).SelectMany(k => k.Value.Select(m => $"  {k.Key}: {m}")));
    }

    /// <summary>
    /// Runs <paramref name="count"/> mutants, mutant i derived from seed i mod |seeds| with its own
    /// <see cref="Random"/>(<paramref name="seed"/>, i) — so every mutant is reproducible on its own and
    /// the campaign's outcome does not depend on scheduling.
    /// </summary>
    public static Tally Campaign(IReadOnlyList<SeedModels.Seed> seeds, int count, int seed, string? baseDir, TimeSpan timeout, int parallelism,
        IBackend? backend = null, bool differential = false)
    {
        var tally = new Tally();
        var sw = Stopwatch.StartNew();
        Parallel.For(0, count, new ParallelOptions { MaxDegreeOfParallelism = parallelism }, i =>
        {
            var (s, bytes, family) = Mutant(seeds, seed, i);
            var t0 = Stopwatch.GetTimestamp();
            var r = RunCase(bytes, baseDir, timeout, backend, differential);
            tally.Add(i, s.Name, family, r, bytes, Stopwatch.GetElapsedTime(t0).TotalMilliseconds);
        });
        tally.Elapsed = sw.Elapsed;
        return tally;
    }

    /// <summary>Mutant <paramref name="index"/> of a campaign.</summary>
    public static (SeedModels.Seed Seed, byte[] Bytes, string Family) Mutant(IReadOnlyList<SeedModels.Seed> seeds, int seed, int index)
    {
        var s = seeds[index % seeds.Count];
        var mutator = new ModelMutator(new Random(unchecked(seed * 1_000_003 + index)));
        var bytes = mutator.Mutate(s.Bytes);
        return (s, bytes, mutator.LastFamily.ToString());
    }
}
