using ILGPU;
using KernelVision.Backends;
using KernelVision.Gpu.Device;
using KernelVision.Gpu.Runtime;
using KernelVision.Ops;
using KernelVision.Ops.Elementwise;
using KernelVision.Tensors;

namespace KernelVision.Gpu.Kernels;

/// <summary>Base of the one-input element-wise kernels: a function code and two parameters.</summary>
public abstract class UnaryGpuBase<TOp>(TOp op) : GpuKernel<TOp>(op) where TOp : Op
{
    /// <summary>The device function and its parameters, or null to run on the host.</summary>
    protected abstract (UnaryCode Code, float A, float B)? Function(IReadOnlyList<Tensor?> inputs);

    /// <inheritdoc/>
    protected override void Execute(IReadOnlyList<Tensor?> inputs, IReadOnlyList<Tensor?> outputs)
    {
        var f = AllFloat(inputs, outputs) ? Function(inputs) : null;
        if (f is null) { RunOnHost(inputs, outputs); return; }
        var args = new UnaryArgs { X = In(inputs, 0), Y = Out(outputs, 0), Code = (int)f.Value.Code, A = f.Value.A, B = f.Value.B };
        Launch.Elements(Device, ElementwiseKernels.Unary, outputs[0]!.Length, args);
        Done(outputs);
    }
}

/// <summary>Relu, Sigmoid, Tanh, HardSwish, Erf, Sqrt, Exp.</summary>
[BackendKernel("gpu")]
public sealed class UnaryGpu(UnaryOp op) : UnaryGpuBase<UnaryOp>(op)
{
    /// <inheritdoc/>
    protected override (UnaryCode, float, float)? Function(IReadOnlyList<Tensor?> inputs) => Op.Kind switch
    {
        UnaryKind.Relu => (UnaryCode.Relu, 0, 0),
        UnaryKind.Sigmoid => (UnaryCode.Sigmoid, 0, 0),
        UnaryKind.Tanh => (UnaryCode.Tanh, 0, 0),
        UnaryKind.HardSwish => (UnaryCode.HardSwish, 0, 0),
        UnaryKind.Erf => (UnaryCode.Erf, 0, 0),
        UnaryKind.Sqrt => (UnaryCode.Sqrt, 0, 0),
        UnaryKind.Exp => (UnaryCode.Exp, 0, 0),
        _ => null,
    };
}

/// <summary>LeakyRelu.</summary>
[BackendKernel("gpu")]
public sealed class LeakyReluGpu(LeakyRelu op) : UnaryGpuBase<LeakyRelu>(op)
{
    /// <inheritdoc/>
    protected override (UnaryCode, float, float)? Function(IReadOnlyList<Tensor?> inputs) => (UnaryCode.LeakyRelu, Op.Alpha, 0);
}

/// <summary>Elu.</summary>
[BackendKernel("gpu")]
public sealed class EluGpu(Elu op) : UnaryGpuBase<Elu>(op)
{
    /// <inheritdoc/>
    protected override (UnaryCode, float, float)? Function(IReadOnlyList<Tensor?> inputs) => (UnaryCode.Elu, Op.Alpha, 0);
}

/// <summary>Selu.</summary>
[BackendKernel("gpu")]
public sealed class SeluGpu(Selu op) : UnaryGpuBase<Selu>(op)
{
    /// <inheritdoc/>
    protected override (UnaryCode, float, float)? Function(IReadOnlyList<Tensor?> inputs) => (UnaryCode.Selu, Op.Alpha, Op.Gamma);
}

/// <summary>HardSigmoid.</summary>
[BackendKernel("gpu")]
public sealed class HardSigmoidGpu(HardSigmoid op) : UnaryGpuBase<HardSigmoid>(op)
{
    /// <inheritdoc/>
    protected override (UnaryCode, float, float)? Function(IReadOnlyList<Tensor?> inputs) => (UnaryCode.HardSigmoid, Op.Alpha, Op.Beta);
}

/// <summary>Clip; bounds given as inputs (opset 11+) are scalars read on the host.</summary>
[BackendKernel("gpu")]
public sealed class ClipGpu(Clip op) : UnaryGpuBase<Clip>(op)
{
    /// <inheritdoc/>
    protected override (UnaryCode, float, float)? Function(IReadOnlyList<Tensor?> inputs)
    {
        if (!Op.BoundsAreInputs) return (UnaryCode.Clip, Op.MinAttribute, Op.MaxAttribute);
        float lo = float.NegativeInfinity, hi = float.PositiveInfinity;
        if (inputs.Count > 1 && inputs[1] is { } min) { Device.Memory.EnsureHost(min, Op.Node.Inputs[1]); lo = min.Floats[0]; }
        if (inputs.Count > 2 && inputs[2] is { } max) { Device.Memory.EnsureHost(max, Op.Node.Inputs[2]); hi = max.Floats[0]; }
        return (UnaryCode.Clip, lo, hi);
    }
}

