using System.Diagnostics;
using System.Reflection;
using System.Text.Json;
using KernelVision.Execution;
using KernelVision.Onnx;
using KernelVision.Tensors;

namespace KernelVision.Conformance;

/// <summary>Outcome of one conformance case.</summary>
public enum CaseStatus { Passed, Failed, Skipped }

/// <summary>One case's result; <see cref="Detail"/> says why it failed or was skipped.</summary>
public sealed record CaseResult(string Name, CaseStatus Status, string Detail, TimeSpan Elapsed);

/// <summary>A conformance case: a model plus reference input/output sets, in ONNX's backend-test layout.</summary>
public sealed record ConformanceCase(string Name, string Directory, string ModelPath)
{
    /// <summary>Path relative to the suite root, e.g. "onnx-node/test_conv_with_strides_padding".</summary>
    public string RelativePath { get; init; } = Name;
}

/// <summary>
/// Runs ONNX backend-test cases: each folder holding <c>model.onnx</c> and <c>test_data_set_*/input_N.pb</c>,
/// <c>output_N.pb</c>, or a "light" zoo model (<c>light_X.onnx</c> + <c>light_X_output_0.pb</c>, input built as
/// <c>arange(n)/n</c>). Outputs are compared like numpy's assert_allclose with rtol 1e-3, atol 1e-7
/// (the ONNX runner's defaults) unless the case sets its own.
/// </summary>
public static class ConformanceSuite
{
    /// <summary>Default relative tolerance (ONNX backend runner).</summary>
    public const double DefaultRtol = 1e-3;
    /// <summary>Default absolute tolerance (ONNX backend runner).</summary>
    public const double DefaultAtol = 1e-7;

    /// <summary>Cases deliberately not run, with their reasons (embedded skips.tsv).</summary>
    public static IReadOnlyDictionary<string, string> Skips { get; } = ReadTable("skips.tsv").ToDictionary(r => r[0], r => r[1]);

    private static readonly Dictionary<string, (double Rtol, double Atol)> Tolerances =
        ReadTable("tolerances.tsv").ToDictionary(r => r[0], r => (double.Parse(r[1], System.Globalization.CultureInfo.InvariantCulture), double.Parse(r[2], System.Globalization.CultureInfo.InvariantCulture)));

    private static IEnumerable<string[]> ReadTable(string file)
    {
        using var s = Assembly.GetExecutingAssembly().GetManifestResourceStream("KernelVision.Conformance." + file)
            ?? throw new InvalidOperationException($"embedded {file} missing");
        using var r = new StreamReader(s);
        while (r.ReadLine() is { } line)
        {
            if (line.Length == 0 || line.StartsWith('#')) continue;
            yield return line.Split('\t');
        }
    }

    /// <summary>Every case under <paramref name="root"/>, sorted by path.</summary>
    public static List<ConformanceCase> Discover(string root)
    {
        if (!System.IO.Directory.Exists(root)) throw new InputException($"{root}: conformance directory not found");
        var cases = new List<ConformanceCase>();
        foreach (var dir in System.IO.Directory.EnumerateDirectories(root, "*", SearchOption.AllDirectories).Prepend(root))
        {
            string name = Path.GetFileName(dir.TrimEnd('/'));
            string model = Path.Combine(dir, "model.onnx");
            string light = Path.Combine(dir, name + ".onnx");
            string? path = File.Exists(model) ? model : File.Exists(light) ? light : null;
            if (path is null) continue;
            cases.Add(new ConformanceCase(name, dir, path) { RelativePath = Path.GetRelativePath(root, dir) });
        }
        return cases.OrderBy(c => c.RelativePath, StringComparer.Ordinal).ToList();
    }

    /// <summary>
    /// Runs one case on <paramref name="options"/>'s backend. With <paramref name="alsoInto"/>, each
    /// data set runs a second time through <see cref="InferenceSession.RunInto"/> into output tensors
    /// filled with garbage first, which must give the same results (no kernel may count on a zeroed output).
    /// </summary>
    public static CaseResult Run(ConformanceCase c, SessionOptions options, bool alsoInto = false)
    {
        var sw = Stopwatch.StartNew();
        if (Skips.TryGetValue(c.Name, out var why)) return new CaseResult(c.Name, CaseStatus.Skipped, why, TimeSpan.Zero);
        try
        {
            var session = InferenceSession.Load(c.ModelPath, options);
            var (rtol, atol) = ToleranceFor(c);
            var sets = DataSets(c, session);
            if (sets.Count == 0) return new CaseResult(c.Name, CaseStatus.Failed, "no test data found", sw.Elapsed);
            foreach (var (setName, inputs, expected) in sets)
            {
                var actual = session.Run(inputs);
                for (int i = 0; i < expected.Count; i++)
                {
                    string outName = session.Outputs[i].Name;
                    string? diff = Compare(expected[i], actual[outName], rtol, atol);
                    if (diff is not null)
                        return new CaseResult(c.Name, CaseStatus.Failed, $"{setName} output {i} '{outName}': {diff}", sw.Elapsed);
                }
                if (!alsoInto) continue;
                var given = new Dictionary<string, Tensor>(StringComparer.Ordinal);
                for (int i = 0; i < expected.Count; i++) given[session.Outputs[i].Name] = Garbage(actual[session.Outputs[i].Name]);
                session.RunInto(inputs, given);
                for (int i = 0; i < expected.Count; i++)
                {
                    string outName = session.Outputs[i].Name;
                    string? diff = Compare(expected[i], given[outName], rtol, atol);
                    if (diff is not null)
                        return new CaseResult(c.Name, CaseStatus.Failed, $"{setName} output {i} '{outName}' written into a given tensor: {diff}", sw.Elapsed);
                }
            }
            return new CaseResult(c.Name, CaseStatus.Passed, "", sw.Elapsed);
        }
        catch (KernelVisionException e)
        {
            return new CaseResult(c.Name, CaseStatus.Failed, $"{e.GetType().Name}: {e.Message}", sw.Elapsed);
        }
    }

