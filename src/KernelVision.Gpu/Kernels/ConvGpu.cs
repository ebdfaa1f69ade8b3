using ILGPU;
using ILGPU.Runtime;
using KernelVision.Backends;
using KernelVision.Gpu.Device;
using KernelVision.Gpu.Runtime;
using KernelVision.Ops;
using KernelVision.Ops.Neural;
using KernelVision.Tensors;

namespace KernelVision.Gpu.Kernels;

/// <summary>Set-up of Conv launches.</summary>
internal static class ConvSetup
{
    /// <summary>The GEMM problem for a forward convolution, spatial axes padded to 3 (KTab still to be set).</summary>
    public static ConvProblem Problem(WindowGeometry g, int batch, int cin, int group, int mg,
        ArrayView<float> x, ArrayView<float> w, ArrayView<float>? bias, ArrayView<float> y, FusedActivation act)
    {
        var i = Shapes.To3(g.InputSpatial, 1);
        var o = Shapes.To3(g.OutputSpatial, 1);
        var k = Shapes.To3(g.Kernel, 1);
        var s = Shapes.To3(g.Strides, 1);
        var d = Shapes.To3(g.Dilations, 1);
        var p = Shapes.To3(g.PadsBegin, 0);
        int cg = cin / group;
        return new ConvProblem
        {
            X = x, W = w, Bias = bias ?? w, Y = y, HasBias = bias is null ? 0 : 1,
            Cin = cin, Cg = cg, Mg = mg, Cout = mg * group,
            ID = i[0], IH = i[1], IW = i[2], OD = o[0], OH = o[1], OW = o[2],
            KD = k[0], KH = k[1], KW = k[2], SD = s[0], SH = s[1], SW = s[2],
            DD = d[0], DH = d[1], DW = d[2], PD = p[0], PH = p[1], PW = p[2],
            Mv = mg, Nv = batch * g.OutputSize, Kv = cg * g.KernelSize,
            ActKind = (int)act.Kind, ActA = act.Alpha, ActB = act.Beta,
        };
    }

    /// <summary>
    /// The per-k table of a forward convolution's B loader (<see cref="ConvProblem.KTab"/>): for k =
    /// (c, kd, kh, kw) in weight order, the input offset of that channel and tap relative to the window
    /// origin, and the tap's offsets along each axis (for the bounds check).
    /// </summary>
    public static int[] KTable(ConvProblem p)
    {
        int taps = p.KD * p.KH * p.KW;
        var t = new int[Math.Max(1, p.Cg * taps) * 4];
        int plane = p.ID * p.IH * p.IW, i = 0;
        for (int c = 0; c < p.Cg; c++)
            for (int kd = 0; kd < p.KD; kd++)
                for (int kh = 0; kh < p.KH; kh++)
                    for (int kw = 0; kw < p.KW; kw++)
                    {
                        int dd = kd * p.DD, dh = kh * p.DH, dw = kw * p.DW;
                        t[i++] = c * plane + dd * p.IH * p.IW + dh * p.IW + dw;
                        t[i++] = dd;
                        t[i++] = dh;
                        t[i++] = dw;
                    }
        return t;
    }
}

/// <summary>
/// Device state of one Conv node on the register-tiled engine: the k-offset table (rebuilt when the
/// geometry changes) and the weights packed k-major (once per session when the weights are a
/// constant initializer, else on every run).
/// </summary>
internal sealed class PackedConvState : IDisposable
{
    private string? _tableKey;
    private MemoryBuffer1D<int, Stride1D.Dense>? _table;
    private MemoryBuffer1D<float, Stride1D.Dense>? _packed;
    private Tensor? _packedFrom;

