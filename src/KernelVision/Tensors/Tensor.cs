using System.Text;

namespace KernelVision.Tensors;

/// <summary>
/// A dense row-major tensor. Float32 data lives in a <c>float[]</c> (possibly a slice of an arena
/// the memory planner owns), every integer type widened in a <c>long[]</c>, Bool in a <c>bool[]</c>,
/// Float64 in a <c>double[]</c>. Widening integers keeps each kernel to one integer code path.
/// </summary>
public sealed class Tensor
{
    private readonly Array _data;
    private readonly int _offset;

    /// <summary>Element type.</summary>
    public DataType Type { get; }

    /// <summary>Dimensions; never mutate the array.</summary>
    public int[] Shape { get; }

    /// <summary>Number of elements.</summary>
    public int Length { get; }

    /// <summary>Number of dimensions.</summary>
    public int Rank => Shape.Length;

    /// <summary>Wraps existing storage (not copied) as a tensor of <paramref name="shape"/>.</summary>
    public Tensor(DataType type, int[] shape, Array storage, int offset = 0)
    {
        Type = type;
        Shape = shape;
        Length = ShapeUtil.Size(shape);
        _data = storage;
        _offset = offset;
        Type expected = StorageType(type);
        if (storage.GetType().GetElementType() != expected)
            throw new ArgumentException($"{type.Name()} tensors are stored in {expected.Name}[], got {storage.GetType().Name}");
        if (offset < 0 || offset + Length > storage.Length)
            throw new ArgumentException($"storage of {storage.Length} elements cannot hold {Length} elements at offset {offset}");
    }

    /// <summary>A new zero-filled tensor.</summary>
    public static Tensor Zeros(DataType type, int[] shape)
    {
        int n = ShapeUtil.Size(shape);
        Array storage = StorageType(type) switch
        {
            var t when t == typeof(float) => new float[n],
            var t when t == typeof(long) => new long[n],
            var t when t == typeof(bool) => new bool[n],
            var t when t == typeof(double) => new double[n],
            _ => throw new UnsupportedException($"tensors of type {type.Name()} are not supported"),
        };
        return new Tensor(type, (int[])shape.Clone(), storage);
    }

    /// <summary>A float32 tensor over <paramref name="data"/> (not copied).</summary>
    public static Tensor FromFloats(int[] shape, float[] data) => new(DataType.Float32, shape, data);

    /// <summary>An int64 tensor over <paramref name="data"/> (not copied).</summary>
    public static Tensor FromInt64s(int[] shape, long[] data) => new(DataType.Int64, shape, data);

    /// <summary>A 1-D int64 tensor, the form shape and index inputs take.</summary>
    public static Tensor Vector(params long[] data) => new(DataType.Int64, [data.Length], data);

    /// <summary>A rank-0 float32 tensor.</summary>
    public static Tensor Scalar(float v) => new(DataType.Float32, [], new[] { v });

    /// <summary>The .NET element type that stores <paramref name="type"/>.</summary>
    public static Type StorageType(DataType type) => type switch
    {
        DataType.Float32 => typeof(float),
        DataType.Float64 => typeof(double),
        DataType.Bool => typeof(bool),
        _ when type.IsInteger() => typeof(long),
        _ => throw new UnsupportedException($"tensors of type {type.Name()} are not supported"),
    };

    /// <summary>Float32 elements.</summary>
    public Span<float> Floats => _data is float[] f ? f.AsSpan(_offset, Length) : throw WrongType("float32");

    /// <summary>Integer elements (any integer type, widened).</summary>
    public Span<long> Int64s => _data is long[] l ? l.AsSpan(_offset, Length) : throw WrongType("an integer type");

    /// <summary>Bool elements.</summary>
    public Span<bool> Bools => _data is bool[] b ? b.AsSpan(_offset, Length) : throw WrongType("bool");

    /// <summary>Float64 elements.</summary>
    public Span<double> Doubles => _data is double[] d ? d.AsSpan(_offset, Length) : throw WrongType("float64");

    /// <summary>The backing array and the offset of element 0, for kernels that index raw arrays.</summary>
    public (Array Storage, int Offset) Raw => (_data, _offset);

    /// <summary>Element <paramref name="i"/> as a double, whatever the type (for comparisons and printing).</summary>
    public double GetDouble(int i) => _data switch
    {
        float[] f => f[_offset + i],
        long[] l => l[_offset + i],
        bool[] b => b[_offset + i] ? 1 : 0,
        double[] d => d[_offset + i],
        _ => throw WrongType("a numeric type"),
    };

    /// <summary>The same elements viewed with another shape of equal size (storage shared).</summary>
    public Tensor Reshape(int[] shape)
    {
        if (ShapeUtil.Size(shape) != Length)
            throw new ArgumentException($"cannot view {ShapeUtil.Format(Shape)} as {ShapeUtil.Format(shape)}");
        return new Tensor(Type, shape, _data, _offset);
    }

    /// <summary>A deep copy with its own storage.</summary>
    public Tensor Clone()
    {
        var t = Zeros(Type, Shape);
        CopyTo(t);
        return t;
    }

    /// <summary>Copies the elements into <paramref name="dst"/>, which must have the same type and size.</summary>
    public void CopyTo(Tensor dst)
    {
        if (dst.Type != Type || dst.Length != Length)
            throw new ArgumentException($"cannot copy {Describe()} into {dst.Describe()}");
        Array.Copy(_data, _offset, dst._data, dst._offset, Length);
    }

    /// <summary>Reads integer elements as int64 values (for shape/axes/index inputs).</summary>
    public long[] ToInt64Array() => _data switch
    {
        long[] => Int64s.ToArray(),
        float[] => Floats.ToArray().Select(v => (long)v).ToArray(),
        _ => throw WrongType("an integer type"),
    };

    /// <summary>Reads numeric elements as float32 values (for scale and bound inputs).</summary>
    public float[] ToFloatArray()
    {
        var r = new float[Length];
        for (int i = 0; i < Length; i++) r[i] = (float)GetDouble(i);
        return r;
    }

    /// <summary>"float32[1,3,224,224]".</summary>
    public string Describe() => Type.Name() + ShapeUtil.Format(Shape);

    /// <inheritdoc/>
    public override string ToString()
    {
        var sb = new StringBuilder(Describe()).Append(" {");
        for (int i = 0; i < Math.Min(Length, 8); i++) sb.Append(i == 0 ? "" : ", ").Append(GetDouble(i).ToString("G6"));
        if (Length > 8) sb.Append(", …");
        return sb.Append('}').ToString();
    }

    private InvalidOperationException WrongType(string wanted) =>
        new($"tensor {Describe()} is not {wanted}");
}
