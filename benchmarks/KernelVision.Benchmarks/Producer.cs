using KernelVision.Cpu.Threading;

namespace KernelVision.Benchmarks;

/// <summary>
/// Rewrites a layer's tensors before a timed run, split over the pool's threads the way the layers
/// around it split their work in a model, so a layer timed alone reads what another core wrote as
/// it does in the model (cache lines another core holds modified cost a transfer each).
/// </summary>
public static class Producer
{
    /// <summary>
    /// Copies <paramref name="source"/> into <paramref name="target"/> (NCHW, <paramref name="planes"/>
    /// planes): <c>same</c> each thread the planes a plane split gives it, <c>swapped</c> the other
    /// thread's planes, <c>pixels</c> each thread half of every plane (as a conv split by pixels writes),
    /// <c>caller</c> the calling thread alone, <c>worker</c> a pool worker alone.
    /// </summary>
    public static void Write(CpuThreadPool pool, string how, float[] source, float[] target, int planes)
    {
        if (how is not ("same" or "swapped" or "pixels" or "caller" or "worker"))
            throw new ArgumentException($"--producer wants same, swapped, pixels, caller or worker, not '{how}'");
        pool.ParallelFor(2, (source, target, planes, how), static (s, part) =>
        {
            int plane = s.target.Length / s.planes;
            if (s.how is "caller" or "worker")
            {
                if (part == (s.how == "caller" ? 0 : 1)) Array.Copy(s.source, s.target, s.target.Length);
                return;
            }
            int p = s.how == "swapped" ? 1 - part : part;
            if (s.how == "pixels")
            {
                int half = plane / 2, start = part == 0 ? 0 : half, length = part == 0 ? half : plane - half;
                for (int c = 0; c < s.planes; c++)
                    Array.Copy(s.source, c * plane + start, s.target, c * plane + start, length);
                return;
            }
            var (c0, c1) = CpuThreadPool.Partition(s.planes, 2, p);
            Array.Copy(s.source, c0 * plane, s.target, c0 * plane, (c1 - c0) * plane);
        });
    }
}
