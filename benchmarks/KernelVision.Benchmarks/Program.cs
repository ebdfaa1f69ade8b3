using BenchmarkDotNet.Running;

namespace KernelVision.Benchmarks;

/// <summary>
/// Entry point. Verbs:
///   peak [--threads N]                       FP32 FMA peak per core (register-only loop) and all cores
///   gemm [--quick] [--threads N] [--kernel K] [--sizes 64,128,...]
///                                            SGEMM GFLOP/s and % of peak, single- and multi-threaded
///   bdn [BenchmarkDotNet arguments]          the BenchmarkDotNet suite (long, statistically careful)
/// </summary>
public static class Program
{
    public static int Main(string[] args)
    {
        if (args.Length == 0 || args[0] is "-h" or "--help")
        {
            Console.WriteLine("""
                usage: dotnet run -c Release --project benchmarks/KernelVision.Benchmarks -- VERB [options]
                  peak [--threads N]                         FP32 FMA peak of one core and of N cores
                  bandwidth [--threads N] [--repeats R] [--mib M]
                                                             STREAM-like copy and kv profile's read bandwidth, measured alike
                  gemm [--quick] [--threads N] [--kernel K] [--sizes 64,128,...]
                                                             SGEMM GFLOP/s, % of the measured peak
                  pool [--threads N]                         thread-pool hand-off latency (spinning / asleep)
                  pooling [--threads N] [--runs R] [--only TEXT] [--producer same|swapped|pixels] [--direct]
                                                             MaxPool / AveragePool layers, 2-D table path vs whole planes (A/B)
                  split M N K [--packed-a] [--packed-b] [--threads T]
                                                             the task grid Sgemm picks for a shape
                  compare [MODEL.onnx ...] [--only a,b] [--separate] [--batch B] [--threads T] [--runs N] [--warmup N] [--gap-ms G] [--no-winograd] [--winograd-f4] [--ort-no-spin]
                          [--kv-spin-us U] [--spin-probe] [--ort-profile PREFIX] [--dir D]
                                                             KernelVision vs ONNX Runtime, same file, alternating
                                                             (settled: 60 ms idle before each run, and back to back, unless --gap-ms says which;
                                                             --separate: each engine in its own process; no MODEL: the nine-model suite in --dir)
                  memory [MODEL.onnx] [--batch B] [--threads T] [--runs N]
                                                             peak RSS of KernelVision and of ORT, each in its own process
                                                             (no MODEL: artifacts/bench-models/resnet18.onnx)
                  layer "NAME" | MODEL.onnx [--switch S] [--threads T] [--runs N] [--gap-ms G] [--tuned] [--cold] [--producer HOW]
                                                             one conv layer or a whole model, kernel switch flipped run by run (A/B)
                  bdn [BenchmarkDotNet args, e.g. --filter *Gemm*]
                """);
            return args.Length == 0 ? 2 : 0;
        }
        var rest = args[1..];
        switch (args[0])
        {
            case "peak":
                PeakCommand.Run(new Options(rest));
                return 0;
            case "bandwidth":
                return BandwidthCommand.Run(new Options(rest));
            case "gemm":
                GemmCommand.Run(new Options(rest));
                return 0;
            case "pool":
                PoolCommand.Run(new Options(rest));
                return 0;
            case "pooling":
                return PoolingCommand.Run(new Options(rest));
            case "split":
                // split M N K [--packed-a] [--packed-b] [--threads T]: the task grid Sgemm picks.
                var o = new Options(rest);
                int m = int.Parse(rest[0]), n = int.Parse(rest[1]), k = int.Parse(rest[2]);
                var (tm, tn) = KernelVision.Cpu.Gemm.Sgemm.ChooseSplit(m, n, k, o.Flag("--packed-a"), o.Flag("--packed-b"),
                    KernelVision.Cpu.Gemm.GemmKernel.Best, o.Int("--threads", Environment.ProcessorCount));
                Console.WriteLine($"{m}x{n}x{k}: {tm}x{tn} tasks");
                return 0;
            case "layer":
                return LayerCommand.Run(new Options(rest), rest);
            case "memory":
                return MemoryCommand.Run(new Options(rest), rest);
            case "compare":
                return CompareCommand.Run(new Options(rest), rest);
            case "bdn":
                BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(rest);
                return 0;
            default:
                Console.Error.WriteLine($"error: unknown verb '{args[0]}' (peak, bandwidth, gemm, pool, pooling, split, layer, compare, memory, bdn)");
                return 2;
        }
    }
}

/// <summary>Minimal "--name value" / "--flag" parsing for the quick verbs.</summary>
public sealed class Options(string[] args)
{
    public bool Flag(string name) => args.Contains(name);

    public string? Value(string name)
    {
        int i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? args[i + 1] : null;
    }

    public int Int(string name, int fallback) => Value(name) is { } v ? int.Parse(v) : fallback;
}
