using System.Diagnostics;
using System.Text.Json;
using IoTAnomaly.Testing;

namespace IoTAnomaly.LocalHost.Tests.Run;

[TestClass]
public sealed class MainJobProcessTests
{
    [TestMethod]
    public async Task MainJob_PrintsTheRunSummaryAsLastLine_WhenDurationEnds()
    {
        var executable = Path.Combine(AppContext.BaseDirectory, OperatingSystem.IsWindows() ? "IoTAnomaly.LocalHost.exe" : "IoTAnomaly.LocalHost");
        Assert.IsTrue(File.Exists(executable), executable);
        var start = new ProcessStartInfo(executable)
        {
            WorkingDirectory = AppContext.BaseDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in new[] { "--duration", "4", "--urls", "http://127.0.0.1:0" })
        {
            start.ArgumentList.Add(arg);
        }

        start.Environment["Storage__ConnectionString"] = AzuriteFixture.ConnectionString;
        foreach (var container in new[] { "Models", "Anomalies", "DeadLetters", "Capture", "Drift", "Retraining" })
        {
            start.Environment[$"Storage__{container}Container"] = AzuriteFixture.UniqueName(container.ToLowerInvariant());
        }

        start.Environment["Scoring__ModelName"] = AzuriteFixture.UniqueName("mainjob");
        start.Environment["Security__ApiKey"] = "main-job-test-key";
        start.Environment["LocalHost__BootstrapReadings"] = "3000";
        start.Environment["LocalHost__SimulatorReadingsPerSecond"] = "1000";
        start.Environment["Simulator__DeviceCount"] = "5";
        start.Environment["Simulator__FaultRate"] = "0.01";
        start.Environment["Logging__LogLevel__Default"] = "Warning";

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail("The main job did not stop by itself: " + await stdout + await stderr);
        }

        var output = await stdout;
        Assert.AreEqual(0, process.ExitCode, output + await stderr);
        var last = output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)[^1];
        using var summary = JsonDocument.Parse(last);
        var root = summary.RootElement;
        var received = root.GetProperty("received").GetInt64();
        Assert.IsGreaterThan(0, received);
        Assert.AreEqual(received, root.GetProperty("scored").GetInt64() + root.GetProperty("rejected").GetInt64());
        Assert.AreEqual(received, root.GetProperty("sent").GetInt64(), "every reading the simulator got accepted was processed before the summary");
        Assert.AreEqual(root.GetProperty("anomalies").GetInt64(), root.GetProperty("detectedFaults").GetInt64() + root.GetProperty("falseAlarms").GetInt64());
        Assert.IsTrue(root.GetProperty("drained").GetBoolean());
        Assert.IsFalse(string.IsNullOrEmpty(root.GetProperty("modelVersion").GetString()));
        foreach (var field in new[] { "injectedFaults", "faultRecall" })
        {
            Assert.IsTrue(root.TryGetProperty(field, out _), field);
        }
    }
}
