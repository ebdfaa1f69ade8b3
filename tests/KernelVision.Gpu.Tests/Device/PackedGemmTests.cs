using KernelVision.Gpu.Runtime;
using KernelVision.Graph;
using Xunit;
using static KernelVision.Gpu.Tests.GpuCheck;

namespace KernelVision.Gpu.Tests.Device;

/// <summary>
/// The register-tiled kernels (Device/PackedGemm.g.cs) against Reference on the simulators, every tile,
/// with ragged shapes: M, N, K not multiples of any tile or K-step, odd channels, groups, dilation,
/// strides, 1-D/3-D, transposed operands, batch broadcasting, split-K. Shapes stay small: every simulated
/// barrier is an OS-level rendezvous of the group's threads.
/// </summary>
public class PackedGemmTests
{
    private static void WithTile(PackedTile? tile, int? splitK, Action body)
    {
        try
        {
            TileConfig.ForcePackedTile = tile;
            TileConfig.ForceSplitK = splitK;
            body();
        }
        finally
        {
            TileConfig.ForcePackedTile = null;
            TileConfig.ForceSplitK = null;
        }
    }

    [Theory]
    // N, C, H, W, M, k, stride, pad, dilation, group
    [InlineData(1, 3, 7, 9, 5, 3, 1, 1, 1, 1)]
    [InlineData(2, 4, 9, 6, 6, 3, 2, 1, 1, 2)]
    [InlineData(1, 5, 11, 10, 7, 3, 1, 2, 2, 1)]
    [InlineData(1, 7, 5, 6, 9, 1, 1, 0, 1, 1)]     // 1×1 stride 1: plain GEMM through the table
    [InlineData(1, 6, 5, 5, 9, 1, 2, 0, 1, 3)]     // 1×1 stride 2, groups
    [InlineData(2, 3, 10, 10, 70, 5, 2, 2, 1, 1)]  // M 70 spans two 64-row tiles
    public void ConvOnSimulatorTile(int n, int c, int h, int w, int m, int k, int s, int p, int d, int g)
    {
        Same("Conv", [Random(1, n, c, h, w), Random(2, m, c / g, k, k), Random(3, m)],
            [Attr.Ints("strides", s, s), Attr.Ints("pads", p, p, p, p), Attr.Ints("dilations", d, d), Attr.Int("group", g)]);
        Assert.Contains(Sim.CompiledKernelKeys, key => key.Contains("PackedGemm.GemmSim64<ConvProblem>"));
    }

    [Fact]
    public void Conv1DAnd3DAndAsymmetricPads()
    {
        Same("Conv", [Random(4, 2, 3, 13), Random(5, 4, 3, 3)], [Attr.Ints("strides", 2), Attr.Ints("pads", 1, 0)]);
        Same("Conv", [Random(6, 1, 2, 4, 5, 3), Random(7, 3, 2, 2, 3, 2)], [Attr.Ints("pads", 1, 0, 1, 0, 1, 0), Attr.Ints("dilations", 1, 2, 1)]);
        Same("Conv", [Random(8, 1, 2, 6, 7), Random(9, 3, 2, 3, 2)], [Attr.String("auto_pad", "SAME_UPPER"), Attr.Ints("strides", 2, 2)]);
    }

    [Fact]
    public void GemmAndMatMulOnSimulatorTile()
    {
        Same("Gemm", [Random(10, 37, 29), Random(11, 29, 67), Random(12, 67)], [Attr.Float("alpha", 0.7f), Attr.Float("beta", 0.5f)]);
        Same("Gemm", [Random(13, 29, 5), Random(14, 3, 29), Random(15, 5, 3)], [Attr.Int("transA", 1), Attr.Int("transB", 1)]);
        Same("MatMul", [Random(16, 3, 1, 7, 33), Random(17, 2, 33, 18)]);
        Same("MatMul", [Random(18, 9), Random(19, 9, 5)]);
        Assert.Contains(Sim.CompiledKernelKeys, key => key.Contains("PackedGemm.GemmSim64<DenseProblem>"));
        Assert.Contains(Sim.CompiledKernelKeys, key => key.Contains("PackedGemm.GemmSim64<MatMulProblem>"));
    }

    [Fact]
    public void SmallGroupTile() => WithTile(null, null, () =>
    {
        Same("Conv", [Random(20, 1, 3, 7, 9), Random(21, 19, 3, 3, 3), Random(22, 19)], [Attr.Ints("pads", 1, 1, 1, 1)], device: Sim16Tile);
        Same("Gemm", [Random(23, 3, 20), Random(24, 17, 20), Random(25, 17)], [Attr.Int("transB", 1)], device: Sim16Tile);
        Same("MatMul", [Random(26, 2, 5, 9), Random(27, 9, 37)], device: Sim16Tile);
        Assert.Contains(Sim16Tile.CompiledKernelKeys, key => key.Contains("PackedGemm.Gemm32x32<ConvProblem>"));
    });

    [Theory]
    [InlineData(PackedTile.T128x128)]
    [InlineData(PackedTile.T128x64)]
    [InlineData(PackedTile.T64x128)]
    [InlineData(PackedTile.T64x64)]
    public void GpuTilesOn256ThreadSimulator(PackedTile tile) => WithTile(tile, null, () =>
    {
        // M 70, N 2·5·7 = 70, K 2·9 = 18: ragged against every tile and the K-step; groups of 2.
        Same("Conv", [Random(30, 2, 4, 5, 7), Random(31, 70, 2, 3, 3), Random(32, 70)], [Attr.Ints("pads", 1, 1, 1, 1), Attr.Int("group", 2)], device: Sim256);
        Same("Gemm", [Random(33, 5, 11), Random(34, 11, 130)], device: Sim256);
        Assert.Contains(Sim256.CompiledKernelKeys, key => key.Contains($"PackedGemm.Gemm{tile.ToString()[1..]}<ConvProblem>"));
    });

