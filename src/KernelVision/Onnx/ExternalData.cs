using System.Globalization;
using KernelVision.Onnx.Proto;

namespace KernelVision.Onnx;

/// <summary>
/// Reads tensor bytes stored beside the model (ONNX external data), confined to the model's folder:
/// the location must be a plain relative path, every symlink on the way is resolved and the real
/// file must still lie inside the (equally resolved) folder, and offset/length must fit the file
/// and match the tensor's size — all checked before a byte is allocated or read.
/// </summary>
internal static class ExternalData
{
    private const int MaxLinkHops = 40;

    /// <summary>The <paramref name="expectedBytes"/> bytes of <paramref name="proto"/>'s external data.</summary>
    public static byte[] Read(TensorProto proto, string? baseDir, string what, long expectedBytes)
    {
        if (baseDir is null) throw new ModelFormatException($"{what}: external data is only allowed in a model loaded from a file");
        string? location = null;
        long offset = 0, length = -1;
        var keys = new HashSet<string>(StringComparer.Ordinal);
        foreach (var kv in proto.ExternalData)
        {
            if (!keys.Add(kv.Key)) throw new ModelFormatException($"{what}: external data key '{kv.Key}' is given twice");
            switch (kv.Key)
            {
                case "location": location = kv.Value; break;
                case "offset":
                    if (!long.TryParse(kv.Value, NumberStyles.None, CultureInfo.InvariantCulture, out offset))
                        throw new ModelFormatException($"{what}: invalid external data offset '{kv.Value}'");
                    break;
                case "length":
                    if (!long.TryParse(kv.Value, NumberStyles.None, CultureInfo.InvariantCulture, out length))
                        throw new ModelFormatException($"{what}: invalid external data length '{kv.Value}'");
                    break;
            }
        }
        if (string.IsNullOrEmpty(location)) throw new ModelFormatException($"{what}: external data has no location");
        if (length >= 0 && length != expectedBytes)
            throw new ModelFormatException($"{what}: external data length {length} does not match the tensor's {expectedBytes} bytes");
        if (Path.IsPathRooted(location) || location.Contains('\0') || location.Contains(':')
            || location.Split('/', '\\').Any(p => p is ".." or ""))
            throw new ModelFormatException($"{what}: external data location '{location}' must be a relative path inside the model's folder");
        if (expectedBytes == 0) return []; // nothing to read: never open the file (it could be a FIFO or device)

        string root, real;
        try
        {
            root = RealPath(Path.GetFullPath(baseDir));
            real = RealPath(Path.Combine(root, location));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            throw new ModelFormatException($"{what}: external data location '{location}' cannot be resolved: {e.Message}", e);
        }
        if (!real.StartsWith(root.TrimEnd(Path.DirectorySeparatorChar) + Path.DirectorySeparatorChar, StringComparison.Ordinal))
            throw new ModelFormatException($"{what}: external data location '{location}' leads out of the model's folder");

        var info = new FileInfo(real);
        if (!info.Exists) throw new ModelFormatException($"{what}: external data file '{location}' not found beside the model");
        long fileLen = info.Length;
        long available = offset <= fileLen ? fileLen - offset : -1;
        if (length < 0 && available != expectedBytes || available < expectedBytes)
            throw new ModelFormatException($"{what}: external data range [{offset}, +{(length < 0 ? "rest" : length)}) of '{location}' ({fileLen} bytes) does not hold the tensor's {expectedBytes} bytes");
        if (expectedBytes > Array.MaxLength) throw new ModelFormatException($"{what}: external tensor of {expectedBytes} bytes is too large for one tensor");

        var buf = new byte[expectedBytes];
        try
        {
            using var fs = new FileStream(real, FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.None);
            if (!fs.CanSeek) throw new ModelFormatException($"{what}: external data file '{location}' is not a regular file");
            fs.Seek(offset, SeekOrigin.Begin);
            fs.ReadExactly(buf);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ModelFormatException($"{what}: cannot read external data '{location}': {e.Message}", e);
        }
        return buf;
    }

    /// <summary>
    /// <paramref name="path"/> (absolute) with every symbolic link resolved, component by component,
    /// so that a link anywhere on the way — a linked folder as much as a linked file — is followed
    /// to where it really points.
    /// </summary>
    internal static string RealPath(string path)
    {
        int hops = 0;
        return Resolve(Path.GetPathRoot(path)!, path[Path.GetPathRoot(path)!.Length..], ref hops);
    }

    private static string Resolve(string current, string rest, ref int hops)
    {
        foreach (var part in rest.Split(Path.DirectorySeparatorChar, Path.AltDirectorySeparatorChar))
        {
            if (part.Length == 0 || part == ".") continue;
            if (part == "..") { current = Path.GetDirectoryName(current) ?? current; continue; }
            string next = Path.Combine(current, part);
            string? target = new FileInfo(next).LinkTarget;
            if (target is null) { current = next; continue; }
            if (++hops > MaxLinkHops) throw new IOException($"too many levels of symbolic links at '{next}'");
            current = Path.IsPathRooted(target)
                ? Resolve(Path.GetPathRoot(target)!, target[Path.GetPathRoot(target)!.Length..], ref hops)
                : Resolve(current, target, ref hops);
        }
        return current;
    }
}
