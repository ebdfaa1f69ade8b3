using System.Diagnostics;
using System.Globalization;
using KernelVision.Backends;
using KernelVision.Cpu;
using KernelVision.Execution;
using KernelVision.Graph;
using KernelVision.Onnx;
using KernelVision.Tensors;

namespace KernelVision.Cli.Commands;

/// <summary>
/// What <c>kv run</c>, <c>kv bench</c> and <c>kv profile</c> share: opening a model on a backend
/// (with --threads and --batch applied), reading input tensor files, and making random inputs of
/// the declared shapes.
/// </summary>
internal static class ModelInputs
{
    /// <summary>
    /// The backend called <paramref name="name"/>; for "cpu" one of <paramref name="threads"/>
    /// threads (default <see cref="CpuBackend.DefaultThreads"/>). --threads with another backend is an error.
    /// </summary>
    public static IBackend Backend(string name, int? threads)
    {
        if (threads is int t && (t < 1 || t > 1024)) throw new InputException($"--threads must be 1..1024, got {t}");
        if (string.Equals(name, BackendFactory.Auto, StringComparison.OrdinalIgnoreCase)) name = BackendFactory.ResolveAuto();
        if (string.Equals(name, "cpu", StringComparison.OrdinalIgnoreCase)) return new CpuBackend(threads ?? CpuBackend.DefaultThreads);
        var backend = BackendFactory.Create(name);
        if (threads is not null) throw new InputException($"--threads applies to the cpu backend only, not '{backend.Name}'");
        return backend;
    }

    /// <summary>Threads the backend computes on, for reports: the pool size on cpu, 1 on reference, null elsewhere.</summary>
    public static int? Threads(IBackend backend) => backend switch
    {
        CpuBackend cpu => cpu.Threads,
        _ when backend.Name == "reference" => 1,
        _ => null,
    };

    /// <summary>
    /// Loads <paramref name="path"/> and prepares it on <paramref name="backend"/>; with
    /// <paramref name="batch"/> the first dimension of every input declared symbolic or 1 is
    /// declared <paramref name="batch"/> instead (an input whose batch is fixed at another value is
    /// an error naming it). Returns the session and the load time (parse + optimise + kernels).
    /// </summary>
    public static (InferenceSession Session, TimeSpan LoadTime) Open(string path, IBackend backend, int? batch, KernelTuning? tuning = null)
    {
        if (batch is int b && b < 1) throw new InputException($"--batch must be at least 1, got {b}");
        path = CliOptions.ModelFile(path);
        var options = new SessionOptions { Backend = backend, Tuning = tuning ?? KernelTuningDefaults.Mode };
        var sw = Stopwatch.StartNew();
        var model = OnnxLoader.Load(path, options.Limits);
        if (batch is int n) SetBatch(model, n);
        var session = new InferenceSession(model, options);
        sw.Stop();
        return (session, sw.Elapsed);
    }

    private static void SetBatch(Model model, int batch)
    {
        var inputs = model.Graph.Inputs;
        for (int i = 0; i < inputs.Count; i++)
        {
            var vi = inputs[i];
            if (vi.Shape is not { Length: > 0 } shape) continue; // unknown or scalar: no batch dimension to set
            if (shape[0].Value is long d && d != 1 && d != batch)
                throw new InputException($"{model.DisplayName}: input '{vi.Name}' {vi.Describe()} has its batch dimension fixed at {d}; --batch {batch} cannot change it");
            var dims = (Dim[])shape.Clone();
            dims[0] = new Dim(batch, null);
            inputs[i] = vi with { Shape = dims };
        }
    }

