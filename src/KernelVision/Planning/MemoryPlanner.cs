namespace KernelVision.Planning;

/// <summary>A buffer request: <see cref="Size"/> elements live from step <see cref="First"/> to <see cref="Last"/> inclusive.</summary>
public readonly record struct BufferRequest(int Id, int Size, int First, int Last);

/// <summary>
/// Assigns arena offsets so that buffers whose lifetimes overlap never share memory, reusing the
/// space of dead activations. Greedy by size (largest first), each placed at the lowest offset that
/// fits between already-placed, time-overlapping buffers — the classic offset-planning heuristic.
/// </summary>
public static class MemoryPlanner
{
    /// <summary>Offsets per request id, and the arena size they need.</summary>
    public static (Dictionary<int, long> Offsets, long ArenaSize) Plan(IReadOnlyList<BufferRequest> requests, int alignment = 16)
    {
        var offsets = new Dictionary<int, long>();
        var placed = new List<(long Offset, long End, int First, int Last)>();
        long arena = 0;
        foreach (var r in requests.OrderByDescending(r => r.Size).ThenBy(r => r.First))
        {
            long size = (r.Size + alignment - 1) / alignment * alignment;
            var conflicts = placed.Where(p => p.First <= r.Last && r.First <= p.Last).OrderBy(p => p.Offset);
            long at = 0;
            foreach (var p in conflicts)
            {
                if (at + size <= p.Offset) break;
                at = Math.Max(at, p.End);
            }
            placed.Add((at, at + size, r.First, r.Last));
            offsets[r.Id] = at;
            arena = Math.Max(arena, at + size);
        }
        return (offsets, arena);
    }
}
