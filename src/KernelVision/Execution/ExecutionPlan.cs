using KernelVision.Onnx;
using KernelVision.Ops;
using KernelVision.Planning;
using KernelVision.Tensors;

namespace KernelVision.Execution;

/// <summary>One node of a plan: its kernel, the slots it reads and writes, and how its outputs are allocated.</summary>
internal sealed class PlanStep
{
    public required CompiledNode Node;
    public required int[] In;
    public required int[] Out;
    // Output shape known only at run time: inferred, checked and allocated then.
    public bool Dynamic;
    // The kernel's argument arrays, reused by every run (runs of a session take turns).
    public Tensor?[]? Ins, Outs;
    // Per output: how its buffer is laid out (null: allocated fresh each run).
    public BufferSpec?[] Buffers = [];
}

/// <summary>An output buffer's layout. ArenaOffset &gt;= 0: a view into the float arena; otherwise an allocation of its own.</summary>
internal sealed record BufferSpec(DataType Type, int[] Shape, long ArenaOffset);

/// <summary>
/// The graph specialised to one set of input shapes, as <see cref="PlanBuilder"/> made it: steps that
/// each run one kernel on slots, the constants folded into slots, and float activations placed in one
/// arena by <see cref="MemoryPlanner"/>. Dynamic steps (output shape known only at run time) check
/// their outputs against <see cref="LoadLimits"/> and allocate them when they run, keeping the run's
/// total within <see cref="LoadLimits.MaxActivationBytes"/>. The arena is allocated on the first run
/// and reused; the session runs one plan at a time, so runs never share it.
/// </summary>
internal sealed class ExecutionPlan
{
    // Arrays, not lists: the run loop indexes and enumerates them without allocating.
    private readonly PlanStep[] _steps;
    private readonly Tensor?[] _constSlots;
    private Tensor?[]? _runSlots;
    private readonly (string Name, int Slot)[] _outputs;
    private readonly (string Name, int Slot)[] _inputSlots;
    private readonly Dictionary<string, TensorInfo> _infos;
    private readonly LoadLimits _limits;
    private Tensor?[][]? _buffers;
    // Graph outputs by slot, and those whose shape the plan knows (produced by a static step, or a constant or input).
    private readonly Dictionary<int, string> _outputBySlot = [];
    private readonly Dictionary<string, TensorInfo> _staticOutputs = new(StringComparer.Ordinal);

    internal ExecutionPlan(LoadLimits limits, PlanStep[] steps, Tensor?[] constSlots,
        (string Name, int Slot)[] inputSlots, (string Name, int Slot)[] outputs,
        Dictionary<string, TensorInfo> infos, long arenaElements, long foldedBytes, long plannedBytes, int placedInputs = 0)
    {
        _limits = limits;
        _steps = steps;
        _constSlots = constSlots;
        _inputSlots = inputSlots;
        _outputs = outputs;
        _infos = infos;
        ArenaElements = arenaElements;
        FoldedBytes = foldedBytes;
        PlannedBytes = plannedBytes;
        PlacedInputs = placedInputs;
        foreach (var (name, slot) in outputs) _outputBySlot[slot] = name;
        var dynamicSlots = new HashSet<int>();
        foreach (var step in steps)
            if (step.Dynamic) dynamicSlots.UnionWith(step.Out);
        foreach (var (name, slot) in outputs)
            if (!dynamicSlots.Contains(slot) && infos.TryGetValue(name, out var info)) _staticOutputs[name] = info;
    }

    /// <summary>Concat inputs whose producers write straight into the Concat's output (see <see cref="Backends.IPlacedInputs"/>).</summary>
    public int PlacedInputs { get; }

    /// <summary>Types and shapes of every value known before running.</summary>
    public IReadOnlyDictionary<string, TensorInfo> Infos => _infos;

    /// <summary>Float elements in the activation arena.</summary>
    public long ArenaElements { get; }

    /// <summary>Bytes of constants this plan folded.</summary>
    public long FoldedBytes { get; }

    /// <summary>Bytes of activations a run allocates before any dynamic node: arena, other planned buffers and graph outputs.</summary>
    public long PlannedBytes { get; }

