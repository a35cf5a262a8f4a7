using System.Text.Json;
using IoTAnomaly.Testing;

namespace IoTAnomaly.Cli.Tests.Commands;

[TestClass]
public sealed class EvaluateCommandTests
{
    public TestContext TestContext { get; set; } = null!;

    [TestMethod]
    public async Task Evaluate_PrintsOneJsonObjectAsLastLine_OnSkabDevFolder()
    {
        var skab = SkabFolder();

        var (exitCode, output, error) = await CliRun.RunAsync("evaluate", "--dataset", "skab", "--path", skab, "--json");

        Assert.AreEqual(0, exitCode, error);
        using var json = JsonDocument.Parse(CliRun.LastLine(output));
        var root = json.RootElement;
        foreach (var key in new[] { "f1", "far", "mar", "nabStandard", "nabLowFp", "nabLowFn" })
        {
            Assert.AreEqual(JsonValueKind.Number, root.GetProperty(key).ValueKind, key);
        }

        Assert.IsTrue(root.GetProperty("f1").GetDouble() is > 0 and <= 1);
        Assert.IsTrue(root.GetProperty("far").GetDouble() is >= 0 and <= 100);
        Assert.IsTrue(root.GetProperty("mar").GetDouble() is >= 0 and <= 100);
        Assert.IsTrue(root.GetProperty("nabStandard").GetDouble() is > -100 and <= 100);
        Assert.AreEqual(ExperimentDetectorCatalog.DefaultName, root.GetProperty("detector").GetString());
        Assert.AreEqual(20, root.GetProperty("files").GetInt32());
        Assert.AreEqual(79, root.GetProperty("changePoints").GetInt32());
        Assert.AreEqual(20, root.GetProperty("perFile").GetArrayLength());
        Assert.AreEqual(JsonValueKind.Number, root.GetProperty("anomalyFreeAlarmRate").ValueKind);
        Assert.Contains("valve1/10.csv", output, "human per-file table before the JSON line");
        Assert.AreEqual(string.Empty, error);
    }

    [TestMethod]
    public async Task Evaluate_PrintsTablesOnly_WithoutJsonOption()
    {
        var (exitCode, output, _) = await CliRun.RunAsync("evaluate", "--dataset", "skab", "--path", SkabFolder(), "--detector", "zscore-baseline");

        Assert.AreEqual(0, exitCode);
        Assert.Contains("NAB standard", output);
        Assert.Contains("alarm % on anomaly-free/anomaly-free.csv", output);
        Assert.DoesNotContain("\"nabStandard\"", output);
    }

    [TestMethod]
    [DataRow(new[] { "evaluate", "--dataset", "skab" }, "--path")]
    [DataRow(new[] { "evaluate", "--path", "." }, "--dataset")]
    [DataRow(new[] { "evaluate", "--dataset", "nab", "--path", "." }, "nab")]
    [DataRow(new[] { "evaluate", "--dataset", "skab", "--path", ".", "--detector", "magic" }, "magic")]
    [DataRow(new[] { "evaluate", "--dataset", "skab", "--path", "/no/such/folder/anywhere" }, "does not exist")]
    [DataRow(new[] { "evaluat" }, "evaluat")]
    public async Task Evaluate_ExitsNonZeroWithClearMessage_OnParseError(string[] args, string expected)
    {
        var (exitCode, _, error) = await CliRun.RunAsync(args);

        Assert.AreNotEqual(0, exitCode);
        Assert.Contains(expected, error);
    }

    [TestMethod]
    public async Task Evaluate_ExitsOneWithMessage_WhenCsvIsMalformed()
    {
        var folder = TempFolder();
        File.WriteAllText(Path.Combine(folder, "bad.csv"), "datetime;A;anomaly;changepoint\n2020-03-09 10:14:33;oops;0;0\n");

        var (exitCode, output, error) = await CliRun.RunAsync("evaluate", "--dataset", "skab", "--path", folder, "--json");

        Assert.AreEqual(1, exitCode);
        Assert.Contains("bad number 'oops'", error);
        Assert.DoesNotContain("\"f1\"", output);
    }

    [TestMethod]
    public async Task Evaluate_ExitsOneWithMessage_WhenFolderHasNoCsv()
    {
        var (exitCode, _, error) = await CliRun.RunAsync("evaluate", "--dataset", "skab", "--path", TempFolder());

        Assert.AreEqual(1, exitCode);
        Assert.Contains("no CSV files", error);
    }

    [TestMethod]
    public async Task Root_ListsEvaluateVerb_InHelp()
    {
        var (exitCode, output, _) = await CliRun.RunAsync("--help");

        Assert.AreEqual(0, exitCode);
        Assert.Contains("evaluate", output);
    }

    private static string SkabFolder()
        => Datasets.TryGet("skab", out var missing) ?? throw new AssertInconclusiveException(missing);

    private string TempFolder()
    {
        var folder = Path.Combine(TestContext.TestRunDirectory ?? Path.GetTempPath(), "cli-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(folder);
        return folder;
    }
}
