namespace KernelVision.Tensors;

/// <summary>Shape arithmetic shared by every op; sizes use checked maths so a hostile shape cannot wrap.</summary>
public static class ShapeUtil
{
    /// <summary>Largest element count a single tensor may have (int indexing in kernels).</summary>
    public const long MaxElements = int.MaxValue - 64;

    /// <summary>Element count of <paramref name="shape"/>; throws on negative dims or overflow.</summary>
    public static int Size(ReadOnlySpan<int> shape)
    {
        long n = 1;
        foreach (int d in shape)
        {
            if (d < 0) throw new GraphException($"negative dimension {d} in shape {Format(shape)}");
            n *= d;
            if (n > MaxElements) throw new GraphException($"shape {Format(shape)} has more than {MaxElements} elements");
        }
        return (int)n;
    }

    /// <summary>Row-major strides.</summary>
    public static int[] Strides(ReadOnlySpan<int> shape)
    {
        var s = new int[shape.Length];
        int acc = 1;
        for (int i = shape.Length - 1; i >= 0; i--) { s[i] = acc; acc *= shape[i]; }
        return s;
    }

    /// <summary>Product of dims in [from, to).</summary>
    public static int Product(ReadOnlySpan<int> shape, int from, int to)
    {
        int n = 1;
        for (int i = from; i < to; i++) n *= shape[i];
        return n;
    }

    /// <summary>"[1,3,224,224]".</summary>
    public static string Format(ReadOnlySpan<int> shape) => "[" + string.Join(",", shape.ToArray()) + "]";

    /// <summary>Numpy-style broadcast of two shapes, or null when they are incompatible.</summary>
    public static int[]? TryBroadcast(ReadOnlySpan<int> a, ReadOnlySpan<int> b)
    {
        int r = Math.Max(a.Length, b.Length);
        var o = new int[r];
        for (int i = 0; i < r; i++)
        {
            int da = i < r - a.Length ? 1 : a[i - (r - a.Length)];
            int db = i < r - b.Length ? 1 : b[i - (r - b.Length)];
            if (da == db || db == 1) o[i] = da;
            else if (da == 1) o[i] = db;
            else return null;
        }
        return o;
    }

    /// <summary>Strides of <paramref name="shape"/> right-aligned into a broadcast result of rank <paramref name="rank"/>; 0 where broadcast.</summary>
    public static int[] BroadcastStrides(ReadOnlySpan<int> shape, int rank)
    {
        var s = new int[rank];
        var own = Strides(shape);
        int off = rank - shape.Length;
        for (int i = 0; i < shape.Length; i++) s[off + i] = shape[i] == 1 ? 0 : own[i];
        return s;
    }

    /// <summary>True when both shapes have the same dims.</summary>
    public static bool Same(ReadOnlySpan<int> a, ReadOnlySpan<int> b) => a.SequenceEqual(b);
}
