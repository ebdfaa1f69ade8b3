using System.Diagnostics;
using Google.Protobuf;
using KernelVision.Backends;
using KernelVision.Backends.Reference;
using KernelVision.Execution;
using KernelVision.Onnx;
using KernelVision.Ops;
using KernelVision.Tensors;
using Xunit;
using Xunit.Abstractions;
using static KernelVision.Tests.Fuzzing.SeedModels;

namespace KernelVision.Tests.Hardening;

/// <summary>Runs alone: heap measurements are meaningless while other test classes allocate in parallel.</summary>
[CollectionDefinition("Isolated", DisableParallelization = true)]
public sealed class IsolatedCollection;

/// <summary>Sessions release what they hold: memory stays flat over many load→run→dispose cycles, kernels are disposed.</summary>
[Collection("Isolated")]
public class ResourceTests(ITestOutputHelper output)
{
    private static long ManagedAfterFullCollect()
    {
        for (int i = 0; i < 3; i++)
        {
            GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: true);
            GC.WaitForPendingFinalizers();
        }
        return GC.GetTotalMemory(forceFullCollection: true);
    }

    [Fact]
    public void ThousandLoadRunDisposeCyclesKeepMemoryFlat()
    {
        var bytes = Cnn().ToByteArray();
        var input = Tensor.Zeros(DataType.Float32, [1, 2, 6, 6]);
        void Cycles(int n)
        {
            for (int i = 0; i < n; i++)
            {
                using var s = new InferenceSession(OnnxLoader.Load(bytes, null, "cnn.onnx"), new SessionOptions { Backend = ReferenceBackend.Instance });
                s.Run(input);
            }
        }
        Cycles(100); // warm-up: JIT, registries, pools
        long managed0 = ManagedAfterFullCollect();
        long ws0 = Process.GetCurrentProcess().WorkingSet64;
        var sw = Stopwatch.StartNew();
        Cycles(1000);
        long managed1 = ManagedAfterFullCollect();
        long ws1 = Process.GetCurrentProcess().WorkingSet64;
        output.WriteLine($"1000 cycles in {sw.Elapsed.TotalSeconds:0.0} s; managed {managed0 / 1024} KiB → {managed1 / 1024} KiB ({(managed1 - managed0) / 1024:+0;-0} KiB); " +
            $"working set {ws0 >> 20} MiB → {ws1 >> 20} MiB ({(ws1 - ws0) >> 20:+0;-0} MiB)");
        // A leak of one session per cycle would be ≥ 1000 × several KiB.
        Assert.True(managed1 - managed0 < 512 << 10, $"managed heap grew by {(managed1 - managed0) / 1024} KiB over 1000 cycles");
        Assert.True(ws1 - ws0 < 64L << 20, $"working set grew by {(ws1 - ws0) >> 20} MiB over 1000 cycles");
    }

    /// <summary>
    /// After the first run builds the plan, a run allocates the outputs it hands back and a few
    /// hundred bytes of bookkeeping (the result dictionary), not per node: kernel argument arrays
    /// and the value slots are reused.
    /// </summary>
    [Fact]
    public void LaterRunsAllocateOnlyTheirOutputs()
    {
        using var s = new InferenceSession(OnnxLoader.Load(Cnn().ToByteArray(), null, "cnn.onnx"),
            new SessionOptions { Backend = new KernelVision.Cpu.CpuBackend(1) });
        var input = Tensor.Zeros(DataType.Float32, [1, 2, 6, 6]);
        var feeds = new Dictionary<string, Tensor> { [s.Inputs[0].Name] = input };
        long outputBytes = 0;
        for (int i = 0; i < 3; i++) outputBytes = s.Run(feeds).Values.Sum(t => (long)t.Length * 4);
        const int Runs = 50;
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < Runs; i++) s.Run(feeds);
        long perRun = (GC.GetAllocatedBytesForCurrentThread() - before) / Runs;
        output.WriteLine($"{s.Nodes.Count} nodes: {perRun} bytes allocated per run, {outputBytes} of output data");
        Assert.True(perRun < outputBytes + 1024, $"a run allocated {perRun} bytes; its outputs are {outputBytes}");
    }

    /// <summary>Wraps Reference kernels in a disposable kernel that counts what was created and disposed.</summary>
    private sealed class CountingBackend : IBackend
    {
        public int Created, Disposed;
        public string? Refuse;
        public string Name => "counting";

        public IKernel? CreateKernel(Op op)
        {
            if (op.Node.OpType == Refuse) return null;
            var inner = ReferenceBackend.Instance.CreateKernel(op);
            if (inner is null) return null;
            Interlocked.Increment(ref Created);
            return new Disposable(inner, this);
        }

        private sealed class Disposable(IKernel inner, CountingBackend owner) : IKernel, IDisposable
        {
            private int _disposed;
            public void Run(IReadOnlyList<Tensor?> inputs, IReadOnlyList<Tensor?> outputs)
            {
                if (_disposed != 0) throw new ObjectDisposedException("kernel");
                inner.Run(inputs, outputs);
            }
            public void Dispose()
            {
                if (Interlocked.Exchange(ref _disposed, 1) == 0) Interlocked.Increment(ref owner.Disposed);
            }
        }
    }

    [Fact]
    public void DisposeDisposesEveryKernelOnceAndRefusesLaterUse()
    {
        var backend = new CountingBackend();
        var s = new InferenceSession(OnnxLoader.Load(Cnn().ToByteArray(), null, "cnn.onnx"), new SessionOptions { Backend = backend });
        s.Run(Tensor.Zeros(DataType.Float32, [1, 2, 6, 6]));
        Assert.True(backend.Created > 0);
        s.Dispose();
        s.Dispose();
        Assert.Equal(backend.Created, backend.Disposed);
        Assert.Throws<ObjectDisposedException>(() => s.Run(Tensor.Zeros(DataType.Float32, [1, 2, 6, 6])));
    }

    [Fact]
    public async Task DisposeDuringARunWaitsForItToFinish()
    {
        var backend = new CountingBackend();
        var s = new InferenceSession(OnnxLoader.Load(Cnn().ToByteArray(), null, "cnn.onnx"), new SessionOptions { Backend = backend });
        using var inside = new ManualResetEventSlim();
        using var release = new ManualResetEventSlim();
        var inputs = new Dictionary<string, Tensor> { ["x"] = Tensor.Zeros(DataType.Float32, [1, 2, 6, 6]) };
        bool first = true;
        var run = Task.Run(() => s.Run(inputs, (_, _) =>
        {
            if (!first) return;
            first = false;
            inside.Set();
            release.Wait();
        }));
        Assert.True(inside.Wait(TimeSpan.FromSeconds(30)));
        s.Dispose();
        Assert.Equal(0, backend.Disposed); // the run still uses its kernels
        release.Set();
        var result = await run; // completes normally
        Assert.Single(result);
        Assert.Equal(backend.Created, backend.Disposed);
    }

    [Fact]
    public void FailedConstructionDisposesTheKernelsItMade()
    {
        // The last node (Softmax) has no kernel and no fallback: construction fails after creating the others.
        var backend = new CountingBackend { Refuse = "Softmax" };
        var options = new SessionOptions { Backend = backend, AllowReferenceFallback = false };
        Assert.Throws<UnsupportedException>(() => new InferenceSession(OnnxLoader.Load(Cnn().ToByteArray(), null, "cnn.onnx"), options));
        Assert.True(backend.Created > 0);
        Assert.Equal(backend.Created, backend.Disposed);
    }
}
