using KernelVision.Backends;
using KernelVision.Ops.Elementwise;
using KernelVision.Tensors;

namespace KernelVision.Cpu.Kernels.Elementwise;

/// <summary>
/// Add, Sub, Mul, Div, Pow on float32 with broadcasting (<see cref="BroadcastPlan"/>: same-shape,
/// scalar and per-channel operands become plain vector loops). Integer and float64 tensors (shape
/// arithmetic, mostly constant-folded) run on the Reference kernel.
/// </summary>
[BackendKernel("cpu")]
public sealed class BinaryCpu(BinaryOp op) : CpuKernel<BinaryOp>(op)
{
    private BroadcastPlan? _plan;
    private Tensor? _exponent;

    /// <summary>Float32 operands; Pow also takes a scalar exponent of another type.</summary>
    protected override bool Handles(IReadOnlyList<Tensor?> inputs, IReadOnlyList<Tensor?> outputs)
    {
        Tensor a = inputs[0]!, b = inputs[1]!;
        return Computes(a.Type) && (Computes(b.Type) || Op.Kind == BinaryKind.Pow && b.Length == 1);
    }

    /// <inheritdoc/>
    protected override void Compute(IReadOnlyList<Tensor?> inputs, IReadOnlyList<Tensor?> outputs)
    {
        var a = inputs[0]!;
        var b = inputs[1]!;
        var y = outputs[0]!;
        var plan = BroadcastPlan.For(ref _plan, a.Shape, Op.AlignedShapeOfB(a.Shape, b.Shape), y.Shape);
        switch (Op.Kind)
        {
            case BinaryKind.Add: Broadcast.Run(Pool, new AddFn(), plan, a, b, y); break;
            case BinaryKind.Sub: Broadcast.Run(Pool, new SubFn(), plan, a, b, y); break;
            case BinaryKind.Mul: Broadcast.Run(Pool, new MulFn(), plan, a, b, y); break;
            case BinaryKind.Div: Broadcast.Run(Pool, new DivFn(), plan, a, b, y); break;
            case BinaryKind.Pow:
                if (b.Type != DataType.Float32)
                {
                    // A scalar exponent of another type (int64 2): one float holds it exactly enough.
                    _exponent ??= Tensor.Zeros(DataType.Float32, [1]);
                    _exponent.Floats[0] = (float)b.GetDouble(0);
                    b = _exponent.Reshape(b.Shape);
                }
                if (b.Length == 1 && b.Floats[0] == 2) Broadcast.Run(Pool, new SquareFn(), plan, a, b, y);
                else Broadcast.Run(Pool, new PowFn(), plan, a, b, y);
                break;
            default: throw new InvalidOperationException($"unknown binary kind {Op.Kind}");
        }
    }
}
