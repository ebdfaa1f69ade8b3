using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;
using KernelVision.Cpu.Gemm;
using KernelVision.Cpu.Threading;

namespace KernelVision.Benchmarks;

/// <summary>BenchmarkDotNet: square SGEMM 64…2048 on 1 and all threads, with a GFLOP/s column.</summary>
[Config(typeof(GemmConfig))]
public class GemmBenchmarks
{
    private float[] _a = [], _b = [], _c = [];
    private CpuThreadPool _pool = CpuThreadPool.Serial;

    [Params(64, 128, 256, 512, 1024, 2048)]
    public int Size { get; set; }

    [ParamsSource(nameof(ThreadCounts))]
    public int Threads { get; set; }

    public static IEnumerable<int> ThreadCounts => Environment.ProcessorCount > 1 ? [1, Environment.ProcessorCount] : [1];

    [GlobalSetup]
    public void Setup()
    {
        var rng = new Random(42);
        _a = Enumerable.Range(0, Size * Size).Select(_ => (float)rng.NextDouble() - 0.5f).ToArray();
        _b = Enumerable.Range(0, Size * Size).Select(_ => (float)rng.NextDouble() - 0.5f).ToArray();
        _c = new float[Size * Size];
        _pool = CpuThreadPool.Shared(Threads);
    }

    [Benchmark]
    public void Sgemm() => KernelVision.Cpu.Gemm.Sgemm.Multiply(false, false, Size, Size, Size, 1, _a, Size, _b, Size, 0, _c, Size, pool: _pool);

    private sealed class GemmConfig : ManualConfig
    {
        public GemmConfig()
        {
            AddColumn(new GflopsColumn());
            // Building the generated project can take minutes on a busy 2-core machine.
            WithBuildTimeout(TimeSpan.FromMinutes(10));
            WithArtifactsPath(Path.Combine(RepositoryRoot(), "artifacts", "benchmarks"));
        }

        private static string RepositoryRoot()
        {
            for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
                if (File.Exists(Path.Combine(dir.FullName, "KernelVision.sln"))) return dir.FullName;
            return Directory.GetCurrentDirectory();
        }
    }

    /// <summary>2·n³ / mean time.</summary>
    private sealed class GflopsColumn : IColumn
    {
        public string Id => "GFLOPS";
        public string ColumnName => "GFLOP/s";
        public bool AlwaysShow => true;
        public ColumnCategory Category => ColumnCategory.Custom;
        public int PriorityInCategory => 0;
        public bool IsNumeric => true;
        public UnitType UnitType => UnitType.Dimensionless;
        public string Legend => "2·Size³ floating-point operations per second / 1e9, from the mean";
        public bool IsAvailable(Summary summary) => true;
        public bool IsDefault(Summary summary, BenchmarkCase benchmarkCase) => false;
        public string GetValue(Summary summary, BenchmarkCase benchmarkCase) => GetValue(summary, benchmarkCase, SummaryStyle.Default);

        public string GetValue(Summary summary, BenchmarkCase benchmarkCase, SummaryStyle style)
        {
            var report = summary[benchmarkCase];
            if (report?.ResultStatistics is not { } stats) return "-";
            int n = (int)benchmarkCase.Parameters["Size"];
            return (2.0 * n * n * n / stats.Mean).ToString("F1"); // flops per ns = GFLOP/s
        }
    }
}
