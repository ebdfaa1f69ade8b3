using System.Collections.Concurrent;
using System.Diagnostics;
using KernelVision.Cpu.Diagnostics;
using Xunit;
using Xunit.Abstractions;

namespace KernelVision.Vision.Tests.Fuzzing;

/// <summary>Memory is measured process-wide: no other test of this assembly may run beside these.</summary>
[CollectionDefinition(nameof(ImageFuzzCollection), DisableParallelization = true)]
public sealed class ImageFuzzCollection;

/// <summary>
/// Image inputs fuzzed through <see cref="ImageIO.Load(string, ImageLimits?)"/>, the loader behind every
/// vision verb (classify, detect, inpaint, visualize, demo): mutants of valid PNG, JPEG, GIF, BMP,
/// WebP, TIFF, TGA and PPM files (tests/data/image-seeds, made by tools/make_image_seeds.py) and
/// crafted hostile files (<see cref="CraftedImages"/>). Each must decode or end in an
/// <see cref="InputException"/> naming the file, within a time bound and without the process's peak
/// memory growing past a bound set by the limits. KV_IMAGE_FUZZ_MUTANTS and KV_IMAGE_FUZZ_SEED
/// override the size and seed; failures print the seed and index that replay them.
/// </summary>
[Collection(nameof(ImageFuzzCollection))]
public class ImageFuzzTests(ITestOutputHelper output) : IDisposable
{
    /// <summary>Mutants per run: at least 2,000 in CI.</summary>
    public static int Mutants => int.TryParse(Environment.GetEnvironmentVariable("KV_IMAGE_FUZZ_MUTANTS"), out var n) ? n : 3_000;

    /// <summary>Campaign seed.</summary>
    public static int Seed => int.TryParse(Environment.GetEnvironmentVariable("KV_IMAGE_FUZZ_SEED"), out var n) ? n : 20261207;

    /// <summary>Tight limits for mutants (seeds are 37x23): keeps every case to milliseconds and megabytes.</summary>
    private static readonly ImageLimits MutantLimits = new()
    {
        MaxPixels = 4_000_000,
        MaxFileBytes = 8 << 20,
        MaxAllocationMegabytes = 64,
        MaxDecodeTime = TimeSpan.FromSeconds(5),
    };

    private readonly string _dir = Directory.CreateTempSubdirectory("kv-image-fuzz").FullName;

    public void Dispose() => Directory.Delete(_dir, true);

    private static string SeedDir => Path.Combine(ShippedWeights.RepoRoot, "tests", "data", "image-seeds");

    /// <summary>The seed files by name, in name order.</summary>
    public static SortedDictionary<string, byte[]> Seeds() =>
        new(Directory.GetFiles(SeedDir).Where(f => ImageIO.Extensions.Contains(Path.GetExtension(f)))
            .ToDictionary(f => Path.GetFileName(f), File.ReadAllBytes), StringComparer.Ordinal);

    /// <summary>How one load ended.</summary>
    private enum Outcome { Decoded, Refused, Bug }

    private static (Outcome Outcome, string Detail) LoadOnce(string path, ImageLimits limits, TimeSpan bound)
    {
        var task = Task.Factory.StartNew(() => ImageIO.Load(path, limits), TaskCreationOptions.LongRunning);
        try
        {
            if (!task.Wait(bound)) return (Outcome.Bug, $"no result after {bound.TotalSeconds:0} s");
            var img = task.Result;
            return img.Width > 0 && img.Height > 0 && img.Pixels.Length == img.Width * img.Height * 3
                ? (Outcome.Decoded, $"{img.Width}x{img.Height}")
                : (Outcome.Bug, $"decoded an inconsistent image {img.Width}x{img.Height} with {img.Pixels.Length} bytes");
        }
        catch (AggregateException ae) when (ae.InnerException is InputException e)
        {
            // The error must say which file: a batch of hundreds is useless otherwise.
            return e.Message.Contains(path, StringComparison.Ordinal)
                ? (Outcome.Refused, e.Message)
                : (Outcome.Bug, $"error does not name the file: {e.Message}");
        }
        catch (AggregateException ae) { return (Outcome.Bug, $"{ae.InnerException!.GetType().FullName}: {ae.InnerException.Message}"); }
    }

    [Fact]
    public void MutantsDecodeOrEndInTypedErrorsNamingTheFile()
    {
        var seeds = Seeds().ToList();
        Assert.True(seeds.Count >= 20, $"only {seeds.Count} seed images in {SeedDir}");
        var counts = new ConcurrentDictionary<(string Format, Outcome Outcome), int>();
        var bugs = new ConcurrentQueue<string>();
        var sw = Stopwatch.StartNew();
        long peakBefore = ResetPeak();
        Parallel.For(0, Mutants, new ParallelOptions { MaxDegreeOfParallelism = 2 }, i =>
        {
            var (name, bytes) = seeds[i % seeds.Count];
            var mutator = new ImageMutator(new Random(unchecked(Seed * 1_000_003 + i)));
            var mutant = mutator.Mutate(bytes);
            // Half keep the seed's extension, half get another format's: the loader must sniff content.
            string ext = Path.GetExtension(i % 2 == 0 ? name : seeds[(i / 2) % seeds.Count].Key);
            string path = Path.Combine(_dir, $"mutant-{i}{ext}");
            File.WriteAllBytes(path, mutant);
            var (outcome, detail) = LoadOnce(path, MutantLimits, TimeSpan.FromSeconds(30));
            counts.AddOrUpdate((Path.GetExtension(name), outcome), 1, (_, c) => c + 1);
            if (outcome == Outcome.Bug)
            {
                bugs.Enqueue($"#{i} from {name} ({mutator.LastFamily}): {detail}");
                File.Copy(path, Path.Combine(FailureDir(), $"image-{Seed}-{i}{ext}"), true);
            }
            File.Delete(path);
        });
        long grown = ProcessMemory.Peak().Bytes - peakBefore;
        output.WriteLine($"{Mutants} mutants of {seeds.Count} seeds in {sw.Elapsed.TotalSeconds:0.0} s, seed {Seed}; peak RSS grew {grown >> 20} MiB");
        foreach (var g in counts.OrderBy(k => k.Key.Format).ThenBy(k => k.Key.Outcome))
            output.WriteLine($"  {g.Key.Format,-6} {g.Key.Outcome,-8} {g.Value,6}");
        Assert.True(bugs.IsEmpty, $"{bugs.Count} mutants crashed, hung or gave an error without the file name " +
            $"(replay: KV_IMAGE_FUZZ_SEED={Seed}, index as listed): " + string.Join(" | ", bugs.Take(5)));
        Assert.Equal(Mutants, counts.Values.Sum());
        // Every format must still decode in some mutants (mutation that always destroys tests only the error path).
        foreach (var ext in seeds.Select(s => Path.GetExtension(s.Key)).Distinct())
            Assert.True(counts.GetValueOrDefault((ext, Outcome.Decoded)) > 0, $"no {ext} mutant decoded");
        Assert.True(grown < 512L << 20, $"peak RSS grew by {grown >> 20} MiB decoding mutants limited to 4 MP");
    }

