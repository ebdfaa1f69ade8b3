namespace KernelVision.Cpu.Convolution;

/// <summary>Placeholder (Winograd comes later).</summary>
public sealed unsafe class WinogradConv(ConvShape shape)
{
    public ConvShape Shape { get; } = shape;
    public static bool Supports(ConvShape s) => false;
    public static bool Prefer(ConvShape s) => false;
    public WinogradWeights TransformWeights(ReadOnlySpan<float> w) => throw new NotImplementedException();
    public void Run(float* x, WinogradWeights w, float* bias, float* y, KernelVision.Ops.FusedActivation act, Threading.CpuThreadPool pool) => throw new NotImplementedException();
}

public sealed class WinogradWeights;