    /// <summary>
    /// Random inputs (fixed seed) of the declared shapes: float inputs uniform in [-1, 1), integer
    /// and bool inputs zero. A symbolic batch (first) dimension is 1; any other symbolic or unknown
    /// dimension is an error naming the input and dimension (<paramref name="hint"/> says what to do instead).
    /// </summary>
    public static Dictionary<string, Tensor> Random(InferenceSession session, string hint, int seed = 12345,
        IReadOnlyDictionary<string, int[]>? shapes = null, ICollection<string>? skip = null)
    {
        var rng = new Random(seed);
        var feeds = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        if (shapes is not null)
            foreach (var name in shapes.Keys)
                if (!session.Inputs.Any(i => i.Name == name))
                    throw new InputException($"--shape: '{name}' is not an input of {session.Model.DisplayName} (inputs: {string.Join(", ", session.Inputs.Select(i => i.Name))})");
        foreach (var vi in session.Inputs)
        {
            if (skip?.Contains(vi.Name) == true) continue;
            if (shapes?.GetValueOrDefault(vi.Name) is { } given)
            {
                feeds[vi.Name] = RandomTensor(vi.Type, CheckShape(session, vi, given), rng);
                continue;
            }
            if (vi.Shape is null) throw new InputException($"{session.Model.DisplayName}: input '{vi.Name}' has no declared shape; give it with --shape {vi.Name}=D0,D1,… or {hint}");
            var shape = new int[vi.Shape.Length];
            for (int d = 0; d < shape.Length; d++)
            {
                if (vi.Shape[d].Value is long v)
                {
                    if (v < 0 || v > int.MaxValue) throw new InputException($"{session.Model.DisplayName}: input '{vi.Name}' has invalid dimension {d} = {v}");
                    shape[d] = (int)v;
                }
                else if (d == 0) shape[d] = 1;
                else throw new InputException($"{session.Model.DisplayName}: input '{vi.Name}' {vi.Describe()} has symbolic dimension {d} ('{vi.Shape[d]}'); give the shape with --shape {vi.Name}=D0,D1,… or {hint}");
            }
            feeds[vi.Name] = RandomTensor(vi.Type, shape, rng);
        }
        return feeds;
    }

    private static Tensor RandomTensor(DataType declared, int[] shape, Random rng)
    {
        var type = declared == DataType.Undefined ? DataType.Float32 : declared;
        var t = Tensor.Zeros(type, shape);
        if (type == DataType.Float32)
            foreach (ref float x in t.Floats) x = rng.NextSingle() * 2 - 1;
        else if (type == DataType.Float64)
            foreach (ref double x in t.Doubles) x = rng.NextDouble() * 2 - 1;
        return t;
    }

    // A --shape must keep the declared rank and every fixed dimension.
    private static int[] CheckShape(InferenceSession session, ValueInfo vi, int[] shape)
    {
        if (vi.Shape is null) return shape;
        string given = string.Join(",", shape);
        if (vi.Shape.Length != shape.Length)
            throw new InputException($"--shape {vi.Name}={given}: {session.Model.DisplayName} declares '{vi.Name}' {vi.Describe()} (rank {vi.Shape.Length})");
        for (int d = 0; d < shape.Length; d++)
            if (vi.Shape[d].Value is long v && v != shape[d])
                throw new InputException($"--shape {vi.Name}={given}: dimension {d} is fixed at {v} in {session.Model.DisplayName} ({vi.Describe()})");
        return shape;
    }

    /// <summary>The --shape option: NAME=D0,D1,… for generated inputs (repeatable).</summary>
    public static System.CommandLine.Option<string[]> ShapeOption() => new("--shape")
    {
        Description = "Shape of a generated input, NAME=D0,D1,… (repeat per input); needed for symbolic dimensions other than the batch",
        AllowMultipleArgumentsPerToken = false,
    };

    /// <summary>Parses --shape values "NAME=D0,D1,…" into a map; errors name the bad value.</summary>
    public static Dictionary<string, int[]> ParseShapes(IEnumerable<string>? specs)
    {
        var r = new Dictionary<string, int[]>(StringComparer.Ordinal);
        foreach (var spec in specs ?? [])
        {
            int eq = spec.IndexOf('=');
            if (eq <= 0 || eq == spec.Length - 1) throw new InputException($"--shape '{spec}': expected NAME=D0,D1,… (e.g. input=1,3,224,224)");
            var dims = spec[(eq + 1)..].Split(',', StringSplitOptions.TrimEntries);
            var shape = new int[dims.Length];
            for (int i = 0; i < dims.Length; i++)
                if (!int.TryParse(dims[i], NumberStyles.None, CultureInfo.InvariantCulture, out shape[i]) || shape[i] < 1 || shape[i] > 1 << 20)
                    throw new InputException($"--shape '{spec}': dimension '{dims[i]}' is not an integer 1..1048576");
            if (!r.TryAdd(spec[..eq], shape)) throw new InputException($"--shape: input '{spec[..eq]}' is given twice");
        }
        return r;
    }

