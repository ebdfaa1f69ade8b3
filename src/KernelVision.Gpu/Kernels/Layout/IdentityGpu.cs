using KernelVision.Backends;
using KernelVision.Ops.Layout;

namespace KernelVision.Gpu.Kernels.Layout;

/// <summary>Identity.</summary>
[BackendKernel("gpu")] public sealed class IdentityGpu(Identity op) : DataCopyGpu<Identity>(op);
