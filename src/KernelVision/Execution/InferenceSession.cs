using System.Diagnostics;
using KernelVision.Backends;
using KernelVision.Backends.Reference;
using KernelVision.Graph;
using KernelVision.Onnx;
using KernelVision.Ops;
using KernelVision.Passes;
using KernelVision.Planning;
using KernelVision.Tensors;

namespace KernelVision.Execution;

/// <summary>One node ready to run: its op and the kernel chosen for it.</summary>
public sealed class CompiledNode(Op op, IKernel kernel, bool isFallback)
{
    /// <summary>The parsed op.</summary>
    public Op Op { get; } = op;
    /// <summary>The node.</summary>
    public Node Node => Op.Node;
    /// <summary>The kernel that runs it.</summary>
    public IKernel Kernel { get; } = kernel;
    /// <summary>True when the backend lacked a kernel and Reference runs this node.</summary>
    public bool IsFallback { get; } = isFallback;
}

/// <summary>
/// A model prepared for inference on one backend. Construction imports, validates, sorts and
/// optimises the graph and creates kernels; the first <see cref="Run(IReadOnlyDictionary{string, Tensor}, Action{CompiledNode, Tensor?[]}?)"/>
/// for a set of input shapes infers every shape, folds constants and plans memory, and later runs
/// with the same shapes reuse that plan. Runs are serialised by a lock.
/// </summary>
public sealed class InferenceSession
{
    private readonly ModelGraph _graph;
    private readonly Dictionary<string, Tensor> _constants;
    private readonly List<CompiledNode> _nodes;
    private readonly Dictionary<string, ExecutionPlan> _plans = new(StringComparer.Ordinal);
    private readonly object _gate = new();

    /// <summary>The loaded model.</summary>
    public Model Model { get; }
    /// <summary>Options the session was built with.</summary>
    public SessionOptions Options { get; }
    /// <summary>Inputs the caller must provide.</summary>
    public IReadOnlyList<ValueInfo> Inputs => _graph.Inputs;
    /// <summary>Outputs in graph order.</summary>
    public IReadOnlyList<ValueInfo> Outputs => _graph.Outputs;
    /// <summary>The nodes after optimisation, in execution order.</summary>
    public IReadOnlyList<CompiledNode> Nodes => _nodes;
    /// <summary>What the optimisation passes did, one line each.</summary>
    public IReadOnlyList<string> PassLog { get; }

    /// <summary>Loads an ONNX file and prepares it.</summary>
    public static InferenceSession Load(string path, SessionOptions? options = null)
    {
        options ??= new SessionOptions();
        return new InferenceSession(OnnxLoader.Load(path, options.Limits), options);
    }

    /// <summary>Prepares <paramref name="model"/> for inference.</summary>
    public InferenceSession(Model model, SessionOptions? options = null)
    {
        Model = model;
        Options = options ?? new SessionOptions();
        _graph = model.Graph;
        string file = model.DisplayName;
        int opset = model.OnnxOpset;
        if (opset > 27) throw new UnsupportedException($"{file}: ai.onnx opset {opset} is newer than supported (27)");

        var sorted = GraphValidator.Sort(_graph, file);
        var unsupported = sorted.Where(n => !OpRegistry.IsSupported(n)).Select(n => n.OpType).Distinct().ToList();
        if (unsupported.Count > 0)
        {
            var first = sorted.First(n => !OpRegistry.IsSupported(n));
            throw new UnsupportedException($"{file}: unsupported op type{(unsupported.Count > 1 ? "s" : "")} {string.Join(", ", unsupported)} (first at {first.DisplayName})");
        }
        var ops = new List<Op>();
        foreach (var n in sorted)
        {
            try { ops.Add(OpRegistry.Create(n, opset)); }
            catch (KernelVisionException e) { throw Prefix(e, file); }
        }
        _constants = new Dictionary<string, Tensor>(_graph.Initializers, StringComparer.Ordinal);
        var log = new List<string>();
        var program = new GraphProgram(ops, _constants, _graph.Outputs.Select(o => o.Name).ToHashSet(StringComparer.Ordinal),
            _graph.OverridableInitializers.Select(v => v.Name).ToHashSet(StringComparer.Ordinal));
        foreach (var pass in PassPipeline.For(Options))
        {
            int before = program.Ops.Count;
            pass.Run(program, log);
        }
        PassLog = log;
        _nodes = [];
        foreach (var op in program.Ops)
        {
            var kernel = Options.Backend.CreateKernel(op);
            bool fallback = false;
            if (kernel is null)
            {
                if (!Options.AllowReferenceFallback)
                    throw new UnsupportedException($"{file}: {op.Node.DisplayName} has no {Options.Backend.Name} kernel");
                kernel = ReferenceBackend.Instance.CreateKernel(op)
                    ?? throw new UnsupportedException($"{file}: {op.Node.DisplayName} has no kernel on any backend");
                fallback = true;
            }
            _nodes.Add(new CompiledNode(op, kernel, fallback));
        }
    }

