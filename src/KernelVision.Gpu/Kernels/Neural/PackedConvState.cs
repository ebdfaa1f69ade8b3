using ILGPU;
using ILGPU.Runtime;
using KernelVision.Gpu.Device;
using KernelVision.Gpu.Runtime;
using KernelVision.Tensors;

namespace KernelVision.Gpu.Kernels.Neural;

/// <summary>
/// Device state of one Conv node on the register-tiled engine: the k-offset table (rebuilt when the
/// geometry changes) and the weights packed k-major (once per session when the weights are a
/// constant initializer, else on every run).
/// </summary>
internal sealed class PackedConvState : IDisposable
{
    private string? _tableKey;
    private MemoryBuffer1D<int, Stride1D.Dense>? _table;
    private MemoryBuffer1D<float, Stride1D.Dense>? _packed;
    private Tensor? _packedFrom;

    /// <summary>Runs <paramref name="p"/> (forward convolution, <paramref name="groups"/> channel groups) on the packed engine.</summary>
    public void Run(GpuDevice d, ConvProblem p, int groups, Tensor weights, bool weightsConstant)
    {
        string key = $"{p.Cg},{p.ID},{p.IH},{p.IW},{p.KD},{p.KH},{p.KW},{p.DD},{p.DH},{p.DW}";
        if (_tableKey != key)
        {
            _table?.Dispose();
            _table = d.Memory.Table(ConvSetup.KTable(p));
            _tableKey = key;
        }
        p.KTab = _table!.View;
        var (mp, kp) = Launch.PackedSizes(p.M, p.K);
        long size = (long)groups * mp * kp;
        if (_packed is null || _packed.Length != size)
        {
            _packed?.Dispose();
            _packed = d.Accelerator.Allocate1D<float>(Math.Max(size, 1));
            _packedFrom = null;
        }
        if (!weightsConstant || !ReferenceEquals(_packedFrom, weights))
        {
            Launch.PackA(d, p, groups, _packed.View);
            _packedFrom = weightsConstant ? weights : null;
        }
        Launch.Packed(d, p, groups, _packed.View);
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        _table?.Dispose();
        _packed?.Dispose();
    }
}
