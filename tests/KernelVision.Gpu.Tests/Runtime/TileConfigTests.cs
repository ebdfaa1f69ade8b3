using KernelVision.Gpu.Runtime;
using KernelVision.Graph;
using Xunit;
using static KernelVision.Gpu.Tests.GpuCheck;

namespace KernelVision.Gpu.Tests.Runtime;

/// <summary>
/// The tile configurations a real GPU uses (256-thread groups: 64×64 and 128×128 GEMM tiles, 16-wide
/// depthwise tiles, 256-thread reductions), run on a simulator shaped like an NVIDIA GPU (warp 32).
/// Shapes stay tiny: every simulated barrier of a 256-thread group costs milliseconds.
/// </summary>
public class TileConfigTests
{
    [Fact]
    public void SimulatorPicksGpuTiles()
    {
        Assert.Equal("gpu-256", Sim256.Tiles.Name);
        Assert.StartsWith("small-", Sim.Tiles.Name);
        Assert.Equal(PackedTile.T64x64, Sim256.Tiles.PickPacked(20, 30, 1));
        Assert.Equal(PackedTile.T128x128, Sim256.Tiles.PickPacked(100, 225, 1));
        Assert.Equal(PackedTile.Sim64, Sim.Tiles.PickPacked(1000, 1000, 8));
        Assert.Equal(PackedTile.T32x32, Sim16Tile.Tiles.PickPacked(1000, 1000, 8));
    }

    [Fact]
    public void ConvSpansSeveralSimulatorTiles() =>
        // M 70, N 9·8 = 72, K 8·9 = 72: two 64-wide tiles on every axis, the second ones ragged.
        Same("Conv", [Random(108, 1, 8, 9, 8), Random(109, 70, 8, 3, 3), Random(110, 70)], [Attr.Ints("pads", 1, 1, 1, 1)]);

    [Fact]
    public void GemmProblemsOnSmall16Tile()
    {
        // Ragged against the 16×16 tile and its K-step 8: M 19, N 7·9, K 3·9 = 27.
        Same("Conv", [Random(98, 1, 3, 7, 9), Random(99, 19, 3, 3, 3), Random(100, 19)], [Attr.Ints("pads", 1, 1, 1, 1)], device: Sim16Tile);
        Same("ConvTranspose", [Random(101, 1, 3, 4, 5), Random(102, 3, 5, 4, 4)], [Attr.Ints("strides", 2, 2), Attr.Ints("pads", 1, 1, 1, 1)], device: Sim16Tile);
        Same("Gemm", [Random(103, 3, 20), Random(104, 17, 20), Random(105, 17)], [Attr.Int("transB", 1)], device: Sim16Tile);
        Same("MatMul", [Random(106, 2, 5, 9), Random(107, 9, 18)], device: Sim16Tile);
    }

    [Fact]
    public void ConvOnMediumTile() =>
        Same("Conv", [Random(80, 1, 3, 9, 8), Random(81, 70, 3, 3, 3), Random(82, 70)], [Attr.Ints("pads", 1, 1, 1, 1)], device: Sim256);

    [Fact]
    public void ConvOnLargeTile() =>
        Same("Conv", [Random(83, 1, 2, 15, 15), Random(84, 100, 2, 1, 1), Random(85, 100)], device: Sim256);

    [Fact]
    public void ConvTransposeAndGemmOnMediumTile()
    {
        Same("ConvTranspose", [Random(86, 1, 3, 4, 5), Random(87, 3, 5, 4, 4)], [Attr.Ints("strides", 2, 2), Attr.Ints("pads", 1, 1, 1, 1)], device: Sim256);
        Same("Gemm", [Random(88, 3, 20), Random(89, 70, 20), Random(90, 70)], [Attr.Int("transB", 1)], device: Sim256);
    }

    [Fact]
    public void DepthwiseAndReductionsOn256Threads()
    {
        Same("Conv", [Random(91, 1, 2, 19, 21), Random(92, 2, 1, 3, 3)], [Attr.Int("group", 2), Attr.Ints("pads", 1, 1, 1, 1), Attr.Ints("strides", 2, 2)], device: Sim256);
        Same("Softmax", [Random(93, 2, 300)], [Attr.Int("axis", 1)], device: Sim256);
        Same("GlobalAveragePool", [Random(94, 1, 2, 17, 19)], device: Sim256);
        Same("InstanceNormalization", [Random(95, 1, 2, 9, 31), Random(96, 2), Random(97, 2)], device: Sim256);
    }

    [Fact]
    public void SmallOutputsWithLongKAreSplit()
    {
        var h100 = Sim256.Tiles with { Multiprocessors = 132 };
        // ResNet-18's last stage: 512×49 is 8 tiles of 64 for 132 multiprocessors; K 4608 allows 18 chunks of 256.
        Assert.Equal(18, h100.SplitKPacked(512, 49, 4608, 1, PackedTile.T64x64));
        Assert.Equal(2, h100.SplitKPacked(64, 3136, 576, 1, PackedTile.T64x64));
        Assert.Equal(1, h100.SplitKPacked(512, 12544, 576, 1, PackedTile.T128x128)); // fills the device already
        Assert.Equal(1, h100.SplitKPacked(8, 8, 200, 1, PackedTile.T64x64));         // K too short to split
        Assert.Equal(1, Sim.Tiles.SplitKPacked(512, 49, 4608, 1, PackedTile.Sim64)); // the simulator never splits
    }

    [Fact]
    public void SplitKMatchesReference()
    {
        try
        {
            TileConfig.ForceSplitK = 3;
            // K 8·9 = 72 in chunks of 32: the last chunk is ragged; bias and ReLU run once, after the sum.
            Same("Conv", [Random(111, 2, 8, 5, 6), Random(112, 19, 8, 3, 3), Random(113, 19)], [Attr.Ints("pads", 1, 1, 1, 1)]);
            Same("Conv", [Random(114, 1, 4, 6, 6), Random(115, 6, 2, 3, 3)], [Attr.Int("group", 2), Attr.Ints("strides", 2, 2)], device: Sim16Tile);
            Same("ConvTranspose", [Random(116, 1, 5, 4, 5), Random(117, 5, 3, 4, 4), Random(118, 3)], [Attr.Ints("strides", 2, 2), Attr.Ints("pads", 1, 1, 1, 1)]);
            Same("Gemm", [Random(119, 3, 40), Random(120, 17, 40), Random(121, 17)], [Attr.Int("transB", 1), Attr.Float("beta", 0.5f)]);
            Same("MatMul", [Random(122, 2, 5, 33), Random(123, 33, 18)], device: Sim256);
        }
        finally
        {
            TileConfig.ForceSplitK = null;
        }
    }
}
