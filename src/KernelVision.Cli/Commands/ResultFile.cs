using System.Globalization;
using System.Text;
using System.Text.Json;
using KernelVision.Vision;

namespace KernelVision.Cli.Commands;

/// <summary>
/// <c>--out FILE.csv|FILE.jsonl</c> for batch verbs: one record per good input, written and flushed
/// as each result arrives, so an interrupted run keeps what it finished. The format follows the
/// extension; anything else is an error naming the option.
/// </summary>
internal sealed class ResultFile : IDisposable
{
    private readonly StreamWriter _w;
    private readonly bool _csv;
    private readonly int _top;

    private ResultFile(StreamWriter w, bool csv, int top)
    {
        _w = w;
        _csv = csv;
        _top = top;
    }

    /// <summary>Creates <paramref name="path"/> for classification results with <paramref name="top"/> classes each.</summary>
    public static ResultFile Create(string path, int top)
    {
        string ext = Path.GetExtension(path).ToLowerInvariant();
        bool csv = ext switch
        {
            ".csv" => true,
            ".jsonl" or ".ndjson" => false,
            _ => throw new InputException($"--out {path}: unknown format '{ext}' (use .csv or .jsonl)"),
        };
        string? dir = Path.GetDirectoryName(Path.GetFullPath(path));
        if (dir is not null) Directory.CreateDirectory(dir);
        var w = new StreamWriter(path, append: false, new UTF8Encoding(false));
        var file = new ResultFile(w, csv, top);
        if (csv)
        {
            var header = new StringBuilder("file");
            for (int i = 1; i <= top; i++) header.Append($",top{i}_index,top{i}_label,top{i}_probability");
            w.WriteLine(header.ToString());
            w.Flush();
        }
        return file;
    }

    /// <summary>Appends one image's result and flushes.</summary>
    public void Write(Classification r)
    {
        if (_csv)
        {
            var line = new StringBuilder(Csv(r.Source));
            for (int i = 0; i < _top; i++)
            {
                if (i < r.Top.Count)
                {
                    var t = r.Top[i];
                    line.Append(',').Append(t.Index.ToString(CultureInfo.InvariantCulture))
                        .Append(',').Append(Csv(t.Label))
                        .Append(',').Append(t.Probability.ToString("0.######", CultureInfo.InvariantCulture));
                }
                else line.Append(",,,");
            }
            _w.WriteLine(line.ToString());
        }
        else _w.WriteLine(ClassifyCommand.Json(r, indented: false));
        _w.Flush();
    }

    /// <summary>RFC 4180 quoting: fields with commas, quotes or line breaks are quoted, quotes doubled.</summary>
    internal static string Csv(string field) =>
        field.AsSpan().IndexOfAny(",\"\r\n") < 0 ? field : "\"" + field.Replace("\"", "\"\"") + "\"";

    /// <summary>Closes the file.</summary>
    public void Dispose() => _w.Dispose();
}
