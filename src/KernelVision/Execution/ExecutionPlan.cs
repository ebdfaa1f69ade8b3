using KernelVision.Backends.Reference;
using KernelVision.Graph;
using KernelVision.Ops;
using KernelVision.Planning;
using KernelVision.Tensors;

namespace KernelVision.Execution;

/// <summary>
/// The graph specialised to one set of input shapes: every shape inferred, every node whose inputs
/// are all known folded to a constant (this is what folds PyTorch's Shape→Gather→Concat chains), and
/// float activations placed in one arena by <see cref="MemoryPlanner"/>. Nodes whose output shape
/// depends on a value only known at run time are marked dynamic and allocate their outputs then.
/// </summary>
internal sealed class ExecutionPlan
{
    private sealed class Step
    {
        public required CompiledNode Node;
        public required int[] In;
        public required int[] Out;
        public bool Dynamic;
        public Tensor?[] Planned = [];
    }

    private readonly List<Step> _steps = [];
    private readonly Dictionary<string, int> _slotOf = new(StringComparer.Ordinal);
    private readonly List<Tensor?> _constSlots = [];
    private readonly List<(string Name, int Slot)> _outputs = [];
    private readonly List<(string Name, int Slot)> _inputSlots = [];

    /// <summary>Types and shapes of every value known before running.</summary>
    public Dictionary<string, TensorInfo> Infos { get; } = new(StringComparer.Ordinal);

