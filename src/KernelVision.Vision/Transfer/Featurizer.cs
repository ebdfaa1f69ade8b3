using KernelVision.Execution;
using KernelVision.Onnx.Proto;
using KernelVision.Tensors;

namespace KernelVision.Vision.Transfer;

/// <summary>
/// A frozen feature extractor: an ONNX graph from an image tensor [N, C, H, W] to one feature
/// vector per image (flattened to [N, D]), the image preprocessing it expects, and a session on a
/// KernelVision backend. The proto is kept so the trained head can be appended for export.
/// </summary>
public sealed class Featurizer : IDisposable
{
    /// <summary>Name of the built-in base: Microsoft's ImageNet ResNet-18 featurizer (NuGet <see cref="PackageId"/>).</summary>
    public const string ResNet18ImageNet = "resnet18-imagenet";
    /// <summary>NuGet package that ships the ResNet-18 featurizer ONNX files.</summary>
    public const string PackageId = "Microsoft.ML.DnnImageFeaturizer.ResNet18";
    /// <summary>The package version kv's project restores.</summary>
    public const string PackageVersion = "0.24.0";
    /// <summary>Name of the [N, D] feature output in <see cref="Proto"/>.</summary>
    public const string FeatureOutput = "features";

    /// <summary>Featurizer graph (input → … → <see cref="FeatureOutput"/>), batch dimension symbolic.</summary>
    public ModelProto Proto { get; }
    /// <summary>How pictures become the input tensor.</summary>
    public ImageInputSpec Input { get; }
    /// <summary>Where it came from, for messages and metadata.</summary>
    public string Description { get; }
    /// <summary>Feature length D.</summary>
    public int Dim { get; private set; }
    /// <summary>The session running <see cref="Proto"/>.</summary>
    public InferenceSession Session { get; }

    private Featurizer(ModelProto proto, ImageInputSpec input, string description, string? backend)
    {
        Proto = proto;
        Input = input;
        Description = description;
        Session = OnnxGraphs.Session(proto, description, backend);
    }

    /// <summary>
    /// Opens <paramref name="baseModel"/>: <see cref="ResNet18ImageNet"/> (found under one of
    /// <paramref name="packageRoots"/>, NuGet global-packages folders) or an ONNX file whose first
    /// output is the feature map. An ONNX file's preprocessing comes from the model.json beside it
    /// (its "input"), else the ImageNet convention for 3 channels (gray, mean 0, std 1 for 1 channel).
    /// </summary>
    public static Featurizer Open(string baseModel, IEnumerable<string?> packageRoots, string? backend = null)
    {
        if (baseModel == ResNet18ImageNet)
        {
            var (prep, net) = FindResNet18(packageRoots);
            // The preprocessing graph takes RGB bytes as floats (0..255), swaps to BGR and subtracts
            // the ImageNet mean image: so pictures go in stretched to 224×224, scale 1, no mean/std.
            var chained = OnnxGraphs.Chain(OnnxGraphs.Read(prep), OnnxGraphs.Read(net), "resnet_");
            var input = new ImageInputSpec
            {
                Name = OnnxGraphs.RealInputs(chained.Graph)[0].Name, Width = 224, Height = 224, Color = ColorMode.Rgb,
                Resize = ResizeMode.Stretch, Scale = 1f, Mean = [0f, 0f, 0f], Std = [1f, 1f, 1f],
            };
            return Build(chained, input, $"{ResNet18ImageNet} ({PackageId} {PackageVersion})", backend);
        }
        if (!File.Exists(baseModel))
            throw new InputException($"{baseModel}: no such featurizer; give an ONNX file or '{ResNet18ImageNet}'");
        var proto = OnnxGraphs.Read(baseModel);
        var inputs = OnnxGraphs.RealInputs(proto.Graph);
        if (inputs.Count != 1) throw new InputException($"{baseModel}: a featurizer needs exactly one image input, it has {inputs.Count}");
        string? metaPath = ModelMetadata.PathFor(baseModel);
        ImageInputSpec spec;
        if (metaPath is not null && ModelMetadata.Load(metaPath).Input is { } fromMeta) spec = fromMeta;
        else spec = DefaultSpec(inputs[0], baseModel);
        if (spec.Name != inputs[0].Name) spec = spec with { Name = inputs[0].Name };
        spec.Validate(metaPath ?? baseModel);
        return Build(proto, spec, Path.GetFileName(baseModel), backend);
    }

