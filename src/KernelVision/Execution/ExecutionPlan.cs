using KernelVision.Backends;
using KernelVision.Backends.Reference;
using KernelVision.Graph;
using KernelVision.Onnx;
using KernelVision.Ops;
using KernelVision.Planning;
using KernelVision.Tensors;

namespace KernelVision.Execution;

/// <summary>
/// The graph specialised to one set of input shapes: every shape inferred, every node whose inputs
/// are all known folded to a constant (this is what folds PyTorch's Shape→Gather→Concat chains), and
/// float activations placed in one arena by <see cref="MemoryPlanner"/>. Nodes whose output shape
/// depends on a value only known at run time are marked dynamic and allocate their outputs then.
/// Every output is checked against <see cref="LoadLimits.MaxActivationBytes"/> before it is
/// allocated or folded, and so is the plan's total. The arena is allocated on the first run and
/// reused; the session runs one plan at a time, so runs never share it.
/// </summary>
internal sealed class ExecutionPlan
{
    private sealed class Step
    {
        public required CompiledNode Node;
        public required int[] In;
        public required int[] Out;
        public bool Dynamic;
        // The kernel's argument arrays, reused by every run (runs of a session take turns).
        public Tensor?[]? Ins, Outs;
        // Per output: how its buffer is laid out (null: allocated fresh each run).
        public BufferSpec?[] Buffers = [];
    }

    // ArenaOffset >= 0: a view into the float arena; otherwise an allocation of its own.
    private sealed record BufferSpec(DataType Type, int[] Shape, long ArenaOffset);

    private readonly List<Step> _steps = [];
    private readonly Dictionary<string, int> _slotOf = new(StringComparer.Ordinal);
    private readonly List<Tensor?> _constSlots = [];
    private Tensor?[]? _runSlots;
    private readonly List<(string Name, int Slot)> _outputs = [];
    private readonly List<(string Name, int Slot)> _inputSlots = [];
    private readonly LoadLimits _limits;
    private Tensor?[][]? _buffers;

    private ExecutionPlan(LoadLimits limits) => _limits = limits;

    /// <summary>Types and shapes of every value known before running.</summary>
    public Dictionary<string, TensorInfo> Infos { get; } = new(StringComparer.Ordinal);

    /// <summary>Float elements in the activation arena.</summary>
    public long ArenaElements { get; private set; }

    /// <summary>Bytes of constants this plan folded.</summary>
    public long FoldedBytes { get; private set; }

    /// <summary>Bytes of activations a run allocates before any dynamic node: arena, other planned buffers and graph outputs.</summary>
    public long PlannedBytes { get; private set; }

    private int Slot(string name)
    {
        if (!_slotOf.TryGetValue(name, out int s))
        {
            s = _constSlots.Count;
            _slotOf[name] = s;
            _constSlots.Add(null);
        }
        return s;
    }

