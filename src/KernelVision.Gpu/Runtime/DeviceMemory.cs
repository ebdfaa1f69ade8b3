using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using ILGPU;
using ILGPU.Runtime;
using KernelVision.Tensors;

namespace KernelVision.Gpu.Runtime;

/// <summary>
/// Device copies of host tensors. The session hands kernels host <see cref="Tensor"/>s; this cache
/// gives each host <c>float[]</c> one device mirror of the same length (the planner's activation
/// arena becomes one device buffer with the same offsets, so device memory follows the memory plan),
/// and tracks per region which side holds the current value:
/// <list type="bullet">
/// <item><b>Resident</b> regions: a Gpu kernel wrote value NAME there and the host copy is stale.
/// A later Gpu kernel reading NAME at exactly that region uses the device copy (no transfer). A
/// resident entry whose name differs from the value now read is a dead value whose slot the
/// planner reused, so it is dropped, never copied back.</item>
/// <item><b>Parameter</b> regions: a weight (a tensor owning its whole array, not produced on the
/// host at run time) uploaded once and reused by every later run.</item>
/// <item>Anything else is read from the host, uploaded right before the kernel.</item>
/// </list>
/// Whether an output may stay resident is decided by <see cref="GpuBackend"/> (its consumers).
/// Mirrors live as long as their host arrays (weak table); freed device buffers are released on
/// the next use of the cache, on the thread that runs kernels.
/// </summary>
internal sealed class DeviceMemory(Accelerator accelerator) : IDisposable
{
    private readonly ConditionalWeakTable<Array, Mirror> _mirrors = new();
    private readonly ConcurrentQueue<MemoryBuffer> _released = new();
    private MemoryBuffer1D<float, Stride1D.Dense>? _empty;

    /// <summary>Bytes uploaded and downloaded so far (tests and kv verify report them).</summary>
    public long BytesUploaded { get; private set; }

    /// <summary>Bytes copied back to the host so far.</summary>
    public long BytesDownloaded { get; private set; }

    private sealed class Mirror(DeviceMemory owner, MemoryBuffer1D<float, Stride1D.Dense> buffer)
    {
        public readonly MemoryBuffer1D<float, Stride1D.Dense> Buffer = buffer;
        public readonly List<(int Offset, int Length, string Name)> Resident = [];
        public readonly HashSet<(int Offset, int Length)> Parameters = [];

        ~Mirror() => owner._released.Enqueue(Buffer);
    }

    private Mirror MirrorOf(float[] host)
    {
        while (_released.TryDequeue(out var b)) b.Dispose();
        if (_mirrors.TryGetValue(host, out var m)) return m;
        m = new Mirror(this, accelerator.Allocate1D<float>(host.Length));
        _mirrors.Add(host, m);
        return m;
    }

    private ArrayView<float> Empty => (_empty ??= accelerator.Allocate1D<float>(1)).View;

    private static (float[] Host, int Offset) Host(Tensor t)
    {
        var (storage, offset) = t.Raw;
        return storage is float[] f ? (f, offset) : throw new InvalidOperationException($"device memory holds float32 tensors only, got {t.Describe()}");
    }

    private static bool Overlaps(int aOff, int aLen, int bOff, int bLen) => aOff < bOff + bLen && bOff < aOff + aLen;

    /// <summary>True when <paramref name="t"/> shares its array with other tensors (a slice of the planner's arena).</summary>
    public static bool IsArenaSlice(Tensor t)
    {
        var (storage, _) = t.Raw;
        return storage.Length > t.Length;
    }

