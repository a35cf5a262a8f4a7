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
    public async Task WriteAsync_StoresRecordWithPayloadAsGiven_InHourReasonLayout()
    {
        var container = await AzuriteFixture.CreateContainerAsync("dl", TestContext.CancellationToken);
        var sink = new BlobDeadLetterSink(container);
        var payload = "{\"deviceId\":\"pump-001\",\"readings\":{\"Current\":\"abc\" ü \u0001";
        var record = Record("non-numeric-value", payload: payload);

        await sink.WriteAsync([record], TestContext.CancellationToken);

        var name = (await BlobAnomalySinkTests.ListAsync(container, TestContext.CancellationToken)).Single().Name;
        StringAssert.Matches(name, new System.Text.RegularExpressions.Regex("^2026/11/22/10/non-numeric-value/[0-9a-f]{16}\\.json$"));
        var stored = (await sink.QueryAsync(T0, T0.AddHours(1), null, 10, TestContext.CancellationToken)).Single();
        Assert.AreEqual(record, stored);
    }

    [TestMethod]
    public async Task WriteAsync_StoresOnce_WhenRejectionReplayedOrWrittenConcurrently()
    {
        var container = await AzuriteFixture.CreateContainerAsync("dl", TestContext.CancellationToken);
        var sink = new BlobDeadLetterSink(container);
        var batch = Enumerable.Range(0, 8).Select(i => Record(messageId: "m-" + i)).ToArray();

        await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => sink.WriteAsync(batch, TestContext.CancellationToken)));
        await sink.WriteAsync(batch.Select(r => r with { ReceivedAt = r.ReceivedAt.AddMinutes(10), Detail = "again" }).ToArray(), TestContext.CancellationToken);

        Assert.HasCount(8, await BlobAnomalySinkTests.ListAsync(container, TestContext.CancellationToken));
    }

    [TestMethod]
    public async Task WriteAsync_StoresSeparately_WhenReasonDeviceMessageOrPayloadDiffers()
    {
        var container = await AzuriteFixture.CreateContainerAsync("dl", TestContext.CancellationToken);
        var sink = new BlobDeadLetterSink(container);

        await sink.WriteAsync(
            [Record(), Record(reason: "invalid-shape"), Record(device: "pump-002"), Record(device: null), Record(messageId: "m-2"), Record(payload: "{\"x\":")],
            TestContext.CancellationToken);

        Assert.HasCount(6, await BlobAnomalySinkTests.ListAsync(container, TestContext.CancellationToken));
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
