using ILGPU;
using ILGPU.Runtime;
using KernelVision.Backends;
using KernelVision.Backends.Reference;
using KernelVision.Gpu.Runtime;
using KernelVision.Ops;
using KernelVision.Tensors;

namespace KernelVision.Gpu;

/// <summary>Lets <see cref="GpuBackend"/> hand kernels their backend.</summary>
internal interface IGpuKernel
{
    void Attach(GpuBackend backend);
}

/// <summary>
/// Base of Gpu kernels: <c>[BackendKernel("gpu")] sealed class XGpu(X op) : GpuKernel&lt;X&gt;(op)</c>.
/// <see cref="Execute"/> gets device views of inputs with <see cref="In"/> / <see cref="Param"/>,
/// of outputs with <see cref="Out"/>, launches, then calls <see cref="Done"/>, which copies back only
/// the outputs a host reader needs. Cases a kernel does not handle on the device (integer data,
/// rare modes) go through <see cref="RunOnHost"/>, the Reference kernel with host copies made current.
/// </summary>
public abstract class GpuKernel<TOp>(TOp op) : Kernel<TOp>(op), IGpuKernel where TOp : Op
{
    private GpuBackend? _backend;
    private IKernel? _reference;

    void IGpuKernel.Attach(GpuBackend backend) => _backend = backend;

    /// <summary>The backend (a kernel created outside one gets the simulator).</summary>
    protected GpuBackend Backend => _backend ??= new GpuBackend(GpuDevice.Simulator, "gpu-sim");

    /// <summary>The device.</summary>
    protected GpuDevice Device => Backend.Device;

    /// <summary>The accelerator.</summary>
    protected Accelerator Accelerator => Device.Accelerator;

    /// <summary>Tile configuration of the device.</summary>
    protected TileConfig Tiles => Device.Tiles;

    /// <inheritdoc/>
    public sealed override void Run(IReadOnlyList<Tensor?> inputs, IReadOnlyList<Tensor?> outputs)
    {
        lock (Device.Gate)
        {
            Execute(inputs, outputs);
            if (GpuDevice.SynchronizeEachKernel) Accelerator.Synchronize();
        }
    }

    /// <summary>Runs the op (under the device lock).</summary>
    protected abstract void Execute(IReadOnlyList<Tensor?> inputs, IReadOnlyList<Tensor?> outputs);

    /// <summary>Device view of activation input <paramref name="i"/>.</summary>
    protected ArrayView<float> In(IReadOnlyList<Tensor?> inputs, int i) =>
        Device.Memory.Read(inputs[i]!, Op.Node.Inputs[i], parameter: false);

    /// <summary>Device view of weight input <paramref name="i"/> (uploaded once when it is an unchanging tensor).</summary>
    protected ArrayView<float> Param(IReadOnlyList<Tensor?> inputs, int i) =>
        Device.Memory.Read(inputs[i]!, Op.Node.Inputs[i], parameter: Backend.MayCacheParameter(Op.Node.Inputs[i]));

    /// <summary>Device view of output <paramref name="o"/>.</summary>
    protected ArrayView<float> Out(IReadOnlyList<Tensor?> outputs, int o) => Device.Memory.Write(outputs[o]!);

    /// <summary>After the launches: outputs with a host reader are copied back; the rest stay on the device.</summary>
    protected void Done(IReadOnlyList<Tensor?> outputs)
    {
        bool copied = false;
        for (int o = 0; o < outputs.Count; o++)
        {
            var t = outputs[o];
            if (t is null || t.Type != DataType.Float32) continue;
            string name = Op.Node.Outputs[o];
            copied |= Device.Memory.Produced(t, name, Backend.KeepOnDevice(name, t));
        }
        if (copied) Accelerator.Synchronize();
    }

    /// <summary>Host-side values of the inputs are made current, the Reference kernel runs, device copies of the outputs are dropped.</summary>
    protected void RunOnHost(IReadOnlyList<Tensor?> inputs, IReadOnlyList<Tensor?> outputs)
    {
        for (int i = 0; i < inputs.Count; i++)
            if (inputs[i] is { } t) Device.Memory.EnsureHost(t, Op.Node.Inputs[i]);
        _reference ??= ReferenceEvaluator.KernelFor(Op);
        _reference.Run(inputs, outputs);
        foreach (var t in outputs)
            if (t is not null) Device.Memory.HostWrote(t);
    }

    /// <summary>True when every present input and output is float32 (the device kernels' type).</summary>
    protected static bool AllFloat(IReadOnlyList<Tensor?> inputs, IReadOnlyList<Tensor?> outputs) =>
        inputs.All(t => t is null || t.Type == DataType.Float32) && outputs.All(t => t is null || t.Type == DataType.Float32);

    /// <summary>Groups of <paramref name="size"/> threads covering <paramref name="n"/> items, at most <paramref name="maxGroups"/>.</summary>
    protected static int GroupsFor(long n, int size, int maxGroups = 65535) => (int)Math.Clamp((n + size - 1) / size, 1, maxGroups);
}
