using Google.Protobuf;
using KernelVision.Onnx;
using KernelVision.Onnx.Proto;
using Xunit;
using static KernelVision.Tests.Fuzzing.SeedModels;

namespace KernelVision.Tests.Hardening;

/// <summary>external_data stays inside the model's folder, whatever the location, links or offsets say.</summary>
public sealed class ExternalDataTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("kv-ext").FullName;
    private readonly string _dir;
    private readonly string _outside;

    public ExternalDataTests()
    {
        // _root/model/  holds the model and w.bin; _root/secret.bin lies outside it.
        _dir = Directory.CreateDirectory(Path.Combine(_root, "model")).FullName;
        var bytes = new byte[32];
        for (int i = 0; i < 8; i++) BitConverter.TryWriteBytes(bytes.AsSpan(i * 4), i + 1f);
        File.WriteAllBytes(Path.Combine(_dir, "w.bin"), bytes);
        _outside = Path.Combine(_root, "secret.bin");
        File.WriteAllBytes(_outside, bytes);
    }

    public void Dispose() => Directory.Delete(_root, true);

    private string Write(string location, string? offset = null, string? length = null, long elements = 3)
    {
        var m = ExternalModel();
        var w = m.Graph.Initializer[0];
        w.Dims.Clear();
        w.Dims.Add(elements);
        w.ExternalData.Clear();
        w.ExternalData.Add(new StringStringEntryProto { Key = "location", Value = location });
        if (offset is not null) w.ExternalData.Add(new StringStringEntryProto { Key = "offset", Value = offset });
        if (length is not null) w.ExternalData.Add(new StringStringEntryProto { Key = "length", Value = length });
        string path = Path.Combine(_dir, "m.onnx");
        File.WriteAllBytes(path, m.ToByteArray());
        return path;
    }

    private static float[] Weights(string path) => OnnxLoader.Load(path).Graph.Initializers["w"].Floats.ToArray();

    [Fact]
    public void InsideTheFolderLoads()
    {
        Assert.Equal([2f, 3f, 4f], Weights(Write("w.bin", "4", "12")));
        Assert.Equal([6f, 7f, 8f], Weights(Write("w.bin", "20"))); // no length: the rest of the file
        Directory.CreateDirectory(Path.Combine(_dir, "sub"));
        File.Copy(Path.Combine(_dir, "w.bin"), Path.Combine(_dir, "sub", "v.bin"));
        Assert.Equal([1f, 2f, 3f], Weights(Write("sub/v.bin", "0", "12")));
    }

    [Theory]
    [InlineData("../secret.bin")]
    [InlineData("sub/../../secret.bin")]
    [InlineData("/etc/passwd")]
    [InlineData("")]
    [InlineData("a//w.bin")]
    [InlineData("w.bin\0.txt")]
    public void PathsLeavingTheFolderAreRefused(string location)
    {
        Assert.Throws<ModelFormatException>(() => OnnxLoader.Load(Write(location, "0", "12")));
    }

    [Fact]
    public void AbsolutePathToTheModelsOwnFolderIsStillRefused()
    {
        Assert.Throws<ModelFormatException>(() => OnnxLoader.Load(Write(Path.Combine(_dir, "w.bin"), "0", "12")));
    }

    [Fact]
    public void SymlinksOutOfTheFolderAreRefused()
    {
        if (OperatingSystem.IsWindows()) return; // creating links needs privileges there
        File.CreateSymbolicLink(Path.Combine(_dir, "file-link.bin"), _outside);
        Directory.CreateSymbolicLink(Path.Combine(_dir, "dir-link"), _root);
        Directory.CreateSymbolicLink(Path.Combine(_dir, "etc"), "/etc");
        File.CreateSymbolicLink(Path.Combine(_dir, "relative-link.bin"), "../secret.bin");
        foreach (var location in new[] { "file-link.bin", "dir-link/secret.bin", "etc/hostname", "relative-link.bin", "dir-link/model/file-link.bin" })
        {
            var e = Assert.Throws<ModelFormatException>(() => OnnxLoader.Load(Write(location, "0", "12")));
            Assert.Contains(location, e.Message);
        }
        // A link that stays inside is followed.
        File.CreateSymbolicLink(Path.Combine(_dir, "inner-link.bin"), Path.Combine(_dir, "w.bin"));
        Assert.Equal([1f, 2f, 3f], Weights(Write("inner-link.bin", "0", "12")));
        // And a model folder that is itself reached through a link still works.
        string linkedDir = Path.Combine(_root, "linked-model");
        Directory.CreateSymbolicLink(linkedDir, _dir);
        Write("w.bin", "0", "12");
        Assert.Equal([1f, 2f, 3f], OnnxLoader.Load(Path.Combine(linkedDir, "m.onnx")).Graph.Initializers["w"].Floats.ToArray());
    }

    [Fact]
    public void LinkLoopsAreRefused()
    {
        if (OperatingSystem.IsWindows()) return;
        File.CreateSymbolicLink(Path.Combine(_dir, "a"), Path.Combine(_dir, "b"));
        File.CreateSymbolicLink(Path.Combine(_dir, "b"), Path.Combine(_dir, "a"));
        Assert.Throws<ModelFormatException>(() => OnnxLoader.Load(Write("a", "0", "12")));
    }

    [Theory]
    [InlineData("0", "8")]          // length disagrees with the tensor (12 bytes)
    [InlineData("24", "12")]        // runs past the end of the 32-byte file
    [InlineData("33", null)]        // offset past the end
    [InlineData("0", null)]         // the rest of the file is 32 bytes, not 12
    [InlineData("-4", "12")]
    [InlineData("4", "-12")]
    [InlineData("9223372036854775807", "12")]
    [InlineData("4", "9223372036854775807")]
    [InlineData("0x10", "12")]
    public void OffsetAndLengthMustFitTheFileAndTheTensor(string offset, string? length)
    {
        Assert.Throws<ModelFormatException>(() => OnnxLoader.Load(Write("w.bin", offset, length)));
    }

    [Fact]
    public void HugeExternalTensorIsRefusedBeforeReading()
    {
        long before = GC.GetAllocatedBytesForCurrentThread();
        Assert.Throws<ModelFormatException>(() => OnnxLoader.Load(Write("w.bin", "0", null, elements: 1L << 28)));
        Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < 1 << 20);
    }

    [Fact]
    public void DuplicateKeysAndMissingFolderAreRefused()
    {
        var m = ExternalModel();
        m.Graph.Initializer[0].ExternalData.Add(new StringStringEntryProto { Key = "location", Value = "../secret.bin" });
        string path = Path.Combine(_dir, "m.onnx");
        File.WriteAllBytes(path, m.ToByteArray());
        Assert.Contains("twice", Assert.Throws<ModelFormatException>(() => OnnxLoader.Load(path)).Message);
        // From bytes there is no folder: external data is refused outright.
        Assert.Throws<ModelFormatException>(() => OnnxLoader.Load(ExternalModel().ToByteArray()));
    }
}
