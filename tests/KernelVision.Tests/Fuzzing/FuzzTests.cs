using Xunit;
using Xunit.Abstractions;

namespace KernelVision.Tests.Fuzzing;

/// <summary>
/// The bounded CI fuzz campaign: a fixed-seed run of mutants of the built and conformance models,
/// each loaded, prepared and run under <see cref="FuzzTarget.Limits"/> with a time bound. Every
/// outcome must be a success or a typed KernelVision refusal: no untyped exception, no
/// <see cref="InternalErrorException"/>, no hang. KV_FUZZ_MUTANTS and KV_FUZZ_SEED override the
/// size and seed (docs/RELIABILITY.md).
/// </summary>
public class FuzzTests(ITestOutputHelper output)
{
    /// <summary>Campaign size: at least 10,000 in CI.</summary>
    public static int Mutants => int.TryParse(Environment.GetEnvironmentVariable("KV_FUZZ_MUTANTS"), out var n) ? n : 10_000;

    /// <summary>Campaign seed.</summary>
    public static int Seed => int.TryParse(Environment.GetEnvironmentVariable("KV_FUZZ_SEED"), out var n) ? n : 20261125;

    /// <summary>Time bound of one case (load + prepare + run); generous because CI machines are shared.</summary>
    public static readonly TimeSpan CaseTimeout = TimeSpan.FromSeconds(20);

    [Fact]
    public void MutantsEndInSuccessOrTypedErrors()
    {
        var seeds = SeedModels.All(TestData.ConformanceDir);
        string dir = SeedModels.MakeExternalDataFolder();
        try
        {
            var tally = FuzzRunner.Campaign(seeds, Mutants, Seed, dir, CaseTimeout, parallelism: 2);
            output.WriteLine($"seeds: {seeds.Count} ({seeds.Count(s => s.Name.StartsWith("built/"))} built), seed {Seed}");
            output.WriteLine(tally.Report());
            var failures = tally.Failures.ToList();
            if (failures.Count > 0)
            {
                string crashDir = Path.Combine(TestData.RepoRoot, "artifacts", "fuzz-failures");
                Directory.CreateDirectory(crashDir);
                foreach (var (index, seed, result, bytes) in failures)
                {
                    File.WriteAllBytes(Path.Combine(crashDir, $"mutant-{Seed}-{index}.onnx"), bytes);
                    output.WriteLine($"#{index} from {seed}: {result.Outcome}: {result.Detail}\n{result.Error?.StackTrace}");
                }
            }
            Assert.True(tally.Bugs == 0, $"{tally.Bugs} crashes/hangs; first: " +
                string.Join(" | ", failures.Take(5).Select(f => $"#{f.Index} ({f.Seed}) {f.Result.Outcome}: {f.Result.Detail}")));
            Assert.Equal(Mutants, tally.Total);
        }
        finally { Directory.Delete(dir, true); }
    }

    [Fact]
    public void MutantsAreReproducible()
    {
        var seeds = SeedModels.Built().ToList();
        for (int i = 0; i < 50; i++)
            Assert.Equal(FuzzRunner.Mutant(seeds, Seed, i).Bytes, FuzzRunner.Mutant(seeds, Seed, i).Bytes);
    }

    [Fact]
    public void EverySeedRunsUnmutated()
    {
        // A seed that fails on its own would only test the error path.
        string dir = SeedModels.MakeExternalDataFolder();
        try
        {
            foreach (var s in SeedModels.Built())
            {
                var r = FuzzRunner.RunCase(s.Bytes, dir, CaseTimeout);
                Assert.True(r.Outcome == FuzzOutcome.Success, $"{s.Name}: {r.Outcome}: {r.Detail}");
            }
        }
        finally { Directory.Delete(dir, true); }
    }

    public static IEnumerable<object[]> Regressions() =>
        Directory.Exists(RegressionDir) && Directory.GetFiles(RegressionDir, "*.onnx").Length > 0
            ? Directory.GetFiles(RegressionDir, "*.onnx").Order(StringComparer.Ordinal).Select(f => new object[] { Path.GetFileName(f) })
            : [["(none)"]];

    private static string RegressionDir => Path.Combine(TestData.RepoRoot, "tests", "KernelVision.Tests", "Fuzzing", "Regressions");

    /// <summary>Minimised mutants that once crashed or hung: each must now end in success or a typed error.</summary>
    [Theory]
    [MemberData(nameof(Regressions))]
    public void RegressionCaseIsHandled(string file)
    {
        if (file == "(none)") return;
        var r = FuzzRunner.RunCase(File.ReadAllBytes(Path.Combine(RegressionDir, file)), null, CaseTimeout);
        Assert.True(r.Outcome is not (FuzzOutcome.Crash or FuzzOutcome.Hang), $"{file}: {r.Outcome}: {r.Detail}\n{r.Error}");
    }
}
