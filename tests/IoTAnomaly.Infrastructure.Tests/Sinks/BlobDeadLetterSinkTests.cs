using Azure.Storage.Blobs.Models;
using IoTAnomaly.Core.Processing;
using IoTAnomaly.Infrastructure.Sinks;
using IoTAnomaly.Testing;

namespace IoTAnomaly.Infrastructure.Tests.Sinks;

[TestClass]
public sealed class BlobDeadLetterSinkTests
{
    private static readonly DateTimeOffset T0 = BlobAnomalySinkTests.T0;

    public TestContext TestContext { get; set; } = null!;

    private static DeadLetterRecord Record(string reason = "malformed-json", string? device = "pump-001", string messageId = "m-1", string payload = "{\"deviceId\":", DateTimeOffset? receivedAt = null)
        => new(reason, "Malformed JSON: bad token", device, messageId, payload, receivedAt ?? T0.AddMinutes(5), "0", 42, 3);

    [TestMethod]
    public async Task WriteAsync_StoresOnePagePerHour_WithPayloadsAsGiven()
    {
        var container = await AzuriteFixture.CreateContainerAsync("dl", TestContext.CancellationToken);
        var sink = new BlobDeadLetterSink(container);
        var payload = "{\"deviceId\":\"pump-001\",\"readings\":{\"Current\":\"abc\" ü \u0001";
        var record = Record("non-numeric-value", payload: payload);
        var other = Record("malformed-json", messageId: "m-2");
        var nextHour = Record(messageId: "m-3", receivedAt: T0.AddMinutes(65));

        await sink.WriteAsync([record, other, nextHour], TestContext.CancellationToken);

        var blobs = await BlobAnomalySinkTests.ListAsync(container, TestContext.CancellationToken, BlobTraits.Metadata);
        CollectionAssert.AreEquivalent(
            new[] { BlobDeadLetterSink.PageName([other, record]), BlobDeadLetterSink.PageName([nextHour]) },
            blobs.Select(b => b.Name).ToArray());
        StringAssert.Matches(blobs[0].Name, new System.Text.RegularExpressions.Regex("^2026/11/22/1[01]/[0-9a-f]{16}\\.ndjson$"));
        Assert.AreEqual("2", blobs.Single(b => b.Name.StartsWith("2026/11/22/10/", StringComparison.Ordinal)).Metadata["count"]);
        var stored = await sink.QueryAsync(T0, T0.AddHours(2), null, 10, TestContext.CancellationToken);
        CollectionAssert.AreEquivalent(new[] { record, other, nextHour }, stored.ToArray());
    }

