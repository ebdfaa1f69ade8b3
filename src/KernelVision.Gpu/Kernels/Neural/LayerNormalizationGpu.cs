using ILGPU;
using ILGPU.Algorithms;
using KernelVision.Backends;
using KernelVision.Gpu.Device;
using KernelVision.Gpu.Runtime;
using KernelVision.Ops.Neural;
using KernelVision.Tensors;

namespace KernelVision.Gpu.Kernels.Neural;

/// <summary>
/// LayerNormalization: one group per row (the dimensions from the axis on), two-pass mean and
/// variance with group reductions, then the affine step with Scale and B read per element. Scale
/// and B of the full normalised shape (every exported LayerNorm: ConvNeXt's [C], a transformer's
/// [D]) run on the device; other broadcasts, and float64, run on the host.
/// </summary>
[BackendKernel("gpu")]
public sealed class LayerNormalizationGpu(LayerNormalization op) : GpuKernel<LayerNormalization>(op)
{
    /// <summary>Arguments of <see cref="LayerNorm"/>. Absent tensors are given as another view and flagged off.</summary>
    public struct Args
    {
        /// <summary>Input, output, Scale and B (both of the row's length).</summary>
        public ArrayView<float> X, Y, Scale, Bias;
        /// <summary>Optional outputs: one value per row.</summary>
        public ArrayView<float> Mean, InvStdDev;
        /// <summary>Elements per row.</summary>
        public int Inner;
        /// <summary>1 when B, Mean, InvStdDev are present.</summary>
        public int HasBias, WriteMean, WriteInvStdDev;
        /// <summary>ε added to the variance.</summary>
        public float Epsilon;
    }

    /// <summary>Device kernel: group = row; mean, then variance about the mean (stable), then Y.</summary>
    [DeviceKernel(Explicit = true)]
    public static void LayerNorm(Args a)
    {
        int row = Grid.IdxX;
        long start = (long)row * a.Inner;
        int tid = Group.IdxX, threads = Group.DimX;
        float s = 0f;
        for (int j = tid; j < a.Inner; j += threads) s += a.X[start + j];
        float mean = GroupReduce.Sum(s) / a.Inner;
        float q = 0f;
        for (int j = tid; j < a.Inner; j += threads) { float d = a.X[start + j] - mean; q += d * d; }
        float inv = XMath.Rsqrt(GroupReduce.Sum(q) / a.Inner + a.Epsilon);
        for (int j = tid; j < a.Inner; j += threads)
        {
            float v = (a.X[start + j] - mean) * inv * a.Scale[j];
            a.Y[start + j] = a.HasBias != 0 ? v + a.Bias[j] : v;
        }
        if (tid == 0 && a.WriteMean != 0) a.Mean[row] = mean;
        if (tid == 0 && a.WriteInvStdDev != 0) a.InvStdDev[row] = inv;
    }

    /// <inheritdoc/>
    protected override void Execute(IReadOnlyList<Tensor?> inputs, IReadOnlyList<Tensor?> outputs)
    {
        var x = inputs[0]!;
        var (outer, inner) = Op.Rows(x.Shape);
        var bias = inputs.Count > 2 ? inputs[2] : null;
        // The device reads Scale and B as plain rows: other broadcasts are rare enough for the host.
        bool fullRows = inputs[1]!.Length == inner && (bias is null || bias.Length == inner);
        if (!AllFloat(inputs, outputs) || !fullRows || inner == 0) { RunOnHost(inputs, outputs); return; }
        if (outer == 0) { Done(outputs); return; }
        var y = Out(outputs, 0);
        var scale = Param(inputs, 1);
        var args = new Args
        {
            X = In(inputs, 0), Y = y, Scale = scale, Bias = bias is null ? scale : Param(inputs, 2),
            Mean = outputs.Count > 1 && outputs[1] is not null ? Out(outputs, 1) : y,
            InvStdDev = outputs.Count > 2 && outputs[2] is not null ? Out(outputs, 2) : y,
            Inner = inner, HasBias = bias is null ? 0 : 1,
            WriteMean = outputs.Count > 1 && outputs[1] is not null ? 1 : 0,
            WriteInvStdDev = outputs.Count > 2 && outputs[2] is not null ? 1 : 0,
            Epsilon = Op.Epsilon,
        };
        Launch.Groups(Device, LayerNorm, new Index3D(outer, 1, 1), Tiles.ReduceGroupSize, args);
        Done(outputs);
    }
}
