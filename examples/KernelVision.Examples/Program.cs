using KernelVision;
using KernelVision.Execution;
using KernelVision.Tensors;
using KernelVision.Vision;

namespace KernelVision.Examples;

/// <summary>
/// Usage: KernelVision.Examples [WEIGHTS_DIR] — the repository's weights/ folder (default: found
/// upwards from the current folder). Each example is the code the README shows.
/// </summary>
public static class Program
{
    /// <summary>Runs the examples; exit 0 on success, 2 with one "error:" line on a user error.</summary>
    public static int Main(string[] args)
    {
        try
        {
            string weights = args.Length > 0 ? args[0] : FindWeights();
            RunWithNamedInputs(Path.Combine(weights, "fashion-classifier", "model.onnx"));
            ClassifyImages(Path.Combine(weights, "fashion-classifier"), Path.Combine(weights, "samples"));
            return 0;
        }
        catch (KernelVisionException e)
        {
            Console.Error.WriteLine($"error: {e.Message}");
            return 2;
        }
    }

    /// <summary>Load an ONNX file and run it with named inputs (cpu is the default backend: no set-up).</summary>
    public static void RunWithNamedInputs(string modelPath)
    {
        using var session = InferenceSession.Load(modelPath);
        var input = session.Inputs[0]; // "input": float32 [N,1,28,28]
        var image = Tensor.FromFloats([1, 1, 28, 28], new float[28 * 28]);
        var outputs = session.Run(new Dictionary<string, Tensor> { [input.Name] = image });
        var scores = outputs[session.Outputs[0].Name];
        Console.WriteLine($"{Path.GetFileName(modelPath)} on {session.Options.Backend.Name}: '{input.Name}' -> {scores.Describe()}");

        // In a loop (camera frames, a server), write each run into the same output tensors: no new memory per run.
        var feeds = new Dictionary<string, Tensor> { [input.Name] = image };
        for (int frame = 0; frame < 3; frame++)
        {
            image.Floats.Fill(frame / 3f);
            session.RunInto(feeds, outputs);
        }
        Console.WriteLine($"3 frames into the same {scores.Describe()}: class {scores.Floats.IndexOf(MaxOf(scores.Floats))} last");
    }

    private static float MaxOf(ReadOnlySpan<float> v)
    {
        float m = float.NegativeInfinity;
        foreach (float x in v) m = Math.Max(m, x);
        return m;
    }

    /// <summary>Classify image files with a model folder (model.onnx + model.json with labels and preprocessing).</summary>
    public static void ClassifyImages(string modelFolder, string imageFolder)
    {
        using var model = VisionModel.Open(modelFolder);
        var classifier = new Classifier(model);
        var files = ImageIO.ExpandInputs([imageFolder]);
        foreach (var result in classifier.ClassifyEach(files, top: 1))
        {
            if (result.Error is not null) Console.WriteLine($"skipped {result.Source}: {result.Error.Message}");
            else Console.WriteLine($"{Path.GetFileName(result.Source)}: {result.Result!.Top[0].Label} {result.Result.Top[0].Probability:P1}");
        }
    }

    private static string FindWeights()
    {
        for (var d = new DirectoryInfo(Environment.CurrentDirectory); d is not null; d = d.Parent)
            if (File.Exists(Path.Combine(d.FullName, "weights", "fashion-classifier", "model.onnx"))) return Path.Combine(d.FullName, "weights");
        throw new InputException("cannot find weights/ above the current folder; pass the weights folder as the argument");
    }
}
