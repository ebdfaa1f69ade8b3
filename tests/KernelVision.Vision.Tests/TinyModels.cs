using Google.Protobuf;
using KernelVision.Onnx.Proto;

namespace KernelVision.Vision.Tests;

/// <summary>
/// Hand-built ONNX models small enough to compute by hand, each written with a model.json into a
/// temporary folder (the weights/ layout), so the library and the CLI verbs can be tested end to end
/// without trained weights.
/// </summary>
public sealed class TinyModels : IDisposable
{
    public string Root { get; } = Directory.CreateTempSubdirectory("kv-vision").FullName;

    public void Dispose()
    {
        try { Directory.Delete(Root, true); } catch (IOException) { }
    }

    public string Path(params string[] parts) => System.IO.Path.Combine([Root, .. parts]);

    /// <summary>Writes model.onnx + model.json into Root/name and returns the folder.</summary>
    public string Write(string name, ModelProto model, string? json)
    {
        string dir = Path(name);
        Directory.CreateDirectory(dir);
        File.WriteAllBytes(System.IO.Path.Combine(dir, "model.onnx"), model.ToByteArray());
        if (json is not null) File.WriteAllText(System.IO.Path.Combine(dir, "model.json"), json);
        return dir;
    }

    public static ValueInfoProto Vi(string name, params object[] dims)
    {
        var shape = new TensorShapeProto();
        foreach (var d in dims)
            shape.Dim.Add(d is string s ? new TensorShapeProto.Types.Dimension { DimParam = s } : new TensorShapeProto.Types.Dimension { DimValue = Convert.ToInt64(d) });
        return new ValueInfoProto { Name = name, Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = 1, Shape = shape } } };
    }

    public static TensorProto Floats(string name, long[] dims, params float[] values)
    {
        var t = new TensorProto { Name = name, DataType = 1 };
        t.Dims.AddRange(dims);
        t.FloatData.AddRange(values);
        return t;
    }

    public static TensorProto Int64s(string name, long[] dims, params long[] values)
    {
        var t = new TensorProto { Name = name, DataType = 7 };
        t.Dims.AddRange(dims);
        t.Int64Data.AddRange(values);
        return t;
    }

    public static ModelProto Model(GraphProto g)
    {
        var m = new ModelProto { IrVersion = 8, Graph = g, ProducerName = "kv-vision-tests" };
        m.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = 13 });
        return m;
    }

    public static NodeProto Node(string name, string op, string[] inputs, string[] outputs, params AttributeProto[] attrs)
    {
        var n = new NodeProto { Name = name, OpType = op };
        n.Input.AddRange(inputs);
        n.Output.AddRange(outputs);
        n.Attribute.AddRange(attrs);
        return n;
    }

    public static AttributeProto IntAttr(string name, long v) => new() { Name = name, Type = AttributeProto.Types.AttributeType.Int, I = v };

    /// <summary>
    /// Classifier on gray 2×2 images: input [N,1,2,2] → Flatten → Gemm(W: 4×3) → logits [N,3].
    /// Class 0 responds to the top-left pixel, class 1 to the bottom-right, class 2 to the sum (weights 4, bias 0).
    /// Metadata: gray, stretch, scale 255, mean 0, std 1.
    /// </summary>
    public string Classifier(string name = "classifier", bool withJson = true)
    {
        var g = new GraphProto { Name = "tiny-classifier" };
        g.Input.Add(Vi("input", "N", 1, 2, 2));
        g.Output.Add(Vi("output", "N", 3));
        g.Initializer.Add(Floats("W", [4, 3],
            10, 0, 4,
            0, 0, 4,
            0, 0, 4,
            0, 10, 4));
        g.Initializer.Add(Floats("B", [3], 0, 0, 0));
        g.Node.Add(Node("flatten", "Flatten", ["input"], ["flat"], IntAttr("axis", 1)));
        g.Node.Add(Node("fc", "Gemm", ["flat", "W", "B"], ["output"]));
        string json = $$"""
            {
              // a hand-made model for tests
              "format": 1, "task": "classification", "name": "tiny",
              "labels": ["top-left", "bottom-right", "even"],
              "input": { "name": "input", "width": 2, "height": 2, "color": "gray", "resize": "stretch",
                         "scale": 255.0, "mean": [0.0], "std": [1.0] },
            }
            """;
        return Write(name, Model(g), withJson ? json : null);
    }

    /// <summary>
    /// An ImageNet-style RGB model without metadata: input [N,3,8,8] → GlobalAveragePool → Flatten → [N,3]:
    /// the class scores are the mean of each normalised channel (class 0 = red, 1 = green, 2 = blue).
    /// </summary>
    public string RgbMeanModel(string name = "rgb-mean")
    {
        var g = new GraphProto { Name = "rgb-mean" };
        g.Input.Add(Vi("data", "N", 3, 8, 8));
        g.Output.Add(Vi("scores", "N", 3));
        g.Node.Add(Node("gap", "GlobalAveragePool", ["data"], ["pooled"]));
        g.Node.Add(Node("flat", "Flatten", ["pooled"], ["scores"], IntAttr("axis", 1)));
        return Write(name, Model(g), null);
    }

    /// <summary>
    /// Detector: input [1,1,2,2] → 1×1 Conv with zero weights and bias = per-channel constants → [1,7,2,2]
    /// (1 anchor, 2 classes, grid 2). Every cell: tx=ty=tw=th=0, objectness logit 4, class logits (0, ln 3).
    /// </summary>
    public string Detector(string name = "detector")
    {
        var g = new GraphProto { Name = "tiny-detector" };
        g.Input.Add(Vi("input", 1, 1, 2, 2));
        g.Output.Add(Vi("output", 1, 7, 2, 2));
        g.Initializer.Add(Floats("W", [7, 1, 1, 1], new float[7]));
        g.Initializer.Add(Floats("B", [7], 0, 0, 0, 0, 4, 0, (float)Math.Log(3)));
        g.Node.Add(Node("head", "Conv", ["input", "W", "B"], ["output"]));
        const string json = """
            { "format": 1, "task": "detection", "name": "tiny-detector", "labels": ["cat", "dog"],
              "input": { "name": "input", "width": 2, "height": 2, "color": "gray", "resize": "letterbox", "mean": [0], "std": [1] },
              "detection": { "output": "output", "grid": 2, "anchors": [[1.0, 1.0]], "num_classes": 2 } }
            """;
        return Write(name, Model(g), json);
    }

    /// <summary>
    /// Conditional generator: concat(z [N,2], label [N,2]) → Gemm(W: 4×4 identity, bias (0, 0, ¼, ¼)) → Reshape [N,1,2,2] → Tanh.
    /// Pixel k = tanh(input_k + bias_k): pixels 0,1 from z, pixels 2,3 from the one-hot label (the bias keeps
    /// them off the 127.5 rounding edge).
    /// </summary>
    public string Generator(string name = "generator")
    {
        var g = new GraphProto { Name = "tiny-generator" };
        g.Input.Add(Vi("z", "N", 2));
        g.Input.Add(Vi("label", "N", 2));
        g.Output.Add(Vi("output", "N", 1, 2, 2));
        g.Initializer.Add(Floats("W", [4, 4], 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1));
        g.Initializer.Add(Floats("C", [4], 0, 0, 0.25f, 0.25f));
        g.Initializer.Add(Int64s("shape", [4], -1, 1, 2, 2));
        g.Node.Add(Node("cat", "Concat", ["z", "label"], ["zl"], IntAttr("axis", 1)));
        g.Node.Add(Node("fc", "Gemm", ["zl", "W", "C"], ["h"]));
        g.Node.Add(Node("reshape", "Reshape", ["h", "shape"], ["img"]));
        g.Node.Add(Node("tanh", "Tanh", ["img"], ["output"]));
        const string json = """
            { "format": 1, "task": "generation", "name": "tiny-gan", "labels": ["zero", "one"],
              "generation": { "latent": "z", "label": "label", "latent_size": 2, "num_classes": 2,
                              "output": "output", "output_range": [-1.0, 1.0] } }
            """;
        return Write(name, Model(g), json);
    }

    /// <summary>Inpainter on gray 4×4: output = image + mask, so a hole (zeroed, mask 1) comes back as 1.0 (white with scale 255, mean 0, std 1).</summary>
    public string Inpainter(string name = "inpainter")
    {
        var g = new GraphProto { Name = "tiny-inpaint" };
        g.Input.Add(Vi("image", 1, 1, 4, 4));
        g.Input.Add(Vi("mask", 1, 1, 4, 4));
        g.Output.Add(Vi("output", 1, 1, 4, 4));
        g.Node.Add(Node("add", "Add", ["image", "mask"], ["output"]));
        const string json = """
            { "format": 1, "task": "inpainting", "name": "tiny-inpaint",
              "input": { "name": "image", "width": 4, "height": 4, "color": "gray", "resize": "stretch", "scale": 255, "mean": [0], "std": [1] },
              "inpainting": { "image": "image", "mask": "mask", "output": "output" } }
            """;
        return Write(name, Model(g), json);
    }

    /// <summary>Writes a gray picture given as rows of bytes.</summary>
    public string GrayPng(string name, byte[,] v)
    {
        int h = v.GetLength(0), w = v.GetLength(1);
        var img = new RgbImage(w, h);
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++) img[x, y] = Rgb.Gray(v[y, x]);
        string p = Path(name);
        ImageIO.SavePng(img, p);
        return p;
    }
}
