using System.Diagnostics;

namespace KernelVision.Cpu.Tuning;

/// <summary>One candidate's measured time, for <c>kv tune</c>'s report.</summary>
/// <param name="Name">The variant (as <c>IKernelVariant.Variant</c> names it).</param>
/// <param name="Milliseconds">Best time of one run; NaN when the candidate was taken from the cache.</param>
public readonly record struct TunedCandidate(string Name, double Milliseconds);

/// <summary>What a kernel chose for a shape and why: the winner first, then the losers with their times.</summary>
/// <param name="NodeKey">The cache key (op, attributes, shapes).</param>
/// <param name="Candidates">Every candidate timed, fastest first (one entry when the choice came from the cache).</param>
/// <param name="FromCache">True when no timing happened.</param>
public sealed record TuningResult(string NodeKey, IReadOnlyList<TunedCandidate> Candidates, bool FromCache)
{
    /// <summary>The chosen variant.</summary>
    public string Chosen => Candidates[0].Name;
}

/// <summary>Implemented by Cpu kernels that tune: the last decision, for <c>kv tune</c> and <c>kv profile</c>.</summary>
public interface ITunedKernel
{
    /// <summary>The decision for the last planned shape, or null when tuning was off or there was nothing to choose.</summary>
    TuningResult? LastTuning { get; }
}

/// <summary>
/// Times candidate implementations of one node on its real inputs and picks the fastest. Candidates
/// run round-robin, so a burst of noise (another process, a frequency change) hits all of them alike,
/// and each keeps its best time: the minimum is the most repeatable statistic of a short run.
/// </summary>
public static class Autotuner
{
    /// <summary>Rounds at least; small layers get more (up to <see cref="MaxRounds"/>) until <see cref="MinMillisecondsPerCandidate"/>.</summary>
    public const int MinRounds = 3, MaxRounds = 12;

    /// <summary>Time each candidate should accumulate before the rounds stop.</summary>
    public const double MinMillisecondsPerCandidate = 4;

    /// <summary>
    /// Runs each candidate once to warm it (its weights prepared, its scratch allocated), then in
    /// rounds; returns the candidates' best times, in the order given.
    /// </summary>
    public static double[] Measure(IReadOnlyList<Action> candidates)
    {
        foreach (var run in candidates) run();
        var best = new double[candidates.Count];
        var total = new double[candidates.Count];
        Array.Fill(best, double.PositiveInfinity);
        for (int round = 0; round < MaxRounds; round++)
        {
            for (int i = 0; i < candidates.Count; i++)
            {
                long t0 = Stopwatch.GetTimestamp();
                candidates[i]();
                double ms = Stopwatch.GetElapsedTime(t0).TotalMilliseconds;
                best[i] = Math.Min(best[i], ms);
                total[i] += ms;
            }
            if (round + 1 >= MinRounds && total.All(t => t >= MinMillisecondsPerCandidate)) break;
        }
        return best;
    }
}
