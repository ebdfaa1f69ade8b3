using KernelVision.Conformance;
using KernelVision.Execution;
using Xunit;

namespace KernelVision.Gpu.Tests;

/// <summary>A representative slice of the ONNX conformance cases on gpu-sim (the full gpu-sim run is `kv conformance ... --backend gpu-sim`).</summary>
public class ConformanceTests
{
    /// <summary>The conformance corpus, or null.</summary>
    public static readonly string? Root = FindRoot();

    private static string? FindRoot()
    {
        var env = Environment.GetEnvironmentVariable("KV_ONNX_TESTDATA");
        if (env is not null && Directory.Exists(env)) return env;
        for (var d = new DirectoryInfo(AppContext.BaseDirectory); d is not null; d = d.Parent)
        {
            if (!File.Exists(Path.Combine(d.FullName, "KernelVision.sln"))) continue;
            var p = Path.Combine(d.FullName, "..", "shared", "conformance");
            return Directory.Exists(p) ? Path.GetFullPath(p) : null;
        }
        return null;
    }

    public static IEnumerable<object[]> Cases() =>
    [
        ["test_conv_with_strides_and_asymmetric_padding"], ["test_conv_with_autopad_same"], ["test_basic_conv_with_padding"],
        ["test_convtranspose"], ["test_convtranspose_pads"], ["test_convtranspose_output_shape"], ["test_convtranspose_dilations"],
        ["test_convtranspose_1d"], ["test_convtranspose_3d"], ["test_convtranspose_group_2"],
        ["test_maxpool_2d_pads"], ["test_maxpool_2d_ceil"], ["test_maxpool_2d_dilations"], ["test_averagepool_2d_pads_count_include_pad"],
        ["test_averagepool_2d_same_upper"], ["test_globalaveragepool"], ["test_globalmaxpool"],
        ["test_gemm_all_attributes"], ["test_gemm_default_single_elem_vector_bias"], ["test_gemm_transposeA"], ["test_batchnorm_epsilon_training_mode"], ["test_matmul_4d"], ["test_softmax_axis_1"], ["test_logsoftmax_axis_0"],
        ["test_batchnorm_epsilon"], ["test_instancenorm_example"], ["test_lrn"],
        ["test_resize_upsample_scales_nearest"], ["test_resize_downsample_scales_linear"], ["test_resize_upsample_scales_cubic"],
        ["test_concat_3d_axis_1"], ["test_transpose_all_permutations_3"], ["test_edge_pad"], ["test_reflect_pad"],
        ["test_depthtospace_crd_mode_example"], ["test_prelu_broadcast"], ["test_clip_default_min"], ["test_reduce_mean_keepdims_random"],
        ["test_slice_neg_steps"], ["test_split_variable_parts_2d_opset18"], ["test_sum_example"], ["test_add_bcast"], ["test_pow_bcast_array"],
    ];

    [Theory]
    [MemberData(nameof(Cases))]
    public void PassesOnGpuSim(string name)
    {
        if (Root is null) return; // corpus absent: the kernel tests still cover every op
        var c = ConformanceSuite.Discover(Root).SingleOrDefault(x => x.Name == name);
        Assert.True(c is not null, $"{name} not found under {Root}");
        var r = ConformanceSuite.Run(c!, new SessionOptions { Backend = new GpuBackend(GpuCheck.Sim, "gpu-sim") });
        Assert.True(r.Status != CaseStatus.Failed, $"{name}: {r.Detail}");
    }
}
