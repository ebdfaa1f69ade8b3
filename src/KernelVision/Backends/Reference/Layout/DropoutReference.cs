using KernelVision.Ops.Layout;
using KernelVision.Tensors;

namespace KernelVision.Backends.Reference.Layout;

/// <summary>Inference-mode dropout: copy the input, mark every element as kept in the mask.</summary>
[BackendKernel("reference")]
public sealed class DropoutReference(Dropout op) : Kernel<Dropout>(op)
{
    /// <inheritdoc/>
    public override void Run(IReadOnlyList<Tensor?> inputs, IReadOnlyList<Tensor?> outputs)
    {
        Op.CheckInferenceMode(inputs.Count > 1 ? inputs[1] : null, inputs.Count > 2 ? inputs[2] : null);
        inputs[0]!.CopyTo(outputs[0]!);
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