    private Tensor?[][] AllocateBuffers()
    {
        var arena = ArenaElements > 0 ? new float[ArenaElements] : [];
        var buffers = new Tensor?[_steps.Length][];
        for (int i = 0; i < _steps.Length; i++)
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
        => Execute(inputs, null, observer, file, cancellationToken)!;

    /// <summary>
    /// Runs the plan; with <paramref name="into"/>, the graph outputs it names are written into the
    /// caller's tensors (the producing kernel writes there directly, no copy) and null is returned.
    /// Why: a fresh output array each run lands on gen-0 pages the GC has not touched yet, and each
    /// first touch is a page fault (~0.1 ms for U-Net's 32 KiB output on a virtual machine).
    /// </summary>
    public IReadOnlyDictionary<string, Tensor>? Execute(IReadOnlyDictionary<string, Tensor> inputs, IReadOnlyDictionary<string, Tensor>? into,
        Action<CompiledNode, Tensor?[]>? observer, string file, CancellationToken cancellationToken = default)
    {
        if (into is not null) CheckGivenOutputs(into, file);
        Tensor?[][] buffers;
        try { buffers = _buffers ??= AllocateBuffers(); }
        catch (OutOfMemoryException e)
        {
            throw new LimitExceededException($"{file}: out of memory allocating {PlannedBytes} bytes of activations", e);
        }
        // Per-run state lives in arrays the plan keeps: a run allocates only what it hands back.
        var slots = _runSlots ??= new Tensor?[_constSlots.Length];
        _constSlots.CopyTo(slots, 0);
        foreach (var (name, s) in _inputSlots) slots[s] = inputs[name];
        long dynamicBytes = 0;
        try
        {
            for (int si = 0; si < _steps.Length; si++)
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
                    infos = InferDynamic(step, ins, file);
                    if (infos.Length < outs.Length)
                        throw new GraphException($"{file}: {node.DisplayName} produces {infos.Length} outputs, the node names {outs.Length}");
                    for (int o = 0; o < outs.Length; o++)
                    {
                        if (step.Out[o] < 0) continue;
                        NodeErrors.CheckOutput(_limits, file, node, o, infos[o]);
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
                        if (buffers[si][o] is { } planned) { outs[o] = planned; continue; }
                        var info = infos is not null ? infos[o] : _infos[node.Outputs[o]];
                        if (into is not null && _outputBySlot.TryGetValue(step.Out[o], out var outName) && into.TryGetValue(outName, out var given))
                        {
                            CheckGivenOutput(outName, given, info, file);
                            outs[o] = given;
                        }
                        else outs[o] = Tensor.Zeros(info.Type, info.Shape);
                    }
                    step.Node.Kernel.Run(ins, outs);
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    // What Guard does, without a closure per node and run.
                    throw NodeErrors.Translate(file, node, "kernel", e);
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
        if (into is not null)
        {
            // Outputs no kernel wrote in place (constants, inputs, planned buffers) are copied.
            foreach (var (name, s) in _outputs)
            {
                if (!into.TryGetValue(name, out var given)) continue;
                var t = slots[s] ?? throw new InternalErrorException($"{file}: output '{name}' was not computed");
                if (ReferenceEquals(t, given)) continue;
                CheckGivenOutput(name, given, new TensorInfo(t.Type, t.Shape), file);
                t.CopyTo(given);
            }
            Array.Clear(slots);
            return null;
        }
        var result = new Dictionary<string, Tensor>(_outputs.Length, StringComparer.Ordinal);
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

    // Out of the run loop: a lambda there capturing the loop's locals would allocate a closure every step of every run.
    private static TensorInfo[] InferDynamic(PlanStep step, Tensor?[] ins, string file) =>
        NodeErrors.Guard(file, step.Node.Node, "shape inference", () => step.Node.Op.InferOutputs(TensorInfo.Of(ins)));

    // Shapes known at planning time are checked before any kernel runs; the rest as their step runs.
    private void CheckGivenOutputs(IReadOnlyDictionary<string, Tensor> into, string file)
    {
        foreach (var (name, given) in into)
            if (_staticOutputs.TryGetValue(name, out var info))
                CheckGivenOutput(name, given, info, file);
    }

    private static void CheckGivenOutput(string name, Tensor given, TensorInfo info, string file)
    {
        if (given.Type != info.Type || !ShapeUtil.Same(given.Shape, info.Shape))
            throw new InputException($"{file}: output '{name}' is {info.Type.Name()}{ShapeUtil.Format(info.Shape)} for these inputs; the tensor given for it is {given.Describe()}");
    }

    private bool IsInputSlot(int slot)
    {
        foreach (var (_, s) in _inputSlots)
            if (s == slot) return true;
        return false;
    }
}
