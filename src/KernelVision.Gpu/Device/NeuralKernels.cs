using ILGPU;
using ILGPU.Algorithms;

namespace KernelVision.Gpu.Device;

/// <summary>Arguments of <see cref="NeuralKernels.Pool"/> (up to 3 spatial axes).</summary>
public struct PoolArgs
{
    /// <summary>Input [N·C, D, H, W] and output [N·C, OD, OH, OW].</summary>
    public ArrayView<float> X, Y;
    /// <summary>Extents.</summary>
    public int ID, IH, IW, OD, OH, OW, KD, KH, KW, SD, SH, SW, DD, DH, DW, PD, PH, PW;
    /// <summary>Padded extents (input + both pads), for count_include_pad.</summary>
    public int EndD, EndH, EndW;
    /// <summary>1 max, 0 average.</summary>
    public int IsMax;
    /// <summary>1 when padding counts in the average's divisor.</summary>
    public int CountIncludePad;
}

/// <summary>Arguments of <see cref="NeuralKernels.Depthwise"/>.</summary>
public struct DepthwiseArgs
{
    /// <summary>Tensors.</summary>
    public ArrayView<float> X, W, Bias, Y;
    /// <summary>1 when a bias is given.</summary>
    public int HasBias;
    /// <summary>Input channels, outputs per input channel, total outputs.</summary>
    public int C, Mult, Cout;
    /// <summary>Geometry.</summary>
    public int H, Wd, OH, OW, KH, KW, SH, SW, DH, DW, PH, PW;
    /// <summary>Output tile width, rows per pass, passes (register-blocked rows per thread), patch width/height.</summary>
    public int TileW, RowsPerPass, Passes, PatchW, PatchH;
    /// <summary>Fused activation.</summary>
    public int ActKind;
    /// <summary>Activation parameters.</summary>
    public float ActA, ActB;
}

/// <summary>Arguments of the per-row reductions (softmax, instance norm, global pools, reduce-mean).</summary>
public struct RowArgs
{
    /// <summary>Input and output.</summary>
    public ArrayView<float> X, Y;
    /// <summary>Row r's element j sits at (r / Inner)·Length·Inner + j·Inner + r % Inner.</summary>
    public int Length, Inner;
    /// <summary>Softmax: 1 for LogSoftmax. Global pool: 1 for max. InstanceNorm: unused.</summary>
    public int Flag;
    /// <summary>InstanceNorm scale/bias per channel.</summary>
    public ArrayView<float> Scale, Shift;
    /// <summary>InstanceNorm channels and epsilon.</summary>
    public int Channels;
    /// <summary>Epsilon.</summary>
    public float Epsilon;
}

/// <summary>Arguments of <see cref="NeuralKernels.BatchNorm"/>.</summary>
public struct BatchNormArgs
{
    /// <summary>Tensors.</summary>
    public ArrayView<float> X, Scale, Bias, Mean, Var, Y;
    /// <summary>Channels and plane size.</summary>
    public int C, Plane;
    /// <summary>Epsilon.</summary>
    public float Epsilon;
    /// <summary>Fused activation (ActivationKind as int).</summary>
    public int ActKind;
    /// <summary>Activation parameters.</summary>
    public float ActA, ActB;
}

/// <summary>Arguments of <see cref="NeuralKernels.Lrn"/>.</summary>
public struct LrnArgs
{
    /// <summary>Tensors.</summary>
    public ArrayView<float> X, Y;
    /// <summary>Channels, plane, window below/above.</summary>
    public int C, Plane, Below, Above, Size;
    /// <summary>Parameters.</summary>
    public float Alpha, Beta, Bias;
}

/// <summary>Arguments of <see cref="NeuralKernels.ReduceRows"/>: output o reduces Count elements at Base(o) + Σ r-coords·strides.</summary>
public struct ReduceArgs
{
    /// <summary>Input and output.</summary>
    public ArrayView<float> X, Y;
    /// <summary>Kept dims (D) with input strides (S) give each output's base; T unused.</summary>
    public Dims6 Kept;
    /// <summary>Reduced dims (D) with input strides (S).</summary>
    public Dims6 Reduced;
    /// <summary>Elements reduced per output.</summary>
    public int Count;
}

