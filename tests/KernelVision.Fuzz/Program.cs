using KernelVision;
using KernelVision.Tests.Fuzzing;
using KernelVision.TestSupport;
using SharpFuzz;

// kv-fuzz: the SharpFuzz entry points over FuzzTarget (load → prepare → run one model under tight
// limits). A typed KernelVision refusal is a normal outcome; anything else escaping — including
// InternalErrorException — is a crash the fuzzer records.
//
//   kv-fuzz                      AFL mode (run under afl-fuzz, reads stdin/shared memory)
//   kv-fuzz --libfuzzer          libFuzzer mode (run under libfuzzer-dotnet)
//   kv-fuzz corpus DIR [CONF]    writes the seed corpus (built models, conformance models from CONF)
//   kv-fuzz replay PATH...       runs files/folders through the target, prints outcomes, exit 1 on a crash
//   kv-fuzz campaign [--seeds built|corpus|all] [--backend reference|cpu] [--seed S] [--count N]
//                    [--index I] [--out DIR] [--differential]
//                                the CI test's mutation campaign, any size (no instrumentation needed);
//                                --index runs that one mutant (the CI test prints these arguments),
//                                --out keeps each crashing mutant; --differential also runs each mutant
//                                unoptimised and requires the same ending; exit 1 on a crash, hang or mismatch
static void Target(byte[] bytes)
{
    try { FuzzTarget.Execute(bytes, null, CancellationToken.None); }
    catch (InternalErrorException e)
    {
        // Rethrown as what it wraps so the fuzzer buckets crashes by their real origin.
        if (e.InnerException is not null) System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(e.InnerException).Throw();
        throw;
    }
}

if (args.Length > 0 && args[0] == "corpus")
{
    if (args.Length < 2) { Console.Error.WriteLine("usage: kv-fuzz corpus DIR [CONFORMANCE_DIR]"); return 2; }
    Directory.CreateDirectory(args[1]);
    int n = 0;
    foreach (var s in SeedModels.All(args.Length > 2 ? args[2] : null))
        File.WriteAllBytes(Path.Combine(args[1], s.Name.Replace('/', '_') + ".onnx"), s.Bytes);
    foreach (var f in Directory.GetFiles(args[1])) n++;
    Console.WriteLine($"{n} seed files in {args[1]}");
    return 0;
}

if (args.Length > 0 && args[0] == "replay")
{
    int crashes = 0, total = 0;
    var files = args.Skip(1).SelectMany(p => Directory.Exists(p) ? Directory.GetFiles(p, "*", SearchOption.AllDirectories) : [p]).Order(StringComparer.Ordinal);
    foreach (var f in files)
    {
        total++;
        try
        {
            var (outcome, message) = FuzzTarget.ExecuteDetailed(File.ReadAllBytes(f), null, CancellationToken.None);
            Console.WriteLine($"{outcome,-14} {f}{(message is null ? "" : ": " + message)}");
        }
        catch (Exception e)
        {
            crashes++;
            Console.WriteLine($"CRASH          {f}: {e}");
        }
    }
    Console.WriteLine($"{total} files, {crashes} crashes");
    return crashes == 0 ? 0 : 1;
}

if (args.Length > 0 && args[0] == "campaign")
{
    string seedSet = "all", backendName = "reference";
    string? outDir = null;
    int seed = 20261207, count = 10_000, index = -1;
    bool differential = false;
    for (int i = 1; i < args.Length; i++)
    {
        string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value");
        switch (args[i])
        {
            case "--seeds": seedSet = Next(); break;
            case "--backend": backendName = Next(); break;
            case "--seed": seed = int.Parse(Next()); break;
            case "--count": count = int.Parse(Next()); break;
            case "--index": index = int.Parse(Next()); break;
            case "--out": outDir = Next(); break;
            case "--differential": differential = true; break;
            default: Console.Error.WriteLine($"kv-fuzz campaign: unknown option {args[i]}"); return 2;
        }
    }
    var seeds = FuzzCampaign.Seeds(seedSet, ConformanceData.Root);
    var backend = FuzzCampaign.Backend(backendName);
    string extDir = SeedModels.MakeExternalDataFolder();
    try
    {
        if (index >= 0)
        {
            var (s, bytes, family) = FuzzRunner.Mutant(seeds, seed, index);
            if (outDir is not null) { Directory.CreateDirectory(outDir); File.WriteAllBytes(Path.Combine(outDir, $"mutant-{seed}-{index}.onnx"), bytes); }
            var r = FuzzRunner.RunCase(bytes, extDir, TimeSpan.FromSeconds(60), backend, differential);
            Console.WriteLine($"#{index} from {s.Name} ({family}): {r.Outcome}: {r.Detail}");
            if (r.Error is not null) Console.WriteLine(r.Error);
            return r.Outcome is FuzzOutcome.Crash or FuzzOutcome.Hang or FuzzOutcome.Mismatch ? 1 : 0;
        }
        FuzzCampaign.WarmUp(backend, extDir);
        var tally = FuzzRunner.Campaign(seeds, count, seed, extDir, TimeSpan.FromSeconds(20), Environment.ProcessorCount, backend, differential);
        Console.WriteLine($"campaign {seedSet}/{backendName}: {seeds.Count} seeds, seed {seed}");
        Console.WriteLine(tally.Report());
        foreach (var (i, seedName, result, bytes) in tally.Failures)
        {
            Console.WriteLine($"#{i} from {seedName}: {result.Outcome}: {result.Detail}");
            if (outDir is not null) { Directory.CreateDirectory(outDir); File.WriteAllBytes(Path.Combine(outDir, $"mutant-{seed}-{i}.onnx"), bytes); }
        }
        return tally.Bugs == 0 ? 0 : 1;
    }
    finally { Directory.Delete(extDir, true); }
}

if (args.Length > 0 && args[0] == "--libfuzzer")
{
    Fuzzer.LibFuzzer.Run(span => Target(span.ToArray()));
    return 0;
}

Fuzzer.OutOfProcess.Run(stream =>
{
    using var ms = new MemoryStream();
    stream.CopyTo(ms);
    Target(ms.ToArray());
});
return 0;
