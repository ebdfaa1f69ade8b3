using KernelVision.Backends;
using KernelVision.Gpu.Device;
using KernelVision.Gpu.Runtime;
using KernelVision.Ops.Neural;
using KernelVision.Tensors;

namespace KernelVision.Gpu.Kernels.Neural;

/// <summary>Inference BatchNormalization, one thread per element (per-channel factors computed in the kernel).</summary>
[BackendKernel("gpu")]
public sealed class BatchNormalizationGpu(BatchNormalization op) : GpuKernel<BatchNormalization>(op)
{
    /// <inheritdoc/>
    protected override void Execute(IReadOnlyList<Tensor?> inputs, IReadOnlyList<Tensor?> outputs)
    {
        var x = inputs[0]!;
        bool extraOutputs = outputs.Skip(1).Any(t => t is not null);
        if (!AllFloat(inputs, outputs) || extraOutputs || Op.TrainingMode || !Op.Spatial || x.Rank < 2 || inputs.Count < 5) { RunOnHost(inputs, outputs); return; }
        var args = new BatchNormArgs
        {
            X = In(inputs, 0), Scale = Param(inputs, 1), Bias = Param(inputs, 2), Mean = Param(inputs, 3), Var = Param(inputs, 4),
            Y = Out(outputs, 0), C = x.Shape[1], Plane = Math.Max(1, ShapeUtil.Product(x.Shape, 2, x.Rank)), Epsilon = Op.Epsilon,
            ActKind = (int)Op.Activation.Kind, ActA = Op.Activation.Alpha, ActB = Op.Activation.Beta,
        };
        Launch.Elements(Device, NeuralKernels.BatchNorm, x.Length, args);
        Done(outputs);
    }
}
