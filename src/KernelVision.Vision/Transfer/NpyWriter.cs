using System.Text;

namespace KernelVision.Vision.Transfer;

/// <summary>Writes numpy <c>.npy</c> files (format 1.0, little-endian, C order): features for the PyTorch oracle.</summary>
public static class NpyWriter
{
    /// <summary>float32 array of <paramref name="shape"/>.</summary>
    public static void Write(string path, float[] data, params int[] shape) => Write(path, "<f4", shape, data.Length, 4, b => Buffer.BlockCopy(data, 0, b, 0, data.Length * 4));

    /// <summary>int64 array of <paramref name="shape"/> (labels).</summary>
    public static void Write(string path, int[] data, params int[] shape)
    {
        var wide = data.Select(v => (long)v).ToArray();
        Write(path, "<i8", shape, wide.Length, 8, b => Buffer.BlockCopy(wide, 0, b, 0, wide.Length * 8));
    }

    private static void Write(string path, string descr, int[] shape, int count, int size, Action<byte[]> fill)
    {
        if (!BitConverter.IsLittleEndian) throw new PlatformNotSupportedException("big-endian hosts");
        if (shape.Aggregate(1L, (a, d) => a * d) != count) throw new ArgumentException($"shape ({string.Join(", ", shape)}) does not hold {count} values");
        string dims = shape.Length == 1 ? $"{shape[0]}," : string.Join(", ", shape);
        string header = $"{{'descr': '{descr}', 'fortran_order': False, 'shape': ({dims}), }}";
        // Magic (6) + version (2) + length (2) + header + '\n', padded with spaces to a multiple of 64.
        int total = 10 + header.Length + 1;
        header = header.PadRight(header.Length + (64 - total % 64) % 64) + "\n";
        var body = new byte[(long)count * size];
        fill(body);
        using var s = File.Create(path);
        s.Write([0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y', 1, 0]);
        s.Write(BitConverter.GetBytes((ushort)header.Length));
        s.Write(Encoding.ASCII.GetBytes(header));
        s.Write(body);
    }
}
