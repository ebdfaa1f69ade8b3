using System.CommandLine;

namespace KernelVision.Cli.Commands;

/// <summary>"Did you mean" for a mistyped verb, so `kv clasify` names the verb instead of "Required command was not provided".</summary>
internal static class Suggest
{
    /// <summary>
    /// The error line for <paramref name="args"/> when their first word is not a verb of
    /// <paramref name="root"/>, else null (System.CommandLine's own message is better then).
    /// </summary>
    public static string? UnknownVerb(RootCommand root, string[] args)
    {
        if (args.Length == 0 || args[0].StartsWith('-')) return null;
        string word = args[0];
        var verbs = root.Subcommands.SelectMany(c => c.Aliases.Prepend(c.Name)).ToList();
        if (verbs.Contains(word, StringComparer.Ordinal)) return null;
        var close = verbs.Select(v => (Verb: v, Distance: Distance(word.ToLowerInvariant(), v)))
            .Where(t => t.Distance <= Math.Max(1, t.Verb.Length / 3) || t.Verb.StartsWith(word, StringComparison.OrdinalIgnoreCase))
            .OrderBy(t => t.Distance).ThenBy(t => t.Verb, StringComparer.Ordinal).Select(t => $"'{t.Verb}'").Take(3).ToList();
        string hint = close.Count > 0 ? $"did you mean {string.Join(" or ", close)}?" : $"verbs: {string.Join(", ", root.Subcommands.Select(c => c.Name))}";
        return $"unknown command '{word}' ({hint}) (see 'kv --help')";
    }

    /// <summary>Optimal string alignment distance (Levenshtein plus adjacent transpositions).</summary>
    internal static int Distance(string a, string b)
    {
        var d = new int[a.Length + 1, b.Length + 1];
        for (int i = 0; i <= a.Length; i++) d[i, 0] = i;
        for (int j = 0; j <= b.Length; j++) d[0, j] = j;
        for (int i = 1; i <= a.Length; i++)
            for (int j = 1; j <= b.Length; j++)
            {
                int cost = a[i - 1] == b[j - 1] ? 0 : 1;
                d[i, j] = Math.Min(Math.Min(d[i - 1, j] + 1, d[i, j - 1] + 1), d[i - 1, j - 1] + cost);
                if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) d[i, j] = Math.Min(d[i, j], d[i - 2, j - 2] + 1);
            }
        return d[a.Length, b.Length];
    }
}
