using KernelVision.Backends;
using KernelVision.Gpu.Device;
using KernelVision.Gpu.Runtime;
using KernelVision.Ops.Linear;
using KernelVision.Tensors;

namespace KernelVision.Gpu.Kernels.Linear;

/// <summary>Gemm on the tiled engine, with α, β·C (broadcast) and the fused activation in the epilogue.</summary>
[BackendKernel("gpu")]
public sealed class GemmGpu(Gemm op) : GpuKernel<Gemm>(op)
{
    /// <inheritdoc/>
    protected override void Execute(IReadOnlyList<Tensor?> inputs, IReadOnlyList<Tensor?> outputs)
    {
        if (!AllFloat(inputs, outputs)) { RunOnHost(inputs, outputs); return; }
        var a = inputs[0]!;
        var b = inputs[1]!;
        var c = inputs.Count > 2 ? inputs[2] : null;
        var (m, k, n) = Op.Dims(a.Shape, b.Shape);
        if (m * n == 0) { Done(outputs); return; }
        bool useC = c is not null && Op.Beta != 0 && c.Length > 0;
        int csm = 0, csn = 0;
        if (useC)
        {
            var cs = c!.Shape;
            if (cs.Length == 1) csn = cs[0] == 1 ? 0 : 1;
            else if (cs.Length == 2) { csm = cs[0] == 1 ? 0 : cs[1]; csn = cs[1] == 1 ? 0 : 1; }
        }
        var av = In(inputs, 0);
        var bv = Param(inputs, 1);
        var p = new DenseProblem
        {
            AData = av, BData = bv, CData = useC ? Param(inputs, 2) : av, Y = Out(outputs, 0),
            TransA = Op.TransA ? 1 : 0, TransB = Op.TransB ? 1 : 0, HasC = useC ? 1 : 0, CStrideM = csm, CStrideN = csn,
            Mv = m, Nv = n, Kv = k, Alpha = Op.Alpha, Beta = Op.Beta,
            ActKind = (int)Op.Activation.Kind, ActA = Op.Activation.Alpha, ActB = Op.Activation.Beta,
        };
        Launch.Packed(Device, p, 1);
        Done(outputs);
    }
}