    /// <summary>
    /// The device copy of input value <paramref name="name"/>. <paramref name="parameter"/>: the tensor is
    /// a weight that does not change between runs, so a whole-array tensor is uploaded only once.
    /// </summary>
    public ArrayView<float> Read(Tensor t, string name, bool parameter)
    {
        if (t.Length == 0) return Empty;
        var (host, off) = Host(t);
        var m = MirrorOf(host);
        int len = t.Length;
        var view = m.Buffer.View.SubView(off, len);
        bool stale = false;
        for (int i = m.Resident.Count - 1; i >= 0; i--)
        {
            var r = m.Resident[i];
            if (r.Offset == off && r.Length == len && r.Name == name) return view;
            // Another value lived here earlier: it is dead (the planner reused its slot) and the host holds this one.
            if (Overlaps(r.Offset, r.Length, off, len)) { m.Resident.RemoveAt(i); stale = true; }
        }
        bool cacheable = parameter && !IsArenaSlice(t);
        if (cacheable && !stale && m.Parameters.Contains((off, len))) return view;
        view.CopyFromCPU(accelerator.DefaultStream, new ReadOnlySpan<float>(host, off, len));
        BytesUploaded += 4L * len;
        if (cacheable) m.Parameters.Add((off, len));
        return view;
    }

    /// <summary>The device region a kernel writes an output into; call <see cref="Produced"/> after the launch.</summary>
    public ArrayView<float> Write(Tensor t)
    {
        if (t.Length == 0) return Empty;
        var (host, off) = Host(t);
        var m = MirrorOf(host);
        Forget(m, off, t.Length);
        return m.Buffer.View.SubView(off, t.Length);
    }

    /// <summary>
    /// Records that a kernel wrote <paramref name="t"/> on the device: it stays resident under
    /// <paramref name="name"/>, or (<paramref name="keepOnDevice"/> false) is queued for copy-back.
    /// Returns true when a copy-back was queued (the caller synchronises once for all outputs).
    /// </summary>
    public bool Produced(Tensor t, string name, bool keepOnDevice)
    {
        if (t.Length == 0) return false;
        var (host, off) = Host(t);
        var m = MirrorOf(host);
        m.Resident.Add((off, t.Length, name));
        if (keepOnDevice) return false;
        m.Buffer.View.SubView(off, t.Length).CopyToCPU(accelerator.DefaultStream, new Span<float>(host, off, t.Length));
        BytesDownloaded += 4L * t.Length;
        return true;
    }

    /// <summary>Makes the host copy of value <paramref name="name"/> current (before host code reads it).</summary>
    public void EnsureHost(Tensor t, string name)
    {
        if (t.Type != DataType.Float32 || t.Length == 0) return;
        var (host, off) = Host(t);
        if (!_mirrors.TryGetValue(host, out var m)) return;
        foreach (var r in m.Resident)
        {
            if (r.Offset != off || r.Length != t.Length || r.Name != name) continue;
            accelerator.Synchronize();
            m.Buffer.View.SubView(off, t.Length).CopyToCPU(accelerator.DefaultStream, new Span<float>(host, off, t.Length));
            accelerator.Synchronize();
            BytesDownloaded += 4L * t.Length;
            return;
        }
    }

    /// <summary>Host code wrote <paramref name="t"/>: device copies of that region are out of date.</summary>
    public void HostWrote(Tensor t)
    {
        if (t.Type != DataType.Float32 || t.Length == 0) return;
        var (host, off) = Host(t);
        if (_mirrors.TryGetValue(host, out var m)) Forget(m, off, t.Length);
    }

    private static void Forget(Mirror m, int off, int len)
    {
        m.Resident.RemoveAll(r => Overlaps(r.Offset, r.Length, off, len));
        m.Parameters.RemoveWhere(p => Overlaps(p.Offset, p.Length, off, len));
    }

    /// <summary>Uploads a small host table (indices, offsets) to a fresh buffer the caller disposes.</summary>
    public MemoryBuffer1D<T, Stride1D.Dense> Table<T>(T[] data) where T : unmanaged
    {
        var b = accelerator.Allocate1D<T>(Math.Max(1, data.Length));
        if (data.Length > 0) b.View.SubView(0, data.Length).CopyFromCPU(accelerator.DefaultStream, new ReadOnlySpan<T>(data));
        return b;
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        _empty?.Dispose();
        while (_released.TryDequeue(out var b)) b.Dispose();
    }
}
