using System.Diagnostics;

namespace KernelVision.Cli.Commands;

/// <summary>
/// A one-line progress indicator on stderr, drawn only when stderr is a terminal (tqdm's rule), so
/// piping stdout to a file still shows progress and redirecting stderr silences it. Results written
/// through <see cref="Out"/> erase the line first and redraw it after, so streamed results and the
/// bar never garble each other on a shared terminal.
/// </summary>
internal sealed class ProgressLine : IDisposable
{
    private readonly TextWriter? _err;
    private readonly string _title;
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly object _gate = new();
    private int _done, _total;
    private long _lastDrawMs = -1000;
    private bool _visible;

    private ProgressLine(TextWriter? err, string title, int total)
    {
        _err = err;
        _title = title;
        _total = total;
    }

    /// <summary>
    /// Starts a progress line for a run writing to <paramref name="stdout"/>: drawn on the process's
    /// stderr when that is a terminal and the command runs on the real console (not in-process tests).
    /// </summary>
    public static ProgressLine Start(TextWriter stdout, string title, int total) =>
        new(Enabled(stdout) ? Console.Error : null, title, total);

    /// <summary>True when a run writing to <paramref name="stdout"/> should draw progress on stderr.</summary>
    public static bool Enabled(TextWriter stdout) => ReferenceEquals(stdout, Console.Out) && !Console.IsErrorRedirected;

    /// <summary>Records progress; redraws at most every 100 ms (and always at the end).</summary>
    public void Report(int done, int total)
    {
        if (_err is null) return;
        lock (_gate)
        {
            _done = done;
            _total = Math.Max(total, 1);
            long now = _clock.ElapsedMilliseconds;
            if (now - _lastDrawMs < 100 && done < total) return;
            _lastDrawMs = now;
            Draw();
        }
    }

    /// <summary>Writes <paramref name="line"/> to <paramref name="writer"/> (flushed: results stream), keeping the progress line below it.</summary>
    public void Out(TextWriter writer, string line)
    {
        lock (_gate)
        {
            Erase();
            writer.WriteLine(line);
            writer.Flush();
            if (_err is not null && _done > 0) Draw();
        }
    }

    /// <summary>Erases the line.</summary>
    public void Dispose()
    {
        lock (_gate) Erase();
    }

    private void Draw()
    {
        double f = Math.Clamp((double)_done / _total, 0, 1);
        const int width = 24;
        int filled = (int)Math.Round(f * width);
        string eta = _done > 0 && _done < _total
            ? $" eta {TimeSpan.FromSeconds(_clock.Elapsed.TotalSeconds / _done * (_total - _done)):mm\\:ss}" : "";
        _err!.Write($"\r\u001b[2K{_title} [{new string('#', filled)}{new string('.', width - filled)}] {_done}/{_total}{eta}");
        _err.Flush();
        _visible = true;
    }

    private void Erase()
    {
        if (!_visible || _err is null) return;
        _err.Write("\r\u001b[2K");
        _err.Flush();
        _visible = false;
    }
}
