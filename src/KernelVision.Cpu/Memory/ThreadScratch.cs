namespace KernelVision.Cpu.Memory;

/// <summary>
/// Per-thread, grow-only, 64-byte aligned scratch: after the first inference nothing is allocated.
/// A buffer stays valid on its thread until the next <see cref="Get"/> of the same slot with a larger
/// size; different slots never alias, so a conv kernel can hold <see cref="ScratchSlot.Im2Col"/>
/// while Sgemm uses the GemmPack slots on the same thread.
/// </summary>
public static unsafe class ThreadScratch
{
    private static readonly int SlotCount = Enum.GetValues<ScratchSlot>().Length;
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
