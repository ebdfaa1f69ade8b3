using Google.Protobuf;
using KernelVision.Onnx.Proto;
using KernelVision.Ops;

namespace KernelVision.Tests.Fuzzing;

/// <summary>
/// Derives hostile variants of a valid model, deterministically from a <see cref="Random"/>: raw
/// byte damage (bit flips, truncation, chunk duplication and deletion, huge varints), protobuf
/// wire damage (<see cref="WireMessage"/>: duplicated, dropped and retyped fields, overlong
/// varints, lying lengths, extreme values) and structural ONNX damage on the parsed ModelProto
/// (dims, data types, data lengths, attributes, op types, wiring, opsets, external data, shape
/// values). Each mutant stacks one to three mutations.
/// </summary>
public sealed class ModelMutator(Random rng)
{
    /// <summary>The mutation families, for statistics.</summary>
    public enum Family { Bytes, Wire, Structure }

    private static readonly long[] InterestingInts =
    [
        0, 1, -1, 2, 3, -2, 7, 64, 255, 256, 65535, int.MaxValue, int.MinValue, (long)int.MaxValue + 1, uint.MaxValue,
        1L << 40, 1_000_000_000_000, long.MaxValue, long.MinValue, -(1L << 31) - 1,
    ];

    private static readonly float[] InterestingFloats =
        [0f, -0f, 1f, -1f, 0.5f, 1e-30f, 1e30f, float.NaN, float.PositiveInfinity, float.NegativeInfinity, float.MaxValue, float.Epsilon, 1e9f];

    private static readonly string[] AttributeNames =
    [
        "axis", "axes", "pads", "strides", "kernel_shape", "dilations", "group", "perm", "mode", "value", "to", "shape",
        "starts", "ends", "split", "blocksize", "epsilon", "alpha", "beta", "gamma", "transA", "transB", "keepdims",
        "auto_pad", "ceil_mode", "count_include_pad", "output_padding", "output_shape", "coordinate_transformation_mode",
        "nearest_mode", "cubic_coeff_a", "exclude_outside", "extrapolation_value", "antialias", "keep_aspect_ratio_policy",
        "storage_order", "select_last_index", "size", "bias", "min", "max", "ratio", "scales", "spatial", "momentum",
        "noop_with_empty_axes", "allowzero", "num_outputs", "consumed_inputs", "broadcast", "is_test", "seed", "dtype",
    ];

    private static readonly string[] ExternalLocations =
        ["w.bin", "../w.bin", "/etc/passwd", "link-out.bin", "sub/../w.bin", "sub/w.bin", "linkdir/passwd", "", "w.bin\0x", "nope.bin", "C:\\w.bin", "."];

    private static readonly IReadOnlyList<string> OpTypes = OpRegistry.SupportedOpTypes;

    /// <summary>The family of the last mutant's first mutation.</summary>
    public Family LastFamily { get; private set; }

    /// <summary>A mutant of <paramref name="seed"/> (valid ONNX bytes).</summary>
    public byte[] Mutate(byte[] seed)
    {
        byte[] data = seed;
        int count = 1 + (rng.Next(4) == 0 ? rng.Next(1, 3) : 0);
        for (int i = 0; i < count; i++)
        {
            var family = (Family)rng.Next(3);
            if (i == 0) LastFamily = family;
            data = family switch
            {
                Family.Bytes => MutateBytes(data),
                Family.Wire => MutateWire(data) ?? MutateBytes(data),
                _ => MutateStructure(data) ?? MutateWire(data) ?? MutateBytes(data),
            };
        }
        return data;
    }

    // ---- raw bytes -------------------------------------------------------------------------