    public static ExecutionPlan Build(IReadOnlyList<CompiledNode> nodes, IReadOnlyDictionary<string, Tensor> constants,
        ModelGraph graph, IReadOnlyDictionary<string, Tensor> inputs, string file, LoadLimits limits, CancellationToken cancellationToken = default)
    {
        var plan = new ExecutionPlan(limits);
        var infos = plan.Infos;
        var known = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        foreach (var (name, t) in constants)
        {
            if (inputs.ContainsKey(name)) continue; // an overridden initializer is an input this time
            infos[name] = TensorInfo.Of(t);
            known[name] = t;
        }
        foreach (var (name, t) in inputs)
        {
            infos[name] = new TensorInfo(t.Type, t.Shape);
            plan._inputSlots.Add((name, plan.Slot(name)));
        }

        foreach (var cn in nodes)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var node = cn.Node;
            var inInfos = new TensorInfo?[node.Inputs.Count];
            bool allInputsKnown = true, anyMissing = false;
            for (int i = 0; i < inInfos.Length; i++)
            {
                string name = node.Inputs[i];
                if (name.Length == 0) continue;
                if (!infos.TryGetValue(name, out var info)) { anyMissing = true; continue; }
                inInfos[i] = info;
                if (info.Value is null) allInputsKnown = false;
            }

            TensorInfo[]? outInfos = null;
            if (!anyMissing)
            {
                try { outInfos = Guard(file, node, "shape inference", () => cn.Op.InferOutputs(inInfos), valueMayBeUnknown: true); }
                catch (ValueNotKnownException) { outInfos = null; }
            }
            if (outInfos is not null)
            {
                if (outInfos.Length < node.Outputs.Count)
                    throw new GraphException($"{file}: {node.DisplayName} produces {outInfos.Length} outputs, the node names {node.Outputs.Count}");
                for (int o = 0; o < node.Outputs.Count; o++)
                    if (node.Outputs[o].Length > 0) plan.CheckOutput(file, node, o, outInfos[o]);
            }

            if (outInfos is not null && !anyMissing && allInputsKnown && cn.Op.IsDeterministic)
            {
                // Every input is a constant: compute the node now, once, on the Reference backend
                // (unless shape inference already produced the values).
                var outs = new Tensor?[node.Outputs.Count];
                bool computed = true;
                for (int o = 0; o < outs.Length; o++)
                {
                    if (node.Outputs[o].Length == 0) continue;
                    outs[o] = outInfos[o].Value;
                    computed &= outs[o] is not null;
                }
                if (!computed)
                {
                    long bytes = 0;
                    for (int o = 0; o < outs.Length; o++)
                        if (node.Outputs[o].Length > 0) bytes += outInfos[o].Bytes;
                    plan.FoldedBytes += bytes;
                    if (plan.FoldedBytes > limits.MaxActivationBytes)
                        throw new LimitExceededException($"{file}: {node.DisplayName}: folding constants needs {plan.FoldedBytes} bytes, above the activation limit of {limits.MaxActivationBytes}");
                    var values = inInfos.Select(i => i?.Value).ToArray();
                    outs = Guard(file, node, "constant folding", () => ReferenceEvaluator.Evaluate(cn.Op, values, outInfos));
                }
                for (int o = 0; o < node.Outputs.Count; o++)
                    if (node.Outputs[o].Length > 0 && outs[o] is not null)
                    {
                        infos[node.Outputs[o]] = TensorInfo.Of(outs[o]!);
                        known[node.Outputs[o]] = outs[o]!;
                    }
                continue;
            }

            if (outInfos is not null && node.Outputs.Select((o, i) => o.Length == 0 || outInfos[i].Value is not null).All(b => b) && cn.Op.IsDeterministic)
            {
                // Shape-only ops (Shape, Size) know their value from input shapes alone.
                for (int o = 0; o < node.Outputs.Count; o++)
                    if (node.Outputs[o].Length > 0)
                    {
                        infos[node.Outputs[o]] = outInfos[o];
                        known[node.Outputs[o]] = outInfos[o].Value!;
                    }
                continue;
            }

            var step = new Step
            {
                Node = cn,
                In = node.Inputs.Select(n => n.Length == 0 ? -1 : plan.Slot(n)).ToArray(),
                Out = node.Outputs.Select(n => n.Length == 0 ? -1 : plan.Slot(n)).ToArray(),
                Dynamic = outInfos is null,
            };
            if (outInfos is not null)
                for (int o = 0; o < node.Outputs.Count; o++)
                    if (node.Outputs[o].Length > 0) infos[node.Outputs[o]] = outInfos[o] with { Value = null };
            plan._steps.Add(step);
        }

        // Constants the steps or outputs read.
        foreach (var (name, t) in known)
            if (plan._slotOf.TryGetValue(name, out int s)) plan._constSlots[s] = t;
        var graphOutputs = new HashSet<string>(StringComparer.Ordinal);
        foreach (var o in graph.Outputs)
        {
            graphOutputs.Add(o.Name);
            if (known.TryGetValue(o.Name, out var t))
            {
                int s = plan.Slot(o.Name);
                plan._constSlots[s] = t;
            }
            plan._outputs.Add((o.Name, plan.Slot(o.Name)));
        }
        plan.PlanMemory(graphOutputs, file);

