namespace KernelVision.Cpu.Threading;

/// <summary>Work on the elements [<paramref name="start"/>, <paramref name="end"/>) of a flat range, with per-call state.</summary>
public delegate void RangeBody<TState>(TState state, int start, int end);

/// <summary>
/// Splits a flat range of work into contiguous chunks for a <see cref="CpuThreadPool"/>: the
/// memory-bound kernels (element-wise, pooling, data movement) are worth threading only when each
/// chunk is big enough to hide the hand-off, so small tensors run inline on the caller.
/// </summary>
public static class ParallelRange
{
    /// <summary>Chunks per thread: more than one lets the pool's dynamic hand-out even out busy cores.</summary>
    private const int ChunksPerThread = 4;

    /// <summary>
    /// Runs <paramref name="body"/> over [0, <paramref name="total"/>) split into near-equal chunks of at
    /// least <paramref name="minChunk"/> items (inline when one chunk covers it). Allocation-free when
    /// <paramref name="body"/> is a static lambda.
    /// </summary>
    public static void For<TState>(CpuThreadPool pool, int total, int minChunk, TState state, RangeBody<TState> body)
    {
        if (total <= 0) return;
        int parts = Parts(pool, total, minChunk);
        if (parts <= 1)
        {
            body(state, 0, total);
            return;
        }
        pool.ParallelFor(parts, new Job<TState>(state, body, total, parts), static (job, i) =>
        {
            var (start, end) = CpuThreadPool.Partition(job.Total, job.Parts, i);
            if (end > start) job.Body(job.State, start, end);
        });
    }

    /// <summary>How many chunks <see cref="For{TState}"/> makes of <paramref name="total"/> items.</summary>
    public static int Parts(CpuThreadPool pool, int total, int minChunk)
    {
        if (pool.ThreadCount <= 1 || CpuThreadPool.IsInsideJob) return 1;
        long byWork = total / Math.Max(1, (long)minChunk);
        return (int)Math.Max(1, Math.Min(byWork, (long)pool.ThreadCount * ChunksPerThread));
    }

    private readonly record struct Job<TState>(TState State, RangeBody<TState> Body, int Total, int Parts);
}
