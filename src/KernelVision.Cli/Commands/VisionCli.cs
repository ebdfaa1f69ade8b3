using System.CommandLine;
using System.Globalization;
using KernelVision.Backends;
using KernelVision.Vision;

namespace KernelVision.Cli.Commands;

/// <summary>Options and helpers the vision verbs (classify, detect, generate, inpaint, visualize, demo) share.</summary>
internal static class VisionCli
{
    /// <summary>--backend for vision verbs: unset means cpu when built, else reference.</summary>
    public static Option<string?> Backend() => new("--backend", "-b")
    {
        Description = $"Backend: {string.Join(", ", BackendFactory.KnownNames)} (default: cpu; auto = gpu when a GPU is present)",
    };

    /// <summary>--threads for the cpu backend.</summary>
    public static Option<int?> Threads() => new("--threads", "-t")
    {
        Description = "Threads for the cpu backend (default: all cores)",
    };

    /// <summary>Opens a model with the backend/threads options applied.</summary>
    public static VisionModel Open(string model, string? backend, int? threads, ImageLimits? limits = null)
    {
        ApplyThreads(threads);
        return VisionModel.Open(model, new VisionOptions { Backend = backend, Limits = limits ?? ImageLimits.Default });
    }

    /// <summary>Sets the cpu backend's thread count (validated).</summary>
    public static void ApplyThreads(int? threads)
    {
        if (threads is not int t) return;
        if (t < 1 || t > 1024) throw new InputException($"--threads must be 1..1024, got {t}");
        KernelVision.Cpu.CpuBackend.DefaultThreads = t;
    }

    /// <summary>
    /// Runs <paramref name="work"/>, feeding its (done, total) callback to a progress line on stderr
    /// when stderr is a terminal (<see cref="ProgressLine"/>); otherwise runs it silently.
    /// </summary>
    public static T WithProgress<T>(TextWriter o, string title, Func<Action<int, int>, T> work)
    {
        using var line = ProgressLine.Start(o, title, 0);
        return work(line.Report);
    }

    /// <summary>Parses "a,b,c" into floats (invariant culture); <paramref name="what"/> names the option in errors.</summary>
    public static float[] Floats(string text, string what)
    {
        var parts = text.Split(',', StringSplitOptions.TrimEntries);
        var r = new float[parts.Length];
        for (int i = 0; i < parts.Length; i++)
            if (!float.TryParse(parts[i], NumberStyles.Float, CultureInfo.InvariantCulture, out r[i]) || !float.IsFinite(r[i]))
                throw new InputException($"{what}: '{parts[i]}' is not a number (expected comma-separated numbers, e.g. 0.485,0.456,0.406)");
        return r;
    }

    /// <summary>Parses "a,b,c,d" into integers.</summary>
    public static int[] Ints(string text, string what, int count)
    {
        var parts = text.Split(',', StringSplitOptions.TrimEntries);
        if (parts.Length != count) throw new InputException($"{what}: expected {count} comma-separated integers, got '{text}'");
        var r = new int[count];
        for (int i = 0; i < count; i++)
            if (!int.TryParse(parts[i], NumberStyles.Integer, CultureInfo.InvariantCulture, out r[i]))
                throw new InputException($"{what}: '{parts[i]}' is not an integer");
        return r;
    }

    /// <summary>"0.25" with invariant formatting.</summary>
    public static string F(double v, string format = "0.###") => v.ToString(format, CultureInfo.InvariantCulture);

    /// <summary>Checks a probability-like threshold.</summary>
    public static float Unit(float v, string what)
    {
        if (!(v >= 0 && v <= 1)) throw new InputException($"{what} must be between 0 and 1, got {F(v)}");
        return v;
    }

    /// <summary>Checks an integer zoom factor.</summary>
    public static int Zoom(int v)
    {
        if (v < 1 || v > 32) throw new InputException($"--zoom must be 1..32, got {v}");
        return v;
    }
}