/// <summary>Neural-network kernels other than the GEMM-shaped ones.</summary>
public static class NeuralKernels
{
    /// <summary>Max/average pooling, one thread per output (the standard memory-bound form).</summary>
    public static void Pool(Index1D thread, ElementRange r, PoolArgs a)
    {
        for (int i = thread; i < r.Count; i += r.Stride)
        {
            int rest = i;
            int ow = rest % a.OW; rest /= a.OW;
            int oh = rest % a.OH; rest /= a.OH;
            int od = rest % a.OD; int nc = rest / a.OD;
            int d0 = od * a.SD - a.PD, h0 = oh * a.SH - a.PH, w0 = ow * a.SW - a.PW;
            float best = float.NegativeInfinity, sum = 0f;
            int count = 0, window = 0;
            for (int kd = 0; kd < a.KD; kd++)
            {
                int d = d0 + kd * a.DD;
                for (int kh = 0; kh < a.KH; kh++)
                {
                    int h = h0 + kh * a.DH;
                    for (int kw = 0; kw < a.KW; kw++)
                    {
                        int w = w0 + kw * a.DW;
                        if (d < a.EndD - a.PD && h < a.EndH - a.PH && w < a.EndW - a.PW) window++;
                        if ((uint)d >= (uint)a.ID || (uint)h >= (uint)a.IH || (uint)w >= (uint)a.IW) continue;
                        float v = a.X[((nc * a.ID + d) * a.IH + h) * a.IW + w];
                        best = XMath.Max(best, v);
                        sum += v;
                        count++;
                    }
                }
            }
            a.Y[i] = a.IsMax != 0 ? best : sum / (a.CountIncludePad != 0 ? window : XMath.Max(count, 1));
        }
    }

    /// <summary>
    /// Depthwise 2-D convolution: a group computes a TileW × (RowsPerPass·Passes) output tile of one
    /// channel; the input patch it needs and the channel's taps are staged in shared memory once,
    /// then each thread produces Passes outputs down a column (register blocking over rows).
    /// </summary>
    public static void Depthwise(DepthwiseArgs a)
    {
        var patch = SharedMemory.Allocate<float>(KernelVision.Gpu.Runtime.TileConfig.DepthwisePatch);
        var taps = SharedMemory.Allocate<float>(64);
        int tid = Group.IdxX, threads = Group.DimX;
        int tileH = a.RowsPerPass * a.Passes;
        int tilesW = (a.OW + a.TileW - 1) / a.TileW;
        int tx0 = (Grid.IdxX % tilesW) * a.TileW, ty0 = (Grid.IdxX / tilesW) * tileH;
        int nc = Grid.IdxY;
        int n = nc / a.Cout, co = nc - n * a.Cout, ci = co / a.Mult;
        int h0 = ty0 * a.SH - a.PH, w0 = tx0 * a.SW - a.PW;
        int planeBase = (n * a.C + ci) * a.H * a.Wd;
        for (int e = tid; e < a.PatchH * a.PatchW; e += threads)
        {
            int r = e / a.PatchW, c = e - r * a.PatchW;
            int h = h0 + r, w = w0 + c;
            patch[e] = (uint)h < (uint)a.H && (uint)w < (uint)a.Wd ? a.X[planeBase + h * a.Wd + w] : 0f;
        }
        int kTaps = a.KH * a.KW;
        for (int e = tid; e < kTaps; e += threads) taps[e] = a.W[co * kTaps + e];
        Group.Barrier();

        int ox = tid % a.TileW, oyBase = tid / a.TileW;
        if (oyBase >= a.RowsPerPass) return;
        float bias = a.HasBias != 0 ? a.Bias[co] : 0f;
        for (int p = 0; p < a.Passes; p++)
        {
            int oy = oyBase + p * a.RowsPerPass;
            int gy = ty0 + oy, gx = tx0 + ox;
            if (gy >= a.OH || gx >= a.OW) continue;
            float acc = 0f;
            for (int kh = 0; kh < a.KH; kh++)
            {
                int row = (oy * a.SH + kh * a.DH) * a.PatchW + ox * a.SW;
                for (int kw = 0; kw < a.KW; kw++)
                    acc += patch[row + kw * a.DW] * taps[kh * a.KW + kw];
            }
            a.Y[((n * a.Cout + co) * a.OH + gy) * a.OW + gx] = DeviceMath.Activate(a.ActKind, a.ActA, a.ActB, acc + bias);
        }
    }

    private static int RowStart(int row, int length, int inner) => (row / inner) * length * inner + row % inner;

