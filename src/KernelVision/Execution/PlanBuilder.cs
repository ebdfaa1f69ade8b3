using KernelVision.Backends;
using KernelVision.Backends.Reference;
using KernelVision.Graph;
using KernelVision.Onnx;
using KernelVision.Ops;
using KernelVision.Planning;
using KernelVision.Tensors;

namespace KernelVision.Execution;

/// <summary>
/// Specialises the compiled graph to one set of input shapes and returns the <see cref="ExecutionPlan"/>
/// that runs it. In order:
/// <list type="number">
/// <item>seed the known values: the constants (less those the inputs override) and the inputs' types and shapes;</item>
/// <item>per node, in graph order: infer its output shapes and check each against <see cref="LoadLimits"/>;
/// fold it to constants on the Reference kernels when every input is known (this is what folds PyTorch's
/// Shape→Gather→Concat chains), keep the value when shape inference alone gives it (Shape, Size), else
/// make it a step — dynamic when its output shape depends on a value known only at run time;</item>
/// <item>bind the constants the steps and graph outputs read, and the graph outputs, to slots;</item>
/// <item>plan memory: float activations share one arena placed by <see cref="MemoryPlanner"/>, other
/// types get buffers of their own, graph outputs are fresh each run; a Concat input no step reads
/// after that Concat may be placed in the Concat's output (<see cref="IPlacedInputs"/>); the total is
/// checked against <see cref="LoadLimits.MaxActivationBytes"/> together with the folded constants;</item>
/// <item>let kernels that pre-pack constant inputs (<see cref="IConstantInputsAware"/>) do it, once per plan.</item>
/// </list>
/// </summary>
internal sealed class PlanBuilder
{
    private readonly string _file;
    private readonly LoadLimits _limits;
    private readonly Dictionary<string, TensorInfo> _infos = new(StringComparer.Ordinal);
    // Values known before running: constants, and what folding computed from them.
    private readonly Dictionary<string, Tensor> _known = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int> _slotOf = new(StringComparer.Ordinal);
    private readonly List<Tensor?> _constSlots = [];
    private readonly List<PlanStep> _steps = [];
    private readonly List<(string Name, int Slot)> _inputSlots = [];
    private readonly List<(string Name, int Slot)> _outputs = [];
    private long _foldedBytes;
    private int _placedInputs;

    private PlanBuilder(string file, LoadLimits limits)
    {
        _file = file;
        _limits = limits;
    }

    /// <summary>Builds the plan for <paramref name="inputs"/>' types and shapes (their values are not read).</summary>
    public static ExecutionPlan Build(IReadOnlyList<CompiledNode> nodes, IReadOnlyDictionary<string, Tensor> constants,
        ModelGraph graph, IReadOnlyDictionary<string, Tensor> inputs, string file, LoadLimits limits, CancellationToken cancellationToken = default)
    {
        var b = new PlanBuilder(file, limits);
        b.SeedKnownValues(constants, inputs);
        foreach (var cn in nodes)
        {
            cancellationToken.ThrowIfCancellationRequested();
            b.PlanNode(cn);
        }
        var graphOutputs = b.BindSlots(graph);
        var (arenaElements, plannedBytes) = b.PlanMemory(graphOutputs);
        b.PrepareConstants();
        return new ExecutionPlan(limits, [.. b._steps], [.. b._constSlots], [.. b._inputSlots], [.. b._outputs], b._infos,
            arenaElements, b._foldedBytes, plannedBytes, b._placedInputs);
    }

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

    private void SeedKnownValues(IReadOnlyDictionary<string, Tensor> constants, IReadOnlyDictionary<string, Tensor> inputs)
    {
        foreach (var (name, t) in constants)
        {
            if (inputs.ContainsKey(name)) continue; // an overridden initializer is an input this time
            _infos[name] = TensorInfo.Of(t);
            _known[name] = t;
        }
        foreach (var (name, t) in inputs)
        {
            _infos[name] = new TensorInfo(t.Type, t.Shape);
            _inputSlots.Add((name, Slot(name)));
        }
    }

