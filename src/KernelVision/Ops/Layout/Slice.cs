using KernelVision.Graph;
using KernelVision.Tensors;

namespace KernelVision.Ops.Layout;

/// <summary>Where a slice starts on one axis, how far it steps, and how many elements it keeps.</summary>
public readonly record struct SliceAxis(int Start, int Step, int Count);

/// <summary>
/// Slice: numpy-style start:end:step on chosen axes. starts/ends/axes are attributes before opset
/// 10 (no steps); from opset 10 they are inputs (starts, ends, axes?, steps?). Out-of-range bounds
/// are clamped, negative ones count from the end, negative steps walk backwards.
/// </summary>
[OnnxOp("Slice")]
public sealed class Slice : Op
{
    /// <summary>'starts' attribute (opset &lt; 10), else null.</summary>
    public long[]? StartsAttribute { get; }
    /// <summary>'ends' attribute (opset &lt; 10), else null.</summary>
    public long[]? EndsAttribute { get; }
    /// <summary>'axes' attribute (opset &lt; 10), else null.</summary>
    public long[]? AxesAttribute { get; }

    /// <summary>Parses the attribute form used before opset 10.</summary>
    public Slice(Node node, int opset) : base(node, opset)
    {
        if (opset < 10)
        {
            StartsAttribute = Attributes.GetInts("starts") ?? throw Fail("required attribute 'starts' is missing");
            EndsAttribute = Attributes.GetInts("ends") ?? throw Fail("required attribute 'ends' is missing");
            AxesAttribute = Attributes.GetInts("axes");
        }
    }

    /// <summary>
    /// The per-axis slice (one entry per input dimension; untouched axes keep everything) for an
    /// input of <paramref name="shape"/>. The tensors are inputs 1-4 from opset 10 and ignored before.
    /// </summary>
    public SliceAxis[] Resolve(int[] shape, Tensor? starts, Tensor? ends, Tensor? axes, Tensor? steps)
    {
        long[] s, e;
        long[]? a, st = null;
        if (Opset < 10)
        {
            (s, e, a) = (StartsAttribute!, EndsAttribute!, AxesAttribute);
        }
        else
        {
            s = LayoutUtil.Ints(Node, starts ?? throw Fail("input 1 (starts) is required"), "starts");
            e = LayoutUtil.Ints(Node, ends ?? throw Fail("input 2 (ends) is required"), "ends");
            a = axes is null ? null : LayoutUtil.Ints(Node, axes, "axes");
            st = steps is null ? null : LayoutUtil.Ints(Node, steps, "steps");
        }
        if (e.Length != s.Length) throw Fail($"starts {LayoutUtil.Format(s)} and ends {LayoutUtil.Format(e)} differ in length");
        if (a is not null && a.Length != s.Length) throw Fail($"axes {LayoutUtil.Format(a)} and starts {LayoutUtil.Format(s)} differ in length");
        if (st is not null && st.Length != s.Length) throw Fail($"steps {LayoutUtil.Format(st)} and starts {LayoutUtil.Format(s)} differ in length");
        int rank = shape.Length;
        if (a is null && s.Length > rank) throw Fail($"{s.Length} starts given for rank {rank}");
        int[] axisList = a is null ? Enumerable.Range(0, s.Length).ToArray() : LayoutUtil.Axes(Node, a, rank);

        var result = new SliceAxis[rank];
        for (int d = 0; d < rank; d++) result[d] = new SliceAxis(0, 1, shape[d]);
        for (int i = 0; i < axisList.Length; i++)
        {
            int d = axisList[i];
            long dim = shape[d];
            long step = st is null ? 1 : st[i];
            if (step == 0) throw Fail($"step on axis {d} is 0");
            // Any step longer than the axis keeps one element; clamping keeps the maths below in range.
            step = Math.Clamp(step, -(long)int.MaxValue, int.MaxValue);
            long start = s[i], end = e[i];
            if (start < 0) start += dim;
            if (end < 0) end += dim;
            long count;
            if (step > 0)
            {
                start = Math.Clamp(start, 0, dim);
                end = Math.Clamp(end, 0, dim);
                count = end > start ? (end - start + step - 1) / step : 0;
            }
            else
            {
                start = Math.Clamp(start, 0, dim - 1);
                end = Math.Clamp(end, -1, dim - 1);
                count = start > end ? (start - end - step - 1) / -step : 0;
            }
            // An empty result may leave start at -1 (dim 0, negative step); any start is fine then.
            result[d] = new SliceAxis(count == 0 ? 0 : (int)start, (int)step, (int)count);
        }
        return result;
    }

    /// <inheritdoc/>
    public override TensorInfo[] InferOutputs(IReadOnlyList<TensorInfo?> inputs)
    {
        TensorInfo x;
        SliceAxis[] plan;
        if (Opset < 10)
        {
            ExpectInputs(inputs, 1, 1);
            x = Input(inputs, 0);
            plan = Resolve(x.Shape, null, null, null, null);
        }
        else
        {
            ExpectInputs(inputs, 3, 5);
            x = Input(inputs, 0);
            plan = Resolve(x.Shape, RequireValue(inputs, 1), RequireValue(inputs, 2),
                LayoutUtil.OptionalValue(inputs, 3), LayoutUtil.OptionalValue(inputs, 4));
        }
        return [new TensorInfo(x.Type, plan.Select(p => p.Count).ToArray())];
    }
}
