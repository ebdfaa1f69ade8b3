using Xunit;

namespace KernelVision.Vision.Tests.Fuzzing;

/// <summary>
/// Hostile image files through every vision verb of the CLI on the shipped models: each verb ends with
/// an `error:` line naming the file and a non-zero exit, never a stack trace.
/// </summary>
[Collection(nameof(ImageFuzzCollection))]
public class ImageVerbTests : IDisposable
{
    private readonly TinyModels _tmp = new();

    public void Dispose() => _tmp.Dispose();

    public static TheoryData<string> Files => new()
    {
        "png-100000x100000.png", "png-bomb-10000x10000.png", "jpeg-sof-65500x65500.jpg", "bmp-height-int-min.bmp",
        "tiff-strip-bytes-4g.tif", "webp-vp8x-canvas-16m.webp", "text.png", "one-byte.gif", "png-signature-only.png",
    };

    [Theory]
    [MemberData(nameof(Files))]
    public void EveryVisionVerbNamesTheBadFile(string name)
    {
        var crafted = CraftedImages.All(ImageFuzzTests.Seeds()).Single(c => c.Name == name);
        string path = _tmp.Path(name);
        File.WriteAllBytes(path, crafted.Bytes);
        string backend = ShippedWeights.Backend;
        string[][] runs =
        [
            ["classify", ShippedWeights.Model("fashion-classifier"), path, "--backend", backend],
            ["detect", ShippedWeights.Model("fashion-detector"), path, "--out", _tmp.Path("det"), "--backend", backend],
            ["inpaint", ShippedWeights.Model("fashion-inpaint"), path, "--rect", "8,8,12,12", "--out", _tmp.Path("inp.png"), "--backend", backend],
            ["visualize", ShippedWeights.Model("fashion-classifier"), path, "--layer", "0", "--out", _tmp.Path("fm.png"), "--backend", backend],
        ];
        foreach (var args in runs)
        {
            var (code, _, err) = TinyModelTests.Kv(args);
            Assert.True(code != 0, $"kv {args[0]} accepted {name}");
            Assert.True(err.Contains("error:") || err.Contains("warning:"), $"kv {args[0]} {name}: {err}");
            Assert.Contains(path, err);
            Assert.DoesNotContain("   at ", err); // no stack trace
        }
    }
}
