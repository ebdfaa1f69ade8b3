using System.Diagnostics;
using Xunit;

namespace KernelVision.Vision.Tests;

/// <summary>
/// The examples project (the README's C# code) runs: built with this test project, started in a
/// fresh process so nothing registered by other tests helps it; it must run on cpu with no set-up.
/// </summary>
public class ExamplesTests
{
    [Fact]
    public async Task ExamplesRunOnCpuAndClassifyTheSamples()
    {
        // This assembly lives in tests/KernelVision.Vision.Tests/bin/<Configuration>/<tfm>/.
        var tfmDir = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
        string configuration = tfmDir.Parent!.Name, tfm = tfmDir.Name;
        string dll = Path.Combine(ShippedWeights.RepoRoot, "examples", "KernelVision.Examples", "bin", configuration, tfm, "KernelVision.Examples.dll");
        Assert.True(File.Exists(dll), $"{dll} was not built");

        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = Path.GetTempPath() };
        psi.ArgumentList.Add("exec");
        psi.ArgumentList.Add(dll);
        psi.ArgumentList.Add(ShippedWeights.Dir);
        using var p = Process.Start(psi)!;
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        var stderr = p.StandardError.ReadToEndAsync(timeout.Token);
        string output = await p.StandardOutput.ReadToEndAsync(timeout.Token);
        await p.WaitForExitAsync(timeout.Token);
        Assert.True(p.ExitCode == 0, $"exit {p.ExitCode}: {await stderr}");
        Assert.Contains("model.onnx on cpu: 'input' -> float32[1,10]", output);
        Assert.Contains("3 frames into the same float32[1,10]: class ", output);
        Assert.Contains("fashion-0-ankle-boot.png: Ankle boot", output);
        Assert.Contains("fashion-2-trouser.png: Trouser", output);
    }
}
