using KernelVision.Backends;
using KernelVision.Ops.Layout;

namespace KernelVision.Gpu.Kernels.Layout;

/// <summary>Unsqueeze.</summary>
[BackendKernel("gpu")] public sealed class UnsqueezeGpu(Unsqueeze op) : DataCopyGpu<Unsqueeze>(op);