    /// <summary>Softmax / LogSoftmax: one group per row; max and sum are group reductions.</summary>
    public static void Softmax(RowArgs a)
    {
        int row = Grid.IdxX;
        int start = RowStart(row, a.Length, a.Inner);
        int tid = Group.IdxX, threads = Group.DimX;
        float m = float.NegativeInfinity;
        for (int j = tid; j < a.Length; j += threads) m = XMath.Max(m, a.X[start + j * a.Inner]);
        m = GroupReduce.Max(m);
        float s = 0f;
        for (int j = tid; j < a.Length; j += threads) s += XMath.Exp(a.X[start + j * a.Inner] - m);
        s = GroupReduce.Sum(s);
        float logS = XMath.Log(s);
        for (int j = tid; j < a.Length; j += threads)
        {
            float v = a.X[start + j * a.Inner] - m;
            a.Y[start + j * a.Inner] = a.Flag != 0 ? v - logS : XMath.Exp(v) / s;
        }
    }

    /// <summary>Global average/max pool: one group per (n, c) plane, group reduction.</summary>
    public static void GlobalPool(RowArgs a)
    {
        int row = Grid.IdxX;
        int start = row * a.Length;
        int tid = Group.IdxX, threads = Group.DimX;
        float v = a.Flag != 0 ? float.NegativeInfinity : 0f;
        for (int j = tid; j < a.Length; j += threads)
        {
            float x = a.X[start + j];
            v = a.Flag != 0 ? XMath.Max(v, x) : v + x;
        }
        float r = a.Flag != 0 ? GroupReduce.Max(v) : GroupReduce.Sum(v);
        if (tid == 0) a.Y[row] = a.Flag != 0 ? r : r / a.Length;
    }

    /// <summary>InstanceNormalization: one group per (n, c); mean, then variance about the mean (two passes, stable).</summary>
    public static void InstanceNorm(RowArgs a)
    {
        int row = Grid.IdxX;
        int start = row * a.Length;
        int c = row % a.Channels;
        int tid = Group.IdxX, threads = Group.DimX;
        float s = 0f;
        for (int j = tid; j < a.Length; j += threads) s += a.X[start + j];
        float mean = GroupReduce.Sum(s) / a.Length;
        float q = 0f;
        for (int j = tid; j < a.Length; j += threads) { float d = a.X[start + j] - mean; q += d * d; }
        float variance = GroupReduce.Sum(q) / a.Length;
        float scale = a.Scale[c] * XMath.Rsqrt(variance + a.Epsilon), shift = a.Shift[c];
        for (int j = tid; j < a.Length; j += threads) a.Y[start + j] = (a.X[start + j] - mean) * scale + shift;
    }

    /// <summary>ReduceMean over any axes: one group per output, threads stride over the reduced elements, group sum.</summary>
    public static void ReduceRows(ReduceArgs a)
    {
        int o = Grid.IdxX;
        a.Kept.Offsets(o, out int start, out _);
        int tid = Group.IdxX, threads = Group.DimX;
        float s = 0f;
        for (int r = tid; r < a.Count; r += threads)
        {
            a.Reduced.Offsets(r, out int off, out _);
            s += a.X[start + off];
        }
        float total = GroupReduce.Sum(s);
        if (tid == 0) a.Y[o] = total / a.Count;
    }

    /// <summary>Inference BatchNormalization: y = act((x − mean)·scale/√(var+ε) + bias), per channel.</summary>
    public static void BatchNorm(Index1D thread, ElementRange r, BatchNormArgs a)
    {
        for (int i = thread; i < r.Count; i += r.Stride)
        {
            int c = (i / a.Plane) % a.C;
            float k = a.Scale[c] * XMath.Rsqrt(a.Var[c] + a.Epsilon);
            a.Y[i] = DeviceMath.Activate(a.ActKind, a.ActA, a.ActB, (a.X[i] - a.Mean[c]) * k + a.Bias[c]);
        }
    }

    /// <summary>LRN across channels, one thread per element.</summary>
    public static void Lrn(Index1D thread, ElementRange r, LrnArgs a)
    {
        for (int i = thread; i < r.Count; i += r.Stride)
        {
            int p = i % a.Plane;
            int c = (i / a.Plane) % a.C;
            int nBase = i - (c * a.Plane + p);
            float sq = 0f;
            int lo = XMath.Max(0, c - a.Below), hi = XMath.Min(a.C - 1, c + a.Above);
            for (int j = lo; j <= hi; j++) { float v = a.X[nBase + j * a.Plane + p]; sq += v * v; }
            a.Y[i] = a.X[i] / XMath.Pow(a.Bias + a.Alpha / a.Size * sq, a.Beta);
        }
    }
}
