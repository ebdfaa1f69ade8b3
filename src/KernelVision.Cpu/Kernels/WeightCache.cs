using KernelVision.Backends;
using KernelVision.Tensors;

namespace KernelVision.Cpu.Kernels;

/// <summary>
/// The prepared form (packed into GEMM panels, transposed, Winograd-transformed) of one constant
/// weight input, the one weight cache of the Cpu kernels. The plan announces the constant through
/// <see cref="IConstantInputsAware.PrepareConstants"/>: a kernel that knows the layout then calls
/// <see cref="Prepare"/>, one whose layout follows the input shape (Conv) calls <see cref="Announce"/>
/// and its first run prepares it. The key is the tensor object plus a layout tag, and the prepared
/// copy is handed out only for that very tensor: a weight computed at run time (a graph input, a
/// reused buffer) may change between runs, so it is never kept. One copy lives at a time: a new
/// constant or layout drops the old copy before preparing.
/// </summary>
internal sealed class WeightCache<T> where T : class
{
    private Tensor? _constant;
    private int _layout;
    private bool _prepared;
    private T? _value;

    /// <summary>Takes <paramref name="constant"/> (null: none) as the input's constant value, dropping a copy prepared from another tensor.</summary>
    public void Announce(Tensor? constant)
    {
        if (ReferenceEquals(constant, _constant)) return;
        _constant = constant;
        _prepared = false;
        _value = null;
    }

    /// <summary>Announces <paramref name="constant"/> and prepares it now in <paramref name="layout"/>.</summary>
    public void Prepare<TState>(Tensor? constant, int layout, TState state, Func<TState, Tensor, T?> prepare)
    {
        Announce(constant);
        if (constant is not null) TryGet(constant, layout, state, prepare);
    }

    /// <summary>
    /// The prepared copy of <paramref name="tensor"/> in <paramref name="layout"/> when it is the
    /// announced constant, prepared by <paramref name="prepare"/> if it is not yet (or was prepared
    /// in another layout); null for any other tensor.
    /// </summary>
    public T? TryGet<TState>(Tensor tensor, int layout, TState state, Func<TState, Tensor, T?> prepare)
    {
        if (!ReferenceEquals(tensor, _constant)) return null;
        if (!_prepared || _layout != layout)
        {
            _value = null; // drop the old copy first so two never live at once
            _prepared = false;
            _value = prepare(state, tensor);
            _layout = layout;
            _prepared = true;
        }
        return _value;
    }

    /// <summary><see cref="Prepare{TState}"/> for a <paramref name="prepare"/> that needs no state.</summary>
    public void Prepare(Tensor? constant, int layout, Func<Tensor, T?> prepare) => Prepare(constant, layout, prepare, static (p, t) => p(t));

    /// <summary><see cref="TryGet{TState}"/> for a <paramref name="prepare"/> that needs no state.</summary>
    public T? TryGet(Tensor tensor, int layout, Func<Tensor, T?> prepare) => TryGet(tensor, layout, prepare, static (p, t) => p(t));

    /// <summary>The prepared copy held now, or null.</summary>
    public T? Value => _value;
}
