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

/// <summary>Named per-thread scratch buffers (see <see cref="ThreadScratch"/>).</summary>
public enum ScratchSlot
{
    /// <summary>Sgemm's packed block of A.</summary>
    GemmPackA,
    /// <summary>Sgemm's packed block of B.</summary>
    GemmPackB,
    /// <summary>For kernels that call Sgemm: an im2col / transformed-input buffer.</summary>
    Im2Col,
    /// <summary>General kernel scratch.</summary>
    Temp0,
    /// <summary>General kernel scratch.</summary>
    Temp1,
    /// <summary>General kernel scratch.</summary>
    Temp2,
}

/// <summary>
/// Per-thread, grow-only, 64-byte aligned scratch: after the first inference nothing is allocated.
/// A buffer stays valid on its thread until the next <see cref="Get"/> of the same slot with a larger
/// size; different slots never alias, so a conv kernel can hold <see cref="ScratchSlot.Im2Col"/>
/// while Sgemm uses the GemmPack slots on the same thread.
/// </summary>
public static unsafe class ThreadScratch
{
    private const int SlotCount = 6;
    [ThreadStatic] private static AlignedBuffer?[]? t_buffers;

    /// <summary>At least <paramref name="floats"/> floats of this thread's <paramref name="slot"/> (contents unspecified).</summary>
    public static float* Get(ScratchSlot slot, long floats)
    {
        var buffers = t_buffers ??= new AlignedBuffer?[SlotCount];
        var b = buffers[(int)slot];
        if (b is null || b.Length < floats)
        {
            // Grow geometrically so slowly increasing requests do not reallocate every time.
            long size = Math.Max(floats, b is null ? 0 : Math.Min(b.Length * 3 / 2, System.Array.MaxLength - 64));
            b = buffers[(int)slot] = new AlignedBuffer(Math.Max(size, 64));
        }
        return b.Pointer;
    }
}
