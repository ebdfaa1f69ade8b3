using KernelVision.Backends;
using KernelVision.Gpu.Device;
using KernelVision.Gpu.Runtime;
using KernelVision.Ops.Elementwise;
using KernelVision.Tensors;

namespace KernelVision.Gpu.Kernels.Elementwise;

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
