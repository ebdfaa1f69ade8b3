using KernelVision.Execution;
using KernelVision.Graph;
using KernelVision.Tensors;
using Xunit;

namespace KernelVision.Tests.Ops.Layout;

public class CastTests
{
    [Fact]
    public void FloatToInt64TruncatesTowardZero()
    {
        var y = OpEvaluator.Run("Cast", [Tensor.FromFloats([4], [1.9f, -1.9f, 0.4f, 3])], [Attr.Int("to", (long)DataType.Int64)])[0]!;
        Assert.Equal(DataType.Int64, y.Type);
        Assert.Equal(new long[] { 1, -1, 0, 3 }, y.Int64s.ToArray());
    }

    [Fact]
    public void Int64ToFloatAndToNarrowIntegersWrap()
    {
        var x = Tensor.Vector(300, -1, 7);
        var f = OpEvaluator.Run("Cast", [x], [Attr.Int("to", (long)DataType.Float32)])[0]!;
        Assert.Equal(new float[] { 300, -1, 7 }, f.Floats.ToArray());
        var u8 = OpEvaluator.Run("Cast", [x], [Attr.Int("to", (long)DataType.UInt8)])[0]!;
        Assert.Equal(new long[] { 44, 255, 7 }, u8.Int64s.ToArray());
        var b = OpEvaluator.Run("Cast", [x], [Attr.Int("to", (long)DataType.Bool)])[0]!;
        Assert.Equal(new[] { true, true, true }, b.Bools.ToArray());
    }

    [Fact]
    public void UnsupportedTargetIsAnError()
    {
        Assert.Throws<UnsupportedException>(() => OpEvaluator.Run("Cast", [Tensor.Vector(1)], [Attr.Int("to", (long)DataType.String)]));
        Assert.Throws<GraphException>(() => OpEvaluator.Run("Cast", [Tensor.Vector(1)]));
    }
}
