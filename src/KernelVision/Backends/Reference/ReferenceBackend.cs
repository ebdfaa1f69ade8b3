using KernelVision.Ops;

namespace KernelVision.Backends.Reference;

/// <summary>
/// The oracle: plain loops with double accumulation, written to be read. Every other backend is
/// tested against it, and the session uses it to fold constants.
/// </summary>
public sealed class ReferenceBackend : IBackend
{
    private static readonly KernelRegistry Registry = new("reference", typeof(ReferenceBackend).Assembly);

    /// <summary>The shared instance (it is stateless).</summary>
    public static ReferenceBackend Instance { get; } = new();

    /// <inheritdoc/>
    public string Name => "reference";

    /// <inheritdoc/>
    public IKernel? CreateKernel(Op op) => Registry.Create(op);

    /// <summary>Op classes with a reference kernel (for tests that every op has one).</summary>
    public static IEnumerable<Type> ImplementedOps => Registry.OpTypes;
}
