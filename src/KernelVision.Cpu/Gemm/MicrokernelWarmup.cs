using System.Reflection;
using System.Runtime.CompilerServices;

namespace KernelVision.Cpu.Gemm;

/// <summary>
/// JIT-compiles the best GEMM kernel's microkernels (every tile shape of every family) on a
/// background thread, started with the first <see cref="CpuBackend"/>: a model's load (parsing,
/// graph passes) keeps one core busy for hundreds of milliseconds, and the first run would
/// otherwise stop at each microkernel it meets to compile it, the more of them the more paths a
/// tuned plan mixes. KV_PREJIT=0 turns it off.
/// </summary>
internal static class MicrokernelWarmup
{
    private static int _started;

    /// <summary>Starts the compilation once per process; later calls return at once.</summary>
    public static void Start()
    {
        if (Interlocked.Exchange(ref _started, 1) != 0 || Environment.GetEnvironmentVariable("KV_PREJIT") == "0") return;
        var kernel = GemmKernel.Best;
        Type? microkernels = kernel.Name switch
        {
            "avx512" => typeof(Vector512Microkernel),
            "avx2" => typeof(Avx2Microkernel),
            "vector128" => typeof(Vector128Microkernel),
            _ => null,
        };
        if (microkernels is null) return;
        new Thread(() => Compile(microkernels)) { IsBackground = true, Name = "kv-microkernel-warmup" }.Start();
    }

    /// <summary>Every instantiation of the generic tile methods, full tiles first (the ones every product runs).</summary>
    internal static IEnumerable<MethodInfo> Instantiations(Type microkernels)
    {
        Type[] rows = [typeof(Rows6), typeof(Rows5), typeof(Rows4), typeof(Rows3), typeof(Rows2), typeof(Rows1)];
        Type[] cols = [typeof(FullWidth), typeof(HalfWidth)];
        var generic = microkernels.GetMethods(BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Static)
            .Where(m => m.IsGenericMethodDefinition).ToArray();
        foreach (var r in rows)
            foreach (var m in generic)
            {
                var args = m.GetGenericArguments();
                if (args.Length == 2)
                    foreach (var c in cols) yield return m.MakeGenericMethod(r, c);
                else if (args.Length == 1 && args[0].GetGenericParameterConstraints().Contains(typeof(ITileRows)))
                    yield return m.MakeGenericMethod(r);
                else if (args.Length == 1 && r == rows[0])
                    foreach (var c in cols) yield return m.MakeGenericMethod(c); // StoreRow<TC>
            }
    }

    private static void Compile(Type microkernels)
    {
        try
        {
            foreach (var m in Instantiations(microkernels)) RuntimeHelpers.PrepareMethod(m.MethodHandle);
        }
        catch (Exception e) when (e is ArgumentException or NotSupportedException or InvalidOperationException)
        {
            // A warm-up only: whatever was not compiled here is compiled on first call as before.
        }
    }
}
