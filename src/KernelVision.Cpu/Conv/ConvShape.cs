using KernelVision.Ops.Neural;

namespace KernelVision.Cpu.Conv;

/// <summary>
/// The geometry of one Conv or ConvTranspose call with every number the Cpu kernels need, in
/// NCHW terms. 1-D problems are viewed as 2-D with a unit height (kernel 1, stride 1, no pad), so
/// the fast 2-D paths serve them too; 3-D and higher keep the general per-axis arrays
/// (<see cref="Geometry"/>) and <see cref="Is2D"/> is false.
/// For Conv, (H, W) is the input X and (OH, OW) the output Y; for ConvTranspose the same (X is the
/// smaller side), and PT/PL are the pads that crop the full transposed result.
/// </summary>
public sealed class ConvShape
{
    /// <summary>Batch.</summary>
    public int N { get; private init; }
    /// <summary>Input channels of X.</summary>
    public int C { get; private init; }
    /// <summary>Output channels of Y.</summary>
    public int M { get; private init; }
    /// <summary>Groups.</summary>
    public int G { get; private init; }
    /// <summary>Input channels per group.</summary>
    public int Cg => C / G;
    /// <summary>Output channels per group.</summary>
    public int Mg => M / G;

    /// <summary>True when the problem has one or two spatial axes (the 2-D fields are valid).</summary>
    public bool Is2D { get; private init; }
    /// <summary>Input height and width (H = 1 for 1-D).</summary>
    public int H { get; private init; }
    /// <summary>Input width.</summary>
    public int W { get; private init; }
    /// <summary>Kernel height and width.</summary>
    public int KH { get; private init; }
    /// <summary>Kernel width.</summary>
    public int KW { get; private init; }
    /// <summary>Strides.</summary>
    public int SH { get; private init; }
    /// <summary>Stride along the width.</summary>
    public int SW { get; private init; }
    /// <summary>Dilations.</summary>
    public int DH { get; private init; }
    /// <summary>Dilation along the width.</summary>
    public int DW { get; private init; }
    /// <summary>Begin pads (top, left); ConvTranspose pads may be negative (output_shape).</summary>
    public int PT { get; private init; }
    /// <summary>Left pad.</summary>
    public int PL { get; private init; }
    /// <summary>End pads (bottom, right).</summary>
    public int PB { get; private init; }
    /// <summary>Right pad.</summary>
    public int PR { get; private init; }
    /// <summary>Output height and width.</summary>
    public int OH { get; private init; }
    /// <summary>Output width.</summary>
    public int OW { get; private init; }

    /// <summary>The op's resolved per-axis geometry (any rank).</summary>
    public required WindowGeometry Geometry { get; init; }

    /// <summary>Elements of one input plane.</summary>
    public int InPlane => Geometry.InputSize;
    /// <summary>Elements of one output plane.</summary>
    public int OutPlane => Geometry.OutputSize;
    /// <summary>Kernel taps.</summary>
    public int Taps => Geometry.KernelSize;

    /// <summary>Builds the shape of a call with batch <paramref name="n"/>, <paramref name="c"/> input and <paramref name="m"/> output channels.</summary>
    public static ConvShape Create(WindowGeometry g, int n, int c, int m, int groups)
    {
        int r = g.Rank;
        if (r > 2)
            return new ConvShape { Geometry = g, N = n, C = c, M = m, G = groups, Is2D = false };
        int a = r == 2 ? 0 : -1; // axis of the height, -1: unit height
        int b = r - 1;
        return new ConvShape
        {
            Geometry = g,
            N = n,
            C = c,
            M = m,
            G = groups,
            Is2D = true,
            H = a < 0 ? 1 : g.InputSpatial[a],
            W = g.InputSpatial[b],
            KH = a < 0 ? 1 : g.Kernel[a],
            KW = g.Kernel[b],
            SH = a < 0 ? 1 : g.Strides[a],
            SW = g.Strides[b],
            DH = a < 0 ? 1 : g.Dilations[a],
            DW = g.Dilations[b],
            PT = a < 0 ? 0 : g.PadsBegin[a],
            PL = g.PadsBegin[b],
            PB = a < 0 ? 0 : g.PadsEnd[a],
            PR = g.PadsEnd[b],
            OH = a < 0 ? 1 : g.OutputSpatial[a],
            OW = g.OutputSpatial[b],
        };
    }

    /// <summary>True when every spatial axis has kernel 1, stride 1 and no padding: Y = W·X per group, no im2col.</summary>
    public bool IsPointwise
    {
        get
        {
            var g = Geometry;
            for (int i = 0; i < g.Rank; i++)
                if (g.Kernel[i] != 1 || g.Strides[i] != 1 || g.PadsBegin[i] != 0 || g.PadsEnd[i] != 0) return false;
            return true;
        }
    }

    /// <summary>"3x3 s2 d1 p1,1,1,1" for kernel-variant names.</summary>
    public override string ToString() => Is2D
        ? $"{KH}x{KW} s{SH},{SW} d{DH},{DW} p{PT},{PL},{PB},{PR}"
        : $"{string.Join("x", Geometry.Kernel)} {Geometry.Rank}-D";
}