    /// <summary>
    /// Reads input tensor files (.pb TensorProto or .npy), each "FILE" or "NAME=FILE": unnamed files
    /// go to the input the TensorProto names, else to the model's inputs in order.
    /// </summary>
    public static Dictionary<string, Tensor> FromFiles(InferenceSession session, IEnumerable<string> specs)
    {
        var feeds = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        int positional = 0;
        foreach (var spec in specs)
        {
            string? name = null;
            string file = spec;
            int eq = spec.IndexOf('=');
            if (eq > 0 && !File.Exists(spec)) { name = spec[..eq]; file = spec[(eq + 1)..]; }
            if (!File.Exists(file)) throw new InputException($"{file}: input file not found");
            Tensor t;
            string? protoName = null;
            if (file.EndsWith(".npy", StringComparison.OrdinalIgnoreCase)) t = NpyReader.Read(file);
            else (protoName, t) = TensorProtoConverter.ReadFile(file);
            if (name is null)
            {
                if (!string.IsNullOrEmpty(protoName) && session.Inputs.Any(i => i.Name == protoName)) name = protoName;
                else if (positional < session.Inputs.Count) name = session.Inputs[positional].Name;
                else throw new InputException($"{file}: more input files than model inputs ({session.Inputs.Count})");
                positional++;
            }
            if (feeds.ContainsKey(name)) throw new InputException($"input '{name}' is given twice");
            feeds[name] = t;
        }
        return feeds;
    }

    /// <summary>
    /// Inputs for bench, profile and verify: the --input files (FILE or NAME=FILE) first, then random
    /// data for every input not given, of the --shape (NAME=D0,D1,…) or declared shape.
    /// </summary>
    public static Dictionary<string, Tensor> Feeds(InferenceSession session, string[]? inputSpecs, string[]? shapeSpecs, string hint)
    {
        var given = FromFiles(session, inputSpecs ?? []);
        if (given.Count == session.Inputs.Count && (shapeSpecs is null || shapeSpecs.Length == 0)) return given;
        var feeds = Random(session, hint, shapes: ParseShapes(shapeSpecs), skip: given.Keys);
        foreach (var (name, t) in given) feeds[name] = t;
        return feeds;
    }

    /// <summary>The batch the feeds run: the first dimension of the first input that has one (1 when none does).</summary>
    public static int BatchOf(IReadOnlyDictionary<string, Tensor> feeds, InferenceSession session)
    {
        foreach (var vi in session.Inputs)
            if (feeds.TryGetValue(vi.Name, out var t) && t.Rank > 0) return t.Shape[0];
        return 1;
    }

    /// <summary>Bytes of a tensor of <paramref name="type"/> and <paramref name="shape"/> as KernelVision stores it (integers widened to 8 bytes).</summary>
    public static long Bytes(DataType type, int[] shape)
    {
        long n = 1;
        foreach (int d in shape) n *= d;
        return n * type switch { DataType.Float32 => 4, DataType.Bool => 1, _ => 8 };
    }

    /// <summary>Checks a --runs/--warmup style count.</summary>
    public static int Count(int value, string option, int min)
    {
        if (value < min || value > 1_000_000) throw new InputException($"{option} must be {min}..1000000, got {value}");
        return value;
    }

    /// <summary>Invariant-culture number.</summary>
    public static string F(double v, string format) => v.ToString(format, CultureInfo.InvariantCulture);

    /// <summary>"12.3 MiB" / "4.0 KiB" / "512 B".</summary>
    public static string Size(double bytes) => bytes switch
    {
        >= 1 << 30 => F(bytes / (1 << 30), "0.00") + " GiB",
        >= 1 << 20 => F(bytes / (1 << 20), "0.0") + " MiB",
        >= 1 << 10 => F(bytes / (1 << 10), "0.0") + " KiB",
        _ => F(bytes, "0") + " B",
    };

    /// <summary>Median of <paramref name="values"/> (sorted copy; mean of the middle two for even counts).</summary>
    public static double Median(IEnumerable<double> values)
    {
        var s = values.Order().ToArray();
        if (s.Length == 0) return 0;
        return s.Length % 2 == 1 ? s[s.Length / 2] : (s[s.Length / 2 - 1] + s[s.Length / 2]) / 2;
    }
}
