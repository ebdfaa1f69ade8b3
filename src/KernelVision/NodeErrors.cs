using KernelVision.Graph;
using KernelVision.Onnx;
using KernelVision.Ops;
using KernelVision.Tensors;

namespace KernelVision;

/// <summary>
/// Turns what goes wrong at a node into the typed errors of <c>Errors.cs</c>, named and located:
/// the session (attribute parsing, passes, kernel creation), the plan builder (shape inference,
/// folding, weight preparation) and the plan (kernels) all report through here, so every refusal
/// says file and node the same way.
/// </summary>
internal static class NodeErrors
{
    /// <summary>
    /// Runs one piece of a node's work, turning what escapes into typed errors located at the
    /// node: KernelVision errors get the file name, running out of memory becomes
    /// <see cref="LimitExceededException"/>, and anything else — a bug — <see cref="InternalErrorException"/>.
    /// Cancellation passes through, and so does <see cref="ValueNotKnownException"/> where
    /// <paramref name="valueMayBeUnknown"/> (planning); at run time every value is known, so it is a bug there.
    /// </summary>
    public static T Guard<T>(string file, Node node, string what, Func<T> work, bool valueMayBeUnknown = false)
    {
        try { return work(); }
        catch (Exception e) when (e is ValueNotKnownException && valueMayBeUnknown || e is OperationCanceledException) { throw; }
        catch (Exception e) { throw Translate(file, node, what, e); }
    }

    /// <summary>The typed error <see cref="Guard{T}"/> turns <paramref name="e"/> into.</summary>
    public static Exception Translate(string file, Node node, string what, Exception e) => e switch
    {
        KernelVisionException k => Located(Named(k, node), file),
        OutOfMemoryException => new LimitExceededException($"{file}: {node.DisplayName}: out of memory in {what}", e),
        _ => new InternalErrorException($"{file}: {node.DisplayName}: {what} failed: {e.GetType().Name}: {e.Message}", e),
    };

    // Errors raised by shared helpers (ShapeUtil) do not know the node: name it, so every refusal says where.
    private static KernelVisionException Named(KernelVisionException e, Node node) =>
        e.Message.Contains(node.DisplayName, StringComparison.Ordinal) ? e : Prefixed(e, node.DisplayName);

    /// <summary><paramref name="e"/> with its message prefixed by <paramref name="file"/> (once), keeping its type.</summary>
    public static KernelVisionException Located(KernelVisionException e, string file) =>
        e.Message.StartsWith(file + ":", StringComparison.Ordinal) ? e : Prefixed(e, file);

    // The same error type, so callers still catch what was thrown, with "prefix: " before the message.
    private static KernelVisionException Prefixed(KernelVisionException e, string prefix) => e switch
    {
        GraphException => new GraphException($"{prefix}: {e.Message}", e),
        UnsupportedException => new UnsupportedException($"{prefix}: {e.Message}", e),
        InputException => new InputException($"{prefix}: {e.Message}", e),
        ModelFormatException => new ModelFormatException($"{prefix}: {e.Message}", e),
        LimitExceededException => new LimitExceededException($"{prefix}: {e.Message}", e),
        InternalErrorException => new InternalErrorException($"{prefix}: {e.Message}", e),
        _ => new KernelVisionException($"{prefix}: {e.Message}", e),
    };

    /// <summary>
    /// Refuses output <paramref name="o"/> of <paramref name="node"/> when its shape is invalid or
    /// larger than <paramref name="limits"/> allow: the planner checks every static output with it,
    /// the plan every output whose shape is known only at run time.
    /// </summary>
    public static void CheckOutput(LoadLimits limits, string file, Node node, int o, TensorInfo info)
    {
        if (info is null || info.Shape is null)
            throw new InternalErrorException($"{file}: {node.DisplayName}: shape inference returned no shape for output {o}");
        string what = $"{file}: {node.DisplayName}: output '{node.Outputs[o]}' {info}";
        long n = 1;
        bool over = false;
        foreach (int d in info.Shape)
        {
            if (d < 0) throw new GraphException($"{what} has a negative dimension");
            if (d == 0) { n = 0; over = false; break; }
            if (!over && n > limits.MaxTensorElements / d) over = true;
            else if (!over) n *= d;
        }
        if (info.Shape.Length > limits.MaxRank)
            throw new LimitExceededException($"{what} has rank {info.Shape.Length}, above the limit of {limits.MaxRank}");
        if (over || n > limits.MaxTensorElements)
            throw new LimitExceededException($"{what} has more than {limits.MaxTensorElements} elements");
        if (!info.Type.IsSupported())
            throw new UnsupportedException($"{what} has unsupported element type {info.Type.Name()}");
        long bytes = info.Bytes;
        if (bytes > limits.MaxActivationBytes)
            throw new LimitExceededException($"{what} needs {bytes} bytes, above the activation limit of {limits.MaxActivationBytes}");
    }
}