/// <summary>Binary ops with broadcasting helpers.</summary>
internal static class Broadcast
{
    /// <summary>Dims of <paramref name="y"/> with broadcast strides of <paramref name="a"/> (S) and <paramref name="b"/> (T), or null beyond 6 dims.</summary>
    public static Dims6? Of(int[] y, int[] a, int[] b)
    {
        if (y.Length > Shapes.MaxRank) return null;
        return Shapes.Box(y, ShapeUtil.BroadcastStrides(a, y.Length), ShapeUtil.BroadcastStrides(b, y.Length));
    }
}

/// <summary>Add, Sub, Mul, Div, Pow on float32 with numpy broadcasting (legacy opset &lt; 7 alignment included).</summary>
[BackendKernel("gpu")]
public sealed class BinaryGpu(BinaryOp op) : GpuKernel<BinaryOp>(op)
{
    /// <inheritdoc/>
    protected override void Execute(IReadOnlyList<Tensor?> inputs, IReadOnlyList<Tensor?> outputs)
    {
        var a = inputs[0]!;
        var b = inputs[1]!;
        var y = outputs[0]!;
        var dims = AllFloat(inputs, outputs) ? Broadcast.Of(y.Shape, a.Shape, Op.AlignedShapeOfB(a.Shape, b.Shape)) : null;
        if (dims is null) { RunOnHost(inputs, outputs); return; }
        var args = new BinaryArgs { A = In(inputs, 0), B = In(inputs, 1), Y = Out(outputs, 0), Dims = dims.Value, Code = (int)Code(Op.Kind) };
        Launch.Elements(Device, ElementwiseKernels.Binary, y.Length, args);
        Done(outputs);
    }

    private static BinaryCode Code(BinaryKind k) => k switch
    {
        BinaryKind.Add => BinaryCode.Add,
        BinaryKind.Sub => BinaryCode.Sub,
        BinaryKind.Mul => BinaryCode.Mul,
        BinaryKind.Div => BinaryCode.Div,
        _ => BinaryCode.Pow,
    };
}

/// <summary>PRelu: slope broadcast onto X.</summary>
[BackendKernel("gpu")]
public sealed class PReluGpu(PRelu op) : GpuKernel<PRelu>(op)
{
    /// <inheritdoc/>
    protected override void Execute(IReadOnlyList<Tensor?> inputs, IReadOnlyList<Tensor?> outputs)
    {
        var x = inputs[0]!;
        var y = outputs[0]!;
        var dims = AllFloat(inputs, outputs) ? Broadcast.Of(y.Shape, x.Shape, Op.AlignedSlopeShape(x.Shape, inputs[1]!.Shape)) : null;
        if (dims is null) { RunOnHost(inputs, outputs); return; }
        var args = new BinaryArgs { A = In(inputs, 0), B = Param(inputs, 1), Y = Out(outputs, 0), Dims = dims.Value, Code = (int)BinaryCode.PRelu };
        Launch.Elements(Device, ElementwiseKernels.Binary, y.Length, args);
        Done(outputs);
    }
}

/// <summary>Sum of N inputs with broadcasting: a broadcast copy of the first, then in-place adds.</summary>
[BackendKernel("gpu")]
public sealed class SumGpu(Sum op) : GpuKernel<Sum>(op)
{
    /// <inheritdoc/>
    protected override void Execute(IReadOnlyList<Tensor?> inputs, IReadOnlyList<Tensor?> outputs)
    {
        var y = outputs[0]!;
        if (!AllFloat(inputs, outputs) || y.Rank > Shapes.MaxRank || inputs.Any(t => t is null)) { RunOnHost(inputs, outputs); return; }
        var yv = Out(outputs, 0);
        var first = inputs[0]!;
        var copy = new CopyArgs { X = In(inputs, 0), Y = yv, Dims = Shapes.Box(y.Shape, ShapeUtil.BroadcastStrides(first.Shape, y.Rank), ShapeUtil.Strides(y.Shape)) };
        Launch.Elements(Device, ElementwiseKernels.Copy, y.Length, copy);
        for (int i = 1; i < inputs.Count; i++)
        {
            var args = new BinaryArgs { A = yv, B = In(inputs, i), Y = yv, Dims = Broadcast.Of(y.Shape, y.Shape, inputs[i]!.Shape)!.Value, Code = (int)BinaryCode.Add };
            Launch.Elements(Device, ElementwiseKernels.Binary, y.Length, args);
        }
        Done(outputs);
    }
}
