using Azure;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using IoTAnomaly.Core.Detection;
using IoTAnomaly.Core.Processing;
using IoTAnomaly.Core.Telemetry;
using IoTAnomaly.Infrastructure.Sinks;
using IoTAnomaly.Testing;

namespace IoTAnomaly.Infrastructure.Tests.Sinks;

[TestClass]
public sealed class BlobAnomalySinkTests
{
    internal static readonly DateTimeOffset T0 = new(2026, 11, 22, 10, 0, 0, TimeSpan.Zero);

    public TestContext TestContext { get; set; } = null!;

    internal static AnomalyRecord Anomaly(string device = "pump-001", string messageId = "m-1", DateTimeOffset? timestamp = null, double score = 2.5)
        => new(
            device,
            messageId,
            timestamp ?? T0,
            "v1",
            score,
            12.5,
            3.25,
            Severity.Medium,
            [new SensorContribution("Pressure", 0.7, 1.2), new SensorContribution("Current", 0.2, 2.4)],
            QualityFlags.StuckSensor | QualityFlags.OutOfRange,
            T0.AddSeconds(1),
            "3");

    internal static async Task<List<BlobItem>> ListAsync(BlobContainerClient container, CancellationToken cancellationToken)
    {
        var items = new List<BlobItem>();
        await foreach (var item in container.GetBlobsAsync(BlobTraits.None, BlobStates.None, prefix: null, cancellationToken))
        {
            items.Add(item);
        }

        return items;
    }

    [TestMethod]
    public async Task WriteAsync_StoresOneBlobPerAnomalyInDocumentedLayout_WhenBatchWritten()
    {
        var container = await AzuriteFixture.CreateContainerAsync("anom", TestContext.CancellationToken);
        var sink = new BlobAnomalySink(container);
        var first = Anomaly();
        var second = Anomaly("pump-002", "m-2", T0.AddDays(1));

        await sink.WriteAsync([first, second], TestContext.CancellationToken);

        var names = (await ListAsync(container, TestContext.CancellationToken)).Select(b => b.Name).Order(StringComparer.Ordinal).ToArray();
        Assert.HasCount(2, names);
        StringAssert.StartsWith(names[0], "2026/11/22/pump-001/");
        StringAssert.StartsWith(names[1], "2026/11/23/pump-002/");
        StringAssert.Matches(names[0], new System.Text.RegularExpressions.Regex("^2026/11/22/pump-001/[0-9a-f]{16}\\.json$"));
        Assert.AreEqual(BlobAnomalySink.BlobName(first), names[0]);

        var stored = (await sink.QueryAsync(T0, T0, "pump-001", 10, TestContext.CancellationToken)).Single();
        Assert.AreEqual(first.DeviceId, stored.DeviceId);
        Assert.AreEqual(first.MessageId, stored.MessageId);
        Assert.AreEqual(first.Timestamp, stored.Timestamp);
        Assert.AreEqual(first.Severity, stored.Severity);
        Assert.AreEqual(first.Quality, stored.Quality);
        Assert.AreEqual(first.Score, stored.Score);
        Assert.AreEqual(first.PartitionId, stored.PartitionId);
        CollectionAssert.AreEqual(first.TopContributors.ToArray(), stored.TopContributors.ToArray());
    }

    [TestMethod]
    public async Task WriteAsync_WritesNothingNew_WhenBatchReplayed()
    {
        var container = await AzuriteFixture.CreateContainerAsync("anom", TestContext.CancellationToken);
        var sink = new BlobAnomalySink(container);
        var batch = Enumerable.Range(0, 20).Select(i => Anomaly(messageId: "m-" + i)).ToArray();

        await sink.WriteAsync(batch, TestContext.CancellationToken);
        var before = (await ListAsync(container, TestContext.CancellationToken)).ToDictionary(b => b.Name, b => b.Properties.ETag);
        var replay = batch.Select(a => a with { Score = 99, DetectedAt = T0.AddHours(1) }).ToArray();
        await sink.WriteAsync(replay, TestContext.CancellationToken);
        var after = (await ListAsync(container, TestContext.CancellationToken)).ToDictionary(b => b.Name, b => b.Properties.ETag);

        Assert.HasCount(20, before);
        CollectionAssert.AreEquivalent(before.ToArray(), after.ToArray());
        var stored = await sink.QueryAsync(T0, T0, null, 100, TestContext.CancellationToken);
        Assert.IsTrue(stored.All(a => a.Score == 2.5), "the first write wins; a replay changes nothing");
    }

