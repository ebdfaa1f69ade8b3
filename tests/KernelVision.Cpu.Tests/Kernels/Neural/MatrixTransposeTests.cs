using KernelVision.Cpu.Conv;
using Xunit;

namespace KernelVision.Cpu.Tests.Kernels.Neural;

/// <summary>
/// The transposed GEMM paths' transposition: sizes below, at and around the 8 × 8 register blocks
/// and the 32 × 32 cache blocks (ragged right columns, bottom rows, both), and the layers' shapes
/// (169 pixels × 1000 channels, 49 × 512), each element checked against its source.
/// </summary>
public class MatrixTransposeTests
{
    [Theory]
    [InlineData(1, 1)]
    [InlineData(3, 5)]
    [InlineData(8, 8)]
    [InlineData(7, 9)]
    [InlineData(9, 7)]
    [InlineData(16, 24)]
    [InlineData(32, 32)]
    [InlineData(48, 17)]
    [InlineData(17, 48)]
    [InlineData(31, 47)]
    [InlineData(33, 31)]
    [InlineData(40, 65)]
    [InlineData(169, 1000)]
    [InlineData(49, 512)]
    public unsafe void EveryElementLandsAtItsMirror(int rows, int cols)
    {
        var src = new float[rows * cols];
        for (int i = 0; i < src.Length; i++) src[i] = i + 0.5f;
        var dst = new float[rows * cols];
        Array.Fill(dst, float.NaN);
        fixed (float* s = src)
        fixed (float* d = dst)
            MatrixTranspose.Transpose(s, rows, cols, d);
        AssertMirrored(src, dst, rows, cols);
    }

    /// <summary>The blocks of columns the threads share out (in any order), together the whole transposition.</summary>
    [Theory]
    [InlineData(169, 1000)]
    [InlineData(49, 70)]
    [InlineData(7, 33)]
    public unsafe void ColumnBlocksTogetherTransposeTheWhole(int rows, int cols)
    {
        var src = new float[rows * cols];
        for (int i = 0; i < src.Length; i++) src[i] = i + 0.5f;
        var dst = new float[rows * cols];
        Array.Fill(dst, float.NaN);
        int blocks = (cols + MatrixTranspose.Block - 1) / MatrixTranspose.Block;
        fixed (float* s = src)
        fixed (float* d = dst)
            for (int b = blocks - 1; b >= 0; b--)
                MatrixTranspose.TransposeColumns(s, rows, cols, d, b * MatrixTranspose.Block, Math.Min(cols, (b + 1) * MatrixTranspose.Block));
        AssertMirrored(src, dst, rows, cols);
    }

    private static void AssertMirrored(float[] src, float[] dst, int rows, int cols)
    {
        for (int i = 0; i < rows; i++)
            for (int j = 0; j < cols; j++)
                Assert.True(dst[j * rows + i] == src[i * cols + j], $"{rows}x{cols}: [{i},{j}] became {dst[j * rows + i]}, want {src[i * cols + j]}");
    }
}
