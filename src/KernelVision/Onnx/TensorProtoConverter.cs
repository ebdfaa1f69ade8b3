using System.Buffers.Binary;
using Google.Protobuf;
using KernelVision.Onnx.Proto;
using KernelVision.Tensors;

namespace KernelVision.Onnx;

/// <summary>Converts between ONNX TensorProto and <see cref="Tensor"/>, in both the typed-field and raw_data forms.</summary>
public static class TensorProtoConverter
{
    /// <summary>
    /// Decodes <paramref name="proto"/>. <paramref name="baseDir"/> is the model's folder for external data
    /// (null forbids external data); <paramref name="what"/> names the tensor in errors.
    /// </summary>
    public static Tensor ToTensor(TensorProto proto, string? baseDir, string what, LoadLimits? limits = null) =>
        ToTensor(proto, baseDir, what, limits ?? LoadLimits.Default, null);

    /// <summary>
    /// Decodes <paramref name="proto"/>, checking rank, element count, the data's length and the
    /// model-wide weight budget before anything is allocated for it.
    /// </summary>
    internal static Tensor ToTensor(TensorProto proto, string? baseDir, string what, LoadLimits limits, WeightBudget? budget)
    {
        var type = (DataType)proto.DataType;
        // float16 data is widened to float32 as it is read: every kernel computes in float32.
        bool half = type == DataType.Float16;
        if (!half && !type.IsSupported())
            throw new UnsupportedException($"{what}: element type {type.Name()} ({proto.DataType}) is not supported");
        if (proto.Segment is not null) throw new UnsupportedException($"{what}: segmented tensors are not supported");
        if (proto.Dims.Count > limits.MaxRank)
            throw new ModelFormatException($"{what}: rank {proto.Dims.Count} exceeds the limit of {limits.MaxRank}");

        var shape = new int[proto.Dims.Count];
        long count = 1;
        bool overflow = false;
        for (int i = 0; i < shape.Length; i++)
        {
            long d = proto.Dims[i];
            if (d < 0 || d > int.MaxValue) throw new ModelFormatException($"{what}: invalid dimension {d}");
            shape[i] = (int)d;
            // Saturate instead of wrapping; a later zero dim still makes the tensor empty.
            if (!overflow && d != 0 && count > limits.MaxTensorElements / d) overflow = true;
            else if (!overflow) count *= d;
        }
        if (shape.Contains(0)) { count = 0; overflow = false; }
        if (overflow || count > limits.MaxTensorElements)
            throw new ModelFormatException($"{what}: {string.Join("x", proto.Dims)} exceeds the limit of {limits.MaxTensorElements} elements");
        int n = (int)count;

        bool external = proto.HasDataLocation && proto.DataLocation == TensorProto.Types.DataLocation.External;
        bool hasRaw = proto.HasRawData || external;
        int rawSize = half ? 2 : RawElementSize(type);
        // Where the data is in typed fields, the field's count must match before we allocate for it.
        if (!hasRaw)
        {
            int have = half ? proto.Int32Data.Count : type switch
            {
                DataType.Float32 => proto.FloatData.Count,
                DataType.Float64 => proto.DoubleData.Count,
                DataType.Int64 => proto.Int64Data.Count,
                DataType.UInt32 or DataType.UInt64 => proto.Uint64Data.Count,
                _ => proto.Int32Data.Count,
            };
            CheckCount(have, n, what);
        }
        else if (!external && (long)proto.RawData.Length != (long)n * rawSize)
            throw new ModelFormatException($"{what}: raw data has {proto.RawData.Length} bytes, {type.Name()}{ShapeUtil.Format(shape)} needs {(long)n * rawSize}");
        if (half) type = DataType.Float32;
        budget?.Charge((long)n * StorageBytes(type), what);

        ReadOnlySpan<byte> raw = default;
        byte[]? externalBytes = null;
        if (external)
        {
            externalBytes = ExternalData.Read(proto, baseDir, what, (long)n * rawSize);
            raw = externalBytes;
        }
        else if (hasRaw) raw = proto.RawData.Span;

        var t = Tensor.Zeros(type, shape);
        if (half)
        {
            // IEEE binary16 bits: little-endian in raw_data, one per int32_data entry otherwise.
            var f = t.Floats;
            for (int i = 0; i < n; i++)
                f[i] = (float)BitConverter.UInt16BitsToHalf(hasRaw ? BinaryPrimitives.ReadUInt16LittleEndian(raw[(i * 2)..]) : (ushort)proto.Int32Data[i]);
            return t;
        }
        if (hasRaw)
        {
            DecodeRaw(raw, type, t);
            return t;
        }

        // Typed fields: which repeated field holds the data depends on the element type.
        switch (type)
        {
            case DataType.Float32:
                for (int i = 0; i < n; i++) t.Floats[i] = proto.FloatData[i];
                break;
            case DataType.Float64:
                for (int i = 0; i < n; i++) t.Doubles[i] = proto.DoubleData[i];
                break;
            case DataType.Int64:
                for (int i = 0; i < n; i++) t.Int64s[i] = proto.Int64Data[i];
                break;
            case DataType.UInt32 or DataType.UInt64:
                for (int i = 0; i < n; i++) t.Int64s[i] = DataTypes.Wrap((long)proto.Uint64Data[i], type);
                break;
            case DataType.Bool:
                for (int i = 0; i < n; i++) t.Bools[i] = proto.Int32Data[i] != 0;
                break;
            default: // int32, int16, int8, uint16, uint8 live in int32_data
                for (int i = 0; i < n; i++) t.Int64s[i] = DataTypes.Wrap(proto.Int32Data[i], type);
                break;
        }
        return t;
    }

