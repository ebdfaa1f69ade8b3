using KernelVision.Backends;
using KernelVision.Ops.Layout;

namespace KernelVision.Gpu.Kernels.Layout;

/// <summary>Flatten.</summary>
[BackendKernel("gpu")] public sealed class FlattenGpu(Flatten op) : DataCopyGpu<Flatten>(op);
