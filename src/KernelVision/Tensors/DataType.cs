namespace KernelVision.Tensors;

/// <summary>Element types, numbered as ONNX's TensorProto.DataType so conversion is a cast.</summary>
public enum DataType
{
    Undefined = 0,
    Float32 = 1,
    UInt8 = 2,
    Int8 = 3,
    UInt16 = 4,
    Int16 = 5,
    Int32 = 6,
    Int64 = 7,
    String = 8,
    Bool = 9,
    Float16 = 10,
    Float64 = 11,
    UInt32 = 12,
    UInt64 = 13,
}

/// <summary>Facts about element types.</summary>
public static class DataTypes
{
    /// <summary>True for the integer types, which KernelVision stores widened to <see cref="long"/>.</summary>
    public static bool IsInteger(this DataType t) => t is DataType.UInt8 or DataType.Int8 or DataType.UInt16
        or DataType.Int16 or DataType.Int32 or DataType.Int64 or DataType.UInt32 or DataType.UInt64;

    /// <summary>True where KernelVision can hold tensors of this type.</summary>
    public static bool IsSupported(this DataType t) => t is DataType.Float32 or DataType.Float64 or DataType.Bool || t.IsInteger();

    /// <summary>Lower-case ONNX-style name used in messages ("float32", "int64").</summary>
    public static string Name(this DataType t) => t switch
    {
        DataType.Float32 => "float32",
        DataType.Float64 => "float64",
        DataType.Float16 => "float16",
        DataType.Bool => "bool",
        DataType.String => "string",
        _ when Enum.IsDefined(t) => t.ToString().ToLowerInvariant(),
        _ => $"element type {(int)t}",
    };

    /// <summary>Wraps an integer result to the range of <paramref name="t"/> the way two's-complement hardware would.</summary>
    public static long Wrap(long v, DataType t) => t switch
    {
        DataType.UInt8 => (byte)v,
        DataType.Int8 => (sbyte)v,
        DataType.UInt16 => (ushort)v,
        DataType.Int16 => (short)v,
        DataType.Int32 => (int)v,
        DataType.UInt32 => (uint)v,
        _ => v,
    };
}
