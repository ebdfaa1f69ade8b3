using ILGPU;
using KernelVision.Backends;
using KernelVision.Gpu.Device;
using KernelVision.Ops.Neural;
using KernelVision.Tensors;

namespace KernelVision.Gpu.Kernels.Neural;

/// <summary>
/// ConvTranspose without atomics: split by stride phase (<see cref="ConvPhaseProblem"/>), each phase a
/// stride-1 implicit GEMM over its own taps on the register-tiled engine (no gather with divisions).
/// output_padding, output_shape and auto_pad are already in the resolved geometry.
/// </summary>
[BackendKernel("gpu")]
public sealed class ConvTransposeGpu(ConvTranspose op) : GpuKernel<ConvTranspose>(op)
{
    private readonly ConvPhaseState _phases = new();

    /// <inheritdoc/>
    protected override void Execute(IReadOnlyList<Tensor?> inputs, IReadOnlyList<Tensor?> outputs)
    {
        var x = inputs[0]!;
        var w = inputs[1]!;
        var b = inputs.Count > 2 ? inputs[2] : null;
        var y = outputs[0]!;
        if (!AllFloat(inputs, outputs) || x.Rank > 5) { RunOnHost(inputs, outputs); return; }
        var g = Op.Resolve(x.Shape, w.Shape);
        if (y.Length == 0) { Done(outputs); return; }
        int batch = x.Shape[0], cin = x.Shape[1], group = Op.Group, mg = w.Shape[1];
        var xv = In(inputs, 0);
        var wv = Param(inputs, 1);
        ArrayView<float>? bv = b is null ? null : Param(inputs, 2);
        var yv = Out(outputs, 0);
        _phases.Run(Device, g, batch, cin, group, mg, xv, wv, bv, yv, Op.Activation, w, Backend.MayCacheParameter(Op.Node.Inputs[1]));
        Done(outputs);
    }
}
