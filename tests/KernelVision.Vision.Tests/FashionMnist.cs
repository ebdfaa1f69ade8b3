using System.Buffers.Binary;
using System.Diagnostics;
using System.IO.Compression;

namespace KernelVision.Vision.Tests;

/// <summary>
/// The Fashion-MNIST test set from the Debian package dataset-fashion-mnist (MIT, Zalando SE), read from
/// its gzipped idx files: big-endian magic 0x0000080D (unsigned bytes, D dimensions), D sizes, then the bytes.
/// </summary>
public static class FashionMnist
{
    /// <summary>The folder with t10k-images-idx3-ubyte.gz: $KV_FASHION_MNIST, the package's path, or what dpkg -L lists.</summary>
    public static string Locate()
    {
        var candidates = new List<string?> { Environment.GetEnvironmentVariable("KV_FASHION_MNIST"), "/usr/share/datasets/fashion-mnist" };
        candidates.AddRange(FromDpkg());
        foreach (var c in candidates)
            if (c is not null && File.Exists(Path.Combine(c, "t10k-images-idx3-ubyte.gz")) && File.Exists(Path.Combine(c, "t10k-labels-idx1-ubyte.gz")))
                return c;
        throw new InvalidOperationException(
            "Fashion-MNIST test set not found (t10k-images-idx3-ubyte.gz). Install the Debian package: " +
            "apt-get install dataset-fashion-mnist (./test.sh does this), or set KV_FASHION_MNIST to the folder holding the idx .gz files.");
    }

    private static IEnumerable<string> FromDpkg()
    {
        string output;
        try
        {
            var psi = new ProcessStartInfo("dpkg", "-L dataset-fashion-mnist") { RedirectStandardOutput = true, RedirectStandardError = true };
            using var p = Process.Start(psi);
            if (p is null) return [];
            output = p.StandardOutput.ReadToEnd();
            p.WaitForExit();
        }
        catch (Exception e) when (e is System.ComponentModel.Win32Exception or InvalidOperationException) { return []; }
        return output.Split('\n').Where(l => l.EndsWith("t10k-images-idx3-ubyte.gz", StringComparison.Ordinal)).Select(l => Path.GetDirectoryName(l.Trim())!);
    }

    /// <summary>Reads an idx file of unsigned bytes: (dimensions, data).</summary>
    public static (int[] Dims, byte[] Data) ReadIdx(string path)
    {
        using var gz = new GZipStream(File.OpenRead(path), CompressionMode.Decompress);
        using var ms = new MemoryStream();
        gz.CopyTo(ms);
        var bytes = ms.ToArray();
        uint magic = BinaryPrimitives.ReadUInt32BigEndian(bytes);
        if (magic >> 8 != 0x08) throw new InvalidDataException($"{path}: not an unsigned-byte idx file (magic 0x{magic:X8})");
        int nd = (int)(magic & 0xFF);
        var dims = new int[nd];
        for (int i = 0; i < nd; i++) dims[i] = (int)BinaryPrimitives.ReadUInt32BigEndian(bytes.AsSpan(4 + 4 * i));
        int offset = 4 + 4 * nd;
        long count = dims.Aggregate(1L, (a, d) => a * d);
        if (bytes.Length - offset != count) throw new InvalidDataException($"{path}: {bytes.Length - offset} data bytes, dimensions say {count}");
        return (dims, bytes[offset..]);
    }

    /// <summary>The 10,000 test images (28×28 bytes each, row-major) and labels.</summary>
    public static (byte[][] Images, byte[] Labels) TestSet()
    {
        string dir = Locate();
        var (idims, pixels) = ReadIdx(Path.Combine(dir, "t10k-images-idx3-ubyte.gz"));
        var (ldims, labels) = ReadIdx(Path.Combine(dir, "t10k-labels-idx1-ubyte.gz"));
        if (idims.Length != 3 || idims[1] != 28 || idims[2] != 28 || ldims.Length != 1 || ldims[0] != idims[0])
            throw new InvalidDataException($"unexpected Fashion-MNIST dimensions {string.Join("x", idims)} / {string.Join("x", ldims)}");
        int n = idims[0];
        var images = new byte[n][];
        for (int i = 0; i < n; i++) images[i] = pixels[(i * 784)..((i + 1) * 784)];
        return (images, labels);
    }

    /// <summary>A 28×28 gray picture from idx bytes.</summary>
    public static RgbImage ToImage(byte[] pixels)
    {
        var img = new RgbImage(28, 28);
        for (int i = 0; i < 784; i++) img.Pixels[3 * i] = img.Pixels[3 * i + 1] = img.Pixels[3 * i + 2] = pixels[i];
        return img;
    }
}
