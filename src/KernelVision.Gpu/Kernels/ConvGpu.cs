using ILGPU;
using KernelVision.Backends;
using KernelVision.Gpu.Device;
using KernelVision.Gpu.Runtime;
using KernelVision.Ops;
using KernelVision.Ops.Neural;
using KernelVision.Tensors;

namespace KernelVision.Gpu.Kernels;

/// <summary>Shared set-up of Conv and ConvTranspose launches.</summary>
internal static class ConvSetup
{
    /// <summary>The GEMM problem for a (transposed) convolution, spatial axes padded to 3.</summary>
    public static ConvProblem Problem(WindowGeometry g, bool transposed, int batch, int cin, int group, int mg,
        ArrayView<float> x, ArrayView<float> w, ArrayView<float>? bias, ArrayView<float> y, FusedActivation act)
    {
        var i = Shapes.To3(g.InputSpatial, 1);
        var o = Shapes.To3(g.OutputSpatial, 1);
        var k = Shapes.To3(g.Kernel, 1);
        var s = Shapes.To3(g.Strides, 1);
        var d = Shapes.To3(g.Dilations, 1);
        var p = Shapes.To3(g.PadsBegin, 0);
        int cg = cin / group;
        return new ConvProblem
        {
            X = x, W = w, Bias = bias ?? w, Y = y, HasBias = bias is null ? 0 : 1, Transposed = transposed ? 1 : 0,
            Cin = cin, Cg = cg, Mg = mg, Cout = mg * group,
            ID = i[0], IH = i[1], IW = i[2], OD = o[0], OH = o[1], OW = o[2],
            KD = k[0], KH = k[1], KW = k[2], SD = s[0], SH = s[1], SW = s[2],
            DD = d[0], DH = d[1], DW = d[2], PD = p[0], PH = p[1], PW = p[2],
            Mv = mg, Nv = batch * g.OutputSize, Kv = cg * g.KernelSize,
            ActKind = (int)act.Kind, ActA = act.Alpha, ActB = act.Beta,
        };
    }
}

/// <summary>
/// Conv: depthwise 2-D convolutions (one input channel per group) run the specialised shared-memory
/// depthwise kernel; everything else (any group count, 1-D to 3-D, dilation) is an implicit GEMM
/// per channel group on the tiled engine, with bias and activation fused into the store.
/// </summary>
[BackendKernel("gpu")]
public sealed class ConvGpu(Conv op) : GpuKernel<Conv>(op)
{
    /// <inheritdoc/>
    protected override void Execute(IReadOnlyList<Tensor?> inputs, IReadOnlyList<Tensor?> outputs)
    {
        var x = inputs[0]!;
        var w = inputs[1]!;
        var b = inputs.Count > 2 ? inputs[2] : null;
        var y = outputs[0]!;
        if (!AllFloat(inputs, outputs) || x.Rank > 5) { RunOnHost(inputs, outputs); return; }
        var g = Op.Resolve(x.Shape, w.Shape);
        int batch = x.Shape[0], cin = x.Shape[1], cout = w.Shape[0], group = Op.Group;
        if (y.Length == 0) { Done(outputs); return; }
        var xv = In(inputs, 0);
        var wv = Param(inputs, 1);
        ArrayView<float>? bv = b is null ? null : Param(inputs, 2);
        var yv = Out(outputs, 0);
        if (!(group == cin && g.Rank == 2 && TryDepthwise(g, batch, cin, cout, xv, wv, bv, yv)))
            Launch.Gemm(Device, ConvSetup.Problem(g, false, batch, cin, group, cout / group, xv, wv, bv, yv, Op.Activation), group);
        Done(outputs);
    }

    private bool TryDepthwise(WindowGeometry g, int batch, int cin, int cout, ArrayView<float> x, ArrayView<float> w,
        ArrayView<float>? bias, ArrayView<float> y)
    {
        int kh = g.Kernel[0], kw = g.Kernel[1];
        if (kh * kw > 64) return false;
        int tileW = Tiles.DepthwiseTileW, threads = Tiles.GroupSize, rowsPerPass = threads / tileW;
        int patchW = (tileW - 1) * g.Strides[1] + (kw - 1) * g.Dilations[1] + 1;
        foreach (int passes in new[] { 2, 1 })
        {
            int patchH = (rowsPerPass * passes - 1) * g.Strides[0] + (kh - 1) * g.Dilations[0] + 1;
            if (patchW * patchH > TileConfig.DepthwisePatch) continue;
            int tileH = rowsPerPass * passes;
            int tiles = (g.OutputSpatial[1] + tileW - 1) / tileW * ((g.OutputSpatial[0] + tileH - 1) / tileH);
            var args = new DepthwiseArgs
            {
                X = x, W = w, Bias = bias ?? w, Y = y, HasBias = bias is null ? 0 : 1,
                C = cin, Mult = cout / cin, Cout = cout,
                H = g.InputSpatial[0], Wd = g.InputSpatial[1], OH = g.OutputSpatial[0], OW = g.OutputSpatial[1],
                KH = kh, KW = kw, SH = g.Strides[0], SW = g.Strides[1], DH = g.Dilations[0], DW = g.Dilations[1],
                PH = g.PadsBegin[0], PW = g.PadsBegin[1],
                TileW = tileW, RowsPerPass = rowsPerPass, Passes = passes, PatchW = patchW, PatchH = patchH,
                ActKind = (int)Op.Activation.Kind, ActA = Op.Activation.Alpha, ActB = Op.Activation.Beta,
            };
            Launch.Groups(Device, NeuralKernels.Depthwise, new Index3D(tiles, batch * cout, 1), threads, args);
            return true;
        }
        return false;
    }
}

/// <summary>
/// ConvTranspose in gather form (no atomics): each output cell is an implicit-GEMM dot product over
/// the input cells and taps that reach it; taps whose (o + pad − tap·dil) is not a multiple of the
/// stride read zero. output_padding, output_shape and auto_pad are already in the resolved geometry.
/// </summary>
[BackendKernel("gpu")]
public sealed class ConvTransposeGpu(ConvTranspose op) : GpuKernel<ConvTranspose>(op)
{
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
        Launch.Gemm(Device, ConvSetup.Problem(g, true, batch, cin, group, mg, xv, wv, bv, yv, Op.Activation), group);
        Done(outputs);
    }
}
