using ILGPU;
using ILGPU.Runtime;
using KernelVision.Gpu.Device;
using KernelVision.Gpu.Runtime;
using KernelVision.Ops;
using KernelVision.Ops.Neural;
using KernelVision.Tensors;

namespace KernelVision.Gpu.Kernels.Neural;

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
        var w3 = g.To3D();
        var (i, o, k, s, dl, pad) = (w3.InputSpatial, w3.OutputSpatial, w3.Kernel, w3.Strides, w3.Dilations, w3.PadsBegin);
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
