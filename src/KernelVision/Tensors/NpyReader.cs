using System.Buffers.Binary;
using System.Text;
using System.Text.RegularExpressions;

namespace KernelVision.Tensors;

/// <summary>Reads numpy <c>.npy</c> files (format 1.0–3.0, little-endian, C order).</summary>
public static partial class NpyReader
{
    /// <summary>Reads the array in <paramref name="path"/>; throws <see cref="InputException"/> naming the file on any problem.</summary>
    public static Tensor Read(string path)
    {
        byte[] b;
        try { b = File.ReadAllBytes(path); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { throw new InputException($"{path}: cannot read: {e.Message}", e); }
        if (b.Length < 10 || b[0] != 0x93 || Encoding.ASCII.GetString(b, 1, 5) != "NUMPY") throw new InputException($"{path}: not a .npy file");
        int major = b[6];
        int headerLen, start;
        if (major == 1) { headerLen = BinaryPrimitives.ReadUInt16LittleEndian(b.AsSpan(8)); start = 10; }
        else if (major is 2 or 3 && b.Length >= 12) { headerLen = (int)Math.Min(BinaryPrimitives.ReadUInt32LittleEndian(b.AsSpan(8)), int.MaxValue); start = 12; }
        else throw new InputException($"{path}: unsupported .npy version {major}");
        if (start + headerLen > b.Length) throw new InputException($"{path}: truncated .npy header");
        string header = Encoding.Latin1.GetString(b, start, headerLen);
        var descr = DescrRe().Match(header);
        var fortran = FortranRe().Match(header);
        var shapeM = ShapeRe().Match(header);
        if (!descr.Success || !shapeM.Success) throw new InputException($"{path}: malformed .npy header");
        if (fortran.Success && fortran.Groups[1].Value == "True") throw new InputException($"{path}: Fortran-order arrays are not supported; save with np.ascontiguousarray");
        var dims = shapeM.Groups[1].Value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var shape = new int[dims.Length];
        for (int i = 0; i < dims.Length; i++)
            if (!int.TryParse(dims[i], out shape[i]) || shape[i] < 0) throw new InputException($"{path}: invalid dimension '{dims[i]}'");
        string d = descr.Groups[1].Value;
        var (type, size) = d switch
        {
            "<f4" => (DataType.Float32, 4),
            "<f8" => (DataType.Float64, 8),
            "<i8" => (DataType.Int64, 8),
            "<i4" => (DataType.Int32, 4),
            "|u1" => (DataType.UInt8, 1),
            "|i1" => (DataType.Int8, 1),
            "|b1" => (DataType.Bool, 1),
            _ => throw new InputException($"{path}: unsupported .npy dtype '{d}'"),
        };
        long n;
        try { n = ShapeUtil.Size(shape); }
        catch (GraphException e) { throw new InputException($"{path}: {e.Message}", e); }
        int data = start + headerLen;
        if ((long)b.Length - data != n * size) throw new InputException($"{path}: has {b.Length - data} data bytes, {d}{ShapeUtil.Format(shape)} needs {n * size}");
        var t = Tensor.Zeros(type, shape);
        var s = b.AsSpan(data);
        for (int i = 0; i < n; i++)
        {
            switch (type)
            {
                case DataType.Float32: t.Floats[i] = BinaryPrimitives.ReadSingleLittleEndian(s[(i * 4)..]); break;
                case DataType.Float64: t.Doubles[i] = BinaryPrimitives.ReadDoubleLittleEndian(s[(i * 8)..]); break;
                case DataType.Int64: t.Int64s[i] = BinaryPrimitives.ReadInt64LittleEndian(s[(i * 8)..]); break;
                case DataType.Int32: t.Int64s[i] = BinaryPrimitives.ReadInt32LittleEndian(s[(i * 4)..]); break;
                case DataType.UInt8: t.Int64s[i] = s[i]; break;
                case DataType.Int8: t.Int64s[i] = (sbyte)s[i]; break;
                case DataType.Bool: t.Bools[i] = s[i] != 0; break;
            }
        }
        return t;
    }

    [GeneratedRegex(@"'descr'\s*:\s*'([^']+)'")]
    private static partial Regex DescrRe();
    [GeneratedRegex(@"'fortran_order'\s*:\s*(True|False)")]
    private static partial Regex FortranRe();
    [GeneratedRegex(@"'shape'\s*:\s*\(([^)]*)\)")]
    private static partial Regex ShapeRe();
}