    /// <summary>Runs <paramref name="p"/> (forward convolution, <paramref name="groups"/> channel groups) on the packed engine.</summary>
    public void Run(GpuDevice d, ConvProblem p, int groups, Tensor weights, bool weightsConstant)
    {
        string key = $"{p.Cg},{p.ID},{p.IH},{p.IW},{p.KD},{p.KH},{p.KW},{p.DD},{p.DH},{p.DW}";
        if (_tableKey != key)
        {
            _table?.Dispose();
            _table = d.Memory.Table(ConvSetup.KTable(p));
            _tableKey = key;
        }
        p.KTab = _table!.View;
        var (mp, kp) = Launch.PackedSizes(p.M, p.K);
        long size = (long)groups * mp * kp;
        if (_packed is null || _packed.Length != size)
        {
            _packed?.Dispose();
            _packed = d.Accelerator.Allocate1D<float>(Math.Max(size, 1));
            _packedFrom = null;
        }
        if (!weightsConstant || !ReferenceEquals(_packedFrom, weights))
        {
            Launch.PackA(d, p, groups, _packed.View);
            _packedFrom = weightsConstant ? weights : null;
        }
        Launch.Packed(d, p, groups, _packed.View);
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        _table?.Dispose();
        _packed?.Dispose();
    }
}

/// <summary>
/// Conv: depthwise 2-D convolutions (one input channel per group) run the specialised shared-memory
/// depthwise kernel; everything else (any group count, 1-D to 3-D, dilation) is an implicit GEMM
/// per channel group on the tiled engine, with bias and activation fused into the store.
/// </summary>
[BackendKernel("gpu")]
public sealed class ConvGpu(Conv op) : GpuKernel<Conv>(op)
{
    private readonly PackedConvState _packed = new();

    /// <inheritdoc/>
    protected override void Execute(IReadOnlyList<Tensor?> inputs, IReadOnlyList<Tensor?> outputs)
    {
        var x = inputs[0]!;
        var w = inputs[1]!;
        var b = inputs.Count > 2 ? inputs[2] : null;
        var y = outputs[0]!;
        if (!AllFloat(inputs, outputs) || x.Rank > 5) { RunOnHost(inputs, outputs); return; }
        var g = Op.Resolve(x.Shape, w.Shape);
        int batch = x.Shape[0], cin = x.Shape[1], cout = w.Shape[0], group = Op.Group;
        if (y.Length == 0) { Done(outputs); return; }
        var xv = In(inputs, 0);
        var wv = Param(inputs, 1);
        ArrayView<float>? bv = b is null ? null : Param(inputs, 2);
        var yv = Out(outputs, 0);
        if (!(group == cin && g.Rank == 2 && TryDepthwise(g, batch, cin, cout, xv, wv, bv, yv)))
        {
            var p = ConvSetup.Problem(g, batch, cin, group, cout / group, xv, wv, bv, yv, Op.Activation);
            _packed.Run(Device, p, group, w, Backend.MayCacheParameter(Op.Node.Inputs[1]));
        }
        Done(outputs);
    }

    private bool TryDepthwise(WindowGeometry g, int batch, int cin, int cout, ArrayView<float> x, ArrayView<float> w,
        ArrayView<float>? bias, ArrayView<float> y)
    {
        int kh = g.Kernel[0], kw = g.Kernel[1];
        if (kh * kw > 64) return false;
        int tileW = Tiles.DepthwiseTileW, threads = Tiles.GroupSize, rowsPerPass = threads / tileW;
        int patchW = (tileW - 1) * g.Strides[1] + (kw - 1) * g.Dilations[1] + 1;
        foreach (int passes in new[] { 2, 1 })
        {
            int patchH = (rowsPerPass * passes - 1) * g.Strides[0] + (kh - 1) * g.Dilations[0] + 1;
            if (patchW * patchH > TileConfig.DepthwisePatch) continue;
            int tileH = rowsPerPass * passes;
            int tiles = (g.OutputSpatial[1] + tileW - 1) / tileW * ((g.OutputSpatial[0] + tileH - 1) / tileH);
            var args = new DepthwiseArgs
            {
                X = x, W = w, Bias = bias ?? w, Y = y, HasBias = bias is null ? 0 : 1,
                C = cin, Mult = cout / cin, Cout = cout,
                H = g.InputSpatial[0], Wd = g.InputSpatial[1], OH = g.OutputSpatial[0], OW = g.OutputSpatial[1],
                KH = kh, KW = kw, SH = g.Strides[0], SW = g.Strides[1], DH = g.Dilations[0], DW = g.Dilations[1],
                PH = g.PadsBegin[0], PW = g.PadsBegin[1],
                TileW = tileW, RowsPerPass = rowsPerPass, Passes = passes, PatchW = patchW, PatchH = patchH,
                ActKind = (int)Op.Activation.Kind, ActA = Op.Activation.Alpha, ActB = Op.Activation.Beta,
            };
            Launch.Groups(Device, NeuralKernels.Depthwise, new Index3D(tiles, batch * cout, 1), threads, args);
            return true;
        }
        return false;
    }
}