    private byte[] MutateBytes(byte[] d)
    {
        if (d.Length == 0) return [(byte)rng.Next(256)];
        var b = d.ToList();
        switch (rng.Next(8))
        {
            case 0: // bit flips
                for (int i = 0, n = rng.Next(1, 9); i < n; i++) b[rng.Next(b.Count)] ^= (byte)(1 << rng.Next(8));
                break;
            case 1: // interesting bytes
                for (int i = 0, n = rng.Next(1, 4); i < n; i++) b[rng.Next(b.Count)] = (byte)new[] { 0, 0xff, 0x7f, 0x80, 1, 0x0a, 0x12 }[rng.Next(7)];
                break;
            case 2: // truncate
            {
                int cut = rng.Next(b.Count);
                b.RemoveRange(cut, b.Count - cut);
                break;
            }
            case 3: // delete a chunk
            {
                int at = rng.Next(b.Count);
                b.RemoveRange(at, Math.Min(b.Count - at, rng.Next(1, 64)));
                break;
            }
            case 4: // duplicate a chunk
            {
                int at = rng.Next(b.Count), len = Math.Min(b.Count - at, rng.Next(1, 128));
                b.InsertRange(rng.Next(b.Count + 1), b.GetRange(at, len));
                break;
            }
            case 5: // huge varint
                b.InsertRange(rng.Next(b.Count + 1), rng.Next(2) == 0
                    ? [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]
                    : [0xff, 0xff, 0xff, 0xff, 0x0f]);
                break;
            case 6: // random bytes
                for (int i = 0, n = rng.Next(1, 16); i < n; i++) b.Insert(rng.Next(b.Count + 1), (byte)rng.Next(256));
                break;
            default: // append a field with a lying length
                b.AddRange([0x3a, 0xff, 0xff, 0xff, 0x7f, 0x0a]);
                break;
        }
        return [.. b];
    }

    // ---- protobuf wire level ---------------------------------------------------------------

    private byte[]? MutateWire(byte[] d)
    {
        var root = WireMessage.Parse(d);
        if (root is null) return null;
        var messages = root.All().Where(m => m.Fields.Count > 0).ToList();
        if (messages.Count == 0) return null;
        var msg = messages[rng.Next(messages.Count)];
        var f = msg.Fields[rng.Next(msg.Fields.Count)];
        switch (rng.Next(10))
        {
            case 0: // duplicate a field (protobuf: last scalar wins, repeated grows)
                msg.Fields.Insert(rng.Next(msg.Fields.Count + 1), f.Clone());
                break;
            case 1:
                msg.Fields.Remove(f);
                break;
            case 2: // wrong wire type
                int wire = new[] { 0, 1, 2, 5 }.Where(w => w != f.WireType).ElementAt(rng.Next(3));
                f.WireType = wire;
                f.Nested = null;
                f.Bytes = wire switch { 1 => new byte[8], 5 => new byte[4], 2 => RandomBytes(rng.Next(0, 12)), _ => [] };
                f.Varint = (ulong)InterestingInts[rng.Next(InterestingInts.Length)];
                break;
            case 3: // extreme varint value
                if (f.WireType == 0) f.Varint = (ulong)InterestingInts[rng.Next(InterestingInts.Length)];
                else f.Overlong = 1;
                break;
            case 4: // overlong encoding
                f.Overlong = rng.Next(1, 12);
                break;
            case 5: // lying length
                if (f.WireType == 2) f.LengthSkew = rng.Next(2) == 0 ? rng.Next(-4, 5) : int.MaxValue / 2;
                break;
            case 6: // swap two fields
            {
                int i = rng.Next(msg.Fields.Count), j = rng.Next(msg.Fields.Count);
                (msg.Fields[i], msg.Fields[j]) = (msg.Fields[j], msg.Fields[i]);
                break;
            }
            case 7: // another field number
                f.Number = rng.Next(1, 30);
                break;
            case 8: // payload damage
                if (f.WireType == 2)
                {
                    f.Nested = null;
                    var p = f.Bytes.ToList();
                    if (p.Count > 0 && rng.Next(2) == 0) p.RemoveRange(rng.Next(p.Count), 1);
                    else p.Insert(rng.Next(p.Count + 1), (byte)rng.Next(256));
                    f.Bytes = [.. p];
                }
                else if (f.Bytes.Length > 0) f.Bytes = RandomBytes(f.Bytes.Length);
                break;
            default: // repeat a field many times (repeated-field growth)
                for (int i = 0, n = rng.Next(2, 40); i < n; i++) msg.Fields.Add(f.Clone());
                break;
        }
        return root.ToBytes();
    }

