using KernelVision.Execution;
using KernelVision.Graph;
using KernelVision.Tensors;
using Xunit;

namespace KernelVision.Tests.Ops.Neural;

/// <summary>LayerNormalization's definition and Reference kernel, on values worked out by hand (the ONNX conformance cases check the rest).</summary>
public class LayerNormalizationTests
{
    [Fact]
    public void NormalisesEachRowOverTheLastAxis()
    {
        // Rows [1,2,3,4] (mean 2.5, var 1.25) and [10,10,14,14] (mean 12, var 4); scale and bias per column.
        var x = Tensor.FromFloats([2, 4], [1, 2, 3, 4, 10, 10, 14, 14]);
        var scale = Tensor.FromFloats([4], [1, 2, 1, 2]);
        var b = Tensor.FromFloats([4], [0, 0, 1, 1]);
        var outs = OpEvaluator.Run("LayerNormalization", [x, scale, b], [Attr.Float("epsilon", 0)], outputs: 3, opset: 17);
        float s = (float)(1 / Math.Sqrt(1.25));
        TensorAssert.Close([2, 4], [-1.5f * s, -1f * s, 1 + 0.5f * s, 1 + 3f * s, -1, -2, 2, 3], outs[0]);
        TensorAssert.Close([2, 1], [2.5f, 12], outs[1]);
        TensorAssert.Close([2, 1], [s, 0.5f], outs[2]);
    }

    [Fact]
    public void AxisOneOfRankThreeNormalisesTheLastTwoDimensions()
    {
        // One row of 4: [0, 2, 4, 6] → mean 3, var 5; Scale [2,1] broadcasts over the first normalised axis.
        var x = Tensor.FromFloats([1, 2, 2], [0, 2, 4, 6]);
        var scale = Tensor.FromFloats([2, 1], [1, 2]);
        var y = OpEvaluator.Run("LayerNormalization", [x, scale], [Attr.Int("axis", 1), Attr.Float("epsilon", 0)], opset: 17)[0];
        float s = (float)(1 / Math.Sqrt(5));
        TensorAssert.Close([1, 2, 2], [-3 * s, -1 * s, 2 * s, 6 * s], y);
    }

    [Fact]
    public void StatisticsKeepTheLeadingDimensions()
    {
        var x = Tensor.FromFloats([2, 3, 2], Enumerable.Range(0, 12).Select(i => (float)i).ToArray());
        var scale = Tensor.FromFloats([3, 2], Enumerable.Repeat(1f, 6).ToArray());
        var outs = OpEvaluator.Run("LayerNormalization", [x, scale], [Attr.Int("axis", -2)], outputs: 3, opset: 17);
        Assert.Equal([2, 1, 1], outs[1]!.Shape);
        TensorAssert.Close([2, 1, 1], [2.5f, 8.5f], outs[1]);
    }

    [Fact]
    public void RejectsWhatTheSpecForbids()
    {
        var x = Tensor.FromFloats([2, 4], new float[8]);
        var four = Tensor.FromFloats([4], new float[4]);
        // Scale that does not broadcast to the normalised part, B of another type, axis out of range, bad stash_type.
        Assert.Throws<GraphException>(() => OpEvaluator.Run("LayerNormalization", [x, Tensor.FromFloats([3], new float[3])], opset: 17));
        Assert.Throws<GraphException>(() => OpEvaluator.Run("LayerNormalization", [x, Tensor.FromFloats([2, 4], new float[8])], opset: 17));
        Assert.Throws<GraphException>(() => OpEvaluator.Run("LayerNormalization", [x, four, Tensor.Zeros(DataType.Float64, [4])], opset: 17));
        Assert.Throws<GraphException>(() => OpEvaluator.Run("LayerNormalization", [x, four], [Attr.Int("axis", 2)], opset: 17));
        Assert.Throws<UnsupportedException>(() => OpEvaluator.Run("LayerNormalization", [x, four], [Attr.Int("stash_type", 7)], opset: 17));
        Assert.Throws<GraphException>(() => OpEvaluator.Run("LayerNormalization", [x], opset: 17));
        Assert.Throws<GraphException>(() => OpEvaluator.Run("LayerNormalization", [x, null, four], opset: 17)); // Scale omitted (found by the fuzzer)
        Assert.Throws<GraphException>(() => OpEvaluator.Run("LayerNormalization", [x, four], [Attr.Float("epsilon", -1)], opset: 17));
    }
}
