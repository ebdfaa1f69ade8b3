using KernelVision.Onnx.Proto;

namespace KernelVision.Onnx;

/// <summary>Reads tensor bytes stored beside the model (ONNX external data), confined to the model's folder.</summary>
internal static class ExternalData
{
    public static byte[] Read(TensorProto proto, string? baseDir, string what, LoadLimits limits)
    {
        if (baseDir is null) throw new ModelFormatException($"{what}: external data is only allowed in a model loaded from a file");
        string? location = null;
        long offset = 0, length = -1;
        foreach (var kv in proto.ExternalData)
        {
            switch (kv.Key)
            {
                case "location": location = kv.Value; break;
                case "offset":
                    if (!long.TryParse(kv.Value, out offset) || offset < 0) throw new ModelFormatException($"{what}: invalid external data offset '{kv.Value}'");
                    break;
                case "length":
                    if (!long.TryParse(kv.Value, out length) || length < 0) throw new ModelFormatException($"{what}: invalid external data length '{kv.Value}'");
                    break;
            }
        }
        if (string.IsNullOrEmpty(location)) throw new ModelFormatException($"{what}: external data has no location");
        if (Path.IsPathRooted(location) || location.Split('/', '\\').Contains(".."))
            throw new ModelFormatException($"{what}: external data location '{location}' must be a relative path inside the model's folder");

        string root = Path.GetFullPath(baseDir);
        string full = Path.GetFullPath(Path.Combine(root, location));
        if (!full.StartsWith(root.TrimEnd(Path.DirectorySeparatorChar) + Path.DirectorySeparatorChar, StringComparison.Ordinal))
            throw new ModelFormatException($"{what}: external data location '{location}' escapes the model's folder");
        var info = new FileInfo(full);
        if (!info.Exists) throw new ModelFormatException($"{what}: external data file '{location}' not found beside the model");
        // A symlink could point outside the folder: resolve it and check again.
        if (info.LinkTarget is not null)
        {
            var target = info.ResolveLinkTarget(true)?.FullName;
            if (target is null || !target.StartsWith(root + Path.DirectorySeparatorChar, StringComparison.Ordinal))
                throw new ModelFormatException($"{what}: external data file '{location}' is a link out of the model's folder");
        }
        long fileLen = info.Length;
        if (length < 0) length = fileLen - offset;
        if (offset > fileLen || length > fileLen - offset)
            throw new ModelFormatException($"{what}: external data range [{offset}, {offset}+{length}) lies outside '{location}' ({fileLen} bytes)");
        if (length > int.MaxValue) throw new ModelFormatException($"{what}: external tensor of {length} bytes is too large for one tensor");

        var buf = new byte[length];
        using var fs = File.OpenRead(full);
        fs.Seek(offset, SeekOrigin.Begin);
        fs.ReadExactly(buf);
        return buf;
    }
}
