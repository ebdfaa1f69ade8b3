using Google.Protobuf;
using KernelVision.Backends.Reference;
using KernelVision.Execution;
using KernelVision.Onnx;
using KernelVision.Tensors;
using Xunit;
using static KernelVision.Tests.Fuzzing.SeedModels;

namespace KernelVision.Tests.Hardening;

/// <summary>
/// The session's threading contract (docs/RELIABILITY.md): Run may be called from any number of
/// threads — runs of one session take turns, sessions run in parallel — and every result is
/// bit-identical to a serial run; cancellation is honoured while waiting and between nodes.
/// </summary>
public class ConcurrencyTests
{
    private const int Threads = 8, RunsPerThread = 100;

    private static InferenceSession CnnSession(SessionOptions? options = null) =>
        new(OnnxLoader.Load(Cnn().ToByteArray(), null, "cnn.onnx"), options);

    // A distinct input per (thread, run), so a result handed to the wrong caller is caught.
    private static Tensor Input(int k)
    {
        var t = Tensor.Zeros(DataType.Float32, [1, 2, 6, 6]);
        for (int i = 0; i < t.Length; i++) t.Floats[i] = MathF.Sin(i * 0.37f + k * 0.11f);
        return t;
    }

    private static byte[] Bits(Tensor t) => t.Floats.ToArray().SelectMany(BitConverter.GetBytes).ToArray();

    private static void AssertConcurrentMatchesSerial(Func<int, InferenceSession> sessionForThread, Func<int, Tensor> input, Func<Tensor, Tensor[]> serial)
    {
        var expected = new byte[Threads * RunsPerThread][];
        for (int k = 0; k < expected.Length; k++) expected[k] = Bits(serial(input(k))[0]);
        var actual = new byte[expected.Length][];
        using var start = new Barrier(Threads);
        var threads = Enumerable.Range(0, Threads).Select(t => new Thread(() =>
        {
            var session = sessionForThread(t);
            start.SignalAndWait();
            for (int r = 0; r < RunsPerThread; r++)
            {
                int k = t * RunsPerThread + r;
                actual[k] = Bits(session.Run(input(k))[0]);
            }
        })).ToList();
        foreach (var th in threads) th.Start();
        foreach (var th in threads) th.Join();
        for (int k = 0; k < expected.Length; k++)
            Assert.True(expected[k].AsSpan().SequenceEqual(actual[k]), $"run {k} differs from the serial result");
    }

    [Fact]
    public void EightThreadsSharingOneSessionMatchSerialRunsBitForBit()
    {
        using var serial = CnnSession();
        using var shared = CnnSession();
        AssertConcurrentMatchesSerial(_ => shared, Input, x => serial.Run(x));
    }

    [Fact]
    public void EightSessionsOnEightThreadsMatchSerialRunsBitForBit()
    {
        using var serial = CnnSession();
        var sessions = Enumerable.Range(0, Threads).Select(_ => CnnSession()).ToArray();
        try { AssertConcurrentMatchesSerial(t => sessions[t], Input, x => serial.Run(x)); }
        finally { foreach (var s in sessions) s.Dispose(); }
    }

    [Fact]
    public void NewInputShapesPlannedConcurrentlyStayCorrect()
    {
        // Shape-dependent plans built while other threads run: a dynamic batch dimension.
        var m = Cnn();
        m.Graph.Input[0].Type.TensorType.Shape.Dim[0] = new() { DimParam = "N" };
        m.Graph.Output[0].Type.TensorType.Shape.Dim[0] = new() { DimParam = "N" };
        using var serial = new InferenceSession(OnnxLoader.Load(m.ToByteArray(), null, "cnn.onnx"), new SessionOptions { Backend = ReferenceBackend.Instance });
        using var shared = new InferenceSession(OnnxLoader.Load(m.ToByteArray(), null, "cnn.onnx"), new SessionOptions { Backend = ReferenceBackend.Instance });
        Tensor Batched(int k)
        {
            int n = 1 + k % 4;
            var t = Tensor.Zeros(DataType.Float32, [n, 2, 6, 6]);
            for (int i = 0; i < t.Length; i++) t.Floats[i] = MathF.Cos(i * 0.21f + k);
            return t;
        }
        AssertConcurrentMatchesSerial(_ => shared, Batched, x => serial.Run(x));
    }

    [Fact]
    public void RunsAreDeterministicRunToRun()
    {
        using var s = CnnSession();
        var first = Bits(s.Run(Input(3))[0]);
        for (int i = 0; i < 20; i++) Assert.Equal(first, Bits(s.Run(Input(3))[0]));
    }

    [Fact]
    public void CancelledTokenStopsTheRunAndLeavesTheSessionUsable()
    {
        using var s = CnnSession();
        var expected = Bits(s.Run(Input(1))[0]);
        using var cts = new CancellationTokenSource();
        cts.Cancel();
        Assert.ThrowsAny<OperationCanceledException>(() => s.Run([Input(1)], cts.Token));
        Assert.Equal(expected, Bits(s.Run(Input(1))[0]));
    }

    [Fact]
    public void CancellationIsCheckedBetweenNodes()
    {
        using var s = CnnSession();
        using var cts = new CancellationTokenSource();
        int nodesRun = 0;
        var inputs = new Dictionary<string, Tensor> { ["x"] = Input(0) };
        Assert.ThrowsAny<OperationCanceledException>(() => s.Run(inputs, (node, _) =>
        {
            if (++nodesRun == 2) cts.Cancel();
        }, cts.Token));
        Assert.Equal(2, nodesRun); // the third node never started
        Assert.True(s.Nodes.Count > 3);
    }

    [Fact]
    public async Task CancellationWorksWhileWaitingForTheSession()
    {
        using var s = CnnSession();
        using var inside = new ManualResetEventSlim();
        using var release = new ManualResetEventSlim();
        var inputs = new Dictionary<string, Tensor> { ["x"] = Input(0) };
        var holder = Task.Run(() => s.Run(inputs, (_, _) => { inside.Set(); release.Wait(); }));
        Assert.True(inside.Wait(TimeSpan.FromSeconds(30)));
        using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(100));
        Assert.ThrowsAny<OperationCanceledException>(() => s.Run([Input(1)], cts.Token));
        release.Set();
        await holder;
    }
}
