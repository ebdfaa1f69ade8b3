using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using Google.Protobuf;
using KernelVision.Cli.Profiling;
using KernelVision.Onnx.Proto;
using KernelVision.Vision;
using Xunit;
using static KernelVision.Tests.Fuzzing.SeedModels;

namespace KernelVision.Cli.Tests.Commands;

/// <summary><c>kv bench</c>, <c>kv profile</c> and <c>kv tune</c> on tiny models built here.</summary>
public sealed class BenchProfileCliTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("kv-perf").FullName;

    public void Dispose() => Directory.Delete(_dir, true);

    private static (int Code, string Out, string Err) Kv(params string[] args) => KvRunner.Run(args);

    /// <summary>
    /// x[batch,c,s,s] → Conv(k filters 3×3, pad 1, bias) → Relu → GlobalAveragePool → Flatten → Gemm(10) → y.
    /// <paramref name="dims"/> overrides x's declared dims (a string is a symbolic dim).
    /// </summary>
    private string Cnn(string name, object[] dims, int k = 8, int classes = 10)
    {
        int c = Convert.ToInt32(dims[1], CultureInfo.InvariantCulture);
        var g = new GraphProto { Name = name };
        var shape = new TensorShapeProto();
        foreach (var d in dims)
            shape.Dim.Add(d is string p ? new TensorShapeProto.Types.Dimension { DimParam = p } : new TensorShapeProto.Types.Dimension { DimValue = Convert.ToInt64(d, CultureInfo.InvariantCulture) });
        g.Input.Add(new ValueInfoProto { Name = "x", Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = 1, Shape = shape } } });
        g.Initializer.Add(Floats("w", k, c, 3, 3));
        g.Initializer.Add(Floats("b", k));
        g.Initializer.Add(Floats("fc", classes, k));
        g.Initializer.Add(Floats("fcb", classes));
        g.Node.Add(new NodeProto { Name = "conv", OpType = "Conv", Input = { "x", "w", "b" }, Output = { "c" }, Attribute = { Ints("pads", 1, 1, 1, 1), Ints("kernel_shape", 3, 3) } });
        g.Node.Add(new NodeProto { Name = "relu", OpType = "Relu", Input = { "c" }, Output = { "r" } });
        g.Node.Add(new NodeProto { Name = "gap", OpType = "GlobalAveragePool", Input = { "r" }, Output = { "p" } });
        g.Node.Add(new NodeProto { Name = "flat", OpType = "Flatten", Input = { "p" }, Output = { "f" } });
        g.Node.Add(new NodeProto { Name = "fc", OpType = "Gemm", Input = { "f", "fc", "fcb" }, Output = { "y" }, Attribute = { Int("transB", 1) } });
        g.Output.Add(new ValueInfoProto { Name = "y", Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = 1 } } });
        string path = Path.Combine(_dir, name + ".onnx");
        File.WriteAllBytes(path, Model(g).ToByteArray());
        return path;
    }

    private static double Number(string text, string label)
    {
        var m = Regex.Match(text, Regex.Escape(label) + @"\s+([0-9.]+)");
        Assert.True(m.Success, $"'{label}' not found in:\n{text}");
        return double.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture);
    }

    private static void AssertUserError(string? contains, params string[] args)
    {
        var (code, _, err) = Kv(args);
        Assert.Equal(2, code);
        Assert.StartsWith("error: ", err);
        Assert.Single(err.Trim().Split('\n'));
        if (contains is not null) Assert.Contains(contains, err);
    }

    [Fact]
    public void TuneTimesEachConvCachesTheChoiceAndReadsItBack()
    {
        // The tuning cache is found once per process from KV_TUNING_CACHE; no other test in this
        // process tunes (the suite runs with KV_TUNING=off), so pointing it here keeps ~/.cache clean.
        string cacheDir = Path.Combine(Path.GetTempPath(), $"kv-tune-cli-{Environment.ProcessId}");
        Environment.SetEnvironmentVariable("KV_TUNING_CACHE", cacheDir);
        // 3×3 stride-1 conv, 32 → 32 channels: im2col both ways, in place and Winograd F(2×2) all apply.
        string model = Cnn("tune", [1, 32, 12, 12], k: 32);
        var (code, o, err) = Kv("tune", model, "--threads", "2", "--fresh", "--runs", "2");
        Assert.True(code == 0, err);
        var row = o.Split('\n').Single(l => l.Contains("│ Conv"));
        Assert.Matches(@"│ (Im2Col|Im2ColT|Im2ColInPlace|Im2ColInPlaceT|WinogradF2) +│ [0-9.]+ +│ .*[0-9.]+, .*[0-9.]+", row); // the winner's time, then the losers'
        Assert.Contains("1 nodes timed, 0 taken from the cache", o);
        Assert.Contains("median of 2 runs: tuned", o);
        string file = Directory.GetFiles(cacheDir, "*.json").Single();
        Assert.Contains("Conv x1,32,12,12 w32,32,3,3", File.ReadAllText(file));

        // A second tune of the same model measures nothing: the choice comes from the file.
        (code, o, err) = Kv("tune", model, "--threads", "2", "--runs", "0");
        Assert.True(code == 0, err);
        Assert.Contains("0 nodes timed, 1 taken from the cache", o);
        Assert.Contains("cached", o.Split('\n').Single(l => l.Contains("│ Conv")));

        AssertUserError("--threads", "tune", model, "--threads", "0");
        AssertUserError("nope.onnx", "tune", Path.Combine(_dir, "nope.onnx"));
        Directory.Delete(cacheDir, true);
    }

    [Fact]
    public void BenchPrintsLatencyStatisticsOverTheTimedRuns()
    {
        string model = Cnn("sym", ["N", 3, 16, 16]);
        var (code, o, err) = Kv("bench", model, "--runs", "4", "--warmup", "1", "--threads", "1");
        Assert.True(code == 0, err);
        Assert.Contains("timed runs:        4 after 1 warm-up", o);
        Assert.Contains("threads:           1", o);
        Assert.Contains("batch:             1", o);
        double median = Number(o, "latency median:"), min = Number(o, "latency min:"), max = Number(o, "latency max:"), mean = Number(o, "latency mean:");
        Assert.True(min > 0 && min <= median && median <= max, o);
        Assert.InRange(mean, min, max);
        Assert.True(Number(o, "throughput:") > 0);
        Assert.Contains("peak working set:", o);
        Assert.Contains("allocated per run:", o);
        Assert.True(Number(o, "activation arena:") > 0, o);
    }

    [Fact]
    public void BenchBatchReplacesTheSymbolicAndUnitBatchDimension()
    {
        foreach (var batchDim in new object[] { "N", 1 })
        {
            string model = Cnn($"b{batchDim}", [batchDim, 3, 16, 16]);
            var (code, o, err) = Kv("bench", model, "--runs", "2", "--warmup", "0", "--batch", "3");
            Assert.True(code == 0, err);
            Assert.Contains("batch:             3", o);
            Assert.Contains("x float32[3,3,16,16]", o);
        }
    }

    [Fact]
    public void BenchJsonHasEveryTimedRun()
    {
        string model = Cnn("json", ["N", 3, 8, 8]);
        var (code, o, err) = Kv("bench", model, "--runs", "3", "--warmup", "0", "--json", "--batch", "2");
        Assert.True(code == 0, err);
        using var doc = JsonDocument.Parse(o);
        var root = doc.RootElement;
        Assert.Equal(2, root.GetProperty("batch").GetInt32());
        var lat = root.GetProperty("latencyMs");
        Assert.Equal(3, lat.GetProperty("all").GetArrayLength());
        Assert.True(lat.GetProperty("min").GetDouble() <= lat.GetProperty("median").GetDouble());
        Assert.True(lat.GetProperty("median").GetDouble() <= lat.GetProperty("max").GetDouble());
        Assert.True(root.GetProperty("activationArenaBytes").GetInt64() > 0);
        Assert.True(root.GetProperty("poolJobsPerRun").ValueKind == JsonValueKind.Null || root.GetProperty("poolJobsPerRun").GetDouble() >= 0);
        var (code2, o2, err2) = Kv("bench", model, "--runs", "2", "--warmup", "0", "--json", "--backend", "reference");
        Assert.True(code2 == 0, err2);
        using var doc2 = JsonDocument.Parse(o2);
        Assert.Equal(JsonValueKind.Null, doc2.RootElement.GetProperty("poolJobsPerRun").ValueKind);
    }

    [Fact]
    public void IdleMsSleepsBeforeEveryTimedRun()
    {
        string model = Cnn("idle", [1, 3, 8, 8]);
        var sw = System.Diagnostics.Stopwatch.StartNew();
        var (code, o, err) = Kv("bench", model, "--runs", "3", "--warmup", "0", "--idle-ms", "150", "--json");
        Assert.True(code == 0, err);
        Assert.True(sw.ElapsedMilliseconds >= 450, $"3 runs with 150 ms idle each took {sw.ElapsedMilliseconds} ms");
        using var doc = JsonDocument.Parse(o);
        Assert.Equal(150, doc.RootElement.GetProperty("idleMs").GetInt32());
        var (pcode, po, perr) = Kv("profile", model, "--runs", "2", "--idle-ms", "5", "--threads", "1");
        Assert.True(pcode == 0, perr);
        Assert.Contains("5 ms idle before each run", po);
    }

    [Fact]
    public void BatchFixedAtAnotherValueAndOtherSymbolicDimsAreUserErrors()
    {
        AssertUserError("input 'x'", "bench", Cnn("fixed2", [2, 3, 8, 8]), "--batch", "3", "--runs", "1");
        AssertUserError("symbolic dimension 2", "bench", Cnn("symh", [1, 3, "H", 8]), "--runs", "1");
        AssertUserError("symbolic dimension 2", "profile", Cnn("symh2", [1, 3, "H", 8]), "--runs", "1");
    }

    [Fact]
    public void ShapeSetsSymbolicDimensionsAndIsChecked()
    {
        string model = Cnn("symhw", ["N", 3, "H", "W"]);
        var (code, o, err) = Kv("bench", model, "--runs", "1", "--warmup", "0", "--shape", "x=2,3,12,10");
        Assert.True(code == 0, err);
        Assert.Contains("x float32[2,3,12,10]", o.Replace("  ", " "));
        (code, o, err) = Kv("profile", model, "--runs", "1", "--warmup", "1", "--shape", "x=1,3,6,6");
        Assert.True(code == 0, err);
        AssertUserError("dimension 1 is fixed at 3", "bench", model, "--shape", "x=1,4,6,6");
        AssertUserError("rank 4", "bench", model, "--shape", "x=1,3,6");
        AssertUserError("'y' is not an input", "bench", model, "--shape", "y=1,3,6,6");
        AssertUserError("expected NAME=D0,D1", "bench", model, "--shape", "1,3,6,6");
        AssertUserError("'0' is not an integer", "bench", model, "--shape", "x=1,3,0,6");
    }

    [Fact]
    public void ModelFolderAndNamedInputsWorkForEveryModelVerb()
    {
        string folder = Path.Combine(_dir, "folder-model");
        Directory.CreateDirectory(folder);
        File.Move(Cnn("folder", [1, 3, 8, 8]), Path.Combine(folder, "model.onnx"));
        string input = Path.Combine(_dir, "x.pb");
        KernelVision.Onnx.TensorProtoConverter.WriteFile(input, KernelVision.Tensors.Tensor.FromFloats([1, 3, 8, 8], new float[192]), "unnamed");
        foreach (var args in new[]
        {
            new[] { "info", folder },
            ["run", folder, "--input", $"x={input}"],
            ["verify", folder, "--input", $"x={input}", "--backends", "cpu"],
            ["bench", folder, "--input", $"x={input}", "--runs", "1", "--warmup", "0"],
            ["profile", folder, "--input", $"x={input}", "--runs", "1", "--warmup", "1"],
        })
        {
            var (code, _, err) = Kv(args);
            Assert.True(code == 0, $"kv {string.Join(' ', args)}: {err}");
        }
        AssertUserError("'nosuch' is not an input", "verify", folder, "--input", $"nosuch={input}", "--backends", "cpu");
    }

    [Fact]
    public void ProfileFlopsAreTwoMacsPerNodeAndScaleWithBatch()
    {
        string model = Cnn("flops", ["N", 3, 16, 16]);
        foreach (int batch in new[] { 1, 3 })
        {
            string csv = Path.Combine(_dir, $"p{batch}.csv");
            var (code, o, err) = Kv("profile", model, "--runs", "2", "--warmup", "1", "--threads", "1", "--batch", $"{batch}", "--csv", csv);
            Assert.True(code == 0, err);
            var rows = File.ReadAllLines(csv).Skip(1).Select(SplitCsv).ToList();
            var conv = Assert.Single(rows, r => r[2].StartsWith("Conv", StringComparison.Ordinal));
            var gemm = Assert.Single(rows, r => r[2] == "Gemm");
            // Conv: 2 · N·8·16·16 outputs · 3·3·3 taps; Gemm: 2 · N·10 outputs · 8 inputs.
            Assert.Equal(2L * batch * 8 * 16 * 16 * 27, long.Parse(conv[8], CultureInfo.InvariantCulture));
            Assert.Equal(2L * batch * 10 * 8, long.Parse(gemm[8], CultureInfo.InvariantCulture));
            Assert.Equal($"float32[{batch},8,16,16]", conv[4]);
            // Bytes: x, w, b, y read/written once.
            Assert.Equal(4L * (batch * 3 * 256 + 8 * 27 + 8 + batch * 8 * 256), long.Parse(conv[9], CultureInfo.InvariantCulture));
            long total = rows.Sum(r => long.Parse(r[8], CultureInfo.InvariantCulture));
            Assert.Contains($"total flops: {total} ", o);
        }
    }

    [Fact]
    public void ProfileTotalTimeIsTheSumOfTheLayers()
    {
        string model = Cnn("time", [1, 16, 48, 48], k: 32);
        var (code, o, err) = Kv("profile", model, "--runs", "5", "--threads", "1");
        Assert.True(code == 0, err);
        Assert.Contains("machine:  peak", o);
        Assert.Contains("top ", o);
        Assert.Contains("by op type:", o);
        Assert.Contains("│ nodes │", o); // Spectre.Console tables, not hand padding
        Assert.DoesNotContain(" \n", o.Replace("\r", "")); // no padding left at line ends
        double total = Number(o, "total time:");
        double layers = Number(o, "layers sum:");
        double runSum = Number(o, "median per-run sum");
        Assert.True(total > 0, o);
        // Per run, the nodes' intervals partition the run up to the last node, so their sum never exceeds it.
        Assert.True(runSum <= total, o);
        Assert.True(runSum >= 0.8 * total, o);
        Assert.InRange(layers, 0.5 * total, 1.5 * total); // medians of parts vs median of the whole: loose on a busy machine
    }

    [Fact]
    public void ProfilePngIsARooflineOfTheRequestedSize()
    {
        string model = Cnn("png", [1, 8, 24, 24], k: 16);
        string png = Path.Combine(_dir, "out", "roof.png");
        var (code, o, err) = Kv("profile", model, "--runs", "2", "--png", png, "--png-size", "640x400");
        Assert.True(code == 0, err);
        Assert.Contains("roofline chart:", o);
        var img = ImageIO.Load(png);
        Assert.Equal(640, img.Width);
        Assert.Equal(400, img.Height);
        int roof = 0, background = 0;
        for (int y = 0; y < img.Height; y++)
            for (int x = 0; x < img.Width; x++)
            {
                var c = img[x, y];
                if (c == RooflineChart.RoofColor) roof++;
                else if (c == RooflineChart.Background) background++;
            }
        Assert.True(roof > 200, $"{roof} roof pixels");
        Assert.True(background < img.Width * img.Height, "nothing drawn");
        // At least one dot in the colour of the op type with the most time.
        Assert.Contains(Enumerable.Range(0, img.Width * img.Height), i => img[i % img.Width, i / img.Width] == Rgb.ForClass(0));
    }

    [Fact]
    public void ProfileReadsInputFilesLikeRun()
    {
        string model = Cnn("files", ["N", 3, 8, 8]);
        var x = KernelVision.Tensors.Tensor.Zeros(KernelVision.Tensors.DataType.Float32, [2, 3, 8, 8]);
        string input = Path.Combine(_dir, "x.pb");
        KernelVision.Onnx.TensorProtoConverter.WriteFile(input, x, "x");
        var (code, o, err) = Kv("profile", model, "--input", input, "--runs", "1");
        Assert.True(code == 0, err);
        Assert.Contains("x float32[2,3,8,8], batch 2", o);
        AssertUserError("not found", "profile", model, "--input", Path.Combine(_dir, "missing.pb"), "--runs", "1");
    }

    [Fact]
    public void BadArgumentsAreOneErrorLineAndExit2()
    {
        string model = Cnn("errors", [1, 3, 8, 8]);
        AssertUserError("not found", "bench", Path.Combine(_dir, "nope.onnx"));
        AssertUserError("not found", "profile", Path.Combine(_dir, "nope.onnx"));
        AssertUserError("--runs", "bench", model, "--runs", "0");
        AssertUserError("--runs", "profile", model, "--runs", "-3");
        AssertUserError("--warmup", "bench", model, "--warmup", "-1");
        AssertUserError("--threads", "bench", model, "--threads", "0");
        AssertUserError("--threads", "profile", model, "--threads", "-2");
        AssertUserError("--threads", "bench", model, "--backend", "reference", "--threads", "2");
        AssertUserError("--batch", "bench", model, "--batch", "0");
        AssertUserError("--idle-ms", "bench", model, "--idle-ms", "-1");
        AssertUserError("--idle-ms", "profile", model, "--idle-ms", "-5");
        AssertUserError("unknown backend", "bench", model, "--backend", "nosuch");
        AssertUserError("unknown backend", "profile", model, "--backend", "nosuch");
        string file = Path.Combine(_dir, "plain-file");
        File.WriteAllText(file, "");
        AssertUserError("--png", "profile", model, "--png", Path.Combine(file, "roof.png"));
        AssertUserError("--png-size", "profile", model, "--png", Path.Combine(_dir, "r.png"), "--png-size", "10x10");
        AssertUserError("--csv", "profile", model, "--csv", _dir);
    }

    private static string[] SplitCsv(string line)
    {
        var fields = new List<string>();
        var cur = new System.Text.StringBuilder();
        bool quoted = false;
        for (int i = 0; i < line.Length; i++)
        {
            char ch = line[i];
            if (quoted)
            {
                if (ch == '"' && i + 1 < line.Length && line[i + 1] == '"') { cur.Append('"'); i++; }
                else if (ch == '"') quoted = false;
                else cur.Append(ch);
            }
            else if (ch == '"') quoted = true;
            else if (ch == ',') { fields.Add(cur.ToString()); cur.Clear(); }
            else cur.Append(ch);
        }
        fields.Add(cur.ToString());
        return [.. fields];
    }
}
