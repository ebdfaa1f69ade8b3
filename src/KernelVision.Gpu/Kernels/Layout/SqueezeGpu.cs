using KernelVision.Backends;
using KernelVision.Ops.Layout;

namespace KernelVision.Gpu.Kernels.Layout;

/// <summary>Squeeze.</summary>
[BackendKernel("gpu")] public sealed class SqueezeGpu(Squeeze op) : DataCopyGpu<Squeeze>(op);
