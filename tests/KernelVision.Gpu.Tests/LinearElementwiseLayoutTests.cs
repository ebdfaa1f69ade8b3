using KernelVision.Graph;
using KernelVision.Tensors;
using Xunit;
using static KernelVision.Gpu.Tests.GpuCheck;

namespace KernelVision.Gpu.Tests;

/// <summary>Gemm/MatMul, element-wise and layout kernels on the simulated GPU against Reference.</summary>
public class LinearElementwiseLayoutTests
{
    [Theory]
    [InlineData(5, 7, 3, false, false)]
    [InlineData(17, 9, 20, true, false)]
    [InlineData(3, 33, 18, false, true)]
    [InlineData(2, 4, 5, true, true)]
    public void Gemm(int m, int k, int n, bool ta, bool tb)
    {
        var a = ta ? Random(40, k, m) : Random(40, m, k);
        var b = tb ? Random(41, n, k) : Random(41, k, n);
        Same("Gemm", [a, b, Random(42, n)], [Attr.Int("transA", ta ? 1 : 0), Attr.Int("transB", tb ? 1 : 0), Attr.Float("alpha", 0.5f), Attr.Float("beta", 2f)]);
        Same("Gemm", [a, b, Random(43, m, 1)], [Attr.Int("transA", ta ? 1 : 0), Attr.Int("transB", tb ? 1 : 0)]);
        Same("Gemm", [a, b], [Attr.Int("transA", ta ? 1 : 0), Attr.Int("transB", tb ? 1 : 0)]);
    }

    [Fact]
    public void MatMulBroadcastAndVectors()
    {
        Same("MatMul", [Random(44, 2, 1, 3, 5), Random(45, 3, 5, 4)]);
        Same("MatMul", [Random(46, 7), Random(47, 7, 3)]);
        Same("MatMul", [Random(48, 2, 3, 7), Random(49, 7)]);
        Same("MatMul", [Random(50, 19, 18), Random(51, 18, 21)]);
    }

    [Fact]
    public void Unary()
    {
        var x = Random(52, 3, 7, 5);
        foreach (var op in new[] { "Relu", "Sigmoid", "Tanh", "HardSwish", "Erf", "Exp" }) Same(op, [x]);
        Same("Sqrt", [Positive(53, 4, 9)]);
        Same("LeakyRelu", [x], [Attr.Float("alpha", 0.2f)]);
        Same("Elu", [x], [Attr.Float("alpha", 0.7f)]);
        Same("Selu", [x]);
        Same("HardSigmoid", [x], [Attr.Float("alpha", 0.3f), Attr.Float("beta", 0.4f)]);
        Same("Clip", [x, Tensor.Scalar(-0.3f), Tensor.Scalar(0.5f)]);
        Same("Clip", [x], [Attr.Float("min", -0.2f), Attr.Float("max", 0.1f)], opset: 6);
    }

    [Fact]
    public void BinaryBroadcast()
    {
        var a = Random(54, 2, 3, 4, 5);
        foreach (var op in new[] { "Add", "Sub", "Mul", "Div" })
        {
            Same(op, [a, Random(55, 3, 1, 5)]);
            Same(op, [Random(56, 1, 5), a]);
        }
        Same("Pow", [Positive(57, 3, 4), Random(58, 4)]);
        Same("PRelu", [a, Random(59, 3, 1, 1)]);
        Same("Sum", [a, Random(60, 5), Random(61, 2, 1, 1, 5)]);
    }

    [Fact]
    public void DataMovement()
    {
        var x = Random(62, 2, 3, 4, 5);
        Same("Concat", [x, Random(63, 2, 2, 4, 5), Random(64, 2, 1, 4, 5)], [Attr.Int("axis", 1)]);
        Same("Concat", [x, Random(65, 2, 3, 4, 1)], [Attr.Int("axis", -1)]);
        Same("Split", [x, Tensor.Vector(2, 3)], [Attr.Int("axis", 3)], outputs: 2);
        Same("Transpose", [x], [Attr.Ints("perm", 0, 2, 3, 1)]);
        Same("Transpose", [x], [Attr.Ints("perm", 3, 1, 0, 2)]);
        Same("Slice", [x, Tensor.Vector(1, 4), Tensor.Vector(-1, 0), Tensor.Vector(2, 3), Tensor.Vector(1, -2)]);
        Same("Reshape", [x, Tensor.Vector(6, -1)]);
        Same("Flatten", [x], [Attr.Int("axis", 2)]);
        Same("DepthToSpace", [Random(66, 1, 8, 2, 3)], [Attr.Int("blocksize", 2)]);
        Same("DepthToSpace", [Random(67, 1, 8, 2, 3)], [Attr.Int("blocksize", 2), Attr.String("mode", "CRD")]);
        Same("SpaceToDepth", [Random(68, 1, 2, 4, 6)], [Attr.Int("blocksize", 2)]);
        Same("ReduceMean", [x, Tensor.Vector(1, 3)], [Attr.Int("keepdims", 1)]);
        Same("ReduceMean", [x, Tensor.Vector(0, 2, 3)], [Attr.Int("keepdims", 0)]);
        Same("Softmax", [x], [Attr.Int("axis", 1)]);
        Same("LogSoftmax", [x], [Attr.Int("axis", -1)]);
        Same("Softmax", [x], [Attr.Int("axis", 2)], opset: 11);
    }

    [Theory]
    [InlineData("constant")]
    [InlineData("reflect")]
    [InlineData("edge")]
    [InlineData("wrap")]
    public void Pad(string mode)
    {
        var x = Random(69, 1, 2, 4, 5);
        Same("Pad", [x, Tensor.Vector(0, 0, 2, 3, 0, 1, 1, -1), Tensor.Scalar(0.25f)], [Attr.String("mode", mode)]);
    }

    [Fact]
    public void ResizeModes()
    {
        var x = Random(70, 1, 2, 3, 5);
        var scales = Tensor.FromFloats([4], [1, 1, 2.5f, 1.6f]);
        var empty = Tensor.FromFloats([0], []);
        Same("Resize", [x, empty, scales], [Attr.String("mode", "nearest")]);
        Same("Resize", [x, empty, scales], [Attr.String("mode", "linear"), Attr.String("coordinate_transformation_mode", "align_corners")]);
        Same("Resize", [x, empty, scales], [Attr.String("mode", "cubic")]);
        Same("Resize", [x, empty, Tensor.FromFloats([4], [1, 1, 0.6f, 0.5f])], [Attr.String("mode", "linear"), Attr.Int("antialias", 1)]);
        Same("Upsample", [x, Tensor.FromFloats([4], [1, 1, 2, 2])], [Attr.String("mode", "nearest")], opset: 9);
    }
}
