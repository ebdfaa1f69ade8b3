using KernelVision.Tensors;

namespace KernelVision.Cpu.Conv;

/// <summary>
/// Remembers the weights a kernel prepared (packed, transposed, transformed) from one weight
/// tensor, so constant weights are prepared once, on the first run, and reused by every later
/// inference of the session. The key is the tensor reference plus a fingerprint of a few sampled
/// elements: a model's initializers are the same object on every run, while a weight that is
/// computed at run time (a graph input, or the output of another node in a reused buffer) almost
/// always changes the fingerprint and is prepared again. A caller who rewrites a weight tensor in
/// place, leaving every sampled element equal, would get stale results: the kernels document that
/// weights are taken to be constant.
/// </summary>
internal sealed class WeightCache<T> where T : class
{
    private const int Samples = 32;
    private Tensor? _tensor;
    private int _tag;
    private ulong _fingerprint;
    private T? _value;

    /// <summary>
    /// The prepared value for <paramref name="weights"/> (with an extra <paramref name="tag"/>, e.g. a
    /// layout choice), computed by <paramref name="prepare"/> when absent or stale.
    /// </summary>
    public T Get<TState>(Tensor weights, int tag, TState state, Func<TState, Tensor, T> prepare)
    {
        ulong fp = Fingerprint(weights);
        if (_value is not null && ReferenceEquals(_tensor, weights) && _tag == tag && _fingerprint == fp) return _value;
        _value = null; // drop the old one first so two sets never live at once
        var v = prepare(state, weights);
        _tensor = weights;
        _tag = tag;
        _fingerprint = fp;
        _value = v;
        return v;
    }

    /// <summary>The prepared value held now, or null.</summary>
    public T? Value => _value;

    /// <summary>A hash of up to <see cref="Samples"/> elements spread over the tensor (first and last included).</summary>
    internal static ulong Fingerprint(Tensor t)
    {
        var f = t.Floats;
        ulong h = 14695981039346656037UL ^ (ulong)f.Length;
        if (f.Length == 0) return h;
        int step = Math.Max(1, f.Length / Samples);
        for (int i = 0; i < f.Length; i += step)
            h = (h ^ BitConverter.SingleToUInt32Bits(f[i])) * 1099511628211UL;
        h = (h ^ BitConverter.SingleToUInt32Bits(f[^1])) * 1099511628211UL;
        return h;
    }
}
