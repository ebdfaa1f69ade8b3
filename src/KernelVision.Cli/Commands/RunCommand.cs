using System.CommandLine;
using System.Diagnostics;
using KernelVision.Execution;
using KernelVision.Onnx;

namespace KernelVision.Cli.Commands;

/// <summary><c>kv run MODEL --input [NAME=]FILE ... --output-dir DIR</c>: one inference, outputs saved as TensorProto files.</summary>
internal static class RunCommand
{
    public static Command Create(TextWriter o)
    {
        var model = CliOptions.Model();
        var inputs = new Option<string[]>("--input", "-i")
        {
            Description = "Input tensor file (.pb TensorProto or .npy), optionally NAME=FILE; repeat per input, in model order when unnamed",
            AllowMultipleArgumentsPerToken = false,
        };
        var outDir = new Option<string?>("--output-dir", "-o") { Description = "Folder for output_<i>.pb files" };
        var backend = CliOptions.Backend();
        var cmd = new Command("run", "Run a model once on input tensors") { model, inputs, outDir, backend };
        cmd.SetAction(p => Execute(o, p.GetValue(model)!, p.GetValue(inputs) ?? [], p.GetValue(outDir), p.GetValue(backend)!));
        return cmd;
    }

    private static int Execute(TextWriter o, string modelPath, string[] inputSpecs, string? outDir, string backend)
    {
        var swLoad = Stopwatch.StartNew();
        var session = InferenceSession.Load(CliOptions.ModelFile(modelPath), CliOptions.Session(backend));
        swLoad.Stop();
        var feeds = ModelInputs.FromFiles(session, inputSpecs);
        var sw = Stopwatch.StartNew();
        var results = session.Run(feeds);
        sw.Stop();
        o.WriteLine($"model {session.Model.DisplayName} on {session.Options.Backend.Name}: loaded in {CliOptions.Ms(swLoad.Elapsed)}, ran in {CliOptions.Ms(sw.Elapsed)}");
        if (outDir is not null) Directory.CreateDirectory(outDir);
        for (int i = 0; i < session.Outputs.Count; i++)
        {
            var name = session.Outputs[i].Name;
            var t = results[name];
            string line = $"  output {i} '{name}': {t.Describe()}";
            if (outDir is not null)
            {
                string path = Path.Combine(outDir, $"output_{i}.pb");
                TensorProtoConverter.WriteFile(path, t, name);
                line += $" -> {path}";
            }
            o.WriteLine(line);
        }
        return 0;
    }
}