/// <summary>
/// ConvTranspose without atomics: split by stride phase (<see cref="ConvPhaseProblem"/>), each phase a
/// stride-1 implicit GEMM over its own taps on the register-tiled engine (no gather with divisions).
/// output_padding, output_shape and auto_pad are already in the resolved geometry.
/// </summary>
[BackendKernel("gpu")]
public sealed class ConvTransposeGpu(ConvTranspose op) : GpuKernel<ConvTranspose>(op)
{
    private readonly ConvPhaseState _phases = new();

    /// <inheritdoc/>
    protected override void Execute(IReadOnlyList<Tensor?> inputs, IReadOnlyList<Tensor?> outputs)
    {
        var x = inputs[0]!;
        var w = inputs[1]!;
        var b = inputs.Count > 2 ? inputs[2] : null;
        var y = outputs[0]!;
        if (!AllFloat(inputs, outputs) || x.Rank > 5) { RunOnHost(inputs, outputs); return; }
        var g = Op.Resolve(x.Shape, w.Shape);
        if (y.Length == 0) { Done(outputs); return; }
        int batch = x.Shape[0], cin = x.Shape[1], group = Op.Group, mg = w.Shape[1];
        var xv = In(inputs, 0);
        var wv = Param(inputs, 1);
        ArrayView<float>? bv = b is null ? null : Param(inputs, 2);
        var yv = Out(outputs, 0);
        _phases.Run(Device, g, batch, cin, group, mg, xv, wv, bv, yv, Op.Activation, w, Backend.MayCacheParameter(Op.Node.Inputs[1]));
        Done(outputs);
    }
}

/// <summary>
/// Device state of one ConvTranspose node on the register-tiled engine: per stride phase the B and A
/// tables (rebuilt when the geometry changes) and the phase's weights packed k-major (once per session
/// when the weights are a constant initializer, else on every run).
/// </summary>
internal sealed class ConvPhaseState : IDisposable
{
    private sealed class Phase
    {
        public ConvPhaseProblem Template;
        public MemoryBuffer1D<int, Stride1D.Dense> KTab = null!, ATab = null!;
        public MemoryBuffer1D<float, Stride1D.Dense>? Packed;
    }

    private string? _key;
    private readonly List<Phase> _phases = [];
    private Tensor? _packedFrom;

    /// <summary>Runs the transposed convolution phase by phase.</summary>
    public void Run(GpuDevice d, WindowGeometry g, int batch, int cin, int group, int mg, ArrayView<float> x, ArrayView<float> w,
        ArrayView<float>? bias, ArrayView<float> y, FusedActivation act, Tensor weights, bool weightsConstant)
    {
        string key = string.Join(",", new[] { batch, cin, group, mg }.Concat(g.InputSpatial).Concat(g.OutputSpatial).Concat(g.Kernel)
            .Concat(g.Strides).Concat(g.Dilations).Concat(g.PadsBegin));
        if (_key != key)
        {
            Release();
            Build(d, g, batch, cin, group, mg);
            _key = key;
            _packedFrom = null;
        }
        bool repack = !weightsConstant || !ReferenceEquals(_packedFrom, weights);
        foreach (var ph in _phases)
        {
            var p = ph.Template;
            p.X = x; p.W = w; p.Bias = bias ?? w; p.Y = y; p.HasBias = bias is null ? 0 : 1;
            p.ActKind = (int)act.Kind; p.ActA = act.Alpha; p.ActB = act.Beta;
            p.KTab = ph.KTab.View; p.ATab = ph.ATab.View;
            if (repack && p.K > 0) Launch.PackA(d, p, group, ph.Packed!.View);
            // A phase without taps (stride larger than the dilated kernel) still stores bias + activation.
            Launch.Packed(d, p, group, ph.Packed!.View);
        }
        _packedFrom = weightsConstant ? weights : null;
    }

