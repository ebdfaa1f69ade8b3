using KernelVision.Backends.Reference;
using KernelVision.Conformance;
using KernelVision.Execution;
using Xunit;

namespace KernelVision.Tests.Conformance;

/// <summary>The ONNX backend conformance suite on the Reference backend: every case passes or is on the skip list.</summary>
public class ConformanceTests
{
    public static IEnumerable<object[]> Cases() =>
        ConformanceSuite.Discover(TestData.ConformanceDir).Select(c => new object[] { c.RelativePath });

    [Theory]
    [MemberData(nameof(Cases))]
    public void ReferenceBackendPasses(string relativePath)
    {
        var c = ConformanceSuite.Discover(Path.Combine(TestData.ConformanceDir, relativePath)).Single();
        var r = ConformanceSuite.Run(c, new SessionOptions { Backend = ReferenceBackend.Instance }, alsoInto: true);
        Assert.True(r.Status != CaseStatus.Failed, $"{relativePath}: {r.Detail}");
    }

    [Theory]
    [InlineData("onnx-node/test_conv_with_strides_padding")]
    [InlineData("onnx-models/light_squeezenet")]
    public void OptimisedAndUnoptimisedGraphsAgree(string relativePath)
    {
        var c = ConformanceSuite.Discover(Path.Combine(TestData.ConformanceDir, relativePath)).Single();
        Assert.Equal(CaseStatus.Passed, ConformanceSuite.Run(c, new SessionOptions { Backend = ReferenceBackend.Instance, Optimize = false }).Status);
        Assert.Equal(CaseStatus.Passed, ConformanceSuite.Run(c, new SessionOptions { Backend = ReferenceBackend.Instance, Optimize = true }).Status);
    }

    [Fact]
    public void SkipListOnlyNamesOutOfScopeCases()
    {
        foreach (var (name, reason) in ConformanceSuite.Skips)
            Assert.True(reason.Contains("integer data") || reason.Contains("float64") || reason.Contains("training-mode Dropout"),
                $"{name}: skip reason '{reason}' is not one of the out-of-scope kinds");
        var names = ConformanceSuite.Discover(TestData.ConformanceDir).Select(c => c.Name).ToHashSet();
        foreach (var name in ConformanceSuite.Skips.Keys) Assert.Contains(name, names);
    }
}
