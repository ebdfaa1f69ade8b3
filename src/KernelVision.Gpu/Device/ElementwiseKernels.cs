using ILGPU;
using ILGPU.Algorithms;

namespace KernelVision.Gpu.Device;

/// <summary>
/// Which elements an element-wise kernel launch covers: thread t handles t, t + Stride, … below Count
/// (a grid-stride loop). GPUs launch Count threads (one element each); the simulator launches few
/// threads that loop, since every simulated group costs an OS-level barrier.
/// </summary>
public struct ElementRange
{
    /// <summary>Elements in total.</summary>
    public int Count;
    /// <summary>Threads launched (the loop step).</summary>
    public int Stride;
}

/// <summary>Unary function codes of <see cref="ElementwiseKernels.Unary"/>.</summary>
public enum UnaryCode
{
    /// <summary>max(x, 0).</summary>
    Relu, Sigmoid, Tanh, HardSwish, Erf, Sqrt, Exp,
    /// <summary>x ≥ 0 ? x : A·x.</summary>
    LeakyRelu,
    /// <summary>min(max(x, A), B).</summary>
    Clip,
    /// <summary>x ≥ 0 ? x : A·(eˣ − 1).</summary>
    Elu,
    /// <summary>B·(x &gt; 0 ? x : A·(eˣ − 1)).</summary>
    Selu,
    /// <summary>max(0, min(1, A·x + B)).</summary>
    HardSigmoid,
    /// <summary>Copy.</summary>
    Identity,
}

/// <summary>Arguments of <see cref="ElementwiseKernels.Unary"/>.</summary>
public struct UnaryArgs
{
    /// <summary>Input.</summary>
    public ArrayView<float> X;
    /// <summary>Output.</summary>
    public ArrayView<float> Y;
    /// <summary>A <see cref="UnaryCode"/>.</summary>
    public int Code;
    /// <summary>Parameters.</summary>
    public float A, B;
}

/// <summary>Up to 6 dims with strides for two inputs and the output, for broadcasting and strided copies.</summary>
public struct Dims6
{
    /// <summary>Output extents (leading unit dims pad lower ranks).</summary>
    public int D0, D1, D2, D3, D4, D5;
    /// <summary>Strides of source 1.</summary>
    public int S0, S1, S2, S3, S4, S5;
    /// <summary>Strides of source 2 (or of the destination, for copies).</summary>
    public int T0, T1, T2, T3, T4, T5;
    /// <summary>Base offsets of source 1 and source 2 / destination.</summary>
    public int BaseS, BaseT;

    /// <summary>Offsets of linear output element <paramref name="i"/> in source 1 and source 2.</summary>
    public readonly void Offsets(int i, out int s, out int t)
    {
        int c5 = i % D5; i /= D5;
        int c4 = i % D4; i /= D4;
        int c3 = i % D3; i /= D3;
        int c2 = i % D2; i /= D2;
        int c1 = i % D1; i /= D1;
        int c0 = i;
        s = BaseS + c0 * S0 + c1 * S1 + c2 * S2 + c3 * S3 + c4 * S4 + c5 * S5;
        t = BaseT + c0 * T0 + c1 * T1 + c2 * T2 + c3 * T3 + c4 * T4 + c5 * T5;
    }
}

/// <summary>Binary operation codes.</summary>
public enum BinaryCode
{
    /// <summary>a + b.</summary>
    Add, Sub, Mul, Div, Pow,
    /// <summary>a &lt; 0 ? b·a : a (PRelu, b = slope).</summary>
    PRelu,
}

/// <summary>Arguments of <see cref="ElementwiseKernels.Binary"/>.</summary>
public struct BinaryArgs
{
    /// <summary>Inputs and output.</summary>
    public ArrayView<float> A, B, Y;
    /// <summary>Output dims and the two inputs' broadcast strides.</summary>
    public Dims6 Dims;
    /// <summary>A <see cref="BinaryCode"/>.</summary>
    public int Code;
}

/// <summary>Arguments of <see cref="ElementwiseKernels.Copy"/>: Y[dst(i)] = X[src(i)] over a 6-d box.</summary>
public struct CopyArgs
{
    /// <summary>Source and destination.</summary>
    public ArrayView<float> X, Y;
    /// <summary>Box dims, source strides (S), destination strides (T), bases.</summary>
    public Dims6 Dims;
}

/// <summary>Arguments of <see cref="ElementwiseKernels.Pad"/>.</summary>
public struct PadArgs
{
    /// <summary>Source and destination.</summary>
    public ArrayView<float> X, Y;
    /// <summary>Output dims (D) and input strides (S); T holds input extents.</summary>
    public Dims6 Dims;
    /// <summary>Begin pads per dim.</summary>
    public int P0, P1, P2, P3, P4, P5;
    /// <summary>0 constant, 1 reflect, 2 edge, 3 wrap.</summary>
    public int Mode;
    /// <summary>Constant value.</summary>
    public float Value;
}

/// <summary>Arguments of <see cref="ElementwiseKernels.ResizeAxis"/>.</summary>
public struct ResizeArgs
{
    /// <summary>Source and destination.</summary>
    public ArrayView<float> X, Y;
    /// <summary>Per output position: TapCount input indices and weights.</summary>
    public ArrayView<int> Indices;
    /// <summary>Weights.</summary>
    public ArrayView<float> Weights;
    /// <summary>Layout around the axis.</summary>
    public int Taps, LengthIn, LengthOut, Inner;
}

