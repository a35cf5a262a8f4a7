using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using IoTAnomaly.Core.Models;
using IoTAnomaly.Core.Serialization;
using IoTAnomaly.Core.Simulation;
using IoTAnomaly.Infrastructure.Models;
using IoTAnomaly.LocalHost.Api;
using IoTAnomaly.LocalHost.Run;

namespace IoTAnomaly.LocalHost.Tests.Reliability;

/// <summary>
/// Issue 8, faults, end to end through the host: a champion whose model blob is corrupt, then a champion pointer to a
/// version that does not exist. The host keeps scoring with the last good model, <c>/health</c> stays 200 and says what
/// failed, predict answers with the last good version, and a rollback over HTTP clears the failure. The loader is polled
/// directly (no timing).
/// </summary>
[TestClass]
public sealed class ModelFaultTests
{
    public TestContext TestContext { get; set; } = null!;

    [TestMethod]
    public async Task Host_KeepsServingLastGoodModel_WhenChampionBlobIsCorruptOrPointsToAMissingVersion()
    {
        await using var factory = new LocalHostFactory(new Dictionary<string, string?>
        {
            ["LocalHost:BootstrapReadings"] = "3000",
            ["Simulator:DeviceCount"] = "5",
            ["ModelLoader:PollInterval"] = "01:00:00", // the test polls; the watcher's own timer stays out of the way
        });
        using var client = factory.CreateApiClient();
        var ct = TestContext.CancellationToken;
        var good = (await factory.Get<ModelBootstrapper>().EnsureChampionAsync(ct))!;
        var loader = factory.Get<ChampionModelLoader>();
        await loader.PollOnceAsync(ct);
        await AssertServingAsync(client, good, failureMentions: null);

        // 1. A new champion whose model.zip is garbage (hash mismatch, not a zip).
        var registry = factory.Get<IModelRegistry>();
        var bundle = await registry.DownloadAsync(factory.ModelName, good, ct);
        var manifest = JsonSerializer.SerializeToNode(bundle.Manifest, CoreJsonContext.Default.ModelManifest)!.AsObject();
        manifest["version"] = "corrupt-v2";
        await registry.RegisterAsync(manifest.Deserialize(CoreJsonContext.Default.ModelManifest)!, bundle.ModelZip, "test", ct);
        await registry.PromoteAsync(factory.ModelName, "corrupt-v2", "fault test", "test", null, ct);
        var container = ((BlobModelRegistry)registry).Container;
        await container.GetBlobClient($"{factory.ModelName}/corrupt-v2/model.zip").UploadAsync(BinaryData.FromString("not a zip"), overwrite: true, ct);

        Assert.AreEqual(ModelPollOutcome.Failed, await loader.PollOnceAsync(ct));
        await AssertServingAsync(client, good, failureMentions: "corrupt-v2");
        Assert.AreEqual(ModelPollOutcome.RetryDeferred, await loader.PollOnceAsync(ct), "no hot loop on a bad version");

        // 2. The champion pointer names a version that was never registered.
        var pointer = new JsonObject
        {
            ["model"] = factory.ModelName,
            ["version"] = "missing-v3",
            ["history"] = new JsonArray(good),
            ["updatedAt"] = DateTimeOffset.UtcNow.ToString("O", System.Globalization.CultureInfo.InvariantCulture),
        };
        await container.GetBlobClient($"{factory.ModelName}/champion.json").UploadAsync(BinaryData.FromString(pointer.ToJsonString()), overwrite: true, ct);

        Assert.AreEqual(ModelPollOutcome.Failed, await loader.PollOnceAsync(ct));
        await AssertServingAsync(client, good, failureMentions: "missing-v3");

        // 3. Recovery: roll back over HTTP to the last good version; the failure is cleared without a reload.
        using (var rollback = await client.PostAsync(new Uri($"/api/models/{factory.ModelName}/rollback", UriKind.Relative), LocalHostFactory.Json("{\"reason\":\"bad pointer\"}")))
        {
            Assert.AreEqual(HttpStatusCode.OK, rollback.StatusCode, await rollback.Content.ReadAsStringAsync(ct));
        }

        await loader.PollOnceAsync(ct);
        await AssertServingAsync(client, good, failureMentions: null);
    }

    private async Task AssertServingAsync(HttpClient client, string version, string? failureMentions)
    {
        var ct = TestContext.CancellationToken;
        using var health = await client.GetAsync(new Uri("/health", UriKind.Relative), ct);
        Assert.AreEqual(HttpStatusCode.OK, health.StatusCode, "the host stays ready on its last good model");
        var status = (await health.Content.ReadFromJsonAsync<HealthResponse>(ct))!;
        Assert.AreEqual(version, status.ModelVersion);
        if (failureMentions is null)
        {
            Assert.IsNull(status.LastLoadError, status.LastLoadError);
        }
        else
        {
            Assert.Contains(failureMentions, status.LastLoadError ?? string.Empty);
        }

        var simulator = new FleetSimulator(new SimulatorOptions { DeviceCount = 5, StartTime = DateTimeOffset.UtcNow.AddMinutes(-1), MalformedRate = 0, FaultRate = 0 });
        var reading = FleetSimulator.ToJson(simulator.NextStep()[0]);
        using var content = new ByteArrayContent(reading);
        content.Headers.TryAddWithoutValidation("Content-Type", "application/json");
        using var predict = await client.PostAsync(new Uri("/api/predict", UriKind.Relative), content, ct);
        var text = await predict.Content.ReadAsStringAsync(ct);
        Assert.AreEqual(HttpStatusCode.OK, predict.StatusCode, text);
        Assert.AreEqual(version, JsonDocument.Parse(text).RootElement.GetProperty("modelVersion").GetString());
    }
}
