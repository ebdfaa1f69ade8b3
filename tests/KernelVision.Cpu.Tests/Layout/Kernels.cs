using KernelVision.Execution;
using KernelVision.Tensors;
using OnnxAttribute = KernelVision.Graph.Attribute;

namespace KernelVision.Cpu.Tests.Layout;

/// <summary>Runs an op on the Cpu backend only (for error cases).</summary>
internal static class Kernels
{
    public static Tensor?[] Run(string op, IReadOnlyList<Tensor?> inputs, IEnumerable<OnnxAttribute>? attrs = null, int opset = 22) =>
        OpEvaluator.Run(op, inputs, attrs, 1, opset, CpuVsReference.Threaded);
}