    /// <summary>Float elements in the activation arena.</summary>
    public long ArenaElements { get; private set; }

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
        ModelGraph graph, IReadOnlyDictionary<string, Tensor> inputs, string file)
    {
        var plan = new ExecutionPlan();
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

            if (!anyMissing && allInputsKnown && cn.Op.IsDeterministic)
            {
                // Every input is a constant: compute the node now, once, on the Reference backend.
                var values = inInfos.Select(i => i?.Value).ToArray();
                Tensor?[] outs;
                try { outs = OpEvaluator.Evaluate(cn.Op, ReferenceBackend.Instance, values); }
                catch (KernelVisionException e) { throw Located(e, file); }
                for (int o = 0; o < node.Outputs.Count; o++)
                    if (node.Outputs[o].Length > 0 && outs[o] is not null)
                    {
                        infos[node.Outputs[o]] = TensorInfo.Of(outs[o]!);
                        known[node.Outputs[o]] = outs[o]!;
                    }
                continue;
            }

            TensorInfo[]? outInfos = null;
            if (!anyMissing)
            {
                try { outInfos = cn.Op.InferOutputs(inInfos); }
                catch (ValueNotKnownException) { outInfos = null; }
                catch (KernelVisionException e) { throw Located(e, file); }
            }
            if (outInfos is not null && outInfos.Length < node.Outputs.Count(o => o.Length > 0))
                throw new GraphException($"{file}: {node.DisplayName} produces {outInfos.Length} outputs, the node names {node.Outputs.Count}");

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
        plan.PlanMemory(graphOutputs);
        return plan;
    }

    private void PlanMemory(HashSet<string> graphOutputs)
    {
        var lastUse = new Dictionary<int, int>();
        for (int i = 0; i < _steps.Count; i++)
            foreach (int s in _steps[i].In)
                if (s >= 0) lastUse[s] = i;
        var requests = new List<BufferRequest>();
        var owner = new Dictionary<int, (Step Step, int Index, TensorInfo Info)>();
        for (int i = 0; i < _steps.Count; i++)
        {
            var step = _steps[i];
            step.Planned = new Tensor?[step.Out.Length];
            if (step.Dynamic) continue;
            for (int o = 0; o < step.Out.Length; o++)
            {
                if (step.Out[o] < 0) continue;
                string name = step.Node.Node.Outputs[o];
                var info = Infos[name];
                if (graphOutputs.Contains(name)) continue; // handed to the caller: fresh each run
                if (info.Type == DataType.Float32)
                {
                    int size = ShapeUtil.Size(info.Shape);
                    requests.Add(new BufferRequest(step.Out[o], size, i, Math.Max(i, lastUse.GetValueOrDefault(step.Out[o], i))));
                    owner[step.Out[o]] = (step, o, info);
                }
                else step.Planned[o] = Tensor.Zeros(info.Type, info.Shape);
            }
        }
        var (offsets, arenaSize) = MemoryPlanner.Plan(requests);
        if (arenaSize > int.MaxValue)
        {
            foreach (var (slot, (step, o, info)) in owner) step.Planned[o] = Tensor.Zeros(info.Type, info.Shape);
            return;
        }
        ArenaElements = arenaSize;
        var arena = new float[arenaSize];
        foreach (var (slot, (step, o, info)) in owner)
            step.Planned[o] = new Tensor(DataType.Float32, info.Shape, arena, (int)offsets[slot]);
    }

    public IReadOnlyDictionary<string, Tensor> Execute(IReadOnlyDictionary<string, Tensor> inputs, Action<CompiledNode, Tensor?[]>? observer, string file)
    {
        var slots = _constSlots.ToArray();
        foreach (var (name, s) in _inputSlots) slots[s] = inputs[name];
        foreach (var step in _steps)
        {
            var node = step.Node.Node;
            var ins = new Tensor?[step.In.Length];
            for (int i = 0; i < ins.Length; i++)
            {
                if (step.In[i] < 0) continue;
                ins[i] = slots[step.In[i]] ?? throw new KernelVisionException($"{file}: {node.DisplayName}: input '{node.Inputs[i]}' was not computed");
            }
            var outs = new Tensor?[step.Out.Length];
            try
            {
                TensorInfo[]? infos = null;
                if (step.Dynamic) infos = step.Node.Op.InferOutputs(ins.Select(t => t is null ? null : TensorInfo.Of(t)).ToArray());
                for (int o = 0; o < outs.Length; o++)
                {
                    if (step.Out[o] < 0) continue;
                    outs[o] = step.Planned[o] ?? (infos is not null
                        ? Tensor.Zeros(infos[o].Type, infos[o].Shape)
                        : Tensor.Zeros(Infos[node.Outputs[o]].Type, Infos[node.Outputs[o]].Shape));
                }
                step.Node.Kernel.Run(ins, outs);
            }
            catch (KernelVisionException e) { throw Located(e, file); }
            catch (ValueNotKnownException e) { throw new KernelVisionException($"{file}: {node.DisplayName}: internal error: {e.Message}", e); }
            catch (Exception e) when (e is IndexOutOfRangeException or ArgumentException or InvalidOperationException or NullReferenceException or OverflowException or InvalidCastException or OutOfMemoryException)
            {
                throw new KernelVisionException($"{file}: {node.DisplayName}: kernel failed: {e.GetType().Name}: {e.Message}", e);
            }
            for (int o = 0; o < outs.Length; o++)
                if (step.Out[o] >= 0) slots[step.Out[o]] = outs[o];
            observer?.Invoke(step.Node, outs);
        }
        var result = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        foreach (var (name, s) in _outputs)
        {
            var t = slots[s] ?? throw new KernelVisionException($"{file}: output '{name}' was not computed");
            // Constants and inputs are shared: the caller gets its own copy.
            bool shared = _constSlots[s] is not null || _inputSlots.Any(i => i.Slot == s);
            result[name] = shared ? t.Clone() : t;
        }
        return result;
    }

    private static KernelVisionException Located(KernelVisionException e, string file) =>
        e.Message.StartsWith(file + ":", StringComparison.Ordinal) ? e : e switch
        {
            GraphException => new GraphException($"{file}: {e.Message}", e),
            UnsupportedException => new UnsupportedException($"{file}: {e.Message}", e),
            InputException => new InputException($"{file}: {e.Message}", e),
            ModelFormatException => new ModelFormatException($"{file}: {e.Message}", e),
            _ => new KernelVisionException($"{file}: {e.Message}", e),
        };
}
