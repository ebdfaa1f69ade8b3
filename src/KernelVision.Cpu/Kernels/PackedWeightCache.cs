using KernelVision.Cpu.Gemm;
using KernelVision.Tensors;

namespace KernelVision.Cpu.Kernels;

/// <summary>
/// A constant GEMM operand packed once. <see cref="Prepare"/> packs it when the execution plan
/// announces the constant (<see cref="KernelVision.Backends.IConstantInputsAware"/>);
/// <see cref="TryGet"/> hands it out only for the very same tensor object, so a run-time tensor
/// that merely shares a shape is never mistaken for it.
/// </summary>
public sealed class PackedWeightCache
{
    private Tensor? _source;
    private PackedMatrix? _packed;

    /// <summary>Packs <paramref name="constant"/> with <paramref name="pack"/> unless it is already the cached tensor.</summary>
    public void Prepare(Tensor? constant, Func<Tensor, PackedMatrix?> pack)
    {
        if (constant is null || ReferenceEquals(constant, _source)) return;
        var packed = pack(constant);
        _packed = packed;
        _source = packed is null ? null : constant;
    }

    /// <summary>The packed form of <paramref name="tensor"/> when it is the prepared constant.</summary>
    public PackedMatrix? TryGet(Tensor tensor) => ReferenceEquals(tensor, _source) ? _packed : null;

    /// <summary>Bytes held by the packed copy.</summary>
    public long Bytes => _packed?.Bytes ?? 0;
}