    private byte[] RandomBytes(int n)
    {
        var b = new byte[n];
        rng.NextBytes(b);
        return b;
    }

    // ---- ONNX structure --------------------------------------------------------------------

    private byte[]? MutateStructure(byte[] d)
    {
        ModelProto m;
        try { m = ModelProto.Parser.ParseFrom(d); }
        catch (Exception) { return null; }
        if (m.Graph is null) return null;
        var g = m.Graph;
        switch (rng.Next(16))
        {
            case 0: MutateTensorShape(g); break;
            case 1: MutateTensorData(g); break;
            case 2: MutateValueInfo(g); break;
            case 3: case 4: MutateAttribute(g); break;
            case 5: MutateOpType(g); break;
            case 6: MutateWiring(g); break;
            case 7: MutateNodeList(g); break;
            case 8: MutateOpset(m); break;
            case 9: MutateExternal(g); break;
            case 10: case 11: MutateShapeValues(g); break;
            case 12: AddHugeShapeNode(g); break;
            case 13: MutateGraphIo(g); break;
            case 14: AddAttributeTensor(g); break;
            default: MutateTensorType(g); break;
        }
        return m.ToByteArray();
    }

    private T? Pick<T>(IList<T> list) where T : class => list.Count == 0 ? null : list[rng.Next(list.Count)];

    private long Int() => rng.Next(3) == 0 ? rng.Next(-3, 10) : InterestingInts[rng.Next(InterestingInts.Length)];

    private TensorProto? AnyTensor(GraphProto g)
    {
        var all = g.Initializer.Concat(g.Node.SelectMany(n => n.Attribute).Where(a => a.T is not null).Select(a => a.T)).ToList();
        return Pick(all);
    }

    private void MutateTensorShape(GraphProto g)
    {
        var t = AnyTensor(g);
        if (t is null) return;
        switch (rng.Next(4))
        {
            case 0 when t.Dims.Count > 0: t.Dims[rng.Next(t.Dims.Count)] = Int(); break;
            case 1: t.Dims.Insert(rng.Next(t.Dims.Count + 1), rng.Next(3) == 0 ? Int() : rng.Next(0, 4)); break;
            case 2 when t.Dims.Count > 0: t.Dims.RemoveAt(rng.Next(t.Dims.Count)); break;
            default: for (int i = 0, n = rng.Next(1, 40); i < n; i++) t.Dims.Add(1); break;
        }
    }

    private void MutateTensorData(GraphProto g)
    {
        var t = AnyTensor(g);
        if (t is null) return;
        switch (rng.Next(6))
        {
            case 0: t.ClearRawData(); break;
            case 1 when t.HasRawData: t.RawData = ByteString.CopyFrom(t.RawData.Span[..rng.Next(t.RawData.Length + 1)]); break;
            case 2 when t.HasRawData: t.RawData = ByteString.CopyFrom([.. t.RawData.Span, .. RandomBytes(rng.Next(1, 9))]); break;
            case 3: t.FloatData.Add(InterestingFloats[rng.Next(InterestingFloats.Length)]); break;
            case 4: t.Int64Data.Add(Int()); break;
            default:
                t.Int32Data.Add((int)Int());
                if (rng.Next(2) == 0) t.ClearRawData();
                break;
        }
    }

    private void MutateTensorType(GraphProto g)
    {
        var t = AnyTensor(g);
        if (t is not null) t.DataType = rng.Next(-1, 25);
    }

