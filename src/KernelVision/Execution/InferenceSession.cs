using System.Diagnostics;
using KernelVision.Backends;
using KernelVision.Backends.Reference;
using KernelVision.Graph;
using KernelVision.Onnx;
using KernelVision.Ops;
using KernelVision.Passes;
using KernelVision.Tensors;

namespace KernelVision.Execution;

/// <summary>
/// A model prepared for inference on one backend. Construction imports, validates, sorts and
/// optimises the graph and creates kernels; the first <see cref="Run(IReadOnlyDictionary{string, Tensor}, Action{CompiledNode, Tensor?[]}?, CancellationToken)"/>
/// for a set of input shapes infers every shape, folds constants and plans memory, and later runs
/// with the same shapes reuse that plan.
/// <para>
/// Thread safety: every member may be called from any thread. Runs of one session execute one at a
/// time — callers queue (cancellably) for their turn — because kernels may keep per-call state and
/// the plan reuses one activation arena. For parallel throughput create one session per thread:
/// sessions share nothing mutable. Outputs returned by a run are the caller's own tensors.
/// </para>
/// <para>
/// Dispose releases the plans (activation arenas) and disposes every kernel that is
/// <see cref="IDisposable"/>; a run still in flight finishes first. Using a disposed session throws
/// <see cref="ObjectDisposedException"/>.
/// </para>
/// </summary>
public sealed class InferenceSession : IDisposable
{
    private readonly ModelGraph _graph;
    private readonly Dictionary<string, Tensor> _constants;
    private ExecutionPlan? _lastPlan;

    /// <summary>The plan the last run took (tests look at its memory layout).</summary>
    internal ExecutionPlan? LastPlan => _lastPlan;
    private (string Name, DataType Type, int[] Shape)[]? _lastInputs;
    private readonly List<CompiledNode> _nodes;
    // Plans by input signature, oldest first, at most SessionOptions.MaxCachedPlans of them.
    private readonly Dictionary<string, ExecutionPlan> _plans = new(StringComparer.Ordinal);
    private readonly Queue<string> _planOrder = new();
    private readonly SemaphoreSlim _turn = new(1, 1);
    private int _active, _disposed, _released;

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

    /// <summary>
    /// Memory plan of the most recent run (zeros before the first): the activation arena's size in
    /// bytes, and all activation bytes a run allocates up front (arena, non-float buffers, graph
    /// outputs). Read-only diagnostics for <c>kv bench</c>.
    /// </summary>
    public (long ArenaBytes, long PlannedBytes) LastRunMemory { get; private set; }

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
        long opsetVersion = model.Opsets.TryGetValue("", out var v) ? v : model.Opsets.GetValueOrDefault("ai.onnx", 1);
        if (opsetVersion > 27) throw new UnsupportedException($"{file}: ai.onnx opset {opsetVersion} is newer than supported (27)");
        if (opsetVersion < 1) throw new ModelFormatException($"{file}: ai.onnx opset {opsetVersion} is invalid");
        int opset = (int)opsetVersion;
        if (_graph.Nodes.Count > Options.Limits.MaxNodes)
            throw new ModelFormatException($"{file}: {_graph.Nodes.Count} nodes exceed the limit of {Options.Limits.MaxNodes}");

