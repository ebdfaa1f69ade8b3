using KernelVision.Cpu.Threading;
using KernelVision.Tensors;

namespace KernelVision.Cpu.Kernels.Layout;

/// <summary>
/// Data movement that works for every storage type (float[], long[], bool[], double[]): a
/// kernel writes its loops once as <see cref="IMove.Run{T}"/> and <see cref="Dispatch"/> calls it with
/// the tensors' typed arrays, so the JIT compiles one specialised copy per element type.
/// </summary>
internal static class DataCopy
{
    /// <summary>Elements below which a copy is not worth splitting across threads.</summary>
    public const int MinChunk = 1 << 16;

    /// <summary>Copies all of <paramref name="src"/> into <paramref name="dst"/> (same type and size), in parallel chunks when large.</summary>
    public static void Copy(CpuThreadPool pool, Tensor src, Tensor dst)
    {
        var (sa, so) = src.Raw;
        var (da, dOff) = dst.Raw;
        if (ReferenceEquals(sa, da) && so == dOff) return; // already in place
        if (src.Type != dst.Type || src.Length != dst.Length)
            throw new ArgumentException($"cannot copy {src.Describe()} into {dst.Describe()}");
        ParallelRange.For(pool, src.Length, MinChunk, (S: sa, So: so, D: da, Do: dOff), static (j, start, end) =>
            Array.Copy(j.S, j.So + start, j.D, j.Do + start, end - start));
    }

    /// <summary>Calls <paramref name="move"/> with the typed storage of <paramref name="x"/> and <paramref name="y"/> (same storage type).</summary>
    public static void Dispatch<TMove>(Tensor x, Tensor y, TMove move) where TMove : struct, IMove
    {
        var (xa, xo) = x.Raw;
        var (ya, yo) = y.Raw;
        switch (xa)
        {
            case float[] f: move.Run(f, xo, (float[])ya, yo); break;
            case long[] l: move.Run(l, xo, (long[])ya, yo); break;
            case bool[] b: move.Run(b, xo, (bool[])ya, yo); break;
            case double[] d: move.Run(d, xo, (double[])ya, yo); break;
            default: throw new UnsupportedException($"tensors of type {x.Type.Name()} are not supported");
        }
    }
}

/// <summary>A data-movement loop over typed storage; see <see cref="DataCopy.Dispatch{TMove}"/>.</summary>
internal interface IMove
{
    /// <summary>Moves elements of x (starting at <paramref name="xOffset"/>) into y (starting at <paramref name="yOffset"/>).</summary>
    void Run<T>(T[] x, int xOffset, T[] y, int yOffset);
}