    [TestMethod]
    public async Task WriteAsync_StoresOnceWithoutError_WhenSameRecordsWrittenConcurrently()
    {
        var container = await AzuriteFixture.CreateContainerAsync("anom", TestContext.CancellationToken);
        var sink = new BlobAnomalySink(container, new SinkOptions { MaxParallelWrites = 4 });
        var batch = Enumerable.Range(0, 10).Select(i => Anomaly(messageId: "c-" + i)).ToArray();

        await Task.WhenAll(Enumerable.Range(0, 6).Select(_ => sink.WriteAsync(batch, TestContext.CancellationToken)));

        Assert.HasCount(10, await ListAsync(container, TestContext.CancellationToken));
    }

    [TestMethod]
    public async Task WriteAsync_KeepsBothAnomalies_WhenDevicesShareMessageId()
    {
        var container = await AzuriteFixture.CreateContainerAsync("anom", TestContext.CancellationToken);
        var sink = new BlobAnomalySink(container);

        await sink.WriteAsync([Anomaly("pump-001", "same"), Anomaly("pump-002", "same")], TestContext.CancellationToken);

        Assert.HasCount(2, await ListAsync(container, TestContext.CancellationToken));
    }

    [TestMethod]
    public async Task WriteAsync_Throws_WhenStorageFails()
    {
        var service = await AzuriteFixture.GetServiceClientAsync(TestContext.CancellationToken);
        var missing = service.GetBlobContainerClient(AzuriteFixture.UniqueName("missing"));
        var sink = new BlobAnomalySink(missing, createContainer: false);

        var ex = await Assert.ThrowsAsync<RequestFailedException>(() => sink.WriteAsync([Anomaly()], TestContext.CancellationToken));

        Assert.AreEqual(404, ex.Status);
    }

    [TestMethod]
    public async Task QueryAsync_ReturnsNewestFirstWithinWindow_WhenFilteredAndCapped()
    {
        var container = await AzuriteFixture.CreateContainerAsync("anom", TestContext.CancellationToken);
        var sink = new BlobAnomalySink(container);
        var records = new List<AnomalyRecord>();
        for (var i = 0; i < 12; i++)
        {
            // Two devices, readings every 6 hours over three days.
            records.Add(Anomaly(i % 2 == 0 ? "pump-001" : "pump-002", "q-" + i, T0.AddHours(6 * i)));
        }

        await sink.WriteAsync(records, TestContext.CancellationToken);

        var all = await sink.QueryAsync(T0, T0.AddDays(5), null, 100, TestContext.CancellationToken);
        var device = await sink.QueryAsync(T0, T0.AddDays(5), "pump-002", 100, TestContext.CancellationToken);
        var capped = await sink.QueryAsync(T0, T0.AddDays(5), null, 3, TestContext.CancellationToken);
        var window = await sink.QueryAsync(T0.AddHours(12), T0.AddHours(30), null, 100, TestContext.CancellationToken);

        Assert.HasCount(12, all);
        CollectionAssert.AreEqual(records.OrderByDescending(r => r.Timestamp).Select(r => r.MessageId).ToArray(), all.Select(r => r.MessageId).ToArray());
        Assert.HasCount(6, device);
        Assert.IsTrue(device.All(r => r.DeviceId == "pump-002"));
        CollectionAssert.AreEqual(new[] { "q-11", "q-10", "q-9" }, capped.Select(r => r.MessageId).ToArray());
        CollectionAssert.AreEqual(new[] { "q-5", "q-4", "q-3", "q-2" }, window.Select(r => r.MessageId).ToArray());
        Assert.IsEmpty(await sink.QueryAsync(T0, T0.AddDays(1), null, 0, TestContext.CancellationToken));
        var open = await sink.QueryAsync(DateTimeOffset.MinValue, DateTimeOffset.MaxValue, null, 2, TestContext.CancellationToken);
        CollectionAssert.AreEqual(new[] { "q-11", "q-10" }, open.Select(r => r.MessageId).ToArray(), "an open-ended window walks only the folders that exist");
    }

    [TestMethod]
    public void BlobName_EscapesPathCharacters_WhenDeviceIdIsUnusual()
    {
        var name = BlobAnomalySink.BlobName(Anomaly("..", "m"));
        var other = BlobAnomalySink.BlobName(Anomaly("a%2F'b?", "m"));

        StringAssert.StartsWith(name, "2026/11/22/%2E%2E/");
        StringAssert.StartsWith(other, "2026/11/22/a%252F%27b%3F/");
        Assert.AreEqual(BlobAnomalySink.BlobName(Anomaly("..", "m")), name, "stable");
    }
}