        var sorted = GraphValidator.Sort(_graph, file, Options.Limits.MaxGraphDepth);
        var unsupported = sorted.Where(n => !OpRegistry.IsSupported(n)).Select(n => n.OpType).Distinct().ToList();
        if (unsupported.Count > 0)
        {
            var first = sorted.First(n => !OpRegistry.IsSupported(n));
            throw new UnsupportedException($"{file}: unsupported op type{(unsupported.Count > 1 ? "s" : "")} {string.Join(", ", unsupported)} (first at {first.DisplayName})");
        }
        var ops = new List<Op>();
        foreach (var n in sorted)
            ops.Add(NodeErrors.Guard(file, n, "attribute parsing", () => OpRegistry.Create(n, opset)));
        _constants = new Dictionary<string, Tensor>(_graph.Initializers, StringComparer.Ordinal);
        var log = new List<string>();
        var program = new GraphProgram(ops, _constants, _graph.Outputs.Select(o => o.Name).ToHashSet(StringComparer.Ordinal),
            _graph.OverridableInitializers.Select(v => v.Name).ToHashSet(StringComparer.Ordinal));
        var passNames = PassPipeline.For(optimize: true).Select(p => p.GetType().Name).ToHashSet();
        if (Options.SkipPasses.FirstOrDefault(n => !passNames.Contains(n)) is { } unknown)
            throw new ArgumentException($"SkipPasses names '{unknown}', which is not a pass (passes: {string.Join(", ", passNames)})", nameof(options));
        foreach (var pass in PassPipeline.For(Options.Optimize).Where(p => !Options.SkipPasses.Contains(p.GetType().Name)))
        {
            try { pass.Run(program, log); }
            catch (KernelVisionException e) { throw NodeErrors.Located(e, file); }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                throw new InternalErrorException($"{file}: pass {pass.GetType().Name} failed: {e.GetType().Name}: {e.Message}", e);
            }
        }
        PassLog = log;
        _nodes = [];
        try
        {
            foreach (var op in program.Ops)
            {
                var kernel = NodeErrors.Guard(file, op.Node, "kernel creation", () => Options.Backend.CreateKernel(op));
                bool fallback = false;
                if (kernel is null)
                {
                    if (!Options.AllowReferenceFallback)
                        throw new UnsupportedException($"{file}: {op.Node.DisplayName} has no {Options.Backend.Name} kernel");
                    kernel = NodeErrors.Guard(file, op.Node, "kernel creation", () => ReferenceBackend.Instance.CreateKernel(op))
                        ?? throw new UnsupportedException($"{file}: {op.Node.DisplayName} has no kernel on any backend");
                    fallback = true;
                }
                if (kernel is ITunableKernel tunable) tunable.Tuning = Options.Tuning;
                _nodes.Add(new CompiledNode(op, kernel, fallback));
            }
        }
        catch
        {
            try { DisposeKernels(); } catch (AggregateException) { } // the construction error matters more
            throw;
        }
    }

    /// <summary>Runs with inputs given in the order of <see cref="Inputs"/>; returns outputs in graph order.</summary>
    public Tensor[] Run(params Tensor[] inputs) => Run(inputs, CancellationToken.None);

    /// <summary>Runs with inputs given in the order of <see cref="Inputs"/>, cancellable between nodes; returns outputs in graph order.</summary>
    public Tensor[] Run(IReadOnlyList<Tensor> inputs, CancellationToken cancellationToken)
    {
        if (inputs is null || inputs.Count != Inputs.Count)
            throw new InputException($"{Model.DisplayName}: expects {Inputs.Count} inputs ({string.Join(", ", Inputs.Select(i => i.Name))}), got {inputs?.Count ?? 0}");
        var map = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        for (int i = 0; i < inputs.Count; i++) map[Inputs[i].Name] = inputs[i];
        var r = Run(map, null, cancellationToken);
        return Outputs.Select(o => r[o.Name]).ToArray();
    }

    /// <summary>
    /// Runs the model. <paramref name="inputs"/> maps input names to tensors (overridable
    /// initializers may be given too). <paramref name="observer"/>, if set, sees every node's outputs
    /// right after it runs (valid only during the callback: buffers are reused).
    /// <paramref name="cancellationToken"/> is checked while waiting for the session and between
    /// nodes; cancelling throws <see cref="OperationCanceledException"/> and leaves the session usable.
    /// </summary>
    public IReadOnlyDictionary<string, Tensor> Run(IReadOnlyDictionary<string, Tensor> inputs, Action<CompiledNode, Tensor?[]>? observer = null,
        CancellationToken cancellationToken = default)
        => Execute(inputs, null, observer, cancellationToken)!;

    /// <summary>
    /// Runs the model and writes the outputs named in <paramref name="outputs"/> into the caller's
    /// tensors, which must have the types and shapes the run produces; outputs not named are computed
    /// and dropped. Kernels write into the given tensors directly, so a loop that reuses them allocates
    /// nothing per run: no garbage, and no first touches of fresh memory (page faults) as a new output
    /// array per run costs. The tensors must not overlap the inputs or each other.
    /// <paramref name="observer"/> and <paramref name="cancellationToken"/> are as for
    /// <see cref="Run(IReadOnlyDictionary{string, Tensor}, Action{CompiledNode, Tensor?[]}?, CancellationToken)"/>.
    /// </summary>
    public void RunInto(IReadOnlyDictionary<string, Tensor> inputs, IReadOnlyDictionary<string, Tensor> outputs,
        Action<CompiledNode, Tensor?[]>? observer = null, CancellationToken cancellationToken = default)
    {
        string file = Model.DisplayName;
        if (outputs is null) throw new InputException($"{file}: no output tensors given");
        foreach (var (name, t) in outputs)
        {
            if (Declared(_graph.Outputs, name) is null)
                throw new InputException($"{file}: '{name}' is not an output of the model (outputs: {string.Join(", ", _graph.Outputs.Select(o => o.Name))})");
            if (t is null) throw new InputException($"{file}: the tensor given for output '{name}' is null");
            // A kernel reading what it writes, or two outputs in one buffer, would give silent wrong answers.
            if (inputs is not null)
                foreach (var (input, x) in inputs)
                    if (x is not null && Overlap(x, t))
                        throw new InputException($"{file}: the tensor given for output '{name}' shares memory with input '{input}'");
            foreach (var (other, u) in outputs)
                if (string.CompareOrdinal(other, name) > 0 && u is not null && Overlap(u, t))
                    throw new InputException($"{file}: the tensors given for outputs '{name}' and '{other}' share memory");
        }
        Execute(inputs!, outputs, observer, cancellationToken);
    }

    private static bool Overlap(Tensor a, Tensor b)
    {
        var (sa, oa) = a.Raw;
        var (sb, ob) = b.Raw;
        return ReferenceEquals(sa, sb) && oa < ob + b.Length && ob < oa + a.Length && a.Length > 0 && b.Length > 0;
    }

    private IReadOnlyDictionary<string, Tensor>? Execute(IReadOnlyDictionary<string, Tensor> inputs, IReadOnlyDictionary<string, Tensor>? into,
        Action<CompiledNode, Tensor?[]>? observer, CancellationToken cancellationToken)
    {
        string file = Model.DisplayName;
        ValidateInputs(inputs, file);
        Enter();
        try
        {
            _turn.Wait(cancellationToken);
            try
            {
                var plan = GetPlan(inputs, file, cancellationToken);
                LastRunMemory = (plan.ArenaElements * sizeof(float), plan.PlannedBytes);
                return plan.Execute(inputs, into, observer, file, cancellationToken);
            }
            finally { _turn.Release(); }
        }
        finally { Exit(); }
    }

    /// <summary>Shapes and types of every value for the given input shapes (for kv info/profile), without running.</summary>
    public IReadOnlyDictionary<string, TensorInfo> InferShapes(IReadOnlyDictionary<string, Tensor> inputs)
    {
        Enter();
        try
        {
            _turn.Wait();
            try { return PlanBuilder.Build(_nodes, _constants, _graph, inputs, Model.DisplayName, Options.Limits).Infos; }
            finally { _turn.Release(); }
        }
        finally { Exit(); }
    }

    private void ValidateInputs(IReadOnlyDictionary<string, Tensor> inputs, string file)
    {
        if (inputs is null) throw new InputException($"{file}: no inputs given");
        foreach (var (name, t) in inputs)
        {
            if (Declared(_graph.Inputs, name) is null && Declared(_graph.OverridableInitializers, name) is null)
                throw new InputException($"{file}: '{name}' is not an input of the model (inputs: {string.Join(", ", _graph.Inputs.Select(i => i.Name))})");
            if (t is null) throw new InputException($"{file}: input '{name}' is null");
        }
        foreach (var decl in _graph.Inputs) CheckDeclared(decl, overridable: false);
        foreach (var decl in _graph.OverridableInitializers) CheckDeclared(decl, overridable: true);

        void CheckDeclared(ValueInfo decl, bool overridable)
        {
            if (!inputs.TryGetValue(decl.Name, out var t))
            {
                if (overridable) return;
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
    }

    private static ValueInfo? Declared(List<ValueInfo> list, string name)
    {
        foreach (var v in list)
            if (v.Name == name) return v;
        return null;
    }

    // Called with the turn held. Plans are cached per input signature; the oldest is dropped past the cap.
    private ExecutionPlan GetPlan(IReadOnlyDictionary<string, Tensor> inputs, string file, CancellationToken cancellationToken)
    {
        // The common case, the same shapes as last time, is checked without building the key.
        if (_lastPlan is { } last && SameSignature(_lastInputs!, inputs)) return last;
        var plan = GetPlanByKey(inputs, file, cancellationToken);
        _lastPlan = plan;
        _lastInputs = inputs.Select(kv => (kv.Key, kv.Value.Type, (int[])kv.Value.Shape.Clone())).ToArray();
        return plan;
    }

    private static bool SameSignature((string Name, DataType Type, int[] Shape)[] last, IReadOnlyDictionary<string, Tensor> inputs)
    {
        if (last.Length != inputs.Count) return false;
        foreach (var (name, type, shape) in last)
            if (!inputs.TryGetValue(name, out var t) || t.Type != type || !t.Shape.AsSpan().SequenceEqual(shape)) return false;
        return true;
    }

    private ExecutionPlan GetPlanByKey(IReadOnlyDictionary<string, Tensor> inputs, string file, CancellationToken cancellationToken)
    {
        string key = string.Join(";", inputs.OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => kv.Key + ":" + kv.Value.Describe()));
        if (_plans.TryGetValue(key, out var plan)) return plan;
        plan = PlanBuilder.Build(_nodes, _constants, _graph, inputs, file, Options.Limits, cancellationToken);
        while (_plans.Count >= Math.Max(1, Options.MaxCachedPlans) && _planOrder.TryDequeue(out var oldest))
            if (_plans.Remove(oldest, out var old))
            {
                old.ReleaseBuffers();
                if (ReferenceEquals(old, _lastPlan)) _lastPlan = null;
            }
        _plans[key] = plan;
        _planOrder.Enqueue(key);
        return plan;
    }

    private void Enter()
    {
        Interlocked.Increment(ref _active);
        if (Volatile.Read(ref _disposed) != 0)
        {
            Exit();
            throw new ObjectDisposedException(nameof(InferenceSession), $"{Model.DisplayName}: the session has been disposed");
        }
    }

    private void Exit()
    {
        if (Interlocked.Decrement(ref _active) == 0 && Volatile.Read(ref _disposed) != 0) Release();
    }

    /// <summary>Releases the activation arenas and disposes the kernels; a run in flight finishes first. Idempotent.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
        if (Volatile.Read(ref _active) == 0) Release();
    }

    private void Release()
    {
        if (Interlocked.Exchange(ref _released, 1) != 0) return;
        foreach (var plan in _plans.Values) plan.ReleaseBuffers();
        _plans.Clear();
        _planOrder.Clear();
        DisposeKernels();
    }

    private void DisposeKernels()
    {
        List<Exception>? errors = null;
        foreach (var n in _nodes)
        {
            if (n.Kernel is not IDisposable d) continue;
            try { d.Dispose(); }
            catch (Exception e) { (errors ??= []).Add(e); }
        }
        if (errors is not null) throw new AggregateException($"{Model.DisplayName}: disposing kernels failed", errors);
    }
}
