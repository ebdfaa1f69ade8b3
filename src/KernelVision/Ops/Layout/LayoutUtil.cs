using KernelVision.Graph;
using KernelVision.Tensors;

namespace KernelVision.Ops.Layout;

/// <summary>Small helpers the layout ops share: reading integer inputs and normalising axis lists.</summary>
internal static class LayoutUtil
{
    /// <summary>A <see cref="GraphException"/> naming <paramref name="node"/>.</summary>
    public static GraphException Error(Node node, string message) => new($"{node.DisplayName}: {message}");

    /// <summary>
    /// The value of optional input <paramref name="i"/>: null when omitted, its value when known,
    /// <see cref="ValueNotKnownException"/> when it is only known at run time.
    /// </summary>
    public static Tensor? OptionalValue(IReadOnlyList<TensorInfo?> inputs, int i)
    {
        if (i >= inputs.Count || inputs[i] is null) return null;
        return inputs[i]!.Value ?? throw new ValueNotKnownException();
    }

    /// <summary>Input <paramref name="i"/> of a kernel, or null when omitted.</summary>
    public static Tensor? At(IReadOnlyList<Tensor?> inputs, int i) => i < inputs.Count ? inputs[i] : null;

    /// <summary>The elements of an integer tensor (shape, axes, pads inputs); other types are a graph error.</summary>
    public static long[] Ints(Node node, Tensor t, string what)
    {
        if (!t.Type.IsInteger()) throw Error(node, $"{what} must be an integer tensor, got {t.Describe()}");
        if (t.Rank > 1) throw Error(node, $"{what} must be 1-D, got {t.Describe()}");
        return t.Int64s.ToArray();
    }

    /// <summary>Normalises an axis into [0, rank) or throws naming the node.</summary>
    public static int Axis(Node node, long axis, int rank)
    {
        if (axis < -rank || axis >= rank) throw Error(node, $"axis {axis} is out of range for rank {rank}");
        return (int)(axis < 0 ? axis + rank : axis);
    }

    /// <summary>Normalises a list of axes into [0, rank); duplicates are a graph error.</summary>
    public static int[] Axes(Node node, long[] axes, int rank)
    {
        var r = new int[axes.Length];
        for (int i = 0; i < axes.Length; i++)
        {
            r[i] = Axis(node, axes[i], rank);
            for (int j = 0; j < i; j++)
                if (r[j] == r[i]) throw Error(node, $"axis {axes[i]} is given twice in {Format(axes)}");
        }
        return r;
    }

    /// <summary>Converts a dimension computed in long arithmetic to int, rejecting negative or huge ones.</summary>
    public static int Dim(Node node, long d)
    {
        if (d < 0) throw Error(node, $"negative output dimension {d}");
        if (d > ShapeUtil.MaxElements) throw Error(node, $"output dimension {d} is too large");
        return (int)d;
    }

    /// <summary>Checks the element count of an output shape (overflow, negative dims) naming the node.</summary>
    public static int[] CheckShape(Node node, int[] shape)
    {
        try { ShapeUtil.Size(shape); }
        catch (GraphException e) { throw Error(node, e.Message); }
        return shape;
    }

    /// <summary>"[1,2,3]".</summary>
    public static string Format(long[] v) => "[" + string.Join(",", v) + "]";
}