    private void Build(GpuDevice d, WindowGeometry g, int batch, int cin, int group, int mg)
    {
        var i = Shapes.To3(g.InputSpatial, 1);
        var o = Shapes.To3(g.OutputSpatial, 1);
        var k = Shapes.To3(g.Kernel, 1);
        var s = Shapes.To3(g.Strides, 1);
        var dl = Shapes.To3(g.Dilations, 1);
        var pad = Shapes.To3(g.PadsBegin, 0);
        int cg = cin / group, taps = k[0] * k[1] * k[2];
        int plane = i[0] * i[1] * i[2];
        for (int rd = 0; rd < Math.Min(s[0], o[0]); rd++)
            for (int rh = 0; rh < Math.Min(s[1], o[1]); rh++)
                for (int rw = 0; rw < Math.Min(s[2], o[2]); rw++)
                {
                    int[] r = [rd, rh, rw];
                    // Per axis: the taps this phase uses and their input offsets e = (ρ + pad − t·dil) / stride.
                    var axisTaps = new List<(int Tap, int E)>[3];
                    for (int a = 0; a < 3; a++)
                    {
                        axisTaps[a] = [];
                        for (int t = 0; t < k[a]; t++)
                        {
                            int num = r[a] + pad[a] - t * dl[a];
                            if (((num % s[a]) + s[a]) % s[a] == 0) axisTaps[a].Add((t, num / s[a]));
                        }
                    }
                    var kt = new List<int>();
                    var at = new List<int>();
                    for (int c = 0; c < cg; c++)
                        foreach (var (td, ed) in axisTaps[0])
                            foreach (var (th, eh) in axisTaps[1])
                                foreach (var (tw, ew) in axisTaps[2])
                                {
                                    kt.AddRange([c * plane + ed * i[1] * i[2] + eh * i[2] + ew, ed, eh, ew]);
                                    at.Add(c * mg * taps + (td * k[1] + th) * k[2] + tw);
                                }
                    int[] q = [(o[0] - rd + s[0] - 1) / s[0], (o[1] - rh + s[1] - 1) / s[1], (o[2] - rw + s[2] - 1) / s[2]];
                    var p = new ConvPhaseProblem
                    {
                        Cin = cin, Cg = cg, Mg = mg, Cout = mg * group, Taps = taps,
                        ID = i[0], IH = i[1], IW = i[2], OD = o[0], OH = o[1], OW = o[2],
                        QD = q[0], QH = q[1], QW = q[2], RD = rd, RH = rh, RW = rw, SD = s[0], SH = s[1], SW = s[2],
                        Mv = mg, Nv = batch * q[0] * q[1] * q[2], Kv = at.Count,
                    };
                    var (mp, kp) = Launch.PackedSizes(p.M, p.K);
                    var phase = new Phase
                    {
                        Template = p,
                        KTab = d.Memory.Table(kt.ToArray()),
                        ATab = d.Memory.Table(at.ToArray()),
                        Packed = d.Accelerator.Allocate1D<float>((long)group * mp * kp),
                    };
                    // Zero once: a phase without taps is never packed, and its kernel still reads one K step.
                    phase.Packed.MemSetToZero();
                    _phases.Add(phase);
                }
    }

    private void Release()
    {
        foreach (var ph in _phases)
        {
            ph.KTab.Dispose();
            ph.ATab.Dispose();
            ph.Packed?.Dispose();
        }
        _phases.Clear();
    }

    /// <inheritdoc/>
    public void Dispose() => Release();
}