    [Fact]
    public void CraftedHostileFilesAreRefusedOrDecodedWithinBounds()
    {
        // The default limits, as every verb uses them (64 MP, 256 MiB files), but a 4 s decode bound
        // instead of 30 s to keep CI quick: the scan-repeating JPEG costs ~12 s here when let run.
        var limits = ImageLimits.Default with { MaxDecodeTime = TimeSpan.FromSeconds(4) };
        long peakBefore = ResetPeak();
        var bugs = new List<string>();
        foreach (var c in CraftedImages.All(Seeds()))
        {
            string path = Path.Combine(_dir, c.Name);
            File.WriteAllBytes(path, c.Bytes);
            var sw = Stopwatch.StartNew();
            var (outcome, detail) = LoadOnce(path, limits, TimeSpan.FromSeconds(60));
            output.WriteLine($"{c.Name,-36} {c.Bytes.Length,9:N0} B  {outcome,-8} {sw.Elapsed.TotalSeconds,5:0.00} s  {detail}");
            if (outcome == Outcome.Bug) bugs.Add($"{c.Name}: {detail}");
            File.Delete(path);
        }
        long grown = ProcessMemory.Peak().Bytes - peakBefore;
        output.WriteLine($"peak RSS grew {grown >> 20} MiB");
        Assert.True(bugs.Count == 0, string.Join(" | ", bugs));
        // 64 MP as RGB is 192 MB, plus the decoder's own frame: bounded by the limit, not by the file.
        Assert.True(grown < 1536L << 20, $"peak RSS grew by {grown >> 20} MiB on crafted files");
    }

    [Fact]
    public void HugeDeclaredSizesAreRefusedBeforeDecoding()
    {
        // The refusal must come from the header check, not from a decoder running out of memory.
        var seeds = Seeds();
        foreach (var c in CraftedImages.All(seeds).Where(c => c.Name.Contains("1000000") || c.Name.Contains("65500") || c.Name.Contains("16384")
                                                            || c.Name.Contains("bomb-10000")))
        {
            string path = Path.Combine(_dir, c.Name);
            File.WriteAllBytes(path, c.Bytes);
            var e = Assert.Throws<InputException>(() => ImageIO.Load(path));
            Assert.Contains(path, e.Message);
            Assert.True(e.Message.Contains("limit") || e.Message.Contains("cannot decode"), $"{c.Name}: {e.Message}");
        }
    }

    [Fact]
    public void ThousandsOfGifFramesCostOneFrame()
    {
        string path = Path.Combine(_dir, "frames.gif");
        File.WriteAllBytes(path, CraftedImages.ManyFrameGif(3000, 256));
        var sw = Stopwatch.StartNew();
        var img = ImageIO.Load(path);
        Assert.Equal((256, 256), (img.Width, img.Height));
        Assert.True(img.Pixels.All(p => p == 0), "the crafted frame is all colour 0 (black)");
        output.WriteLine($"3000-frame GIF: first frame in {sw.ElapsedMilliseconds} ms");
    }

    [Fact]
    public void SlowDecodesStopAtTheTimeLimit()
    {
        string path = Path.Combine(_dir, "scans.jpg");
        File.WriteAllBytes(path, CraftedImages.RepeatScans(CraftedImages.PatchJpegSize(Seeds()["progressive-444.jpg"], 3000, 3000), 500));
        var limits = new ImageLimits { MaxDecodeTime = TimeSpan.FromMilliseconds(300) };
        var sw = Stopwatch.StartNew();
        var (outcome, detail) = LoadOnce(path, limits, TimeSpan.FromSeconds(60));
        output.WriteLine($"{outcome} after {sw.Elapsed.TotalSeconds:0.00} s: {detail}");
        Assert.NotEqual(Outcome.Bug, outcome);
    }

    /// <summary>Resets the process's peak resident set and returns it (the baseline of a measurement).</summary>
    private static long ResetPeak()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        Assert.True(ProcessMemory.TryResetPeak() || !OperatingSystem.IsLinux(), "cannot reset VmHWM: the memory bound would be vacuous");
        return ProcessMemory.Peak().Bytes;
    }

    private static string FailureDir()
    {
        string d = Path.Combine(ShippedWeights.RepoRoot, "artifacts", "image-fuzz-failures");
        Directory.CreateDirectory(d);
        return d;
    }
}
