using Azure.Storage.Blobs;
using IoTAnomaly.LocalHost.Api;
using IoTAnomaly.Testing;

namespace IoTAnomaly.LocalHost.Tests.Reliability;

/// <summary>
/// Issue 8, faults: storage (Azurite) stopped mid-stream and started again on the same ports and data. The ingest keeps
/// accepting into memory, the workers retry their batch until the sinks answer again, capture retries its flush; in
/// the end every accepted reading is scored once (no duplicate-message rejections from the retries), every anomaly is
/// one blob, and capture holds every accepted reading.
/// </summary>
[TestClass]
public sealed class StorageOutageTests
{
    private const int Requests = 40;
    private const int PerRequest = 50;

    [TestMethod]
    public async Task Stream_LosesAndDoublesNothing_WhenAzuriteStopsAndRestartsMidStream()
    {
        await using var azurite = await RestartableAzurite.StartAsync();
        var containers = new Dictionary<string, string?>
        {
            ["Storage:ConnectionString"] = azurite.ConnectionString,
            ["Storage:AnomaliesContainer"] = AzuriteFixture.UniqueName("anomalies"),
            ["Storage:CaptureContainer"] = AzuriteFixture.UniqueName("capture"),
            ["LocalHost:CaptureWindow"] = "00:00:01",
            ["LocalHost:RecentAnomalies"] = "100000",
            // Anomalies written with each batch, so the outage fails batches and the worker's redelivery is what is tested.
            ["LocalHost:AnomalyFlushInterval"] = "00:00:00",
        };
        await using var factory = new LocalHostFactory(containers);
        factory.LoadFakeModel();
        using var client = factory.CreateApiClient();
        var run = AzuriteFixture.UniqueName("outage");

        for (var r = 0; r < Requests; r++)
        {
            if (r == 10)
            {
                // Let the first quarter reach storage, then take storage away.
                await LocalHostFactory.WaitForProcessedAsync(client, 10 * PerRequest);
                await azurite.StopAsync();
            }

            if (r == 30)
            {
                // Workers must have felt the outage before storage comes back (they retry their batch).
                await WaitUntilAsync(async () => (await Stats(client)).BatchRetries > 0, TimeSpan.FromSeconds(60));
                await azurite.StartAgainAsync();
            }

            await ReliabilityStream.SendUntilAcceptedAsync(client, ReliabilityStream.Body(run, r, PerRequest), TimeSpan.FromMinutes(2));
        }

        var total = Requests * PerRequest;
        var stats = await LocalHostFactory.WaitForProcessedAsync(client, total, TimeSpan.FromMinutes(3));
        Assert.AreEqual(total, stats.Received, "every acknowledged reading was processed");
        Assert.AreEqual(stats.Received, stats.Scored + stats.Rejected);
        Assert.AreEqual(0, stats.Rejected, "a retried batch is not rejected as duplicates: " + string.Join(", ", stats.RejectedByReason));
        Assert.IsGreaterThan(0, stats.BatchRetries, "the outage was felt");
        var expectedAnomalies = Requests * Enumerable.Range(0, PerRequest).Count(ReliabilityStream.IsAnomalous);
        Assert.AreEqual(expectedAnomalies, stats.Anomalies);

        var service = new BlobServiceClient(azurite.ConnectionString);
        var anomalyIds = await ReliabilityStream.AnomalyMessageIdsAsync(service.GetBlobContainerClient(containers["Storage:AnomaliesContainer"]));
        Assert.HasCount(expectedAnomalies, anomalyIds, "one stored record per anomaly, none lost, none doubled");
        Assert.HasCount(expectedAnomalies, anomalyIds.Distinct(StringComparer.Ordinal));

        // Capture is flushed on its window (1 s) with retries; wait for it to hold everything.
        var capture = service.GetBlobContainerClient(containers["Storage:CaptureContainer"]);
        var sent = Enumerable.Range(0, Requests).SelectMany(r => Enumerable.Range(0, PerRequest).Select(i => ReliabilityStream.MessageId(run, r, i))).ToHashSet(StringComparer.Ordinal);
        List<string> captured = [];
        await WaitUntilAsync(
            async () =>
            {
                captured = await ReliabilityStream.CapturedMessageIdsAsync(capture);
                return sent.IsSubsetOf(captured);
            },
            TimeSpan.FromSeconds(60));
        Assert.HasCount(total, captured, "captured exactly once each");
    }

    private static async Task<StatsResponse> Stats(HttpClient client)
        => (await System.Net.Http.Json.HttpClientJsonExtensions.GetFromJsonAsync<StatsResponse>(client, new Uri("/api/stats", UriKind.Relative)))!;

    private static async Task WaitUntilAsync(Func<Task<bool>> condition, TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        while (!await condition())
        {
            await Task.Delay(100, cts.Token);
        }
    }
}
