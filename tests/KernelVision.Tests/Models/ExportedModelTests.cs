using KernelVision.Backends.Reference;
using KernelVision.Conformance;
using KernelVision.Execution;
using KernelVision.Onnx;
using KernelVision.Tensors;
using Xunit;

namespace KernelVision.Tests.Models;

/// <summary>
/// Models exported by tools/make_test_models.py from PyTorch (ResNet, VGG, MobileNetV2, DCGAN, U-Net …),
/// with PyTorch's own outputs as the oracle: max|err| ≤ 1e-4·max|out|.
/// </summary>
public class ExportedModelTests
{
    public static IEnumerable<object[]> Models() =>
        TestData.ModelsDir is null
            ? [["(none)"]]
            : Directory.GetDirectories(TestData.ModelsDir).Select(Path.GetFileName).Order().Select(n => new object[] { n! });

    public static InferenceSession AssertMatchesPyTorch(string name, SessionOptions options)
    {
        string dir = Path.Combine(TestData.ModelsDir!, name);
        var c = ConformanceSuite.Discover(dir).Single();
        var session = InferenceSession.Load(c.ModelPath, options);
        string set = Path.Combine(dir, "test_data_set_0");
        var inputs = new Dictionary<string, Tensor>();
        for (int i = 0; File.Exists(Path.Combine(set, $"input_{i}.pb")); i++)
        {
            var (n, t) = TensorProtoConverter.ReadFile(Path.Combine(set, $"input_{i}.pb"));
            inputs[session.Inputs.Any(x => x.Name == n) ? n : session.Inputs[i].Name] = t;
        }
        var outputs = session.Run(inputs);
        for (int i = 0; File.Exists(Path.Combine(set, $"output_{i}.pb")); i++)
        {
            var expected = TensorProtoConverter.ReadFile(Path.Combine(set, $"output_{i}.pb")).Tensor;
            var actual = outputs[session.Outputs[i].Name];
            Assert.Equal(expected.Shape, actual.Shape);
            double maxOut = 0, maxErr = 0;
            for (int k = 0; k < expected.Length; k++)
            {
                maxOut = Math.Max(maxOut, Math.Abs(expected.GetDouble(k)));
                maxErr = Math.Max(maxErr, Math.Abs(expected.GetDouble(k) - actual.GetDouble(k)));
            }
            Assert.True(maxErr <= 1e-4 * maxOut, $"{name} output {i}: max|err| {maxErr:G4} > 1e-4 · max|out| {maxOut:G4}");
        }
        return session;
    }

    [ModelTheory]
    [MemberData(nameof(Models))]
    public void ReferenceMatchesPyTorch(string name) => AssertMatchesPyTorch(name, new SessionOptions { Backend = ReferenceBackend.Instance });

    /// <summary>Integer shape arithmetic (torch.onnx's Shape→Gather→Concat chains) may run on Reference; float compute may not.</summary>
    private static readonly HashSet<string> ShapeOps = ["Shape", "Gather", "Unsqueeze", "Squeeze", "Concat", "Cast", "Slice", "Reshape", "ConstantOfShape", "Constant", "Range", "Equal", "Where", "Expand"];

    /// <summary>The Cpu backend on the same models and bar; only integer shape arithmetic may fall back to Reference kernels.</summary>
    [ModelTheory]
    [MemberData(nameof(Models))]
    public void CpuMatchesPyTorch(string name)
    {
        using var session = AssertMatchesPyTorch(name, new SessionOptions { Backend = new KernelVision.Cpu.CpuBackend(2) });
        var fallbacks = session.Nodes.Where(n => n.IsFallback).Select(n => n.Node.OpType).Distinct().ToList();
        Assert.True(fallbacks.All(ShapeOps.Contains), $"{name}: float ops on the Reference fallback: {string.Join(", ", fallbacks.Where(f => !ShapeOps.Contains(f)))}");
    }
}
