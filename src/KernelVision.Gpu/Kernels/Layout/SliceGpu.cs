using KernelVision.Backends;
using KernelVision.Ops.Layout;
using KernelVision.Tensors;

namespace KernelVision.Gpu.Kernels.Layout;

/// <summary>Slice (any steps, negative included): a strided gather.</summary>
[BackendKernel("gpu")]
public sealed class SliceGpu(Slice op) : GpuKernel<Slice>(op)
{
    /// <inheritdoc/>
    protected override void Execute(IReadOnlyList<Tensor?> inputs, IReadOnlyList<Tensor?> outputs)
    {
        var x = inputs[0]!;
        var y = outputs[0]!;
        if (x.Type != DataType.Float32) { RunOnHost(inputs, outputs); return; }
        Tensor? At(int i) => i < inputs.Count ? inputs[i] : null;
        var plan = Op.Resolve(x.Shape, At(1), At(2), At(3), At(4));
        var strides = ShapeUtil.Strides(x.Shape);
        var s = new int[x.Rank];
        int start = 0;
        for (int d = 0; d < x.Rank; d++)
        {
            s[d] = strides[d] * plan[d].Step;
            start += plan[d].Start * strides[d];
        }
        if (y.Length > 0 && !Copies.Strided(Device, In(inputs, 0), Out(outputs, 0), y.Shape, s, ShapeUtil.Strides(y.Shape), start, 0))
        {
            RunOnHost(inputs, outputs);
            return;
        }
        Done(outputs);
    }
}
