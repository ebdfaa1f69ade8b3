using KernelVision.Backends;
using KernelVision.Ops.Layout;
using KernelVision.Tensors;

namespace KernelVision.Cpu.Kernels.Layout;

/// <summary>Inference-mode Dropout: a copy of the input and an all-kept mask (training mode is rejected as in the Reference).</summary>
[BackendKernel("cpu")]
public sealed class DropoutCpu(Dropout op) : CopyKernel<Dropout>(op)
{
    /// <inheritdoc/>
    protected override void Compute(IReadOnlyList<Tensor?> inputs, IReadOnlyList<Tensor?> outputs)
    {
        Op.CheckInferenceMode(inputs.Count > 1 ? inputs[1] : null, inputs.Count > 2 ? inputs[2] : null);
        DataCopy.Copy(Pool, inputs[0]!, outputs[0]!);
        if (outputs.Count < 2 || outputs[1] is not { } mask) return;
        switch (mask.Raw.Storage)
        {
            case bool[]: mask.Bools.Fill(true); break;
            case float[]: mask.Floats.Fill(1f); break;
            case double[]: mask.Doubles.Fill(1.0); break;
            case long[]: mask.Int64s.Fill(1L); break;
        }
    }
}
