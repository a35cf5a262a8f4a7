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

    internal static async Task<List<BlobItem>> ListAsync(BlobContainerClient container, CancellationToken cancellationToken, BlobTraits traits = BlobTraits.None)
    {
        var items = new List<BlobItem>();
        await foreach (var item in container.GetBlobsAsync(traits, BlobStates.None, prefix: null, cancellationToken))
        {
            items.Add(item);
        }

        return items;
    }

    [TestMethod]
    public async Task WriteAsync_StoresOnePagePerReadingDayInDocumentedLayout_WhenBatchWritten()
    {
        var container = await AzuriteFixture.CreateContainerAsync("anom", TestContext.CancellationToken);
        var sink = new BlobAnomalySink(container);
        var first = Anomaly("pump-002", "m-1");
        var second = Anomaly("pump-001", "m-9", T0.AddHours(3));
        var nextDay = Anomaly("pump-002", "m-2", T0.AddDays(1));

        await sink.WriteAsync([first, second, nextDay], TestContext.CancellationToken);

        var blobs = (await ListAsync(container, TestContext.CancellationToken, BlobTraits.Metadata)).OrderBy(b => b.Name, StringComparer.Ordinal).ToArray();
        Assert.HasCount(2, blobs);
        StringAssert.Matches(blobs[0].Name, new System.Text.RegularExpressions.Regex("^2026/11/22/[0-9a-f]{16}\\.ndjson$"));
        StringAssert.Matches(blobs[1].Name, new System.Text.RegularExpressions.Regex("^2026/11/23/[0-9a-f]{16}\\.ndjson$"));
        Assert.AreEqual(BlobAnomalySink.PageName([second, first]), blobs[0].Name, "the name depends on the keys, not their order");
        Assert.AreEqual(T0.UtcTicks.ToString(System.Globalization.CultureInfo.InvariantCulture), blobs[0].Metadata["mints"]);
        Assert.AreEqual(T0.AddHours(3).UtcTicks.ToString(System.Globalization.CultureInfo.InvariantCulture), blobs[0].Metadata["maxts"]);
        Assert.AreEqual("2", blobs[0].Metadata["count"]);
        Assert.AreEqual("application/x-ndjson", blobs[0].Properties.ContentType);
        var lines = (await container.GetBlobClient(blobs[0].Name).DownloadContentAsync(TestContext.CancellationToken)).Value.Content.ToString()
            .Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.HasCount(2, lines);
        StringAssert.Contains(lines[0], "\"deviceId\":\"pump-001\"", "records sorted by device id");

        var stored = (await sink.QueryAsync(T0, T0, "pump-002", 10, TestContext.CancellationToken)).Single();
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
        var replay = batch.Reverse().Select(a => a with { Score = 99, DetectedAt = T0.AddHours(1) }).ToArray();
        await sink.WriteAsync(replay, TestContext.CancellationToken);
        var after = (await ListAsync(container, TestContext.CancellationToken)).ToDictionary(b => b.Name, b => b.Properties.ETag);

        Assert.HasCount(1, before);
        CollectionAssert.AreEquivalent(before.ToArray(), after.ToArray());
        var stored = await sink.QueryAsync(T0, T0, null, 100, TestContext.CancellationToken);
        Assert.HasCount(20, stored);
        Assert.IsTrue(stored.All(a => a.Score == 2.5), "the first write wins; a replay changes nothing");
    }

    [TestMethod]
    public async Task QueryAsync_ReturnsEachReadingOnceFromTheFirstPage_WhenRedeliveryWasBatchedDifferently()
    {
        var container = await AzuriteFixture.CreateContainerAsync("anom", TestContext.CancellationToken);
        var sink = new BlobAnomalySink(container);
        var batch = Enumerable.Range(0, 6).Select(i => Anomaly(messageId: "r-" + i, timestamp: T0.AddSeconds(i))).ToArray();

        await sink.WriteAsync(batch[..4], TestContext.CancellationToken);
        await sink.WriteAsync(batch[2..].Select(a => a with { Score = 99 }).ToArray(), TestContext.CancellationToken);

        Assert.HasCount(2, await ListAsync(container, TestContext.CancellationToken), "a different key set is a different page");
        var stored = await sink.QueryAsync(T0, T0.AddMinutes(1), null, 100, TestContext.CancellationToken);
        CollectionAssert.AreEqual(new[] { "r-5", "r-4", "r-3", "r-2", "r-1", "r-0" }, stored.Select(a => a.MessageId).ToArray());
        CollectionAssert.AreEqual(new[] { 99, 99, 2.5, 2.5, 2.5, 2.5 }, stored.Select(a => a.Score).ToArray(), "readings of both pages keep the first page's record");
        var all = await sink.ReadAllAsync(T0, T0.AddMinutes(1), TestContext.CancellationToken);
        Assert.HasCount(6, all);
        Assert.AreEqual(2.5, all[("pump-001", "r-3")].Score);
    }

    [TestMethod]
    public async Task WriteAsync_SplitsIntoPagesOfAtMostMaxPageRecords_WhenBatchIsLarge()
    {
        var container = await AzuriteFixture.CreateContainerAsync("anom", TestContext.CancellationToken);
        var sink = new BlobAnomalySink(container, new SinkOptions { MaxPageRecords = 4 });
        var batch = Enumerable.Range(0, 10).Select(i => Anomaly(messageId: "p-" + i.ToString("D2", System.Globalization.CultureInfo.InvariantCulture), timestamp: T0.AddSeconds(i))).ToArray();

        await sink.WriteAsync(batch, TestContext.CancellationToken);

        var counts = (await ListAsync(container, TestContext.CancellationToken, BlobTraits.Metadata)).Select(b => b.Metadata["count"]).Order(StringComparer.Ordinal).ToArray();
        CollectionAssert.AreEqual(new[] { "2", "4", "4" }, counts);
        Assert.HasCount(10, await sink.QueryAsync(T0, T0.AddMinutes(1), null, 100, TestContext.CancellationToken));
    }

    [TestMethod]
    public async Task WriteAsync_StoresOnceWithoutError_WhenSameRecordsWrittenConcurrently()
    {
        var container = await AzuriteFixture.CreateContainerAsync("anom", TestContext.CancellationToken);
        var sink = new BlobAnomalySink(container, new SinkOptions { MaxParallelWrites = 4 });
        var batch = Enumerable.Range(0, 10).Select(i => Anomaly(messageId: "c-" + i)).ToArray();

        await Task.WhenAll(Enumerable.Range(0, 6).Select(_ => sink.WriteAsync(batch, TestContext.CancellationToken)));

        Assert.HasCount(1, await ListAsync(container, TestContext.CancellationToken));
        Assert.HasCount(10, await sink.QueryAsync(T0, T0, null, 100, TestContext.CancellationToken));
    }

    [TestMethod]
    public async Task WriteAsync_KeepsBothAnomalies_WhenDevicesShareMessageId()
    {
        var container = await AzuriteFixture.CreateContainerAsync("anom", TestContext.CancellationToken);
        var sink = new BlobAnomalySink(container);

        await sink.WriteAsync([Anomaly("pump-001", "same"), Anomaly("pump-002", "same")], TestContext.CancellationToken);

        CollectionAssert.AreEquivalent(new[] { "pump-001", "pump-002" }, (await sink.QueryAsync(T0, T0, null, 10, TestContext.CancellationToken)).Select(a => a.DeviceId).ToArray());
    }

    [TestMethod]
    public async Task QueryAsync_ReadsBlobsOfTheEarlierOneBlobPerAnomalyLayout()
    {
        var container = await AzuriteFixture.CreateContainerAsync("anom", TestContext.CancellationToken);
        var sink = new BlobAnomalySink(container);
        var legacy = Anomaly("pump-007", "old", T0.AddMinutes(5));
        var json = System.Text.Json.JsonSerializer.Serialize(legacy, SinkJsonContext.Default.AnomalyRecord);
        await container.GetBlobClient("2026/11/22/pump-007/00000000000000aa.json").UploadAsync(
            BinaryData.FromString(json),
            new BlobUploadOptions { Metadata = new Dictionary<string, string> { ["timestamp"] = legacy.Timestamp.UtcTicks.ToString(System.Globalization.CultureInfo.InvariantCulture), ["deviceid"] = "pump-007" } },
            TestContext.CancellationToken);
        await sink.WriteAsync([Anomaly("pump-001", "new", T0)], TestContext.CancellationToken);

        var stored = await sink.QueryAsync(T0, T0.AddHours(1), null, 10, TestContext.CancellationToken);

        CollectionAssert.AreEqual(new[] { "old", "new" }, stored.Select(a => a.MessageId).ToArray());
        Assert.AreEqual(legacy.Score, stored[0].Score);
    }

    [TestMethod]
    public async Task QueryAsync_ReturnsTheNewestAcrossManyPages_WhenCapped()
    {
        var container = await AzuriteFixture.CreateContainerAsync("anom", TestContext.CancellationToken);
        var sink = new BlobAnomalySink(container, new SinkOptions { MaxParallelWrites = 3 });
        var random = new Random(7);
        var all = new List<AnomalyRecord>();
        for (var page = 0; page < 25; page++)
        {
            // Pages whose time ranges overlap, written in no particular order.
            var records = Enumerable.Range(0, 1 + random.Next(4))
                .Select(i => Anomaly(random.Next(2) == 0 ? "pump-001" : "pump-002", $"g-{page}-{i}", T0.AddSeconds(random.Next(3600))))
                .ToArray();
            all.AddRange(records);
            await sink.WriteAsync(records, TestContext.CancellationToken);
        }

        string[] Expected(int max, string? device) => all.Where(a => device is null || a.DeviceId == device)
            .OrderByDescending(a => a.Timestamp).ThenBy(a => a.DeviceId, StringComparer.Ordinal).ThenBy(a => a.MessageId, StringComparer.Ordinal)
            .Take(max).Select(a => a.MessageId).ToArray();
        foreach (var (max, device) in new (int, string?)[] { (1, null), (5, null), (7, "pump-002"), (1000, null) })
        {
            var stored = await sink.QueryAsync(T0, T0.AddHours(1), device, max, TestContext.CancellationToken);
            CollectionAssert.AreEqual(Expected(max, device), stored.Select(a => a.MessageId).ToArray(), $"max {max}, device {device}");
        }
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
    public void PageName_DependsOnEveryKey_AndNotOnOrderOrScores()
    {
        var page = new[] { Anomaly("pump-001", "a"), Anomaly("pump-002", "b") };

        var name = BlobAnomalySink.PageName(page);

        Assert.AreEqual(name, BlobAnomalySink.PageName([page[1] with { Score = 7 }, page[0]]));
        Assert.AreNotEqual(name, BlobAnomalySink.PageName([page[0]]));
        Assert.AreNotEqual(name, BlobAnomalySink.PageName([Anomaly("pump-001", "a"), Anomaly("pump-002", "c")]));
        Assert.AreNotEqual(BlobAnomalySink.PageName([Anomaly("ab", "c")]), BlobAnomalySink.PageName([Anomaly("a", "bc")]), "keys are delimited");
    }
}
