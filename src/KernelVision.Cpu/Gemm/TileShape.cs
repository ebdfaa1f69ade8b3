namespace KernelVision.Cpu.Gemm;

// Compile-time tile shapes for the generic microkernels. The JIT specialises a generic method for
// every struct type argument and folds TRows.Count / TCols.Two to constants, so one source gives
// a straight-line kernel per shape with the unused accumulators removed.

/// <summary>Rows of A a microkernel instance computes (1…6).</summary>
internal interface ITileRows
{
    static abstract int Count { get; }
}

/// <summary>Whether a microkernel instance computes both vectors of the B panel or only the first.</summary>
internal interface ITileCols
{
    static abstract bool Two { get; }
}

internal struct Rows1 : ITileRows { public static int Count => 1; }
internal struct Rows2 : ITileRows { public static int Count => 2; }
internal struct Rows3 : ITileRows { public static int Count => 3; }
internal struct Rows4 : ITileRows { public static int Count => 4; }
internal struct Rows5 : ITileRows { public static int Count => 5; }
internal struct Rows6 : ITileRows { public static int Count => 6; }

/// <summary>The full panel width (two vectors).</summary>
internal struct FullWidth : ITileCols { public static bool Two => true; }

/// <summary>Half the panel width (one vector): ragged right edges of C.</summary>
internal struct HalfWidth : ITileCols { public static bool Two => false; }
