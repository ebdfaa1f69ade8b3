using KernelVision.Graph;
using KernelVision.Tensors;
using Xunit;
using static KernelVision.Cpu.Tests.CpuVsReference;
using static KernelVision.Cpu.Tests.Kernels.Layout.LayoutCheck;
using OnnxAttribute = KernelVision.Graph.Attribute;

namespace KernelVision.Cpu.Tests.Kernels.Layout;

public class PadCpuTests
{
    [Theory]
    [InlineData("constant")]
    [InlineData("reflect")]
    [InlineData("edge")]
    [InlineData("wrap")]
    public void PadModesMatchReference(string mode)
    {
        var rng = new Random(mode.Length);
        OnnxAttribute[] m = [Attr.String("mode", mode)];
        foreach (var x in AllTypes(rng, [2, 3, 5, 6]))
        {
            Exact("Pad", [x, Tensor.Vector(0, 0, 1, 2, 0, 0, 3, 1)], m);
            Exact("Pad", [x, Tensor.Vector(0, 1, -1, 0, 1, 0, 2, -2)], m);
            Exact("Pad", [x, Tensor.Vector(1, 0, 0, 0, 0, 1, 0, 0)], m);
        }
        var f = Random(rng, [1, 8, 30, 31]);
        Exact("Pad", [f, Tensor.Vector(0, 0, 4, 5, 0, 0, 3, 2)], m);
        Exact("Pad", [f, Tensor.Vector(2, 3, 1, 0), null, Tensor.Vector(-2, -1)], m, opset: 18);
        Exact("Pad", [Random(rng, [2, 3, 4])], [.. m, Attr.Ints("pads", 0, 1, 2, 0, 2, 1)], opset: 2);
    }

    [Fact]
    public void PadConstantValues()
    {
        var rng = new Random(5);
        Exact("Pad", [Random(rng, [3, 4]), Tensor.Vector(1, 2, 2, 1), Tensor.Scalar(7.5f)], opset: 11);
        Exact("Pad", [RandomInts(rng, DataType.Int64, [3, 4], -9, 9), Tensor.Vector(1, 2, 2, 1), Tensor.FromInt64s([], [-4])], opset: 11);
        Exact("Pad", [Bools(rng, [3, 4]), Tensor.Vector(1, 0, 0, 1), BoolScalar(true)], opset: 11);
        Exact("Pad", [Random(rng, [2, 3])], [Attr.Ints("pads", 1, 1, 1, 1), Attr.Float("value", -2f)], opset: 6);
        Exact("Pad", [Random(rng, [3, 4]), Tensor.Vector(-3, 0, 0, 0)], opset: 11); // everything cropped on an axis
    }
}
