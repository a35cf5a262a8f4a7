using System.Text.Json;
using IoTAnomaly.Cli.Benchmarking;

namespace IoTAnomaly.Cli.Tests.Commands;

[TestClass]
public sealed class DriftBenchCommandTests
{
    [TestMethod]
    public async Task BenchDrift_FindsTheInjectedDrift_AndPrintsJsonLastLine()
    {
        var (exitCode, stdout, error) = await CliRun.RunAsync("bench", "drift", "--devices", "20", "--hours", "4", "--json");

        Assert.AreEqual(0, exitCode, error);
        using var json = JsonDocument.Parse(CliRun.LastLine(stdout));
        var root = json.RootElement;
        Assert.AreEqual("drifted", root.GetProperty("verdict").GetString());
        Assert.AreEqual(10, root.GetProperty("driftedDevices").GetInt32(), "every second device drifts in the last quarter");
        Assert.AreEqual(20L * 4 * 3600, root.GetProperty("readings").GetInt64());
        Assert.IsTrue(root.GetProperty("seconds").GetDouble() > 0);
    }

    [TestMethod]
    public void DriftBench_SaysStable_WhenNoHourDrifts()
    {
        // With fewer than four hours, "the last quarter" is empty: no drift is injected.
        var result = DriftBench.Run(devices: 10, hours: 1);
        Assert.AreEqual("stable", result.Verdict);
        Assert.AreEqual(0, result.DriftedDevices);
    }

    [TestMethod]
    public async Task BenchDrift_ExitsNonZero_OnBadArguments()
    {
        var (exitCode, _, error) = await CliRun.RunAsync("bench", "drift", "--hours", "0");
        Assert.AreNotEqual(0, exitCode);
        Assert.Contains("--hours", error);
    }
}
