namespace KernelVision.Tests.Fuzzing;

/// <summary>
/// A schema-free view of protobuf bytes: a message is a list of fields (number, wire type, payload),
/// and a length-delimited payload that itself parses cleanly is treated as a nested message. Lets
/// the fuzzer duplicate, drop, retype and re-encode fields anywhere in a model without knowing
/// onnx.proto, including encodings a well-behaved writer never produces (overlong varints, wrong
/// wire types, lying length prefixes).
/// </summary>
public sealed class WireMessage
{
    /// <summary>The fields in file order.</summary>
    public List<WireField> Fields { get; } = [];

    /// <summary>Parses <paramref name="data"/>; null when it is not a clean message (or nests deeper than <paramref name="depth"/>).</summary>
    public static WireMessage? Parse(ReadOnlySpan<byte> data, int depth = 12)
    {
        var m = new WireMessage();
        int p = 0;
        while (p < data.Length)
        {
            if (!ReadVarint(data, ref p, out ulong tag)) return null;
            int number = (int)(tag >> 3), wire = (int)(tag & 7);
            if (number <= 0 || tag >> 3 > 536_870_911) return null;
            var f = new WireField { Number = number, WireType = wire };
            switch (wire)
            {
                case 0:
                    if (!ReadVarint(data, ref p, out f.Varint)) return null;
                    break;
                case 1:
                    if (p + 8 > data.Length) return null;
                    f.Bytes = data.Slice(p, 8).ToArray(); p += 8;
                    break;
                case 5:
                    if (p + 4 > data.Length) return null;
                    f.Bytes = data.Slice(p, 4).ToArray(); p += 4;
                    break;
                case 2:
                    if (!ReadVarint(data, ref p, out ulong len) || len > (ulong)(data.Length - p)) return null;
                    f.Bytes = data.Slice(p, (int)len).ToArray(); p += (int)len;
                    if (depth > 0 && f.Bytes.Length > 0) f.Nested = Parse(f.Bytes, depth - 1);
                    break;
                default: return null;
            }
            m.Fields.Add(f);
        }
        return m;
    }

    /// <summary>Encodes the message (nested messages re-encoded, lying lengths and overlong varints as marked).</summary>
    public byte[] ToBytes()
    {
        var o = new List<byte>();
        Write(o);
        return [.. o];
    }

    private void Write(List<byte> o)
    {
        foreach (var f in Fields)
        {
            WriteVarint(o, ((ulong)f.Number << 3) | (uint)f.WireType, 0);
            switch (f.WireType)
            {
                case 0: WriteVarint(o, f.Varint, f.Overlong); break;
                case 2:
                    var payload = f.Nested is not null ? f.Nested.ToBytes() : f.Bytes;
                    WriteVarint(o, (ulong)((long)payload.Length + f.LengthSkew), f.Overlong);
                    o.AddRange(payload);
                    break;
                default: o.AddRange(f.Bytes); break;
            }
        }
    }

    /// <summary>Every message in the tree, this one first.</summary>
    public IEnumerable<WireMessage> All()
    {
        yield return this;
        foreach (var f in Fields)
            if (f.Nested is not null)
                foreach (var m in f.Nested.All()) yield return m;
    }

    private static bool ReadVarint(ReadOnlySpan<byte> d, ref int p, out ulong v)
    {
        v = 0;
        for (int shift = 0; shift < 64; shift += 7)
        {
            if (p >= d.Length) return false;
            byte b = d[p++];
            v |= (ulong)(b & 0x7f) << shift;
            if ((b & 0x80) == 0) return true;
        }
        return false;
    }

    /// <summary>Writes a varint, padded with <paramref name="extra"/> redundant continuation bytes.</summary>
    public static void WriteVarint(List<byte> o, ulong v, int extra)
    {
        do
        {
            byte b = (byte)(v & 0x7f);
            v >>= 7;
            o.Add(v != 0 || extra > 0 ? (byte)(b | 0x80) : b);
        } while (v != 0);
        for (int i = 0; i < extra; i++) o.Add(i == extra - 1 ? (byte)0 : (byte)0x80);
    }
}

/// <summary>One field of a <see cref="WireMessage"/>.</summary>
public sealed class WireField
{
    /// <summary>Field number.</summary>
    public int Number;
    /// <summary>0 varint, 1 fixed64, 2 length-delimited, 5 fixed32.</summary>
    public int WireType;
    /// <summary>Value of a varint field.</summary>
    public ulong Varint;
    /// <summary>Payload of fixed and length-delimited fields.</summary>
    public byte[] Bytes = [];
    /// <summary>The payload parsed as a message, when it parses.</summary>
    public WireMessage? Nested;
    /// <summary>Redundant continuation bytes to write in varints (overlong encoding).</summary>
    public int Overlong;
    /// <summary>Added to the written length prefix (a lying length).</summary>
    public int LengthSkew;

    /// <summary>A deep copy.</summary>
    public WireField Clone() => new()
    {
        Number = Number, WireType = WireType, Varint = Varint, Bytes = Bytes, Overlong = Overlong, LengthSkew = LengthSkew,
        Nested = Nested is null ? null : WireMessage.Parse(Nested.ToBytes()),
    };
}
