using System.Text.Json;
using IoTAnomaly.Cli.Benchmarking;

namespace IoTAnomaly.Cli.Tests.Commands;

[TestClass]
public sealed class ParserFuzzCommandTests
{
    [TestMethod]
    public async Task ParserFuzz_PrintsFiguresAsLastLine_OnSmallRun()
    {
        var (exitCode, stdout, error) = await CliRun.RunAsync("bench", "parser-fuzz", "--inputs", "3000", "--seed", "5", "--json");

        Assert.AreEqual(0, exitCode, error);
        using var json = JsonDocument.Parse(CliRun.LastLine(stdout));
        var root = json.RootElement;
        Assert.AreEqual(3000, root.GetProperty("inputs").GetInt64());
        Assert.AreEqual(0, root.GetProperty("failures").GetInt64());
        Assert.IsTrue(root.GetProperty("rows").GetInt64() > 0);
        Assert.AreEqual(root.GetProperty("rows").GetInt64(), root.GetProperty("accepted").GetInt64() + root.GetProperty("rejected").GetInt64());
        foreach (var kind in new[] { "valid", "semantic", "mutated", "noise" })
        {
            Assert.IsTrue(root.GetProperty("inputsByCase").GetProperty(kind).GetInt64() > 0, kind);
        }

        Assert.IsTrue(root.GetProperty("rowsByReason").EnumerateObject().Count() >= 10, "the semantic cases reach most reject reasons");
        Assert.Contains("property failures", stdout);
    }

    [TestMethod]
    public void ParserFuzz_IsDeterministic_ForSameSeed()
    {
        var a = ParserFuzz.Run(2000, seed: 11);
        var b = ParserFuzz.Run(2000, seed: 11);

        Assert.AreEqual(a.Rows, b.Rows);
        Assert.AreEqual(a.Accepted, b.Accepted);
        CollectionAssert.AreEqual(a.RowsByReason.ToArray(), b.RowsByReason.ToArray());
        CollectionAssert.AreEqual(a.Failures.Select(static f => f.PayloadBase64).ToArray(), b.Failures.Select(static f => f.PayloadBase64).ToArray());
    }

    [TestMethod]
    public void ParserFuzz_FindsNoFailures_On50000Inputs()
    {
        // Never throws; valid bodies accepted with double.Parse-exact values; each semantic defect rejected with its own
        // code; accepted rows valid, rejected rows explained, rows bounded, parsing deterministic.
        var report = ParserFuzz.Run(50_000, seed: 3);

        Assert.AreEqual(0, report.FailureCount, string.Join("\n", report.Failures.Take(5).Select(static f => $"{f.Case} {f.Property}: {f.Detail} | {f.PayloadBase64}")));
        Assert.IsTrue(report.Accepted > 10_000);
    }

    [TestMethod]
    public void ParserFuzz_ReportsFailure_WhenOracleIsViolated()
    {
        // The oracle must be able to fail: a semantic case whose expected code is wrong is reported.
        var report = ParserFuzz.Run(3_000, seed: 3, keepFailures: 5, expectationOverride: ("device-missing", "out-of-bounds"));

        Assert.IsTrue(report.FailureCount > 0);
        Assert.IsTrue(report.Failures.All(static f => f.Case == "device-missing" && f.Property == "oracle"));
    }
}
