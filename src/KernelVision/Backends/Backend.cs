using System.Reflection;
using KernelVision.Ops;
using KernelVision.Tensors;

namespace KernelVision.Backends;

/// <summary>A compiled operation: runs one op on given inputs into pre-allocated outputs.</summary>
public interface IKernel
{
    /// <summary>
    /// Computes the op. <paramref name="inputs"/> has one entry per node input (null where
    /// omitted); <paramref name="outputs"/> are allocated with the inferred shapes (null where the
    /// node leaves an optional output unnamed). Outputs may hold stale data: write every element.
    /// </summary>
    void Run(IReadOnlyList<Tensor?> inputs, IReadOnlyList<Tensor?> outputs);
}

/// <summary>Base class of kernels for one op class; the backend's registry finds subclasses by reflection.</summary>
public abstract class Kernel<TOp>(TOp op) : IKernel where TOp : Op
{
    /// <summary>The parsed op this kernel executes.</summary>
    protected TOp Op { get; } = op;

    /// <inheritdoc/>
    public abstract void Run(IReadOnlyList<Tensor?> inputs, IReadOnlyList<Tensor?> outputs);
}

/// <summary>Marks a kernel class as belonging to a backend ("reference", "cpu", "gpu").</summary>
[AttributeUsage(AttributeTargets.Class)]
public sealed class BackendKernelAttribute(string backend) : System.Attribute
{
    /// <summary>Backend name.</summary>
    public string Backend { get; } = backend;
}

/// <summary>An execution backend: creates kernels for ops.</summary>
public interface IBackend
{
    /// <summary>Name used on the command line ("reference", "cpu", "gpu").</summary>
    string Name { get; }

    /// <summary>A kernel for <paramref name="op"/>, or null when this backend does not implement it.</summary>
    IKernel? CreateKernel(Op op);
}

/// <summary>Finds kernel classes of one backend in assemblies: subclasses of <see cref="Kernel{TOp}"/> with a matching <see cref="BackendKernelAttribute"/>.</summary>
public sealed class KernelRegistry
{
    private readonly Dictionary<Type, Type> _byOp = [];

    /// <summary>Scans <paramref name="assemblies"/> for kernels of <paramref name="backend"/>.</summary>
    public KernelRegistry(string backend, params Assembly[] assemblies)
    {
        foreach (var asm in assemblies)
            foreach (var t in asm.GetTypes())
            {
                if (t.IsAbstract || t.GetCustomAttribute<BackendKernelAttribute>()?.Backend != backend) continue;
                for (var b = t.BaseType; b is not null; b = b.BaseType)
                {
                    if (b.IsGenericType && b.GetGenericTypeDefinition() == typeof(Kernel<>))
                    {
                        _byOp[b.GetGenericArguments()[0]] = t;
                        break;
                    }
                }
            }
    }

    /// <summary>Op classes that have a kernel here.</summary>
    public IEnumerable<Type> OpTypes => _byOp.Keys;

    /// <summary>Creates the kernel for <paramref name="op"/>, or null.</summary>
    public IKernel? Create(Op op)
    {
        for (var t = op.GetType(); t is not null && t != typeof(Op); t = t.BaseType)
        {
            if (_byOp.TryGetValue(t, out var k))
            {
                try { return (IKernel)Activator.CreateInstance(k, op)!; }
                catch (TargetInvocationException e) when (e.InnerException is KernelVisionException kv) { throw kv; }
            }
        }
        return null;
    }
}
