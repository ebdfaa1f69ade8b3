using ILGPU;
using KernelVision.Backends;
using KernelVision.Gpu.Device;
using KernelVision.Gpu.Runtime;
using KernelVision.Ops;
using KernelVision.Ops.Neural;
using KernelVision.Tensors;

namespace KernelVision.Gpu.Kernels.Neural;

/// <summary>
/// Conv: depthwise 2-D convolutions (one input channel per group) run the specialised shared-memory
/// depthwise kernel; everything else (any group count, 1-D to 3-D, dilation) is an implicit GEMM
/// per channel group on the tiled engine, with bias and activation fused into the store. A fused
/// residual Z of Y's shape is added, with the activation after it, by one more element-wise kernel
/// (<see cref="Residual"/>); a Z that broadcasts runs on the host. A fused input normalisation runs
/// the BatchNormalization kernel into a device scratch buffer the conv then reads.
/// </summary>
[BackendKernel("gpu")]
public sealed class ConvGpu(Conv op) : GpuKernel<Conv>(op)
{
    private readonly PackedConvState _packed = new();

    /// <summary>Arguments of <see cref="Residual"/>.</summary>
    public struct ResidualArgs
    {
        /// <summary>The conv's output (updated in place) and the residual, of the same shape.</summary>
        public ArrayView<float> Y, Z;
        /// <summary>The activation after the residual (ActivationKind as int) and its parameters.</summary>
        public int ActKind;
        /// <summary>Activation parameters.</summary>
        public float ActA, ActB;
    }

    /// <summary>Device kernel: y = act(y + z) per element.</summary>
    [DeviceKernel]
    public static void Residual(Index1D thread, ElementRange r, ResidualArgs a)
    {
        for (int i = thread; i < r.Count; i += r.Stride) a.Y[i] = DeviceMath.Activate(a.ActKind, a.ActA, a.ActB, a.Y[i] + a.Z[i]);
    }

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
        int[] convShape = [batch, cout, .. g.OutputSpatial];
        if (Op.Residual && !(inputs[3]!.Shape.AsSpan().SequenceEqual(convShape) && y.Shape.AsSpan().SequenceEqual(convShape)))
        {
            RunOnHost(inputs, outputs); // Z broadcasts: the Reference kernel's general form
            return;
        }
        // With a residual the activation comes after it.
        var act = Op.Residual ? default : Op.Activation;
        if (y.Length == 0) { Done(outputs); return; }
        var xv = In(inputs, 0);
        if (Op.InputNormalization is { } bn)
        {
            var norm = new BatchNormArgs
            {
                X = xv, Scale = Param(inputs, 4), Bias = Param(inputs, 5), Mean = Param(inputs, 6), Var = Param(inputs, 7),
                Y = Device.Scratch(x.Length, 2).SubView(0, x.Length), C = cin, Plane = Math.Max(1, ShapeUtil.Product(x.Shape, 2, x.Rank)), Epsilon = bn.Epsilon,
                ActKind = (int)bn.Activation.Kind, ActA = bn.Activation.Alpha, ActB = bn.Activation.Beta,
            };
            Launch.Elements(Device, NeuralKernels.BatchNorm, x.Length, norm);
            xv = norm.Y;
        }
        var wv = Param(inputs, 1);
        ArrayView<float>? bv = b is null ? null : Param(inputs, 2);
        var yv = Out(outputs, 0);
        if (!(group == cin && g.Rank == 2 && TryDepthwise(g, batch, cin, cout, xv, wv, bv, yv, act)))
        {
            var p = ConvSetup.Problem(g, batch, cin, group, cout / group, xv, wv, bv, yv, act);
            _packed.Run(Device, p, group, w, Backend.MayCacheParameter(Op.Node.Inputs[1]));
        }
        if (Op.Residual)
        {
            var args = new ResidualArgs { Y = yv, Z = In(inputs, 3), ActKind = (int)Op.Activation.Kind, ActA = Op.Activation.Alpha, ActB = Op.Activation.Beta };
            Launch.Elements(Device, Residual, y.Length, args);
        }
        Done(outputs);
    }

    private bool TryDepthwise(WindowGeometry g, int batch, int cin, int cout, ArrayView<float> x, ArrayView<float> w,
        ArrayView<float>? bias, ArrayView<float> y, FusedActivation act)
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
                ActKind = (int)act.Kind, ActA = act.Alpha, ActB = act.Beta,
            };
            Launch.Groups(Device, NeuralKernels.Depthwise, new Index3D(tiles, batch * cout, 1), threads, args);
            return true;
        }
        return false;
    }
}
