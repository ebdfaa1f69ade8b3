namespace KernelVision.Cpu.Gemm;

/// <summary>
/// Produces packed panels of a GEMM operand that is not a plain strided matrix — for example the
/// im2col view of a convolution input, packed straight from the image without materialising the
/// column matrix. Both operands are seen as "X×K" matrices: for A, X is the row index i (element
/// A[i,k]); for B, X is the column index j (element B[k,j]).
/// Implementations must be thread-safe: panels are packed concurrently.
/// </summary>
public unsafe interface IGemmPanelSource
{
    /// <summary>
    /// Writes <c>dst[kk*width + x] = Op(x0 + x, k0 + kk)</c> for kk in [0, <paramref name="kc"/>) and
    /// x in [0, <paramref name="count"/>), and 0 for x in [<paramref name="count"/>, <paramref name="width"/>).
    /// </summary>
    void PackPanel(float* dst, int width, int x0, int count, int k0, int kc);
}

/// <summary>
/// An input of <see cref="Sgemm"/>: a strided matrix (any transposition), a custom
/// <see cref="IGemmPanelSource"/>, or a <see cref="PackedMatrix"/> prepared once (constant weights).
/// Pointers must stay valid (pinned) for the duration of the call.
/// </summary>
public readonly unsafe struct GemmOperand
{
    internal readonly float* Data;
    internal readonly nint XStride;
    internal readonly nint KStride;
    internal readonly IGemmPanelSource? Source;
    internal readonly PackedMatrix? Packed;
    internal readonly int* RowOffsets; // read through a row table: element (x, k) at Data[RowOffsets[k] + x]
    internal readonly int* XOffsets;   // ... and, when set, a table of the x offsets too: Data[RowOffsets[k] + XOffsets[x]]

    private GemmOperand(float* data, nint xStride, nint kStride, IGemmPanelSource? source, PackedMatrix? packed, int* rowOffsets = null, int* xOffsets = null)
    {
        RowOffsets = rowOffsets;
        XOffsets = xOffsets;
        Data = data;
        XStride = xStride;
        KStride = kStride;
        Source = source;
        Packed = packed;
    }

    /// <summary>
    /// The left operand op(A) (M×K) of a row-major buffer with leading dimension <paramref name="lda"/>:
    /// A is stored [M, lda] or, when <paramref name="transposed"/>, [K, lda] (then op(A) = Aᵀ).
    /// </summary>
    public static GemmOperand MatrixA(float* a, int lda, bool transposed = false) =>
        transposed ? new(a, 1, lda, null, null) : new(a, lda, 1, null, null);

    /// <summary>
    /// The right operand op(B) (K×N) of a row-major buffer with leading dimension <paramref name="ldb"/>:
    /// B is stored [K, ldb] or, when <paramref name="transposed"/>, [N, ldb] (then op(B) = Bᵀ, the PyTorch Linear weight layout).
    /// </summary>
    public static GemmOperand MatrixB(float* b, int ldb, bool transposed = false) =>
        transposed ? new(b, ldb, 1, null, null) : new(b, 1, ldb, null, null);

    /// <summary>Element (x, k) at <c>data[x*xStride + k*kStride]</c>, X being the row of A or the column of B.</summary>
    public static GemmOperand Strided(float* data, nint xStride, nint kStride) => new(data, xStride, kStride, null, null);

    /// <summary>
    /// A right operand op(B) (K×N) whose k-th row is the N contiguous floats at
    /// <c>data + rowOffsets[k]</c>: the im2col matrix of a stride-1 convolution over a padded image,
    /// whose rows are the image shifted per tap, read in place by the microkernels instead of packed.
    /// </summary>
    public static GemmOperand RowTableB(float* data, int* rowOffsets) =>
        new(data != null ? data : throw new ArgumentNullException(nameof(data)), 1, 0, null, null,
            rowOffsets != null ? rowOffsets : throw new ArgumentNullException(nameof(rowOffsets)));

    /// <summary>
    /// A left operand op(A) (M×K) whose element (i, k) is <c>data[rowOffsets[k] + i]</c>, or
    /// <c>data[rowOffsets[k] + pixelOffsets[i]]</c> when <paramref name="pixelOffsets"/> is given: the
    /// transposed im2col matrix of a convolution over a padded image (rows = output pixels, which the
    /// pixel table places in the padded rows), read in place by the microkernels' broadcasts instead of packed.
    /// </summary>
    public static GemmOperand RowTableA(float* data, int* rowOffsets, int* pixelOffsets = null) =>
        new(data != null ? data : throw new ArgumentNullException(nameof(data)), 1, 0, null, null,
            rowOffsets != null ? rowOffsets : throw new ArgumentNullException(nameof(rowOffsets)), pixelOffsets);

    /// <summary>An operand whose panels <paramref name="source"/> packs on demand.</summary>
    public static GemmOperand FromSource(IGemmPanelSource source) =>
        new(null, 0, 0, source ?? throw new ArgumentNullException(nameof(source)), null);

    /// <summary>An operand packed ahead of time with <see cref="Sgemm.PackA(in GemmOperand, int, int, GemmKernel?)"/> or <see cref="Sgemm.PackB(in GemmOperand, int, int, GemmKernel?)"/>.</summary>
    public static GemmOperand FromPacked(PackedMatrix packed) =>
        new(null, 0, 0, null, packed ?? throw new ArgumentNullException(nameof(packed)));

    /// <summary>True for the default (empty) operand.</summary>
    public bool IsEmpty => Data == null && Source is null && Packed is null;
}

/// <summary>
/// An operand already in the panel layout of one <see cref="GemmKernel"/>: for every K block
/// (depth KC, the last one shorter) the X extent in panels of width MR (A) or NR (B), each stored
/// k-major (<c>panel[kk*width + x]</c>) and zero-padded. Conv and Gemm kernels pack constant
/// weights once, at the first run, and reuse them for every inference. Immutable; thread-safe.
/// </summary>
public sealed unsafe class PackedMatrix
{
    private readonly Memory.AlignedBuffer _buffer;

    internal PackedMatrix(GemmKernel kernel, bool isA, int extent, int depth)
    {
        Kernel = kernel;
        IsA = isA;
        Extent = extent;
        Depth = depth;
        Width = isA ? kernel.MR : kernel.NR;
        PaddedExtent = (extent + Width - 1) / Width * Width;
        _buffer = new Memory.AlignedBuffer(Math.Max(1L, (long)PaddedExtent * depth));
    }

    /// <summary>The kernel whose layout this is (Sgemm runs that kernel on it).</summary>
    public GemmKernel Kernel { get; }
    /// <summary>True for a left operand (M×K), false for a right operand (K×N).</summary>
    public bool IsA { get; }
    /// <summary>M for A, N for B.</summary>
    public int Extent { get; }
    /// <summary>K.</summary>
    public int Depth { get; }
    /// <summary>Bytes held.</summary>
    public long Bytes => _buffer.Length * sizeof(float);

    internal int Width { get; }
    internal int PaddedExtent { get; }
    internal float* Data => _buffer.Pointer;

    /// <summary>The panel that starts at X = <paramref name="x0"/> (a multiple of the panel width) in the K block starting at <paramref name="k0"/>.</summary>
    internal float* Panel(int k0, int x0) =>
        Data + (long)k0 * PaddedExtent + (long)(x0 / Width) * Math.Min(Kernel.KC, Depth - k0) * Width;
}