    private void PlanNode(CompiledNode cn)
    {
        var node = cn.Node;
        var inInfos = new TensorInfo?[node.Inputs.Count];
        bool allInputsKnown = true, anyMissing = false;
        for (int i = 0; i < inInfos.Length; i++)
        {
            string name = node.Inputs[i];
            if (name.Length == 0) continue;
            if (!_infos.TryGetValue(name, out var info)) { anyMissing = true; continue; }
            inInfos[i] = info;
            if (info.Value is null) allInputsKnown = false;
        }

        TensorInfo[]? outInfos = null;
        if (!anyMissing)
        {
            try { outInfos = NodeErrors.Guard(_file, node, "shape inference", () => cn.Op.InferOutputs(inInfos), valueMayBeUnknown: true); }
            catch (ValueNotKnownException) { outInfos = null; }
        }
        if (outInfos is not null)
        {
            if (outInfos.Length < node.Outputs.Count)
                throw new GraphException($"{_file}: {node.DisplayName} produces {outInfos.Length} outputs, the node names {node.Outputs.Count}");
            for (int o = 0; o < node.Outputs.Count; o++)
                if (node.Outputs[o].Length > 0) NodeErrors.CheckOutput(_limits, _file, node, o, outInfos[o]);
        }

        if (outInfos is not null && !anyMissing && allInputsKnown && cn.Op.IsDeterministic)
        {
            Fold(cn, inInfos, outInfos);
            return;
        }

        if (outInfos is not null && node.Outputs.Select((o, i) => o.Length == 0 || outInfos[i].Value is not null).All(b => b) && cn.Op.IsDeterministic)
        {
            // Shape-only ops (Shape, Size) know their value from input shapes alone.
            for (int o = 0; o < node.Outputs.Count; o++)
                if (node.Outputs[o].Length > 0)
                {
                    _infos[node.Outputs[o]] = outInfos[o];
                    _known[node.Outputs[o]] = outInfos[o].Value!;
                }
            return;
        }

        var step = new PlanStep
        {
            Node = cn,
            In = node.Inputs.Select(n => n.Length == 0 ? -1 : Slot(n)).ToArray(),
            Out = node.Outputs.Select(n => n.Length == 0 ? -1 : Slot(n)).ToArray(),
            Dynamic = outInfos is null,
        };
        if (outInfos is not null)
            for (int o = 0; o < node.Outputs.Count; o++)
                if (node.Outputs[o].Length > 0) _infos[node.Outputs[o]] = outInfos[o] with { Value = null };
        _steps.Add(step);
    }

