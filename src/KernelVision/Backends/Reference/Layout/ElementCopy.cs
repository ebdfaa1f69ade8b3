using KernelVision.Tensors;

namespace KernelVision.Backends.Reference.Layout;

/// <summary>
/// Type-independent element movement for the data-movement kernels. Most layout ops reduce to
/// "output element i comes from input element map[i]" (Transpose, Slice, Pad, DepthToSpace...);
/// computing that map once and copying with it keeps each kernel free of per-type code.
/// </summary>
internal static class ElementCopy
{
    /// <summary>dst[i] = src[map[i]] for every i; entries of map below 0 get the type's zero (false for bool).</summary>
    public static void Gather(Tensor src, Tensor dst, int[] map)
    {
        switch (src.Raw.Storage)
        {
            case float[]: Gather(src, dst, map, 0f); break;
            case double[]: Gather(src, dst, map, 0.0); break;
            case long[]: Gather(src, dst, map, 0L); break;
            case bool[]: Gather(src, dst, map, false); break;
            default: throw new UnsupportedException($"tensors of type {src.Type.Name()} are not supported");
        }
    }

    /// <summary>dst[i] = src[map[i]] for every i; entries of map below 0 get <paramref name="fill"/>.</summary>
    public static void Gather<T>(Tensor src, Tensor dst, int[] map, T fill)
    {
        var (sArr, sOff) = src.Raw;
        var (dArr, dOff) = dst.Raw;
        var s = (T[])sArr;
        var d = (T[])dArr;
        if (map.Length != dst.Length) throw new ArgumentException("index map does not cover the output");
        for (int i = 0; i < map.Length; i++)
            d[dOff + i] = map[i] >= 0 ? s[sOff + map[i]] : fill;
    }

    /// <summary>Copies <paramref name="count"/> elements between tensors of the same storage type.</summary>
    public static void Copy(Tensor src, int srcIndex, Tensor dst, int dstIndex, int count)
    {
        var (sArr, sOff) = src.Raw;
        var (dArr, dOff) = dst.Raw;
        Array.Copy(sArr, sOff + srcIndex, dArr, dOff + dstIndex, count);
    }

    /// <summary>Sets every element of <paramref name="dst"/> to element 0 of <paramref name="value"/> (same type).</summary>
    public static void Fill(Tensor dst, Tensor value)
    {
        for (int i = 0; i < dst.Length; i++) Copy(value, 0, dst, i, 1);
    }

    /// <summary>The multi-index of flat position <paramref name="flat"/> in a row-major tensor of <paramref name="shape"/>.</summary>
    public static void Unravel(int flat, int[] shape, int[] index)
    {
        for (int d = shape.Length - 1; d >= 0; d--)
        {
            int n = shape[d];
            index[d] = n == 0 ? 0 : flat % n;
            flat = n == 0 ? 0 : flat / n;
        }
    }
}