    private static KernelVisionException Prefix(KernelVisionException e, string file) =>
        e.Message.StartsWith(file, StringComparison.Ordinal) ? e : e switch
        {
            GraphException => new GraphException($"{file}: {e.Message}", e),
            UnsupportedException => new UnsupportedException($"{file}: {e.Message}", e),
            ModelFormatException => new ModelFormatException($"{file}: {e.Message}", e),
            _ => e,
        };

    /// <summary>Runs with inputs given in the order of <see cref="Inputs"/>; returns outputs in graph order.</summary>
    public Tensor[] Run(params Tensor[] inputs)
    {
        if (inputs.Length != Inputs.Count)
            throw new InputException($"{Model.DisplayName}: expects {Inputs.Count} inputs ({string.Join(", ", Inputs.Select(i => i.Name))}), got {inputs.Length}");
        var map = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        for (int i = 0; i < inputs.Length; i++) map[Inputs[i].Name] = inputs[i];
        var r = Run(map);
        return Outputs.Select(o => r[o.Name]).ToArray();
    }

    /// <summary>
    /// Runs the model. <paramref name="inputs"/> maps input names to tensors (overridable
    /// initializers may be given too). <paramref name="observer"/>, if set, sees every node's outputs
    /// right after it runs (valid only during the callback: buffers are reused).
    /// </summary>
    public IReadOnlyDictionary<string, Tensor> Run(IReadOnlyDictionary<string, Tensor> inputs, Action<CompiledNode, Tensor?[]>? observer = null)
    {
        string file = Model.DisplayName;
        foreach (var name in inputs.Keys)
            if (!_graph.Inputs.Any(i => i.Name == name) && !_graph.OverridableInitializers.Any(i => i.Name == name))
                throw new InputException($"{file}: '{name}' is not an input of the model (inputs: {string.Join(", ", _graph.Inputs.Select(i => i.Name))})");
        foreach (var decl in _graph.Inputs.Concat(_graph.OverridableInitializers))
        {
            if (!inputs.TryGetValue(decl.Name, out var t))
            {
                if (_graph.OverridableInitializers.Contains(decl)) continue;
                throw new InputException($"{file}: input '{decl.Name}' ({decl.Describe()}) is missing");
            }
            if (decl.Type != DataType.Undefined && t.Type != decl.Type)
                throw new InputException($"{file}: input '{decl.Name}' must be {decl.Type.Name()}, got {t.Type.Name()}");
            if (decl.Shape is not null)
            {
                if (decl.Shape.Length != t.Rank)
                    throw new InputException($"{file}: input '{decl.Name}' must be {decl.Describe()}, got {t.Describe()}");
                for (int i = 0; i < t.Rank; i++)
                    if (decl.Shape[i].Value is long d && d != t.Shape[i])
                        throw new InputException($"{file}: input '{decl.Name}' must be {decl.Describe()}, got {t.Describe()}");
            }
        }

        lock (_gate)
        {
            string key = string.Join(";", inputs.OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => kv.Key + ":" + kv.Value.Describe()));
            if (!_plans.TryGetValue(key, out var plan))
            {
                plan = ExecutionPlan.Build(_nodes, _constants, _graph, inputs, file);
                _plans[key] = plan;
            }
            return plan.Execute(inputs, observer, file);
        }
    }

    /// <summary>Shapes and types of every value for the given input shapes (for kv info/profile), without running.</summary>
    public IReadOnlyDictionary<string, TensorInfo> InferShapes(IReadOnlyDictionary<string, Tensor> inputs)
    {
        lock (_gate)
        {
            var plan = ExecutionPlan.Build(_nodes, _constants, _graph, inputs, Model.DisplayName);
            return plan.Infos;
        }
    }
}
