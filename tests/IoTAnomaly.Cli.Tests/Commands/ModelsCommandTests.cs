using System.Text.Json;
using IoTAnomaly.Cli.Hosting;
using IoTAnomaly.Testing;

namespace IoTAnomaly.Cli.Tests.Commands;

/// <summary>
/// <c>train --register/--promote</c>, <c>models …</c> and <c>score --model</c> against Azurite (started by the first test
/// that needs it). Every test works on its own model name in the shared models container.
/// </summary>
[TestClass]
public sealed class ModelsCommandTests
{
    public TestContext TestContext { get; set; } = null!;

    [TestMethod]
    public async Task TrainPromote_MakesChampion_ThatListShows()
    {
        var host = await StorageHostAsync();
        var model = AzuriteFixture.UniqueName("cli-list");

        var v1 = await TrainAsync(host, model, seed: 1, "--register", "--promote");
        var (exitCode, stdout, error) = await CliRun.RunAsync(host, "models", "list", "--model", model, "--json");

        Assert.AreEqual(0, exitCode, error);
        using var listing = JsonDocument.Parse(CliRun.LastLine(stdout));
        var entry = listing.RootElement.GetProperty("models")[0];
        Assert.AreEqual(model, entry.GetProperty("name").GetString());
        Assert.AreEqual(v1, entry.GetProperty("champion").GetString());
        Assert.AreEqual(JsonValueKind.Null, entry.GetProperty("challenger").ValueKind);
        var version = entry.GetProperty("versions")[0];
        Assert.IsTrue(version.GetProperty("champion").GetBoolean());
        Assert.IsTrue(version.GetProperty("metrics").GetProperty("trainingAlarmRate").GetDouble() is >= 0 and < 0.05, "the default ridge-residual model's training alarm rate");
        Assert.Contains($"champion {v1}", stdout, "human table title names the champion");
        Assert.IsTrue(stdout.Split('\n').Any(l => l.Contains(v1, StringComparison.Ordinal) && l.TrimStart().StartsWith('*')), "the champion's row is marked *");

        var all = await CliRun.RunAsync(host, "models", "list");
        Assert.AreEqual(0, all.ExitCode, all.Error);
        Assert.Contains(model, all.Out, "listing every model includes this one");
    }

    [TestMethod]
    public async Task PromoteThenRollback_ReturnsToFirstChampion_AndIsAudited()
    {
        var host = await StorageHostAsync();
        var model = AzuriteFixture.UniqueName("cli-rollback");
        var v1 = await TrainAsync(host, model, seed: 1, "--promote");
        var v2 = await TrainAsync(host, model, seed: 2, "--register");
        Assert.AreNotEqual(v1, v2);
        Assert.AreEqual(v1, await ChampionAsync(host, model), "--register alone does not promote");

        var promote = await CliRun.RunAsync(host, "models", "promote", "--model", model, "--version", v2, "--reason", "better on held-out data");
        Assert.AreEqual(0, promote.ExitCode, promote.Error);
        Assert.AreEqual(v2, await ChampionAsync(host, model));

        var rollback = await CliRun.RunAsync(host, "models", "rollback", "--model", model, "--reason", "too many alarms");
        Assert.AreEqual(0, rollback.ExitCode, rollback.Error);
        Assert.AreEqual(v1, await ChampionAsync(host, model));

        var audit = await CliRun.RunAsync(host, "models", "audit", "--model", model);
        Assert.AreEqual(0, audit.ExitCode, audit.Error);
        Assert.Contains("better on held-out data", audit.Out);
        Assert.Contains("too many alarms", audit.Out);
        Assert.Contains("rollback", audit.Out);
        Assert.Contains("register", audit.Out);
    }

    [TestMethod]
    public async Task Promote_ExactlyOneWinsAndLoserExitsTwo_OnConcurrentPromotionsFromSameETag()
    {
        var host = await StorageHostAsync();
        var model = AzuriteFixture.UniqueName("cli-race");
        await TrainAsync(host, model, seed: 1, "--promote");
        var v2 = await TrainAsync(host, model, seed: 2, "--register");
        var v3 = await TrainAsync(host, model, seed: 3, "--register");
        var etag = await ChampionETagAsync(host, model);

        var results = await Task.WhenAll(
            CliRun.RunAsync(host, "models", "promote", "--model", model, "--version", v2, "--if-match", etag),
            CliRun.RunAsync(host, "models", "promote", "--model", model, "--version", v3, "--if-match", etag));

        CollectionAssert.AreEquivalent(new[] { 0, 2 }, results.Select(static r => r.ExitCode).ToArray(), string.Join(" | ", results.Select(static r => r.Error)));
        var winner = results[0].ExitCode == 0 ? v2 : v3;
        var loser = results.Single(static r => r.ExitCode == 2);
        Assert.Contains("conflict:", loser.Error);
        Assert.AreEqual(winner, await ChampionAsync(host, model));

        // A stale ETag keeps failing with exit code 2 afterwards too.
        var stale = await CliRun.RunAsync(host, "models", "promote", "--model", model, "--version", winner == v2 ? v3 : v2, "--if-match", etag);
        Assert.AreEqual(2, stale.ExitCode);
        Assert.Contains("conflict:", stale.Error);
        Assert.AreEqual(winner, await ChampionAsync(host, model));
    }