/// <summary>
/// Memory-bound kernels: one thread per output element on GPUs (implicitly grouped; ILGPU picks the
/// group size), the standard form for element-wise, broadcast and gather-copy work; written as
/// grid-stride loops (<see cref="ElementRange"/>) so the simulator can run them on few threads.
/// </summary>
public static class ElementwiseKernels
{
    /// <summary>y = f(x).</summary>
    public static void Unary(Index1D thread, ElementRange r, UnaryArgs a)
    {
        for (int i = thread; i < r.Count; i += r.Stride)
        {
            float x = a.X[i];
            float y;
            switch (a.Code)
            {
                case (int)UnaryCode.Relu: y = x > 0 ? x : 0; break;
                case (int)UnaryCode.Sigmoid: y = DeviceMath.Sigmoid(x); break;
                case (int)UnaryCode.Tanh: y = XMath.Tanh(x); break;
                case (int)UnaryCode.HardSwish: y = x * XMath.Max(0f, XMath.Min(1f, x / 6f + 0.5f)); break;
                case (int)UnaryCode.Erf: y = DeviceMath.Erf(x); break;
                case (int)UnaryCode.Sqrt: y = XMath.Sqrt(x); break;
                case (int)UnaryCode.Exp: y = XMath.Exp(x); break;
                case (int)UnaryCode.LeakyRelu: y = x >= 0 ? x : a.A * x; break;
                case (int)UnaryCode.Clip: y = XMath.Min(XMath.Max(x, a.A), a.B); break;
                case (int)UnaryCode.Elu: y = x >= 0 ? x : a.A * (XMath.Exp(x) - 1f); break;
                case (int)UnaryCode.Selu: y = a.B * (x > 0 ? x : a.A * (XMath.Exp(x) - 1f)); break;
                case (int)UnaryCode.HardSigmoid: y = XMath.Max(0f, XMath.Min(1f, a.A * x + a.B)); break;
                default: y = x; break;
            }
            a.Y[i] = y;
        }
    }

    /// <summary>y = a ∘ b with numpy broadcasting.</summary>
    public static void Binary(Index1D thread, ElementRange r, BinaryArgs a)
    {
        for (int i = thread; i < r.Count; i += r.Stride)
        {
            a.Dims.Offsets(i, out int sa, out int sb);
            float x = a.A[sa], z = a.B[sb];
            float y;
            switch (a.Code)
            {
                case (int)BinaryCode.Add: y = x + z; break;
                case (int)BinaryCode.Sub: y = x - z; break;
                case (int)BinaryCode.Mul: y = x * z; break;
                case (int)BinaryCode.Div: y = x / z; break;
                case (int)BinaryCode.Pow: y = XMath.Pow(x, z); break;
                default: y = x < 0 ? z * x : x; break;
            }
            a.Y[i] = y;
        }
    }

    /// <summary>Strided gather-copy (Transpose, Slice, Concat, Split, DepthToSpace, SpaceToDepth).</summary>
    public static void Copy(Index1D thread, ElementRange r, CopyArgs a)
    {
        for (int i = thread; i < r.Count; i += r.Stride)
        {
            a.Dims.Offsets(i, out int s, out int t);
            a.Y[t] = a.X[s];
        }
    }

    /// <summary>Pad: each output element reads its mapped source element, or the constant.</summary>
    public static void Pad(Index1D thread, ElementRange r, PadArgs a)
    {
        for (int i = thread; i < r.Count; i += r.Stride)
        {
            var d = a.Dims;
            int rest = i;
            int c5 = rest % d.D5; rest /= d.D5;
            int c4 = rest % d.D4; rest /= d.D4;
            int c3 = rest % d.D3; rest /= d.D3;
            int c2 = rest % d.D2; rest /= d.D2;
            int c1 = rest % d.D1; rest /= d.D1;
            int c0 = rest;
            bool inside = true;
            int s0 = Source(c0 - a.P0, d.T0, a.Mode, ref inside);
            int s1 = Source(c1 - a.P1, d.T1, a.Mode, ref inside);
            int s2 = Source(c2 - a.P2, d.T2, a.Mode, ref inside);
            int s3 = Source(c3 - a.P3, d.T3, a.Mode, ref inside);
            int s4 = Source(c4 - a.P4, d.T4, a.Mode, ref inside);
            int s5 = Source(c5 - a.P5, d.T5, a.Mode, ref inside);
            a.Y[i] = inside ? a.X[d.BaseS + s0 * d.S0 + s1 * d.S1 + s2 * d.S2 + s3 * d.S3 + s4 * d.S4 + s5 * d.S5] : a.Value;
        }
    }

    private static int Source(int p, int n, int mode, ref bool inside)
    {
        if (p >= 0 && p < n) return p;
        if (mode == 0) { inside = false; return 0; }
        if (mode == 2) return p < 0 ? 0 : n - 1;
        if (mode == 3) { int r = p % n; return r < 0 ? r + n : r; }
        // reflect (no edge repeat); period 2(n−1)
        if (n == 1) return 0;
        int period = 2 * (n - 1);
        int q = p % period;
        if (q < 0) q += period;
        return q < n ? q : period - q;
    }

    /// <summary>One separable resampling pass along one axis: Y[a, p, b] = Σₖ w[p,k]·X[a, idx[p,k], b].</summary>
    public static void ResizeAxis(Index1D thread, ElementRange r, ResizeArgs a)
    {
        for (int i = thread; i < r.Count; i += r.Stride)
        {
            int b = i % a.Inner;
            int rest = i / a.Inner;
            int p = rest % a.LengthOut;
            int outer = rest / a.LengthOut;
            float sum = 0f;
            for (int k = 0; k < a.Taps; k++)
            {
                int at = p * a.Taps + k;
                sum += a.Weights[at] * a.X[(outer * a.LengthIn + a.Indices[at]) * a.Inner + b];
            }
            a.Y[i] = sum;
        }
    }
}