    // A tensor of like's type and shape full of values no correct kernel leaves in place.
    private static Tensor Garbage(Tensor like)
    {
        var t = Tensor.Zeros(like.Type, like.Shape);
        switch (t.Raw.Storage)
        {
            case float[] f: f.AsSpan().Fill(float.NaN); break;
            case double[] d: d.AsSpan().Fill(double.NaN); break;
            case long[] l: l.AsSpan().Fill(-123456789); break;
            case bool[] b: b.AsSpan().Fill(true); break;
        }
        return t;
    }

    private static (double, double) ToleranceFor(ConformanceCase c)
    {
        if (Tolerances.TryGetValue(c.Name, out var t)) return t;
        string json = Path.Combine(c.Directory, "data.json");
        if (File.Exists(json))
        {
            using var doc = JsonDocument.Parse(File.ReadAllText(json));
            double rtol = doc.RootElement.TryGetProperty("rtol", out var r) ? r.GetDouble() : DefaultRtol;
            double atol = doc.RootElement.TryGetProperty("atol", out var a) ? a.GetDouble() : DefaultAtol;
            return (rtol, atol);
        }
        return (DefaultRtol, DefaultAtol);
    }

    private static List<(string, Dictionary<string, Tensor>, List<Tensor>)> DataSets(ConformanceCase c, InferenceSession session)
    {
        var result = new List<(string, Dictionary<string, Tensor>, List<Tensor>)>();
        var setDirs = System.IO.Directory.GetDirectories(c.Directory, "test_data_set_*").Order(StringComparer.Ordinal).ToList();
        if (setDirs.Count == 0)
        {
            // "light" zoo model: ONNX's runner feeds arange(n)/n in each input's shape.
            var outFiles = System.IO.Directory.GetFiles(c.Directory, c.Name + "_output_*.pb");
            if (outFiles.Length == 0) return result;
            var inputs = new Dictionary<string, Tensor>();
            foreach (var decl in session.Inputs)
            {
                var shape = decl.StaticShape ?? throw new InputException($"{c.Name}: input '{decl.Name}' has no static shape to build arange input");
                var t = Tensor.Zeros(DataType.Float32, shape);
                var f = t.Floats;
                for (int i = 0; i < f.Length; i++) f[i] = (float)((double)i / f.Length);
                inputs[decl.Name] = t;
            }
            var outs = outFiles.Order(StringComparer.Ordinal).Select(p => TensorProtoConverter.ReadFile(p).Tensor).ToList();
            result.Add(("light", inputs, outs));
            return result;
        }
        foreach (var dir in setDirs)
        {
            var inputs = new Dictionary<string, Tensor>();
            var inFiles = Numbered(dir, "input_");
            for (int i = 0; i < inFiles.Count; i++)
            {
                var (name, t) = TensorProtoConverter.ReadFile(inFiles[i]);
                if (session.Inputs.Any(v => v.Name == name)) inputs[name] = t;
                else if (i < session.Inputs.Count) inputs[session.Inputs[i].Name] = t;
                else throw new InputException($"{inFiles[i]}: does not match any model input");
            }
            var outputs = Numbered(dir, "output_").Select(p => TensorProtoConverter.ReadFile(p).Tensor).ToList();
            result.Add((Path.GetFileName(dir), inputs, outputs));
        }
        return result;
    }

    private static List<string> Numbered(string dir, string prefix) =>
        System.IO.Directory.GetFiles(dir, prefix + "*.pb")
            .Select(p => (p, n: int.TryParse(Path.GetFileNameWithoutExtension(p)[prefix.Length..], out int k) ? k : int.MaxValue))
            .OrderBy(x => x.n).Select(x => x.p).ToList();

    /// <summary>Null when <paramref name="actual"/> matches; else a description of the first mismatch.</summary>
    public static string? Compare(Tensor expected, Tensor actual, double rtol, double atol)
    {
        if (expected.Type != actual.Type) return $"type {actual.Type.Name()}, expected {expected.Type.Name()}";
        if (!expected.Shape.AsSpan().SequenceEqual(actual.Shape)) return $"shape {ShapeUtil.Format(actual.Shape)}, expected {ShapeUtil.Format(expected.Shape)}";
        double worst = 0;
        int worstAt = -1, bad = 0;
        for (int i = 0; i < expected.Length; i++)
        {
            double e = expected.GetDouble(i), a = actual.GetDouble(i);
            if (double.IsNaN(e) && double.IsNaN(a)) continue;
            if (double.IsInfinity(e) && e == a) continue;
            double err = Math.Abs(a - e);
            if (!(err <= atol + rtol * Math.Abs(e)))
            {
                bad++;
                if (worstAt < 0 || err > worst || double.IsNaN(err)) { worst = err; worstAt = i; }
            }
        }
        if (bad == 0) return null;
        return $"{bad} of {expected.Length} elements differ; worst at {worstAt}: got {actual.GetDouble(worstAt):G7}, expected {expected.GetDouble(worstAt):G7}";
    }
}
