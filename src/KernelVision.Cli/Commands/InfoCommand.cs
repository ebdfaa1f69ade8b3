using System.CommandLine;
using KernelVision.Execution;
using KernelVision.Graph;
using KernelVision.Onnx;
using KernelVision.Ops;
using KernelVision.Tensors;

namespace KernelVision.Cli.Commands;

/// <summary><c>kv info MODEL</c>: what a model is and whether KernelVision can run it, before anything runs.</summary>
internal static class InfoCommand
{
    public static Command Create(TextWriter o)
    {
        var model = CliOptions.Model();
        var cmd = new Command("info", "Describe a model: producer, opsets, inputs/outputs, ops, parameters, FLOPs, unsupported ops") { model };
        cmd.SetAction(p => Execute(o, p.GetValue(model)!));
        return cmd;
    }

    private static int Execute(TextWriter o, string path)
    {
        var m = OnnxLoader.Load(CliOptions.ModelFile(path));
        var g = m.Graph;
        o.WriteLine($"model:      {m.DisplayName}");
        o.WriteLine($"producer:   {(m.Producer.Length > 0 ? m.Producer : "(none)")}, IR version {m.IrVersion}");
        o.WriteLine($"opsets:     {string.Join(", ", m.Opsets.Select(kv => $"{(kv.Key.Length == 0 ? "ai.onnx" : kv.Key)} {kv.Value}"))}");
        foreach (var i in g.Inputs) o.WriteLine($"input:      {i.Name} {i.Describe()}");
        foreach (var i in g.Outputs) o.WriteLine($"output:     {i.Name} {i.Describe()}");
        long parameters = g.Initializers.Values.Where(t => t.Type == DataType.Float32).Sum(t => (long)t.Length);
        o.WriteLine($"parameters: {parameters:N0} float32 ({g.Initializers.Count} initializers, {parameters * 4 / 1024.0 / 1024.0:F1} MiB)");
        if (m.ConvertedFromFloat16) o.WriteLine("float16:    weights, inputs and outputs converted to float32 on load (runs in float32)");
        o.WriteLine($"nodes:      {g.Nodes.Count}");
        foreach (var grp in g.Nodes.GroupBy(n => n.OpType).OrderByDescending(x => x.Count()).ThenBy(x => x.Key))
            o.WriteLine($"  {grp.Key,-24} {grp.Count(),5}{(OpRegistry.IsSupported(grp.First()) ? "" : "   UNSUPPORTED")}");
        var unsupported = g.Nodes.Where(n => !OpRegistry.IsSupported(n)).Select(n => n.OpType).Distinct().ToList();
        if (unsupported.Count > 0)
        {
            o.WriteLine($"unsupported: {string.Join(", ", unsupported)} — this model cannot run yet");
            return 0;
        }
        o.WriteLine("unsupported: none");

        // Shape inference only: the Reference backend needs no thread pool or weight packing.
        var session = new InferenceSession(m, new SessionOptions { Backend = KernelVision.Backends.Reference.ReferenceBackend.Instance });
        var feeds = new Dictionary<string, Tensor>();
        bool symbolic = false;
        foreach (var i in g.Inputs)
        {
            if (i.Shape is null) { o.WriteLine($"flops:      unknown (input '{i.Name}' has no declared shape)"); return 0; }
            symbolic |= i.Shape.Any(d => d.Value is null);
            feeds[i.Name] = Tensor.Zeros(i.Type == DataType.Undefined ? DataType.Float32 : i.Type, i.Shape.Select(d => (int)(d.Value ?? 1)).ToArray());
        }
        IReadOnlyDictionary<string, TensorInfo> infos;
        try { infos = session.InferShapes(feeds); }
        catch (KernelVisionException e) { o.WriteLine($"flops:      unknown ({e.Message})"); return 0; }
        long flops = 0;
        foreach (var cn in session.Nodes)
        {
            var ins = cn.Node.Inputs.Select(n => n.Length > 0 ? infos.GetValueOrDefault(n) : null).ToList();
            var outs = cn.Node.Outputs.Select(n => infos.GetValueOrDefault(n)).ToList();
            if (outs.Any(x => x is null)) continue;
            flops += cn.Op.Flops(ins, outs!);
        }
        o.WriteLine($"flops:      {flops / 1e9:F3} GFLOP per run{(symbolic ? " (symbolic dims taken as 1)" : "")}");
        return 0;
    }
}