    /// <summary>Bytes one element takes in memory once decoded (integers are widened to int64).</summary>
    internal static int StorageBytes(DataType t) => t switch
    {
        DataType.Float32 => 4,
        DataType.Bool => 1,
        _ => 8,
    };

    private static int RawElementSize(DataType t) => t switch
    {
        DataType.Float32 or DataType.Int32 or DataType.UInt32 => 4,
        DataType.Float64 or DataType.Int64 or DataType.UInt64 => 8,
        DataType.Int16 or DataType.UInt16 => 2,
        _ => 1,
    };

    private static void CheckCount(int have, int need, string what)
    {
        if (have != need) throw new ModelFormatException($"{what}: has {have} values, its shape needs {need}");
    }

    /// <summary>Bytes per element in raw_data.</summary>
    public static int ElementSize(DataType t) => t switch
    {
        DataType.Float32 or DataType.Int32 or DataType.UInt32 => 4,
        DataType.Float64 or DataType.Int64 or DataType.UInt64 => 8,
        DataType.Int16 or DataType.UInt16 or DataType.Float16 => 2,
        DataType.Int8 or DataType.UInt8 or DataType.Bool => 1,
        _ => throw new UnsupportedException($"element type {t.Name()} has no raw encoding here"),
    };

    private static void DecodeRaw(ReadOnlySpan<byte> raw, DataType type, Tensor t)
    {
        int n = t.Length;
        switch (type)
        {
            case DataType.Float32:
                var f = t.Floats;
                for (int i = 0; i < n; i++) f[i] = BinaryPrimitives.ReadSingleLittleEndian(raw[(i * 4)..]);
                return;
            case DataType.Float64:
                var d = t.Doubles;
                for (int i = 0; i < n; i++) d[i] = BinaryPrimitives.ReadDoubleLittleEndian(raw[(i * 8)..]);
                return;
            case DataType.Bool:
                var b = t.Bools;
                for (int i = 0; i < n; i++) b[i] = raw[i] != 0;
                return;
        }
        var l = t.Int64s;
        for (int i = 0; i < n; i++)
        {
            l[i] = type switch
            {
                DataType.Int64 => BinaryPrimitives.ReadInt64LittleEndian(raw[(i * 8)..]),
                DataType.UInt64 => (long)BinaryPrimitives.ReadUInt64LittleEndian(raw[(i * 8)..]),
                DataType.Int32 => BinaryPrimitives.ReadInt32LittleEndian(raw[(i * 4)..]),
                DataType.UInt32 => BinaryPrimitives.ReadUInt32LittleEndian(raw[(i * 4)..]),
                DataType.Int16 => BinaryPrimitives.ReadInt16LittleEndian(raw[(i * 2)..]),
                DataType.UInt16 => BinaryPrimitives.ReadUInt16LittleEndian(raw[(i * 2)..]),
                DataType.Int8 => (sbyte)raw[i],
                DataType.UInt8 => raw[i],
                _ => throw new UnsupportedException($"element type {type.Name()} is not supported"),
            };
        }
    }

    /// <summary>Encodes <paramref name="t"/> as a TensorProto with raw_data, as ONNX's numpy_helper does.</summary>
    public static TensorProto FromTensor(Tensor t, string name)
    {
        var p = new TensorProto { Name = name, DataType = (int)t.Type };
        foreach (int d in t.Shape) p.Dims.Add(d);
        int size = ElementSize(t.Type);
        var bytes = new byte[(long)t.Length * size];
        var s = bytes.AsSpan();
        for (int i = 0; i < t.Length; i++)
        {
            var at = s[(i * size)..];
            switch (t.Type)
            {
                case DataType.Float32: BinaryPrimitives.WriteSingleLittleEndian(at, t.Floats[i]); break;
                case DataType.Float64: BinaryPrimitives.WriteDoubleLittleEndian(at, t.Doubles[i]); break;
                case DataType.Bool: at[0] = t.Bools[i] ? (byte)1 : (byte)0; break;
                case DataType.Int64 or DataType.UInt64: BinaryPrimitives.WriteInt64LittleEndian(at, t.Int64s[i]); break;
                case DataType.Int32 or DataType.UInt32: BinaryPrimitives.WriteInt32LittleEndian(at, (int)t.Int64s[i]); break;
                case DataType.Int16 or DataType.UInt16: BinaryPrimitives.WriteInt16LittleEndian(at, (short)t.Int64s[i]); break;
                default: at[0] = (byte)t.Int64s[i]; break;
            }
        }
        p.RawData = ByteString.CopyFrom(bytes);
        return p;
    }

    /// <summary>Reads a serialized TensorProto file (the backend-test `input_N.pb` layout).</summary>
    public static (string Name, Tensor Tensor) ReadFile(string path)
    {
        byte[] bytes;
        try { bytes = File.ReadAllBytes(path); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new InputException($"{path}: cannot read: {e.Message}", e);
        }
        TensorProto proto;
        try { proto = TensorProto.Parser.ParseFrom(bytes); }
        catch (InvalidProtocolBufferException e)
        {
            throw new InputException($"{path}: not an ONNX TensorProto: {e.Message}", e);
        }
        try
        {
            return (proto.Name, ToTensor(proto, null, path));
        }
        catch (ModelFormatException e)
        {
            throw new InputException(e.Message, e);
        }
    }

    /// <summary>Writes <paramref name="t"/> as a serialized TensorProto file.</summary>
    public static void WriteFile(string path, Tensor t, string name)
    {
        using var f = File.Create(path);
        FromTensor(t, name).WriteTo(f);
    }
}
