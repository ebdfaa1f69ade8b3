using KernelVision.Graph;
using KernelVision.Tensors;
using Xunit;
using static KernelVision.Cpu.Tests.CpuVsReference;

namespace KernelVision.Cpu.Tests.Kernels.Elementwise;

public class ClipCpuTests
{
    [Fact]
    public void ClipBoundsFromAttributesAndInputs()
    {
        var rng = new Random(12);
        foreach (var shape in RaggedShapes)
        {
            var x = Random(rng, shape, -10, 10);
            Check("Clip", [x], [Attr.Float("min", -1.5f), Attr.Float("max", 6f)], opset: 6, exact: true);
            Check("Clip", [x], opset: 6, exact: true);
            Check("Clip", [x, Tensor.Scalar(0), Tensor.Scalar(6)], opset: 13, exact: true);
            Check("Clip", [x, null, Tensor.Scalar(2)], opset: 13, exact: true);
            Check("Clip", [x, Tensor.Scalar(-2)], opset: 13, exact: true);
            Check("Clip", [x, Tensor.Scalar(3), Tensor.Scalar(1)], opset: 13, exact: true); // lo > hi gives hi
        }
        Check("Clip", [RandomInts(rng, DataType.Int64, [20], -9, 9), Tensor.Vector(-2), Tensor.Vector(3)], opset: 13, exact: true);
    }
}