    private void MutateValueInfo(GraphProto g)
    {
        var vi = Pick(g.Input.Concat(g.Output).Concat(g.ValueInfo).ToList());
        var tt = vi?.Type?.TensorType;
        if (tt is null) return;
        switch (rng.Next(5))
        {
            case 0: tt.ElemType = rng.Next(-1, 25); break;
            case 1 when tt.Shape is { Dim.Count: > 0 }:
                tt.Shape.Dim[rng.Next(tt.Shape.Dim.Count)] = new TensorShapeProto.Types.Dimension { DimValue = Int() };
                break;
            case 2 when tt.Shape is { Dim.Count: > 0 }:
                tt.Shape.Dim[rng.Next(tt.Shape.Dim.Count)] = new TensorShapeProto.Types.Dimension { DimParam = "N" };
                break;
            case 3: tt.Shape?.Dim.Add(new TensorShapeProto.Types.Dimension { DimValue = rng.Next(0, 3) }); break;
            default: tt.Shape = null; break;
        }
    }

    private void MutateAttribute(GraphProto g)
    {
        var n = Pick(g.Node);
        if (n is null) return;
        var a = Pick(n.Attribute);
        int choice = rng.Next(8);
        if (a is null || choice == 7)
        {
            n.Attribute.Add(RandomAttribute(AttributeNames[rng.Next(AttributeNames.Length)]));
            return;
        }
        switch (choice)
        {
            case 0: a.I = Int(); break;
            case 1: a.F = InterestingFloats[rng.Next(InterestingFloats.Length)]; break;
            case 2:
                if (a.Ints.Count > 0 && rng.Next(2) == 0) a.Ints[rng.Next(a.Ints.Count)] = Int();
                else if (rng.Next(2) == 0) a.Ints.Add(Int());
                else if (a.Ints.Count > 0) a.Ints.RemoveAt(rng.Next(a.Ints.Count));
                break;
            case 3: // a type tag that disagrees with the value
                a.Type = (AttributeProto.Types.AttributeType)rng.Next(0, 16);
                break;
            case 4: n.Attribute.Remove(a); break;
            case 5: n.Attribute.Add(a.Clone()); break; // duplicate
            default:
                if (a.Floats.Count > 0) a.Floats[rng.Next(a.Floats.Count)] = InterestingFloats[rng.Next(InterestingFloats.Length)];
                else a.S = ByteString.CopyFromUtf8(new[] { "constant", "reflect", "edge", "SAME_UPPER", "VALID", "linear", "cubic", "bogus", "" }[rng.Next(9)]);
                break;
        }
    }

    private AttributeProto RandomAttribute(string name)
    {
        var a = new AttributeProto { Name = name };
        switch (rng.Next(5))
        {
            case 0: a.Type = AttributeProto.Types.AttributeType.Int; a.I = Int(); break;
            case 1: a.Type = AttributeProto.Types.AttributeType.Float; a.F = InterestingFloats[rng.Next(InterestingFloats.Length)]; break;
            case 2:
                a.Type = AttributeProto.Types.AttributeType.Ints;
                for (int i = 0, k = rng.Next(0, 6); i < k; i++) a.Ints.Add(rng.Next(2) == 0 ? rng.Next(-2, 5) : Int());
                break;
            case 3: a.Type = AttributeProto.Types.AttributeType.String; a.S = ByteString.CopyFrom(RandomBytes(rng.Next(0, 6))); break;
            default:
                a.Type = AttributeProto.Types.AttributeType.Tensor;
                a.T = new TensorProto { DataType = rng.Next(0, 14), Dims = { rng.Next(0, 3) }, RawData = ByteString.CopyFrom(RandomBytes(rng.Next(0, 17))) };
                break;
        }
        return a;
    }

    private void MutateOpType(GraphProto g)
    {
        var n = Pick(g.Node);
        if (n is null) return;
        n.OpType = rng.Next(8) == 0 ? new[] { "", "NoSuchOp", "relu", "If", "Loop" }[rng.Next(5)] : OpTypes[rng.Next(OpTypes.Count)];
        if (rng.Next(10) == 0) n.Domain = new[] { "com.microsoft", "ai.onnx", "x" }[rng.Next(3)];
    }