    [Fact]
    public void SplitKOnPackedKernels() => WithTile(null, 3, () =>
    {
        // K 8·9 = 72 → Kp 96 in chunks of 32; bias and ReLU run once, after the sum.
        Same("Conv", [Random(40, 2, 8, 5, 6), Random(41, 19, 8, 3, 3), Random(42, 19)], [Attr.Ints("pads", 1, 1, 1, 1)]);
        Same("Gemm", [Random(43, 3, 70), Random(44, 17, 70), Random(45, 17)], [Attr.Int("transB", 1), Attr.Float("beta", 0.5f)], device: Sim16Tile);
        Same("MatMul", [Random(46, 2, 5, 65), Random(47, 65, 18)], device: Sim256);
    });

    [Theory]
    // C, H, W, M, k, stride, pad, output_padding, dilation, group: every stride phase, ragged.
    [InlineData(3, 4, 5, 2, 4, 2, 1, 0, 1, 1)]
    [InlineData(4, 3, 3, 3, 3, 2, 1, 1, 1, 2)]
    [InlineData(2, 5, 4, 5, 3, 1, 0, 0, 2, 1)]
    [InlineData(3, 2, 3, 4, 3, 3, 0, 2, 1, 1)]
    [InlineData(5, 3, 4, 3, 2, 3, 0, 1, 1, 1)]  // stride 3 > kernel 2: a phase without taps stores bias only
    [InlineData(3, 4, 3, 2, 3, 2, 2, 1, 2, 1)]  // dilated, padded past the kernel: negative input offsets
    public void ConvTransposeByStridePhase(int c, int h, int w, int m, int k, int s, int p, int op, int d, int g)
    {
        Same("ConvTranspose", [Random(50, 2, c, h, w), Random(51, c, m, k, k), Random(52, m * g)],
            [Attr.Ints("strides", s, s), Attr.Ints("pads", p, p, p, p), Attr.Ints("output_padding", op, op), Attr.Ints("dilations", d, d), Attr.Int("group", g)]);
        Assert.Contains(Sim.CompiledKernelKeys, key => key.Contains("PackedGemm.GemmSim64<ConvPhaseProblem>"));
    }

    [Fact]
    public void ConvTransposeShapesAndTiles()
    {
        Same("ConvTranspose", [Random(53, 1, 2, 3, 3), Random(54, 2, 3, 3, 3)], [Attr.Ints("strides", 2, 2), Attr.Ints("output_shape", 7, 8)]);
        Same("ConvTranspose", [Random(55, 1, 3, 5), Random(56, 3, 2, 4)], [Attr.Ints("strides", 3), Attr.Ints("pads", 1, 2)]);
        Same("ConvTranspose", [Random(57, 1, 2, 2, 3, 3), Random(58, 2, 3, 2, 3, 2)], [Attr.Ints("strides", 2, 1, 2), Attr.Ints("pads", 0, 1, 0, 1, 0, 1)]);
        // Asymmetric strides (2, 3) and M 70 across two 64-row tiles on the GPU-shaped simulator.
        WithTile(PackedTile.T64x64, null, () =>
            Same("ConvTranspose", [Random(59, 1, 3, 3, 4), Random(60, 3, 70, 3, 3), Random(61, 70)], [Attr.Ints("strides", 2, 3), Attr.Ints("pads", 1, 1, 1, 1)], device: Sim256));
        Same("ConvTranspose", [Random(62, 1, 3, 4, 5), Random(63, 3, 5, 4, 4)], [Attr.Ints("strides", 2, 2), Attr.Ints("pads", 1, 1, 1, 1)], device: Sim16Tile);
    }

    [Fact]
    public void PackedSizesAreAlignedAndPadded()
    {
        Assert.Equal((8, 32), Launch.PackedSizes(5, 1));
        Assert.Equal((4, 64), Launch.PackedSizes(4, 33));
        Assert.Equal((4, 32), Launch.PackedSizes(1, 0));
    }

    [Fact]
    public void TileChoiceFillsTheMultiprocessors()
    {
        var gpu = Sim256.Tiles with { Multiprocessors = 132 };
        // Two waves over 132 multiprocessors need ≥ 264 groups.
        Assert.Equal(PackedTile.T128x128, gpu.PickPacked(512, 4 * 56 * 56, 1));  // 4·98 = 392 groups
        Assert.Equal(PackedTile.T64x64, gpu.PickPacked(512, 56 * 56, 1));        // 128-wide tiles: ≤ 200 groups; 64×64: 392
        Assert.Equal(PackedTile.T64x128, gpu.PickPacked(100, 30000, 1));         // 1·235 groups of 128×128; 2·235 of 64×128
        Assert.Equal(PackedTile.T128x64, gpu.PickPacked(30000, 100, 1));
        Assert.Equal(PackedTile.T64x64, gpu.PickPacked(64, 49, 1));
        Assert.Equal(1, gpu.SplitKPacked(512, 3136, 4608, 1, PackedTile.T64x64));
        Assert.True(gpu.SplitKPacked(512, 49, 4608, 1, PackedTile.T64x64) > 1);
    }
}
