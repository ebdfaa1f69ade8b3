using KernelVision.Backends;
using KernelVision.Ops.Layout;

namespace KernelVision.Gpu.Kernels.Layout;

/// <summary>Reshape.</summary>
[BackendKernel("gpu")] public sealed class ReshapeGpu(Reshape op) : DataCopyGpu<Reshape>(op);