    private static ImageInputSpec DefaultSpec(ValueInfoProto input, string path)
    {
        var dims = input.Type?.TensorType?.Shape?.Dim;
        if (dims is null || dims.Count != 4) throw new InputException($"{path}: input '{input.Name}' is not an image tensor [N,C,H,W]");
        int c = dims[1].DimValue > 0 ? (int)dims[1].DimValue : 3;
        int h = dims[2].DimValue > 0 ? (int)dims[2].DimValue : 224, w = dims[3].DimValue > 0 ? (int)dims[3].DimValue : 224;
        return c switch
        {
            3 => ImageInputSpec.ImageNet(input.Name, w, h),
            1 => new ImageInputSpec { Name = input.Name, Width = w, Height = h, Color = ColorMode.Gray, Mean = [0f], Std = [1f] },
            _ => throw new InputException($"{path}: input '{input.Name}' has {c} channels; images give 1 (gray) or 3 (RGB)"),
        };
    }

    private static Featurizer Build(ModelProto proto, ImageInputSpec input, string description, string? backend)
    {
        OnnxGraphs.MakeBatchSymbolic(proto);
        OnnxGraphs.Tidy(proto);
        OnnxGraphs.FlattenOutput(proto, FeatureOutput);
        return new Featurizer(proto, input, description, backend);
    }

    /// <summary>
    /// The ResNet-18 featurizer files (preprocessing, network) under the first root that has the
    /// package; an <see cref="InputException"/> saying how to get the package when none has it.
    /// </summary>
    public static (string Preprocess, string Network) FindResNet18(IEnumerable<string?> packageRoots)
    {
        var tried = new List<string>();
        foreach (var root in packageRoots)
        {
            if (string.IsNullOrWhiteSpace(root)) continue;
            string dir = Path.Combine(root, PackageId.ToLowerInvariant(), PackageVersion, "tools", "DnnImageModels");
            if (tried.Contains(dir)) continue;
            tried.Add(dir);
            string prep = Path.Combine(dir, "ResNetPrepOnnx", "ResNetPreprocess.onnx"), net = Path.Combine(dir, "ResNet18Onnx", "ResNet18.onnx");
            if (File.Exists(prep) && File.Exists(net)) return (prep, net);
        }
        throw new InputException($"{ResNet18ImageNet}: NuGet package {PackageId} {PackageVersion} not found (looked in {(tried.Count == 0 ? "no package folder" : string.Join(", ", tried))}); " +
            "run 'dotnet restore src/KernelVision.Cli' (the kv project lists it as a PackageDownload), set NUGET_PACKAGES to the folder that holds it, or pass the path of an ONNX featurizer instead");
    }

    /// <summary>
    /// NuGet global-packages folders to search, in order: NUGET_PACKAGES, the folder the build
    /// restored into (<paramref name="restoreRoot"/>, baked into kv at build time), ~/.nuget/packages.
    /// </summary>
    public static IEnumerable<string?> DefaultPackageRoots(string? restoreRoot)
    {
        yield return Environment.GetEnvironmentVariable("NUGET_PACKAGES");
        yield return restoreRoot;
        string home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
        if (home.Length > 0) yield return Path.Combine(home, ".nuget", "packages");
    }

    /// <summary>Features [n, D] of fitted pictures (already at <see cref="Input"/>'s size), in one run.</summary>
    public float[] Features(IReadOnlyList<RgbImage> fitted)
    {
        var batch = Preprocessing.ToTensor(fitted, Input);
        var result = Session.Run(new Dictionary<string, Tensor> { [Input.Name] = batch });
        if (!result.TryGetValue(FeatureOutput, out var f) || f.Type != DataType.Float32 || f.Rank != 2 || f.Shape[0] != fitted.Count)
            throw new InputException($"{Description}: the featurizer's output is {(f is null ? "missing" : f.Describe())}, not float32 [{fitted.Count}, D]");
        if (Dim == 0) Dim = f.Shape[1];
        else if (f.Shape[1] != Dim) throw new InputException($"{Description}: feature length changed from {Dim} to {f.Shape[1]}");
        return f.Floats.ToArray();
    }

    /// <summary>Releases the session.</summary>
    public void Dispose() => Session.Dispose();
}
