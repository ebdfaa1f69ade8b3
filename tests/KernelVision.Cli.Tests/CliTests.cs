using Google.Protobuf;
using KernelVision.Onnx;
using KernelVision.Onnx.Proto;
using Xunit;
using static KernelVision.Tests.Fuzzing.SeedModels;

namespace KernelVision.Cli.Tests;

public class CliTests
{
    private static (int Code, string Out, string Err) Kv(params string[] args) => KvRunner.Run(args);

    // x float32[2,3] → Identity → y: the smallest model that run writes outputs of and info reads.
    private static ModelProto IdentityModel()
    {
        var g = new GraphProto { Name = "g" };
        g.Node.Add(new NodeProto { Name = "n0", OpType = "Identity", Input = { "x" }, Output = { "y" } });
        g.Input.Add(Vi("x", 2, 3));
        g.Output.Add(Vi("y", 2, 3));
        return Model(g);
    }

    [Fact]
    public void MissingModelIsExit2WithOneErrorLine()
    {
        var (code, _, err) = Kv("run", "/nonexistent/model.onnx");
        Assert.Equal(2, code);
        Assert.StartsWith("error: ", err);
        Assert.Single(err.Trim().Split('\n'));
        Assert.Contains("model.onnx", err);
    }

    [Fact]
    public void GarbageModelIsExit2()
    {
        string path = Path.GetTempFileName();
        File.WriteAllBytes(path, [1, 2, 3, 4, 5, 6, 0xff]);
        try
        {
            var (code, _, err) = Kv("info", path);
            Assert.Equal(2, code);
            Assert.StartsWith("error: ", err);
        }
        finally { File.Delete(path); }
    }

    [Fact]
    public void KvAlonePrintsHelpAndTyposGetSuggestions()
    {
        var (code, o, err) = Kv();
        Assert.Equal(0, code);
        Assert.Contains("Usage:", o);
        Assert.Contains("classify", o);
        Assert.Equal("", err);

        (code, _, err) = Kv("clasify", "x");
        Assert.Equal(2, code);
        Assert.Equal("error: unknown command 'clasify' (did you mean 'classify'?) (see 'kv --help')", err.Trim());
        (code, _, err) = Kv("bnech");
        Assert.Contains("did you mean 'bench'?", err);
        (code, _, err) = Kv("zzzzzz");
        Assert.Contains("unknown command 'zzzzzz' (verbs: run, info", err);
    }

    [Fact]
    public void UnbuiltBackendIsAClearError()
    {
        var (code, _, err) = Kv("conformance", ".", "--backend", "nosuch");
        Assert.Equal(2, code);
        Assert.Contains("unknown backend", err);
    }

    [Fact]
    public void RunWritesOutputsAsTensorProtos()
    {
        string dir = Directory.CreateTempSubdirectory("kv-cli").FullName;
        try
        {
            string model = Path.Combine(dir, "m.onnx");
            File.WriteAllBytes(model, IdentityModel().ToByteArray());
            var x = Tensors.Tensor.FromFloats([2, 3], [1, 2, 3, 4, 5, 6]);
            string input = Path.Combine(dir, "x.pb");
            TensorProtoConverter.WriteFile(input, x, "x");
            var (code, stdout, err) = Kv("run", model, "--input", $"x={input}", "--output-dir", dir);
            Assert.True(code == 0, err);
            Assert.Contains("float32[2,3]", stdout);
            var (name, y) = TensorProtoConverter.ReadFile(Path.Combine(dir, "output_0.pb"));
            Assert.Equal("y", name);
            Assert.Equal(x.Floats.ToArray(), y.Floats.ToArray());
            var info = Kv("info", model);
            Assert.Equal(0, info.Code);
            Assert.Contains("unsupported: none", info.Out);
        }
        finally { Directory.Delete(dir, true); }
    }
}