    [TestMethod]
    public async Task Models_ExitOneWithClearMessage_OnUnknownVersionOrNothingToRollBack()
    {
        var host = await StorageHostAsync();
        var model = AzuriteFixture.UniqueName("cli-errors");
        await TrainAsync(host, model, seed: 1, "--promote");

        var unknown = await CliRun.RunAsync(host, "models", "promote", "--model", model, "--version", "20200101-000000-deadbeef");
        var rollback = await CliRun.RunAsync(host, "models", "rollback", "--model", model);
        var missing = await CliRun.RunAsync(host, "models", "list", "--model", AzuriteFixture.UniqueName("cli-none"));

        Assert.AreEqual(1, unknown.ExitCode);
        Assert.Contains("no registered version", unknown.Error);
        Assert.AreEqual(1, rollback.ExitCode);
        Assert.Contains("no previous champion", rollback.Error);
        Assert.AreEqual(1, missing.ExitCode);
        Assert.Contains("no registered versions", missing.Error);
    }

    [TestMethod]
    public async Task ScoreModel_UsesRegistryChampion()
    {
        var host = await StorageHostAsync();
        var model = AzuriteFixture.UniqueName("cli-score");
        var v1 = await TrainAsync(host, model, seed: 1, "--promote");
        var file = Path.Combine(CliRun.TempFolder(TestContext), "one.json");
        File.WriteAllText(file, """{"deviceId":"pump-001","timestamp":"2026-01-01T00:00:00Z","messageId":"m-1","readings":{"Current":1}}""");

        var (exitCode, stdout, error) = await CliRun.RunAsync(host, "score", "--model", model, "--input", file, "--json");

        Assert.AreEqual(0, exitCode, error);
        using var result = JsonDocument.Parse(CliRun.LastLine(stdout));
        Assert.AreEqual(v1, result.RootElement.GetProperty("modelVersion").GetString());
        Assert.AreEqual(1, result.RootElement.GetProperty("rejectedByReason").GetProperty("missing-sensor-value").GetInt32());
    }

    [TestMethod]
    public async Task Models_ExitOneWithStorageMessage_WhenStorageIsUnreachable()
    {
        // A loopback port nothing listens on; one quick try so the test does not wait for the retry policy.
        var host = new CliHost(new Dictionary<string, string?>
        {
            ["Storage:ConnectionString"] = "DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==;BlobEndpoint=http://127.0.0.1:1/devstoreaccount1;",
            ["Storage:MaxRetries"] = "0",
        });

        var (exitCode, _, error) = await CliRun.RunAsync(host, "models", "list");

        Assert.AreEqual(1, exitCode);
        Assert.Contains("error:", error);
    }

    private static async Task<CliHost> StorageHostAsync()
        => new(new Dictionary<string, string?> { ["Storage:ConnectionString"] = await AzuriteFixture.StartAsync() });

    private async Task<string> TrainAsync(CliHost host, string model, int seed, params string[] flags)
    {
        string[] args = ["train", "--synthetic", "600", "--model", model, "--seed", seed.ToString(System.Globalization.CultureInfo.InvariantCulture), "--json", .. flags];
        var (exitCode, stdout, error) = await CliRun.RunAsync(host, args);
        Assert.AreEqual(0, exitCode, error);
        using var summary = JsonDocument.Parse(CliRun.LastLine(stdout));
        Assert.IsTrue(summary.RootElement.GetProperty("registered").GetBoolean());
        Assert.AreEqual(flags.Contains("--promote"), summary.RootElement.GetProperty("promoted").GetBoolean());
        return summary.RootElement.GetProperty("version").GetString()!;
    }

    private static async Task<JsonElement> ListAsync(CliHost host, string model)
    {
        var (exitCode, stdout, error) = await CliRun.RunAsync(host, "models", "list", "--model", model, "--json");
        Assert.AreEqual(0, exitCode, error);
        using var listing = JsonDocument.Parse(CliRun.LastLine(stdout));
        return listing.RootElement.GetProperty("models")[0].Clone();
    }

    private static async Task<string?> ChampionAsync(CliHost host, string model) => (await ListAsync(host, model)).GetProperty("champion").GetString();

    private static async Task<string> ChampionETagAsync(CliHost host, string model) => (await ListAsync(host, model)).GetProperty("championETag").GetString()!;
}
