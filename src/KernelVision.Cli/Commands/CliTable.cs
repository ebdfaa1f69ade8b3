using Spectre.Console;
using Spectre.Console.Rendering;

namespace KernelVision.Cli.Commands;

/// <summary>
/// Plain-text tables drawn by Spectre.Console's <see cref="Table"/> into any writer (tests pass a
/// StringWriter): no colour or ANSI codes, wide enough never to wrap, cells taken literally
/// (shapes such as [1,3,224,224] are not markup).
/// </summary>
internal static class CliTable
{
    /// <summary>Writes a table of <paramref name="rows"/> under <paramref name="headers"/>; a header starting with '>' is right-aligned (numbers).</summary>
    public static void Write(TextWriter o, IReadOnlyList<string> headers, IEnumerable<IReadOnlyList<string>> rows, int indent = 0)
    {
        var table = new Table().Border(TableBorder.Minimal).HideRowSeparators();
        var right = new bool[headers.Count];
        for (int i = 0; i < headers.Count; i++)
        {
            right[i] = headers[i].StartsWith('>');
            var col = new TableColumn(new Text(right[i] ? headers[i][1..] : headers[i])) { NoWrap = true };
            table.AddColumn(right[i] ? col.RightAligned() : col.LeftAligned());
        }
        foreach (var r in rows)
            table.AddRow(r.Select((c, i) => (IRenderable)new Text(c, Style.Plain) { Justification = right[i] ? Justify.Right : Justify.Left }).ToArray());
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Ansi = AnsiSupport.No,
            ColorSystem = ColorSystemSupport.NoColors,
            Out = new AnsiConsoleOutput(new Indented(o, indent)),
            Interactive = InteractionSupport.No,
        });
        console.Profile.Width = 400; // never wrap: the table is as wide as its cells
        console.Write(table);
        console.Profile.Out.Writer.Flush();
    }

    // Indents each line, trims the padding Spectre leaves at line ends and drops the blank line its
    // border draws above the header, so the output diffs and greps cleanly.
    private sealed class Indented(TextWriter inner, int indent) : TextWriter
    {
        private readonly System.Text.StringBuilder _line = new();
        public override System.Text.Encoding Encoding => inner.Encoding;
        public override void Write(char value)
        {
            if (value == '\r') return;
            if (value != '\n') { _line.Append(value); return; }
            string text = _line.ToString().TrimEnd();
            _line.Clear();
            if (text.Length > 0) inner.WriteLine(new string(' ', indent) + text);
        }
        public override void Flush()
        {
            if (_line.Length > 0) Write('\n');
            inner.Flush();
        }
    }
}
