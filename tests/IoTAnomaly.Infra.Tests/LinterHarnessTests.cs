using IoTAnomaly.Infra.Tests.Bicep;
using System.Text.Json;

namespace IoTAnomaly.Infra.Tests;

/// <summary>The repository's linter configuration, and proof that the harness sees what the linter reports.</summary>
[TestClass]
public sealed class LinterHarnessTests
{
    private static readonly string[] SecurityRules =
    [
        "adminusername-should-not-be-literal",
        "outputs-should-not-contain-secrets",
        "protect-commandtoexecute-secrets",
        "secure-secrets-in-params",
        "secure-parameter-default",
        "use-secure-value-for-secure-inputs",
        "no-hardcoded-env-urls",
    ];

    public TestContext TestContext { get; set; } = null!;

    [TestMethod]
    public void BicepConfig_SetsSecurityRulesToError_AndUnusedParamsToWarning()
    {
        using var config = JsonDocument.Parse(File.ReadAllText(Path.Combine(BicepCli.InfraDirectory, "bicepconfig.json")));
        var core = config.RootElement.GetProperty("analyzers").GetProperty("core");
        var rules = core.GetProperty("rules");

        Assert.IsTrue(core.GetProperty("enabled").GetBoolean(), "the linter is off");
        foreach (var rule in SecurityRules)
        {
            Assert.AreEqual("error", rules.GetProperty(rule).GetProperty("level").GetString(), rule);
        }

        Assert.AreEqual("warning", rules.GetProperty("no-unused-params").GetProperty("level").GetString());
    }

    [TestMethod]
    public void Build_ReportsErrorAndFails_WhenAParameterHoldsAnUnsecuredSecret()
    {
        var directory = CopyConfigToScratch();
        File.WriteAllText(Path.Combine(directory, "probe.bicep"), """
            @description('Required. A password that is not marked secure.')
            param databasePassword string

            output length int = length(databasePassword)
            """);

        var result = BicepCli.Run(directory, "build", "probe.bicep", "--stdout");

        Assert.AreNotEqual(0, result.ExitCode, result.Describe());
        Assert.IsTrue(result.Diagnostics.Any(d => d.Contains("Error secure-secrets-in-params", StringComparison.Ordinal)), result.Describe());
    }

    [TestMethod]
    public void Lint_ReportsWarning_WhenAModuleParameterIsUnused()
    {
        var directory = CopyConfigToScratch();
        File.WriteAllText(Path.Combine(directory, "probe.bicep"), """
            @description('Optional. Never used.')
            param unused string = 'x'
            """);

        var result = BicepCli.Run(directory, "lint", "probe.bicep");

        // Lint exits 0 on warnings: the diagnostics are what the main tests assert on, so they must be seen here.
        Assert.AreEqual(0, result.ExitCode, result.Describe());
        Assert.HasCount(1, result.Diagnostics, result.Describe());
        Assert.Contains("Warning no-unused-params", result.Diagnostics[0]);
    }

    [TestCleanup]
    public void DeleteScratch()
    {
        if (Directory.Exists(ScratchDirectory))
        {
            Directory.Delete(ScratchDirectory, recursive: true);
        }
    }

    private string ScratchDirectory => Path.Combine(Path.GetTempPath(), "iotanomaly-bicep-" + TestContext.TestName + "-" + Environment.ProcessId);

    private string CopyConfigToScratch()
    {
        var directory = ScratchDirectory;
        Directory.CreateDirectory(directory);
        File.Copy(Path.Combine(BicepCli.InfraDirectory, "bicepconfig.json"), Path.Combine(directory, "bicepconfig.json"), overwrite: true);
        return directory;
    }
}
