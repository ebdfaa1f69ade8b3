using KernelVision.Backends.Reference;
using KernelVision.Execution;
using KernelVision.Onnx;
using KernelVision.Tensors;

namespace KernelVision.Tests.Fuzzing;

/// <summary>How one fuzz case ended.</summary>
public enum FuzzOutcome
{
    /// <summary>Loaded, prepared and ran.</summary>
    Success,
    /// <summary>Loaded and prepared; its declared inputs are too large to synthesise, so it was not run.</summary>
    NotRun,
    /// <summary>Refused with <see cref="ModelFormatException"/>.</summary>
    ModelFormat,
    /// <summary>Refused with <see cref="GraphException"/>.</summary>
    Graph,
    /// <summary>Refused with <see cref="UnsupportedException"/>.</summary>
    Unsupported,
    /// <summary>Refused with <see cref="InputException"/>.</summary>
    Input,
    /// <summary>Refused with <see cref="LimitExceededException"/>.</summary>
    LimitExceeded,
    /// <summary>Refused with a plain <see cref="KernelVisionException"/>.</summary>
    OtherTyped,
    /// <summary>A bug: <see cref="InternalErrorException"/> or any exception that is not a KernelVisionException.</summary>
    Crash,
    /// <summary>A bug: the case did not finish within its time bound.</summary>
    Hang,
}

/// <summary>
/// The code under fuzz: bytes → <see cref="OnnxLoader"/> → <see cref="InferenceSession"/> → one
/// run on synthesised inputs, under tight limits. Shared by the bounded CI fuzz test and the
/// SharpFuzz harness (tests/KernelVision.Fuzz links this file).
/// </summary>
public static class FuzzTarget
{
    /// <summary>Limits small enough that any mutant runs in milliseconds and megabytes.</summary>
    public static LoadLimits Limits { get; } = new()
    {
        MaxFileBytes = 8 << 20,
        MaxTensorElements = 1 << 22,
        MaxWeightBytes = 32 << 20,
        MaxNodes = 4096,
        MaxGraphDepth = 4096,
        MaxRank = 8,
        MaxActivationBytes = 64 << 20,
    };

    /// <summary>Largest synthesised input, in elements.</summary>
    public const int MaxInputElements = 1 << 18;

    /// <summary>
    /// Loads and runs <paramref name="bytes"/>; returns Success/NotRun or the typed refusal.
    /// Any other exception propagates: that is what the callers count as a crash.
    /// </summary>
    public static FuzzOutcome Execute(byte[] bytes, string? baseDir, CancellationToken cancellationToken) =>
        ExecuteDetailed(bytes, baseDir, cancellationToken).Outcome;

    /// <summary>As <see cref="Execute"/>, with the refusal's message.</summary>
    public static (FuzzOutcome Outcome, string? Message) ExecuteDetailed(byte[] bytes, string? baseDir, CancellationToken cancellationToken)
    {
        try
        {
            var model = OnnxLoader.Load(bytes, baseDir, "fuzz.onnx", Limits);
            using var session = new InferenceSession(model, new SessionOptions { Backend = ReferenceBackend.Instance, Limits = Limits });
            var inputs = SynthesizeInputs(session);
            if (inputs is null) return (FuzzOutcome.NotRun, null);
            session.Run(inputs, null, cancellationToken);
            return (FuzzOutcome.Success, null);
        }
        catch (InternalErrorException) { throw; }
        catch (KernelVisionException e) { return (Classify(e), e.Message); }
    }

    /// <summary>The outcome kind of a typed refusal.</summary>
    public static FuzzOutcome Classify(KernelVisionException e) => e switch
    {
        ModelFormatException => FuzzOutcome.ModelFormat,
        GraphException => FuzzOutcome.Graph,
        UnsupportedException => FuzzOutcome.Unsupported,
        InputException => FuzzOutcome.Input,
        LimitExceededException => FuzzOutcome.LimitExceeded,
        InternalErrorException => FuzzOutcome.Crash,
        _ => FuzzOutcome.OtherTyped,
    };

    /// <summary>
    /// Deterministic inputs matching the declared ones (unknown dims = 2, undeclared type = float32);
    /// null when they would exceed <see cref="MaxInputElements"/>.
    /// </summary>
    public static Dictionary<string, Tensor>? SynthesizeInputs(InferenceSession session)
    {
        var map = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        foreach (var vi in session.Inputs)
        {
            var shape = vi.Shape is null ? [2] : vi.Shape.Select(d => d.Value is long v ? (int)v : 2).ToArray();
            long n = 1;
            foreach (int d in shape) { n *= d; if (n > MaxInputElements) return null; }
            var type = vi.Type == DataType.Undefined ? DataType.Float32 : vi.Type;
            if (!type.IsSupported()) type = DataType.Float32; // the session will refuse the mismatch, typed
            var t = Tensor.Zeros(type, shape);
            for (int i = 0; i < t.Length; i++)
            {
                switch (type)
                {
                    case DataType.Float32: t.Floats[i] = ((i * 7) % 11 - 5) * 0.25f; break;
                    case DataType.Float64: t.Doubles[i] = ((i * 7) % 11 - 5) * 0.25; break;
                    case DataType.Bool: t.Bools[i] = i % 3 == 0; break;
                    default: t.Int64s[i] = DataTypes.Wrap(i % 3, type); break;
                }
            }
            map[vi.Name] = t;
        }
        return map;
    }
}