    [TestMethod]
    public async Task WriteAsync_StoresOnce_WhenRejectionReplayedOrWrittenConcurrently()
    {
        var container = await AzuriteFixture.CreateContainerAsync("dl", TestContext.CancellationToken);
        var sink = new BlobDeadLetterSink(container);
        var batch = Enumerable.Range(0, 8).Select(i => Record(messageId: "m-" + i)).ToArray();

        await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => sink.WriteAsync(batch, TestContext.CancellationToken)));
        await sink.WriteAsync(batch.Reverse().Select(r => r with { ReceivedAt = r.ReceivedAt.AddMinutes(10), Detail = "again" }).ToArray(), TestContext.CancellationToken);

        Assert.HasCount(1, await BlobAnomalySinkTests.ListAsync(container, TestContext.CancellationToken), "the same rejections in the same hour are the same page");
        var stored = await sink.QueryAsync(T0, T0.AddHours(1), null, 100, TestContext.CancellationToken);
        Assert.HasCount(8, stored);
        Assert.IsTrue(stored.All(r => r.Detail != "again"), "the first write wins");
    }

    [TestMethod]
    public async Task QueryAsync_ReturnsEachRejectionOnce_WhenRedeliveredInAnotherBatchOrHour()
    {
        var container = await AzuriteFixture.CreateContainerAsync("dl", TestContext.CancellationToken);
        var sink = new BlobDeadLetterSink(container);
        var batch = Enumerable.Range(0, 6).Select(i => Record(messageId: "m-" + i)).ToArray();

        await sink.WriteAsync(batch, TestContext.CancellationToken);
        await sink.WriteAsync(batch[..3], TestContext.CancellationToken); // redelivered, batched differently
        await sink.WriteAsync([batch[5] with { ReceivedAt = T0.AddHours(3) }], TestContext.CancellationToken); // redelivered hours later

        Assert.HasCount(3, await BlobAnomalySinkTests.ListAsync(container, TestContext.CancellationToken));
        var stored = await sink.QueryAsync(T0, T0.AddHours(4), null, 100, TestContext.CancellationToken);
        CollectionAssert.AreEquivalent(batch.Select(r => r.MessageId).ToArray(), stored.Select(r => r.MessageId).ToArray());
        Assert.AreEqual(batch[5].ReceivedAt, stored.Single(r => r.MessageId == "m-5").ReceivedAt, "the record of the page written first");
    }

    [TestMethod]
    public async Task WriteAsync_KeepsRecordsApart_WhenReasonDeviceMessageOrPayloadDiffers()
    {
        var container = await AzuriteFixture.CreateContainerAsync("dl", TestContext.CancellationToken);
        var sink = new BlobDeadLetterSink(container);
        DeadLetterRecord[] records = [Record(), Record(reason: "invalid-shape"), Record(device: "pump-002"), Record(device: null), Record(messageId: "m-2"), Record(payload: "{\"x\":")];

        await sink.WriteAsync(records, TestContext.CancellationToken);

        Assert.HasCount(6, await sink.QueryAsync(T0, T0.AddHours(1), null, 100, TestContext.CancellationToken));
        Assert.AreNotEqual(BlobDeadLetterSink.PageName([records[0]]), BlobDeadLetterSink.PageName([records[0] with { Payload = "{\"y\":" }]));
        Assert.AreEqual(BlobDeadLetterSink.PageName([records[0]]), BlobDeadLetterSink.PageName([records[0] with { Detail = "other", PositionInEvent = 9 }]), "identity is reason, device, message id and payload");
    }

    [TestMethod]
    public async Task WriteAsync_SplitsAStormIntoPages_OfAtMostMaxPageRecords()
    {
        var container = await AzuriteFixture.CreateContainerAsync("dl", TestContext.CancellationToken);
        var sink = new BlobDeadLetterSink(container, new SinkOptions { MaxPageRecords = 1_000 });
        var storm = Enumerable.Range(0, 2_500).Select(i => Record(messageId: "m-" + i, payload: "{\"n\":" + i)).ToArray();

        await sink.WriteAsync(storm, TestContext.CancellationToken);

        var blobs = await BlobAnomalySinkTests.ListAsync(container, TestContext.CancellationToken, BlobTraits.Metadata);
        CollectionAssert.AreEquivalent(new[] { "1000", "1000", "500" }, blobs.Select(b => b.Metadata["count"]).ToArray());
        Assert.HasCount(2_500, await sink.QueryAsync(T0, T0.AddHours(1), null, 10_000, TestContext.CancellationToken));
    }

    [TestMethod]
    public async Task QueryAsync_ReadsTheEarlierOneBlobPerRecordLayout()
    {
        var container = await AzuriteFixture.CreateContainerAsync("dl", TestContext.CancellationToken);
        var sink = new BlobDeadLetterSink(container);
        var legacy = Record(messageId: "old", receivedAt: T0.AddMinutes(1));
        await container.GetBlobClient("2026/11/22/10/malformed-json/0123456789abcdef.json").UploadAsync(
            BinaryData.FromString(System.Text.Json.JsonSerializer.Serialize(legacy, SinkJsonContext.Default.DeadLetterRecord)),
            new BlobUploadOptions { Metadata = new Dictionary<string, string> { ["receivedat"] = legacy.ReceivedAt.UtcTicks.ToString(System.Globalization.CultureInfo.InvariantCulture), ["reason"] = "malformed-json" } },
            TestContext.CancellationToken);
        await sink.WriteAsync([Record(messageId: "new"), legacy], TestContext.CancellationToken);

        var stored = await sink.QueryAsync(T0, T0.AddHours(1), null, 10, TestContext.CancellationToken);

        CollectionAssert.AreEqual(new[] { "new", "old" }, stored.Select(r => r.MessageId).ToArray());
    }

    [TestMethod]
    public async Task QueryAsync_FiltersByWindowDeviceAndReason_NewestFirst()
    {
        var container = await AzuriteFixture.CreateContainerAsync("dl", TestContext.CancellationToken);
        var sink = new BlobDeadLetterSink(container);
        await sink.WriteAsync(
            [
                Record(messageId: "a", receivedAt: T0),
                Record(messageId: "b", receivedAt: T0.AddHours(2), device: "pump-002"),
                Record(messageId: "c", receivedAt: T0.AddHours(30), reason: "duplicate-message"),
                Record(messageId: "d", receivedAt: T0.AddHours(31)),
            ],
            TestContext.CancellationToken);

        var all = await sink.QueryAsync(T0, T0.AddDays(2), null, 10, TestContext.CancellationToken);
        var device = await sink.QueryAsync(T0, T0.AddDays(2), "pump-002", 10, TestContext.CancellationToken);
        var reason = await sink.QueryAsync(T0, T0.AddDays(2), null, "duplicate-message", 10, TestContext.CancellationToken);
        var window = await sink.QueryAsync(T0.AddHours(1), T0.AddHours(30), null, 10, TestContext.CancellationToken);

        CollectionAssert.AreEqual(new[] { "d", "c", "b", "a" }, all.Select(r => r.MessageId).ToArray());
        CollectionAssert.AreEqual(new[] { "b" }, device.Select(r => r.MessageId).ToArray());
        CollectionAssert.AreEqual(new[] { "c" }, reason.Select(r => r.MessageId).ToArray());
        CollectionAssert.AreEqual(new[] { "c", "b" }, window.Select(r => r.MessageId).ToArray());
    }

    [TestMethod]
    public async Task QueryAsync_ReturnsEmpty_WhenContainerDoesNotExist()
    {
        var service = await AzuriteFixture.GetServiceClientAsync(TestContext.CancellationToken);
        var sink = new BlobDeadLetterSink(service.GetBlobContainerClient(AzuriteFixture.UniqueName("none")), createContainer: false);

        Assert.IsEmpty(await sink.QueryAsync(T0, T0.AddDays(1), null, 10, TestContext.CancellationToken));
    }
}
