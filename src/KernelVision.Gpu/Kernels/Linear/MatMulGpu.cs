using ILGPU;
using ILGPU.Runtime;
using KernelVision.Backends;
using KernelVision.Gpu.Device;
using KernelVision.Gpu.Runtime;
using KernelVision.Ops.Linear;
using KernelVision.Tensors;

namespace KernelVision.Gpu.Kernels.Linear;

/// <summary>MatMul (numpy semantics, batch broadcasting) as a batched GEMM: one grid slice per output batch.</summary>
[BackendKernel("gpu")]
public sealed class MatMulGpu(MatMul op) : GpuKernel<MatMul>(op)
{
    private string? _tableKey;
    private MemoryBuffer1D<int, Stride1D.Dense>? _aOffsets, _bOffsets;

    /// <inheritdoc/>
    protected override void Execute(IReadOnlyList<Tensor?> inputs, IReadOnlyList<Tensor?> outputs)
    {
        if (!AllFloat(inputs, outputs)) { RunOnHost(inputs, outputs); return; }
        var a = inputs[0]!;
        var b = inputs[1]!;
        var g = Op.Geometry(a.Shape, b.Shape);
        int batches = g.BatchCount;
        if (outputs[0]!.Length == 0) { Done(outputs); return; }
        string key = ShapeUtil.Format(a.Shape) + ShapeUtil.Format(b.Shape);
        if (_tableKey != key)
        {
            _aOffsets?.Dispose();
            _bOffsets?.Dispose();
            _aOffsets = Device.Memory.Table(Offsets(g.BatchShape, g.ABatchShape, g.M * g.K));
            _bOffsets = Device.Memory.Table(Offsets(g.BatchShape, g.BBatchShape, g.K * g.N));
            _tableKey = key;
        }
        var p = new MatMulProblem
        {
            AData = In(inputs, 0), BData = Param(inputs, 1), Y = Out(outputs, 0),
            AOffsets = _aOffsets!.View, BOffsets = _bOffsets!.View, Mv = g.M, Nv = g.N, Kv = g.K,
        };
        Launch.Packed(Device, p, batches);
        Done(outputs);
    }

    /// <summary>Start of each output batch's matrix in an operand whose batch dims broadcast into <paramref name="batch"/>.</summary>
    private static int[] Offsets(int[] batch, int[] own, int matrix)
    {
        int count = ShapeUtil.Size(batch);
        var strides = ShapeUtil.BroadcastStrides(own, batch.Length);
        var result = new int[count];
        var coord = new int[batch.Length];
        for (int z = 0; z < count; z++)
        {
            int s = 0;
            for (int d = 0; d < batch.Length; d++) s += coord[d] * strides[d];
            result[z] = s * matrix;
            for (int d = batch.Length - 1; d >= 0; d--)
            {
                if (++coord[d] < batch[d]) break;
                coord[d] = 0;
            }
        }
        return result;
    }
}
