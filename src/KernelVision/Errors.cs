namespace KernelVision;

/// <summary>Base of every error KernelVision reports on purpose; anything else escaping is a bug.</summary>
public class KernelVisionException : Exception
{
    /// <summary>Creates the error with a message that names the file, node or op at fault.</summary>
    public KernelVisionException(string message, Exception? inner = null) : base(message, inner) { }
}

/// <summary>The model file cannot be read: not protobuf, truncated, inconsistent fields, bad external data.</summary>
public sealed class ModelFormatException(string message, Exception? inner = null) : KernelVisionException(message, inner);

/// <summary>A node is invalid: bad attribute, wrong input count, shapes that do not fit together.</summary>
public sealed class GraphException(string message, Exception? inner = null) : KernelVisionException(message, inner);

/// <summary>The model uses something KernelVision does not implement (an op, a data type, an attribute value).</summary>
public sealed class UnsupportedException(string message, Exception? inner = null) : KernelVisionException(message, inner);

/// <summary>The caller's inputs do not match the model: missing, unknown, wrong type or shape, unreadable file.</summary>
public sealed class InputException(string message, Exception? inner = null) : KernelVisionException(message, inner);

/// <summary>
/// The model or run needs more than a configured bound allows (see <c>LoadLimits</c>): an activation
/// larger than <c>MaxActivationBytes</c>, a plan whose activations together exceed it. Raise the
/// limit if the model is trusted.
/// </summary>
public sealed class LimitExceededException(string message, Exception? inner = null) : KernelVisionException(message, inner);

/// <summary>
/// A bug inside KernelVision caught at a boundary: a kernel, shape rule or pass failed with an
/// untyped .NET exception (kept as <see cref="Exception.InnerException"/>). The host stays up; the
/// fuzz tests count every one of these as a crash to fix.
/// </summary>
public sealed class InternalErrorException(string message, Exception? inner = null) : KernelVisionException(message, inner);
