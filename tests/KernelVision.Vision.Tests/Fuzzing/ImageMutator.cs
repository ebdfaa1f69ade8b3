namespace KernelVision.Vision.Tests.Fuzzing;

/// <summary>
/// Derives hostile variants of a valid image file, deterministically from a <see cref="Random"/>: bit
/// flips, interesting bytes, 16/32-bit header fields overwritten with extreme values in both byte orders
/// (where image formats keep widths, heights, lengths and offsets), truncation, chunk deletion and
/// duplication, inserted garbage and another format's magic. Each mutant stacks one to three.
/// </summary>
public sealed class ImageMutator(Random rng)
{
    private static readonly uint[] InterestingInts =
        [0, 1, 0x7F, 0x80, 0xFF, 0x100, 0x7FFF, 0x8000, 0xFFFF, 0x10000, 0x7FFFFFFF, 0x80000000, 0xFFFFFFFF, 65500, 30000, 1 << 24];

    /// <summary>Leading bytes of the formats the loader knows, for magic swaps.</summary>
    private static readonly byte[][] Magics =
    [
        [0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A],
        [0xFF, 0xD8, 0xFF, 0xE0],
        [(byte)'G', (byte)'I', (byte)'F', (byte)'8', (byte)'9', (byte)'a'],
        [(byte)'B', (byte)'M'],
        [(byte)'R', (byte)'I', (byte)'F', (byte)'F', 0, 0, 0, 0, (byte)'W', (byte)'E', (byte)'B', (byte)'P'],
        [(byte)'I', (byte)'I', 42, 0],
        [(byte)'M', (byte)'M', 0, 42],
        [(byte)'P', (byte)'6', (byte)'\n'],
    ];

    /// <summary>The mutation applied first in the last <see cref="Mutate"/> call, for statistics.</summary>
    public string LastFamily { get; private set; } = "";

    /// <summary>A mutant of <paramref name="seed"/> (never the same array).</summary>
    public byte[] Mutate(byte[] seed)
    {
        var data = new List<byte>(seed);
        int steps = 1 + rng.Next(3);
        for (int s = 0; s < steps; s++)
        {
            string family = Once(data);
            if (s == 0) LastFamily = family;
        }
        if (data.Count == 0) data.Add(0);
        var bytes = data.ToArray();
        // PNG guards every chunk with a CRC, so most damage stops at the first check: in half the PNG
        // mutants the CRCs are made right again, and the damage reaches the chunk parsers and inflater.
        if (rng.Next(2) == 0) FixPngCrcs(bytes);
        return bytes;
    }

    /// <summary>Recomputes the CRC of every whole chunk of a PNG (no-op for other data).</summary>
    public static void FixPngCrcs(byte[] b)
    {
        if (b.Length < 8 || b[0] != 0x89 || b[1] != (byte)'P' || b[2] != (byte)'N' || b[3] != (byte)'G') return;
        for (long at = 8; at + 12 <= b.Length;)
        {
            long len = (uint)(b[at] << 24 | b[at + 1] << 16 | b[at + 2] << 8 | b[at + 3]);
            if (at + 12 + len > b.Length) return;
            uint crc = Crc32(b.AsSpan((int)at + 4, (int)len + 4));
            int c = (int)(at + 8 + len);
            (b[c], b[c + 1], b[c + 2], b[c + 3]) = ((byte)(crc >> 24), (byte)(crc >> 16), (byte)(crc >> 8), (byte)crc);
            at += 12 + len;
        }
    }

    private static uint Crc32(ReadOnlySpan<byte> data)
    {
        uint crc = 0xFFFFFFFF;
        foreach (byte x in data)
        {
            crc ^= x;
            for (int k = 0; k < 8; k++) crc = (crc & 1) != 0 ? (crc >> 1) ^ 0xEDB88320 : crc >> 1;
        }
        return ~crc;
    }

    private string Once(List<byte> d)
    {
        if (d.Count == 0) { d.AddRange(Magics[rng.Next(Magics.Length)]); return "magic"; }
        switch (rng.Next(9))
        {
            case 0:
                for (int k = 1 + rng.Next(8); k > 0; k--) d[Header(d.Count)] ^= (byte)(1 << rng.Next(8));
                return "bitflip";
            case 1:
                d[Header(d.Count)] = (byte)InterestingInts[rng.Next(InterestingInts.Length)];
                return "byte";
            case 2:
            {
                int at = Header(d.Count), width = rng.Next(2) == 0 ? 2 : 4;
                uint v = InterestingInts[rng.Next(InterestingInts.Length)];
                bool big = rng.Next(2) == 0;
                for (int k = 0; k < width && at + k < d.Count; k++)
                    d[at + k] = (byte)(v >> (8 * (big ? width - 1 - k : k)));
                return "int-field";
            }
            case 3:
            {
                int keep = rng.Next(d.Count);
                d.RemoveRange(keep, d.Count - keep);
                return "truncate";
            }
            case 4:
            {
                int at = rng.Next(d.Count), len = Math.Min(d.Count - at, 1 + rng.Next(64));
                d.RemoveRange(at, len);
                return "delete";
            }
            case 5:
            {
                int at = rng.Next(d.Count), len = Math.Min(d.Count - at, 1 + rng.Next(256));
                var chunk = d.GetRange(at, len);
                int copies = 1 + rng.Next(rng.Next(4) == 0 ? 64 : 3);
                for (int c = 0; c < copies; c++) d.InsertRange(rng.Next(d.Count + 1), chunk);
                return "duplicate";
            }
            case 6:
            {
                var junk = new byte[1 + rng.Next(32)];
                rng.NextBytes(junk);
                d.InsertRange(rng.Next(d.Count + 1), junk);
                return "insert";
            }
            case 7:
            {
                var m = Magics[rng.Next(Magics.Length)];
                for (int k = 0; k < m.Length && k < d.Count; k++) d[k] = m[k];
                return "magic";
            }
            default:
            {
                // A run of one byte value: long runs in compressed streams, absurd counts in tables.
                int at = rng.Next(d.Count), len = Math.Min(d.Count - at, 1 + rng.Next(48));
                byte v = rng.Next(2) == 0 ? (byte)0xFF : (byte)0;
                for (int k = 0; k < len; k++) d[at + k] = v;
                return "fill";
            }
        }
    }

    // Headers (dimensions, chunk lengths, offsets, tables) sit at the front: bias edits there two times in three.
    private int Header(int count) => rng.Next(3) == 0 ? rng.Next(count) : rng.Next(Math.Min(count, 96));
}
