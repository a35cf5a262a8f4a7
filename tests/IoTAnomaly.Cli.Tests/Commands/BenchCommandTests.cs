using System.Text.Json;

namespace IoTAnomaly.Cli.Tests.Commands;

[TestClass]
public sealed class BenchCommandTests
{
    [TestMethod]
    public async Task Bench_PrintsContractJsonAsLastLine_OnSmallRun()
    {
        var (exitCode, stdout, error) = await CliRun.RunAsync("bench", "--json", "--bodies", "50", "--passes", "1", "--batch-size", "20", "--devices", "10");

        Assert.AreEqual(0, exitCode, error);
        var last = CliRun.LastLine(stdout);
        Assert.StartsWith("{\"readingsPerSecond\":", last, "the two contract keys come first");
        using var json = JsonDocument.Parse(last);
        var root = json.RootElement;
        var names = root.EnumerateObject().Select(static p => p.Name).Take(2).ToArray();
        CollectionAssert.AreEqual(new[] { "readingsPerSecond", "allocatedBytesPerReading" }, names);
        Assert.IsTrue(root.GetProperty("readingsPerSecond").GetDouble() > 0);
        // The target is zero allocation per reading, so only non-negative is a correct expectation.
        Assert.IsTrue(root.GetProperty("allocatedBytesPerReading").GetDouble() >= 0);
        Assert.AreEqual(1000, root.GetProperty("readings").GetInt64(), "50 bodies × 20 readings × 1 pass");
        Assert.AreEqual(20, root.GetProperty("batchSize").GetInt32());
        Assert.Contains("readings/s", stdout, "human table before the JSON");
    }

    [TestMethod]
    public async Task Bench_PrintsTableOnly_WithoutJson()
    {
        var (exitCode, stdout, _) = await CliRun.RunAsync("bench", "--bodies", "10", "--passes", "1", "--batch-size", "10");

        Assert.AreEqual(0, exitCode);
        Assert.Contains("allocated bytes/reading", stdout);
        Assert.DoesNotContain("\"readingsPerSecond\"", stdout);
    }

    [TestMethod]
    [DataRow(new[] { "bench", "--passes", "0" }, "--passes")]
    [DataRow(new[] { "bench", "--batch-size", "many" }, "many")]
    public async Task Bench_ExitsNonZeroWithClearMessage_OnArgumentError(string[] args, string expected)
    {
        var (exitCode, _, error) = await CliRun.RunAsync(args);

        Assert.AreNotEqual(0, exitCode);
        Assert.Contains(expected, error);
    }
}