    // Every input is a constant: compute the node now, once, on the Reference backend (unless shape
    // inference already produced the values). What folding allocates counts against the activation limit.
    private void Fold(CompiledNode cn, TensorInfo?[] inInfos, TensorInfo[] outInfos)
    {
        var node = cn.Node;
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
            _foldedBytes += bytes;
            if (_foldedBytes > _limits.MaxActivationBytes)
                throw new LimitExceededException($"{_file}: {node.DisplayName}: folding constants needs {_foldedBytes} bytes, above the activation limit of {_limits.MaxActivationBytes}");
            var values = inInfos.Select(i => i?.Value).ToArray();
            outs = NodeErrors.Guard(_file, node, "constant folding", () => ReferenceEvaluator.Evaluate(cn.Op, values, outInfos));
        }
        for (int o = 0; o < node.Outputs.Count; o++)
            if (node.Outputs[o].Length > 0 && outs[o] is not null)
            {
                _infos[node.Outputs[o]] = TensorInfo.Of(outs[o]!);
                _known[node.Outputs[o]] = outs[o]!;
            }
    }

    // Gives the known values the steps or outputs read their slots, and lists the graph outputs.
    private HashSet<string> BindSlots(ModelGraph graph)
    {
        foreach (var (name, t) in _known)
            if (_slotOf.TryGetValue(name, out int s)) _constSlots[s] = t;
        var graphOutputs = new HashSet<string>(StringComparer.Ordinal);
        foreach (var o in graph.Outputs)
        {
            graphOutputs.Add(o.Name);
            if (_known.TryGetValue(o.Name, out var t))
            {
                int s = Slot(o.Name);
                _constSlots[s] = t;
            }
            _outputs.Add((o.Name, Slot(o.Name)));
        }
        return graphOutputs;
    }

    // Sets every static step's output buffers; returns the arena's float elements and the bytes a run allocates up front.
    private (long ArenaElements, long PlannedBytes) PlanMemory(HashSet<string> graphOutputs)
    {
        var lastUse = new Dictionary<int, int>();
        for (int i = 0; i < _steps.Count; i++)
            foreach (int s in _steps[i].In)
                if (s >= 0) lastUse[s] = i;
        var requests = new List<BufferRequest>();
        var owner = new Dictionary<int, (PlanStep Step, int Index, TensorInfo Info)>();
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
                var info = _infos[name];
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
        var placed = PlaceConcatInputs(requests);
        _placedInputs = placed.Count;
        var (offsets, arenaSize) = MemoryPlanner.Plan(requests);
        foreach (var (slot, (into, at)) in placed) offsets[slot] = offsets[into] + at; // `into` is a planned buffer: nested placements were resolved outward
        long arenaBytes = arenaSize * 4, arenaElements = 0;
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
            arenaElements = arenaSize;
            foreach (var (slot, (step, o, info)) in owner)
                step.Buffers[o] = new BufferSpec(DataType.Float32, info.Shape, offsets[slot]);
        }
        long plannedBytes = arenaBytes + separate + outputs;
        if (plannedBytes + _foldedBytes > _limits.MaxActivationBytes)
            throw new LimitExceededException($"{_file}: running the graph on these input shapes needs {plannedBytes + _foldedBytes} bytes of activations " +
                $"({arenaBytes} arena, {separate} other buffers, {outputs} outputs, {_foldedBytes} folded constants), above the limit of {_limits.MaxActivationBytes}");
        return (arenaElements, plannedBytes);
    }

    /// <summary>
    /// For each Concat whose kernel takes inputs in place (<see cref="IPlacedInputs"/>) and whose
    /// output is one arena buffer with every dimension before the axis 1: each input that is an arena
    /// buffer of a static step read by no step after this Concat (earlier readers, as a U-Net skip's
    /// pool, read it in the block) becomes the output's block it would be copied to. Its request is
    /// dropped and the output's request starts at that producer's step instead, so the block is the
    /// producer's from its write to the Concat. A placed output may itself be placed in a later
    /// Concat (Inception's nested branches). Returns, per placed slot, the slot it lives in and its
    /// element offset there, in step order.
    /// </summary>
    private List<(int Slot, (int Into, long At) Place)> PlaceConcatInputs(List<BufferRequest> requests)
    {
        var placed = new List<(int Slot, (int Into, long At) Place)>();
        var index = new Dictionary<int, int>(); // request id → position in requests
        for (int r = 0; r < requests.Count; r++) index[requests[r].Id] = r;
        var into = new Dictionary<int, (int Into, long At)>();
        for (int si = 0; si < _steps.Count; si++)
        {
            var step = _steps[si];
            if (!PlaceableConcat(step, index, out int y, out int axis)) continue;
            long at = 0;
            for (int j = 0; j < step.In.Length; j++)
            {
                int x = step.In[j];
                // Read by nothing after this Concat (a U-Net skip is read by its pool first): the block
                // then lives as long as the input did. A second use here copies the first block.
                if (x >= 0 && index.TryGetValue(x, out int xi) && requests[xi].Last == si)
                {
                    // The output's lifetime now starts at the input's write; the input's request goes.
                    var yr = requests[index[y]];
                    requests[index[y]] = yr with { First = Math.Min(yr.First, requests[xi].First) };
                    into[x] = (y, at);
                    placed.Add((x, (y, at)));
                    index.Remove(x);
                }
                at += ShapeUtil.Size(_infos[step.Node.Node.Inputs[j]].Shape);
            }
            // A later Concat of the same inputs and more (DenseNet: each layer concatenates all the
            // features before it) holds this output as its first block: this output becomes that
            // block, and the later Concat finds every input already in place.
            if (PrefixHolder(si, step, axis, index) is { } holder)
            {
                var hr = requests[index[holder]];
                var yr = requests[index[y]];
                requests[index[holder]] = hr with { First = Math.Min(hr.First, yr.First), Last = Math.Max(hr.Last, yr.Last) };
                into[y] = (holder, 0);
                placed.Add((y, (holder, 0)));
                index.Remove(y);
            }
        }
        requests.RemoveAll(r => into.ContainsKey(r.Id));
        // A placed Concat output placed again: its inputs' offsets are relative to it, so resolve
        // from the outermost inward (later Concats first).
        for (int p = placed.Count - 1; p >= 0; p--)
        {
            var (slot, (y, at)) = placed[p];
            if (into.TryGetValue(y, out var outer))
            {
                into[slot] = (outer.Into, outer.At + at);
                placed[p] = (slot, into[slot]);
            }
        }
        return placed;
    }

    /// <summary>
    /// True when <paramref name="step"/> is a static Concat whose kernel takes inputs in place and whose
    /// one output is an arena buffer not placed yet (<paramref name="y"/>) with every dimension before
    /// the concatenation <paramref name="axis"/> 1, so each input is one contiguous block of it.
    /// </summary>
    private bool PlaceableConcat(PlanStep step, Dictionary<int, int> index, out int y, out int axis)
    {
        y = axis = -1;
        if (step.Dynamic || step.Node.Kernel is not IPlacedInputs || step.Node.Op is not Ops.Layout.Concat concat) return false;
        if (step.Out.Length != 1 || step.Out[0] < 0 || !index.ContainsKey(step.Out[0])) return false; // a graph output, or placed already
        var shape = _infos[step.Node.Node.Outputs[0]].Shape;
        y = step.Out[0];
        axis = concat.ResolveAxis(shape.Length);
        return ShapeUtil.Product(shape, 0, axis) == 1;
    }

    /// <summary>
    /// The output slot of the first Concat after step <paramref name="si"/> whose inputs begin with
    /// all of <paramref name="step"/>'s, when it is placeable along the same axis (so
    /// <paramref name="step"/>'s output is its first block); null otherwise.
    /// </summary>
    private int? PrefixHolder(int si, PlanStep step, int axis, Dictionary<int, int> index)
    {
        for (int later = si + 1; later < _steps.Count; later++)
        {
            var next = _steps[later];
            if (next.Node.Op is not Ops.Layout.Concat) continue;
            if (next.In.Length <= step.In.Length || !next.In.AsSpan(0, step.In.Length).SequenceEqual(step.In)) continue;
            return PlaceableConcat(next, index, out int y, out int nextAxis) && nextAxis == axis ? y : null;
        }
        return null;
    }

    // Kernels that pre-pack constant inputs (Cpu GEMM/conv weights) do it now, once per plan.
    private void PrepareConstants()
    {
        foreach (var step in _steps)
        {
            if (step.Node.Kernel is not IConstantInputsAware aware) continue;
            var consts = step.Node.Node.Inputs.Select(n => n.Length > 0 && _known.TryGetValue(n, out var t) ? t : null).ToArray();
            try { aware.PrepareConstants(consts); }
            catch (KernelVisionException e) { throw NodeErrors.Located(e, _file); }
        }
    }
}
