namespace KernelVision.Cpu.Memory;

/// <summary>
/// A float buffer on the pinned object heap whose usable part starts on a 64-byte boundary (one
/// cache line, one Vector512), so kernels may take raw pointers into it at any time without
/// <c>fixed</c>. Garbage collected like any array.
/// </summary>
public sealed unsafe class AlignedBuffer
{
    private const int AlignFloats = 16;
    private readonly float[] _storage;

    /// <summary>Allocates room for <paramref name="length"/> floats (uninitialised).</summary>
    public AlignedBuffer(long length)
    {
        if (length < 0 || length > System.Array.MaxLength - AlignFloats)
            throw new ArgumentOutOfRangeException(nameof(length), length, "buffer too large");
        _storage = GC.AllocateUninitializedArray<float>((int)length + AlignFloats, pinned: true);
        fixed (float* p = _storage)
        {
            nint misalign = (nint)p & 63;
            Offset = misalign == 0 ? 0 : (int)((64 - misalign) / sizeof(float));
        }
        Length = length;
    }

    /// <summary>Usable floats.</summary>
    public long Length { get; }

    /// <summary>Index in <see cref="Array"/> where the aligned part starts.</summary>
    public int Offset { get; }

    /// <summary>The backing array (the usable part is [<see cref="Offset"/>, <see cref="Offset"/> + <see cref="Length"/>)).</summary>
    public float[] Array => _storage;

    /// <summary>64-byte aligned pointer to the first usable float (stable: the array is pinned).</summary>
    public float* Pointer => (float*)System.Runtime.CompilerServices.Unsafe.AsPointer(ref _storage[Offset]);

    /// <summary>The usable part as a span.</summary>
    public Span<float> Span => _storage.AsSpan(Offset, (int)Length);
}