    private List<string> ValueNames(GraphProto g) =>
        g.Input.Select(v => v.Name).Concat(g.Initializer.Select(t => t.Name)).Concat(g.Node.SelectMany(n => n.Output)).Distinct().ToList();

    private void MutateWiring(GraphProto g)
    {
        var n = Pick(g.Node);
        if (n is null) return;
        var names = ValueNames(g);
        switch (rng.Next(6))
        {
            case 0 when n.Input.Count > 0 && names.Count > 0: n.Input[rng.Next(n.Input.Count)] = names[rng.Next(names.Count)]; break; // may form a cycle
            case 1 when n.Input.Count > 0: n.Input[rng.Next(n.Input.Count)] = rng.Next(2) == 0 ? "" : "dangling"; break;
            case 2 when names.Count > 0: n.Input.Add(names[rng.Next(names.Count)]); break;
            case 3 when n.Input.Count > 0: n.Input.RemoveAt(rng.Next(n.Input.Count)); break;
            case 4: n.Output.Add(rng.Next(2) == 0 ? "extra" : (Pick(n.Output) ?? "y")); break;
            default:
                if (n.Output.Count > 0 && names.Count > 0) n.Output[rng.Next(n.Output.Count)] = names[rng.Next(names.Count)];
                break;
        }
    }

    private void MutateNodeList(GraphProto g)
    {
        if (g.Node.Count == 0) return;
        switch (rng.Next(4))
        {
            case 0: g.Node.RemoveAt(rng.Next(g.Node.Count)); break;
            case 1: g.Node.Add(g.Node[rng.Next(g.Node.Count)].Clone()); break;
            case 2:
            {
                var list = g.Node.ToList();
                g.Node.Clear();
                g.Node.Add(list.OrderBy(_ => rng.Next()));
                break;
            }
            default:
            {
                // a long chain of Identity nodes (depth)
                var last = g.Output.Count > 0 ? g.Output[0].Name : null;
                var src = g.Node[^1].Output.FirstOrDefault();
                if (last is null || src is null) return;
                string prev = src;
                int k = rng.Next(10, 200);
                g.Node[^1].Output[0] = "chain_in";
                prev = "chain_in";
                for (int i = 0; i < k; i++)
                {
                    string next = i == k - 1 ? src : $"chain{i}";
                    g.Node.Add(new NodeProto { OpType = "Identity", Input = { prev }, Output = { next } });
                    prev = next;
                }
                break;
            }
        }
    }

    private void MutateOpset(ModelProto m)
    {
        long[] versions = [0, -1, 1, 5, 6, 7, 9, 10, 11, 12, 13, 17, 18, 19, 21, 22, 27, 28, 1 << 20, long.MaxValue, (1L << 32) + 13];
        switch (rng.Next(3))
        {
            case 0 when m.OpsetImport.Count > 0: m.OpsetImport[0].Version = versions[rng.Next(versions.Length)]; break;
            case 1: m.OpsetImport.Add(new OperatorSetIdProto { Domain = rng.Next(2) == 0 ? "" : "ai.onnx", Version = versions[rng.Next(versions.Length)] }); break;
            default: m.OpsetImport.Clear(); break;
        }
    }

    private void MutateExternal(GraphProto g)
    {
        var t = AnyTensor(g);
        if (t is null) return;
        t.DataLocation = TensorProto.Types.DataLocation.External;
        if (rng.Next(3) > 0) t.ClearRawData();
        t.ExternalData.Clear();
        t.ExternalData.Add(new StringStringEntryProto { Key = "location", Value = ExternalLocations[rng.Next(ExternalLocations.Length)] });
        if (rng.Next(2) == 0) t.ExternalData.Add(new StringStringEntryProto { Key = "offset", Value = new[] { "0", "4", "-1", "99999999999", "x", "1e3" }[rng.Next(6)] });
        if (rng.Next(2) == 0) t.ExternalData.Add(new StringStringEntryProto { Key = "length", Value = new[] { "0", "4", "12", "16", "-5", "9223372036854775807" }[rng.Next(6)] });
        if (rng.Next(6) == 0) t.ExternalData.Add(t.ExternalData[0].Clone());
    }