        // Kernels that pre-pack constant inputs (Cpu GEMM/conv weights) do it now, once per plan.
        foreach (var step in plan._steps)
        {
            if (step.Node.Kernel is not IConstantInputsAware aware) continue;
            var consts = step.Node.Node.Inputs.Select(n => n.Length > 0 && known.TryGetValue(n, out var t) ? t : null).ToArray();
            try { aware.PrepareConstants(consts); }
            catch (KernelVisionException e) { throw Located(e, file); }
        }
        return plan;
    }

    /// <summary>Refuses output <paramref name="o"/> of <paramref name="node"/> when its shape is invalid or larger than the limits allow.</summary>
    private void CheckOutput(string file, Node node, int o, TensorInfo info)
    {
        if (info is null || info.Shape is null)
            throw new InternalErrorException($"{file}: {node.DisplayName}: shape inference returned no shape for output {o}");
        string what = $"{file}: {node.DisplayName}: output '{node.Outputs[o]}' {info}";
        long n = 1;
        bool over = false;
        foreach (int d in info.Shape)
        {
            if (d < 0) throw new GraphException($"{what} has a negative dimension");
            if (d == 0) { n = 0; over = false; break; }
            if (!over && n > _limits.MaxTensorElements / d) over = true;
            else if (!over) n *= d;
        }
        if (info.Shape.Length > _limits.MaxRank)
            throw new LimitExceededException($"{what} has rank {info.Shape.Length}, above the limit of {_limits.MaxRank}");
        if (over || n > _limits.MaxTensorElements)
            throw new LimitExceededException($"{what} has more than {_limits.MaxTensorElements} elements");
        if (!info.Type.IsSupported())
            throw new UnsupportedException($"{what} has unsupported element type {info.Type.Name()}");
        long bytes = info.Bytes;
        if (bytes > _limits.MaxActivationBytes)
            throw new LimitExceededException($"{what} needs {bytes} bytes, above the activation limit of {_limits.MaxActivationBytes}");
    }

    private void PlanMemory(HashSet<string> graphOutputs, string file)
    {
        var lastUse = new Dictionary<int, int>();
        for (int i = 0; i < _steps.Count; i++)
            foreach (int s in _steps[i].In)
                if (s >= 0) lastUse[s] = i;
        var requests = new List<BufferRequest>();
        var owner = new Dictionary<int, (Step Step, int Index, TensorInfo Info)>();
        long separate = 0, outputs = 0;
        for (int i = 0; i < _steps.Count; i++)
        {
            var step = _steps[i];
            step.Buffers = new BufferSpec?[step.Out.Length];
            if (step.Dynamic) continue;
            for (int o = 0; o < step.Out.Length; o++)
            {
                if (step.Out[o] < 0) continue;
                string name = step.Node.Node.Outputs[o];
                var info = Infos[name];
                if (graphOutputs.Contains(name)) { outputs += info.Bytes; continue; } // handed to the caller: fresh each run
                if (info.Type == DataType.Float32)
                {
                    int size = ShapeUtil.Size(info.Shape);
                    requests.Add(new BufferRequest(step.Out[o], size, i, Math.Max(i, lastUse.GetValueOrDefault(step.Out[o], i))));
                    owner[step.Out[o]] = (step, o, info);
                }
                else
                {
                    step.Buffers[o] = new BufferSpec(info.Type, info.Shape, -1);
                    separate += info.Bytes;
                }
            }
        }
        var (offsets, arenaSize) = MemoryPlanner.Plan(requests);
        long arenaBytes = arenaSize * 4;
        if (arenaSize > Array.MaxLength)
        {
            // Too big for one array: every float buffer gets its own.
            arenaBytes = 0;
            foreach (var (slot, (step, o, info)) in owner)
            {
                step.Buffers[o] = new BufferSpec(info.Type, info.Shape, -1);
                arenaBytes += info.Bytes;
            }
        }
        else
        {
            ArenaElements = arenaSize;
            foreach (var (slot, (step, o, info)) in owner)
                step.Buffers[o] = new BufferSpec(DataType.Float32, info.Shape, offsets[slot]);
        }
        PlannedBytes = arenaBytes + separate + outputs;
        if (PlannedBytes + FoldedBytes > _limits.MaxActivationBytes)
            throw new LimitExceededException($"{file}: running the graph on these input shapes needs {PlannedBytes + FoldedBytes} bytes of activations " +
                $"({arenaBytes} arena, {separate} other buffers, {outputs} outputs, {FoldedBytes} folded constants), above the limit of {_limits.MaxActivationBytes}");
    }

    private Tensor?[][] AllocateBuffers()
    {
        var arena = ArenaElements > 0 ? new float[ArenaElements] : [];
        var buffers = new Tensor?[_steps.Count][];
        for (int i = 0; i < _steps.Count; i++)
        {
            var specs = _steps[i].Buffers;
            buffers[i] = new Tensor?[specs.Length];
            for (int o = 0; o < specs.Length; o++)
                if (specs[o] is { } b)
                    buffers[i][o] = b.ArenaOffset >= 0
                        ? new Tensor(DataType.Float32, b.Shape, arena, (int)b.ArenaOffset)
                        : Tensor.Zeros(b.Type, b.Shape);
        }
        return buffers;
    }

    /// <summary>Drops the arena and planned buffers (they are allocated again if the plan runs again).</summary>
    public void ReleaseBuffers() => _buffers = null;

    /// <summary>Runs the plan. The caller (the session) guarantees one Execute at a time per plan.</summary>
    public IReadOnlyDictionary<string, Tensor> Execute(IReadOnlyDictionary<string, Tensor> inputs, Action<CompiledNode, Tensor?[]>? observer,
        string file, CancellationToken cancellationToken = default)
    {
        Tensor?[][] buffers;
        try { buffers = _buffers ??= AllocateBuffers(); }
        catch (OutOfMemoryException e)
        {
            throw new LimitExceededException($"{file}: out of memory allocating {PlannedBytes} bytes of activations", e);
        }
        // Per-run state lives in arrays the plan keeps: a run allocates only what it hands back.
        var slots = _runSlots ??= new Tensor?[_constSlots.Count];
        _constSlots.CopyTo(slots);
        foreach (var (name, s) in _inputSlots) slots[s] = inputs[name];
        long dynamicBytes = 0;
        try
        {
            for (int si = 0; si < _steps.Count; si++)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var step = _steps[si];
                var node = step.Node.Node;
                var ins = step.Ins ??= new Tensor?[step.In.Length];
                for (int i = 0; i < ins.Length; i++)
                {
                    ins[i] = null;
                    if (step.In[i] < 0) continue;
                    ins[i] = slots[step.In[i]] ?? throw new InternalErrorException($"{file}: {node.DisplayName}: input '{node.Inputs[i]}' was not computed");
                }
                var outs = step.Outs ??= new Tensor?[step.Out.Length];
                Array.Clear(outs);
                TensorInfo[]? infos = null;
                if (step.Dynamic)
                {
                    // Shapes known only now: check them like the planner checks static ones, and keep
                    // the run's total within the limit.
                    infos = Guard(file, node, "shape inference", () => step.Node.Op.InferOutputs(TensorInfo.Of(ins)));
                    if (infos.Length < outs.Length)
                        throw new GraphException($"{file}: {node.DisplayName} produces {infos.Length} outputs, the node names {outs.Length}");
                    for (int o = 0; o < outs.Length; o++)
                    {
                        if (step.Out[o] < 0) continue;
                        CheckOutput(file, node, o, infos[o]);
                        dynamicBytes += infos[o].Bytes;
                    }
                    if (PlannedBytes + FoldedBytes + dynamicBytes > _limits.MaxActivationBytes)
                        throw new LimitExceededException($"{file}: {node.DisplayName}: the run's activations reach {PlannedBytes + FoldedBytes + dynamicBytes} bytes, above the limit of {_limits.MaxActivationBytes}");
                }
                try
                {
                    for (int o = 0; o < outs.Length; o++)
                    {
                        if (step.Out[o] < 0) continue;
                        outs[o] = buffers[si][o] ?? (infos is not null
                            ? Tensor.Zeros(infos[o].Type, infos[o].Shape)
                            : Tensor.Zeros(Infos[node.Outputs[o]].Type, Infos[node.Outputs[o]].Shape));
                    }
                    step.Node.Kernel.Run(ins, outs);
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    // What Guard does, without a closure per node and run.
                    throw Translate(file, node, "kernel", e);
                }
                for (int o = 0; o < outs.Length; o++)
                    if (step.Out[o] >= 0) slots[step.Out[o]] = outs[o];
                observer?.Invoke(step.Node, outs);
            }
        }
        catch
        {
            Array.Clear(slots);
            throw;
        }
        finally
        {
            // Drop the references so a finished run does not keep the caller's inputs alive.
            foreach (var step in _steps)
            {
                if (step.Ins is { } i) Array.Clear(i);
                if (step.Outs is { } o) Array.Clear(o);
            }
        }
        var result = new Dictionary<string, Tensor>(_outputs.Count, StringComparer.Ordinal);
        foreach (var (name, s) in _outputs)
        {
            var t = slots[s] ?? throw new InternalErrorException($"{file}: output '{name}' was not computed");
            // Constants and inputs are shared: the caller gets its own copy.
            bool shared = _constSlots[s] is not null || IsInputSlot(s);
            result[name] = shared ? t.Clone() : t;
        }
        Array.Clear(slots);
        return result;
    }

    private bool IsInputSlot(int slot)
    {
        foreach (var (_, s) in _inputSlots)
            if (s == slot) return true;
        return false;
    }

    /// <summary>
    /// Runs one piece of a node's work, turning what escapes into typed errors located at the
    /// node: KernelVision errors get the file name, running out of memory becomes
    /// <see cref="LimitExceededException"/>, and anything else — a bug — <see cref="InternalErrorException"/>.
    /// Cancellation passes through, and so does <see cref="ValueNotKnownException"/> where
    /// <paramref name="valueMayBeUnknown"/> (planning); at run time every value is known, so it is a bug there.
    /// </summary>
    internal static T Guard<T>(string file, Node node, string what, Func<T> work, bool valueMayBeUnknown = false)
    {
        try { return work(); }
        catch (Exception e) when (e is ValueNotKnownException && valueMayBeUnknown || e is OperationCanceledException) { throw; }
        catch (Exception e) { throw Translate(file, node, what, e); }
    }

    /// <summary>The typed error <see cref="Guard{T}"/> turns <paramref name="e"/> into.</summary>
    private static Exception Translate(string file, Node node, string what, Exception e) => e switch
    {
        KernelVisionException k => Located(Named(k, node), file),
        OutOfMemoryException => new LimitExceededException($"{file}: {node.DisplayName}: out of memory in {what}", e),
        _ => new InternalErrorException($"{file}: {node.DisplayName}: {what} failed: {e.GetType().Name}: {e.Message}", e),
    };

    // Errors raised by shared helpers (ShapeUtil) do not know the node: name it, so every refusal says where.
    private static KernelVisionException Named(KernelVisionException e, Node node) =>
        e.Message.Contains(node.DisplayName, StringComparison.Ordinal) ? e : e switch
        {
            GraphException => new GraphException($"{node.DisplayName}: {e.Message}", e),
            UnsupportedException => new UnsupportedException($"{node.DisplayName}: {e.Message}", e),
            InputException => new InputException($"{node.DisplayName}: {e.Message}", e),
            ModelFormatException => new ModelFormatException($"{node.DisplayName}: {e.Message}", e),
            LimitExceededException => new LimitExceededException($"{node.DisplayName}: {e.Message}", e),
            InternalErrorException => new InternalErrorException($"{node.DisplayName}: {e.Message}", e),
            _ => new KernelVisionException($"{node.DisplayName}: {e.Message}", e),
        };

    internal static KernelVisionException Located(KernelVisionException e, string file) =>
        e.Message.StartsWith(file + ":", StringComparison.Ordinal) ? e : e switch
        {
            GraphException => new GraphException($"{file}: {e.Message}", e),
            UnsupportedException => new UnsupportedException($"{file}: {e.Message}", e),
            InputException => new InputException($"{file}: {e.Message}", e),
            ModelFormatException => new ModelFormatException($"{file}: {e.Message}", e),
            LimitExceededException => new LimitExceededException($"{file}: {e.Message}", e),
            InternalErrorException => new InternalErrorException($"{file}: {e.Message}", e),
            _ => new KernelVisionException($"{file}: {e.Message}", e),
        };
}
