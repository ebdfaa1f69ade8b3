using System.Diagnostics;
using KernelVision.Cpu;
using KernelVision.Cpu.Diagnostics;
using Microsoft.ML.OnnxRuntime;
using KvSession = KernelVision.Execution.InferenceSession;
using KvSessionOptions = KernelVision.Execution.SessionOptions;
using KvTensor = KernelVision.Tensors.Tensor;
using OrtSession = Microsoft.ML.OnnxRuntime.InferenceSession;
using OrtSessionOptions = Microsoft.ML.OnnxRuntime.SessionOptions;

namespace KernelVision.Benchmarks;

/// <summary>
/// Peak memory of one engine running a model: load, then a few inferences, then the process's
/// peak resident set (VmHWM). Each engine runs in a child process of its own, because a peak is a
/// property of the whole process and both engines in one process would add up.
/// </summary>
internal static class MemoryCommand
{
    public static int Run(Options o, string[] rest)
    {
        string? model = rest.FirstOrDefault(a => !a.StartsWith("--", StringComparison.Ordinal));
        model ??= Path.Combine(o.Value("--dir") ?? "artifacts/bench-models", "resnet18.onnx");
        if (!File.Exists(model))
        {
            Console.Error.WriteLine($"error: {model} not found (make it with /usr/bin/python3 tools/make_bench_models.py)");
            return 2;
        }
        int batch = o.Int("--batch", 1), threads = o.Int("--threads", 2), runs = o.Int("--runs", 5);
        if (o.Value("--engine") is { } engine) return Child(engine, model, batch, threads, runs);

        Console.WriteLine(MachineInfo.Describe());
        Console.WriteLine($"{Path.GetFileName(model)} batch {batch}, {threads} threads, {runs} runs; peak resident set (VmHWM) of a process running only that engine");
        Console.WriteLine();
        Console.WriteLine("| engine | peak RSS MiB | RSS after runs MiB |");
        Console.WriteLine("|---|--:|--:|");
        foreach (var e in new[] { "kernelvision", "ort" })
        {
            var psi = new ProcessStartInfo(Environment.ProcessPath!) { RedirectStandardOutput = true, UseShellExecute = false };
            if (!Environment.ProcessPath!.EndsWith("KernelVision.Benchmarks", StringComparison.Ordinal))
                psi.ArgumentList.Add(typeof(MemoryCommand).Assembly.Location); // launched as 'dotnet KernelVision.Benchmarks.dll'
            foreach (var a in new[] { "memory", model, "--engine", e, "--batch", batch.ToString(), "--threads", threads.ToString(), "--runs", runs.ToString() })
                psi.ArgumentList.Add(a);
            using var p = Process.Start(psi)!;
            string output = p.StandardOutput.ReadToEnd().Trim();
            p.WaitForExit();
            if (p.ExitCode != 0) { Console.Error.WriteLine($"error: {e} child failed: {output}"); return 1; }
            Console.WriteLine(output);
        }
        return 0;
    }

    private static int Child(string engine, string model, int batch, int threads, int runs)
    {
        switch (engine)
        {
            case "kernelvision":
            {
                using var s = KvSession.Load(model, new KvSessionOptions { Backend = new CpuBackend(threads) });
                var dims = s.Inputs[0].Shape!.Select((d, i) => (int)(d.Value ?? batch)).ToArray();
                var x = KvTensor.FromFloats(dims, new float[dims.Aggregate(1, (a, b) => a * b)]);
                for (int i = 0; i < runs; i++) s.Run(x);
                Report("KernelVision");
                break;
            }
            case "ort":
            {
                using var opts = new OrtSessionOptions { IntraOpNumThreads = threads, GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL };
                using var s = new OrtSession(model, opts);
                var meta = s.InputMetadata.First();
                var dims = meta.Value.Dimensions.Select(d => d < 0 ? batch : d).ToArray();
                var t = new Microsoft.ML.OnnxRuntime.Tensors.DenseTensor<float>(new float[dims.Aggregate(1, (a, b) => a * b)], dims);
                var feeds = new[] { NamedOnnxValue.CreateFromTensor(meta.Key, t) };
                for (int i = 0; i < runs; i++) using (s.Run(feeds)) { }
                Report($"ONNX Runtime {typeof(OrtSession).Assembly.GetName().Version?.ToString(3)}");
                break;
            }
            default:
                Console.Error.WriteLine($"error: unknown engine '{engine}' (kernelvision, ort)");
                return 2;
        }
        return 0;
    }

    private static void Report(string engine)
    {
        long hwm = ProcessMemory.Peak().Bytes, rss = ProcessMemory.Resident().Bytes;
        Console.WriteLine($"| {engine} | {hwm / 1048576.0:0.0} | {rss / 1048576.0:0.0} |");
    }
}
