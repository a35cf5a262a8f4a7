using IoTAnomaly.Cli.Reports;
using IoTAnomaly.Testing;

namespace IoTAnomaly.Cli.Tests.Reports;

[TestClass]
public sealed class SkabHtmlReportTests
{
    private static readonly byte[] PngSignature = [0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A];

    public TestContext TestContext { get; set; } = null!;

    [TestMethod]
    [DataRow("valve1/0.csv", "valve1_0.png")]
    [DataRow("anomaly-free/anomaly-free.csv", "anomaly-free_anomaly-free.png")]
    [DataRow("a b/c.d.csv", "a_b_c_d.png")]
    public void PlotFileName_FlattensRelativeName_ToSafePng(string file, string expected)
        => Assert.AreEqual(expected, SkabHtmlReport.PlotFileName(file));

    [TestMethod]
    public async Task Evaluate_WritesHtmlAndOnePngPerFile_WithReportOption()
    {
        var skab = Datasets.TryGet("skab", out var missing) ?? throw new AssertInconclusiveException(missing);
        var folder = Path.Combine(TestContext.TestRunDirectory ?? Path.GetTempPath(), "report-" + Guid.NewGuid().ToString("N"));

        var (exitCode, output, error) = await CliRun.RunAsync("evaluate", "--dataset", "skab", "--path", skab, "--report", folder, "--json");

        Assert.AreEqual(0, exitCode, error);
        Assert.StartsWith("{", CliRun.LastLine(output), "the JSON line stays last after the report message");
        var html = File.ReadAllText(Path.Combine(folder, "index.html"));
        Assert.Contains("valve2/3.csv", html);
        Assert.Contains("plots/valve1_0.png", html);
        Assert.Contains("False-alarm check", html);
        var plots = Directory.GetFiles(Path.Combine(folder, "plots"), "*.png");
        Assert.HasCount(21, plots);
        CollectionAssert.AreEqual(PngSignature, File.ReadAllBytes(Path.Combine(folder, "plots", "valve1_0.png"))[..8]);
    }
}