    private void MutateShapeValues(GraphProto g)
    {
        // int64 initializers feed Reshape/Slice/Pad/Resize/ConstantOfShape/... shape inputs.
        var ints = g.Initializer.Where(t => t.DataType == 7).ToList();
        var t = Pick(ints);
        if (t is null) { MutateTensorData(g); return; }
        if (t.HasRawData)
        {
            var raw = t.RawData.ToByteArray();
            if (raw.Length >= 8) BitConverter.TryWriteBytes(raw.AsSpan(rng.Next(raw.Length / 8) * 8), Int());
            t.RawData = ByteString.CopyFrom(raw);
        }
        else if (t.Int64Data.Count > 0) t.Int64Data[rng.Next(t.Int64Data.Count)] = Int();
    }

    private void AddHugeShapeNode(GraphProto g)
    {
        // Nodes whose output size comes from a value: a model asking for a 10^12-element tensor.
        var target = g.Output.Count > 0 ? g.Output[0].Name : "y";
        string shapeName = "huge_shape" + rng.Next(1000);
        long[] dims = rng.Next(3) switch
        {
            0 => [1_000_000, 1_000_000],
            1 => [1 << 20, 1 << 12],
            _ => [rng.Next(1, 5), (long)rng.Next(1, 1 << 16) * rng.Next(1, 1 << 10)],
        };
        var shape = new TensorProto { Name = shapeName, DataType = 7, Dims = { dims.Length } };
        shape.Int64Data.Add(dims);
        g.Initializer.Add(shape);
        string src = Pick(ValueNames(g)) ?? shapeName;
        var node = rng.Next(4) switch
        {
            0 => new NodeProto { OpType = "ConstantOfShape", Input = { shapeName }, Output = { target } },
            1 => new NodeProto { OpType = "Reshape", Input = { src, shapeName }, Output = { target } },
            2 => new NodeProto { OpType = "Resize", Input = { src, "", "", shapeName }, Output = { target } },
            _ => new NodeProto { OpType = "Tile", Input = { src, shapeName }, Output = { target } },
        };
        foreach (var n in g.Node) for (int i = 0; i < n.Output.Count; i++) if (n.Output[i] == target) n.Output[i] = target + "_old";
        g.Node.Add(node);
    }

    private void MutateGraphIo(GraphProto g)
    {
        switch (rng.Next(4))
        {
            case 0 when g.Output.Count > 0: g.Output.RemoveAt(rng.Next(g.Output.Count)); break;
            case 1 when g.Output.Count > 0: g.Output.Add(g.Output[0].Clone()); break;
            case 2 when g.Input.Count > 0: g.Input.Add(g.Input[rng.Next(g.Input.Count)].Clone()); break;
            default:
                var names = ValueNames(g);
                if (names.Count > 0) g.Output.Add(new ValueInfoProto { Name = names[rng.Next(names.Count)] });
                break;
        }
    }

    private void AddAttributeTensor(GraphProto g)
    {
        // A Constant node whose tensor disagrees with itself.
        var t = new TensorProto { DataType = rng.Next(0, 14) };
        for (int i = 0, r = rng.Next(0, 4); i < r; i++) t.Dims.Add(rng.Next(4) == 0 ? Int() : rng.Next(0, 5));
        if (rng.Next(2) == 0) t.RawData = ByteString.CopyFrom(RandomBytes(rng.Next(0, 64)));
        else for (int i = 0, k = rng.Next(0, 8); i < k; i++) t.FloatData.Add(i);
        var name = "const" + rng.Next(1000);
        g.Node.Insert(0, new NodeProto
        {
            OpType = "Constant", Output = { name },
            Attribute = { new AttributeProto { Name = "value", Type = AttributeProto.Types.AttributeType.Tensor, T = t } },
        });
        var n = Pick(g.Node.Skip(1).ToList());
        if (n is not null && n.Input.Count > 0) n.Input[rng.Next(n.Input.Count)] = name;
    }
}
