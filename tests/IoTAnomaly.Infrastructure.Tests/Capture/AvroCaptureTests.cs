using System.Text;
using Avro.File;
using Avro.Generic;
using IoTAnomaly.Core.Capture;
using IoTAnomaly.Infrastructure.Capture;
using IoTAnomaly.Testing;

namespace IoTAnomaly.Infrastructure.Tests.Capture;

[TestClass]
public sealed class AvroCaptureTests
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 22, 21, 5, 7, TimeSpan.Zero);

    public TestContext TestContext { get; set; } = null!;

    private static CapturedEvent Event(long sequence, DateTimeOffset enqueued, string body, string? device = "pump-001")
        => new(
            sequence,
            sequence * 1000,
            enqueued,
            Encoding.UTF8.GetBytes(body),
            device is null ? new Dictionary<string, string>() : new Dictionary<string, string> { ["iothub-connection-device-id"] = device, ["content-type"] = "application/json" },
            new Dictionary<string, string> { ["x-opt-partition-key"] = device ?? string.Empty });

    private static void AssertSame(CapturedEvent expected, CapturedEvent actual)
    {
        Assert.AreEqual(expected.SequenceNumber, actual.SequenceNumber);
        Assert.AreEqual(expected.Offset, actual.Offset);
        Assert.AreEqual(expected.EnqueuedTimeUtc.UtcTicks / TimeSpan.TicksPerSecond, actual.EnqueuedTimeUtc.UtcTicks / TimeSpan.TicksPerSecond, "Capture keeps whole seconds");
        CollectionAssert.AreEqual(expected.Body.ToArray(), actual.Body.ToArray());
        CollectionAssert.AreEquivalent(expected.Properties.ToArray(), actual.Properties.ToArray());
        CollectionAssert.AreEquivalent(expected.SystemProperties.ToArray(), actual.SystemProperties.ToArray());
    }

    private static (AvroCaptureWriter Writer, AvroCaptureReader Reader) Create(Azure.Storage.Blobs.BlobContainerClient container, CaptureOptions? options = null)
        => (new AvroCaptureWriter(container, options), new AvroCaptureReader(container, options));

    private async Task<List<CapturedEvent>> ReadAllAsync(AvroCaptureReader reader, DateTimeOffset from, DateTimeOffset to)
    {
        var list = new List<CapturedEvent>();
        await foreach (var e in reader.ReadAsync(from, to, TestContext.CancellationToken))
        {
            list.Add(e);
        }

        return list;
    }

    [TestMethod]
    public async Task ReadAsync_ReturnsWrittenEventsInOrder_WhenRoundTripped()
    {
        var container = await AzuriteFixture.CreateContainerAsync("cap", TestContext.CancellationToken);
        var (writer, reader) = Create(container);
        var events = Enumerable.Range(0, 50)
            .Select(i => Event(100 + i, T0.AddMilliseconds(i * 10), "{\"deviceId\":\"pump-001\",\"i\":" + i + "}", i % 3 == 0 ? null : "pump-00" + (i % 5)))
            .ToList();
        events.Add(new CapturedEvent(150, 150_000, T0.AddSeconds(1), new byte[] { 0, 0xFF, 0x80, 1 }, new Dictionary<string, string>(), new Dictionary<string, string>()));

        await writer.WriteAsync("0", events, TestContext.CancellationToken);
        var read = await ReadAllAsync(reader, T0, T0.AddMinutes(1));

        Assert.HasCount(events.Count, read);
        for (var i = 0; i < events.Count; i++)
        {
            AssertSame(events[i], read[i]);
        }
    }

    [TestMethod]
    public async Task WriteAsync_UsesCapturePathAndSchema_WhenWritten()
    {
        var container = await AzuriteFixture.CreateContainerAsync("cap", TestContext.CancellationToken);
        var writer = new AvroCaptureWriter(container, new CaptureOptions { Namespace = "ns1", EventHub = "hub1" });

        var name = await writer.WriteFileAsync("7", [Event(1, T0, "{}")], TestContext.CancellationToken);

        Assert.AreEqual("ns1/hub1/7/2026/11/22/21/05/07.avro", name);
        var bytes = (await container.GetBlobClient(name).DownloadContentAsync(TestContext.CancellationToken)).Value.Content.ToArray();
        using var reader = DataFileReader<GenericRecord>.OpenReader(new MemoryStream(bytes));
        var schema = reader.GetSchema();
        Assert.AreEqual("Microsoft.ServiceBus.Messaging.EventData", schema.Fullname);
        Assert.AreEqual("deflate", reader.GetMetaString("avro.codec"));
        var record = reader.Next();
        Assert.AreEqual("11/22/2026 9:05:07 PM", record["EnqueuedTimeUtc"]);
        Assert.AreEqual("1000", record["Offset"]);
        Assert.AreEqual(1L, record["SequenceNumber"]);
    }

    [TestMethod]
    public async Task WriteAsync_AddsSuffixInsteadOfOverwriting_WhenSameSecondWrittenTwice()
    {
        var container = await AzuriteFixture.CreateContainerAsync("cap", TestContext.CancellationToken);
        var (writer, reader) = Create(container);

        var names = await Task.WhenAll(Enumerable.Range(0, 3).Select(i => writer.WriteFileAsync("0", [Event(i, T0.AddMilliseconds(i), "{\"n\":" + i + "}")], TestContext.CancellationToken)));
        var read = await ReadAllAsync(reader, T0, T0.AddSeconds(1));

        CollectionAssert.AreEquivalent(
            new[] { "local/telemetry/0/2026/11/22/21/05/07.avro", "local/telemetry/0/2026/11/22/21/05/07-1.avro", "local/telemetry/0/2026/11/22/21/05/07-2.avro" },
            names);
        CollectionAssert.AreEquivalent(new long[] { 0, 1, 2 }, read.Select(e => e.SequenceNumber).ToArray());
    }

    [TestMethod]
    public async Task ReadAsync_ReturnsOnlyWindowAcrossPartitionsAndDays_OldestFirst()
    {
        var container = await AzuriteFixture.CreateContainerAsync("cap", TestContext.CancellationToken);
        var (writer, reader) = Create(container);
        var midnight = new DateTimeOffset(2026, 11, 23, 0, 0, 0, TimeSpan.Zero);
        await writer.WriteAsync("1", [Event(10, midnight.AddMinutes(-30), "a"), Event(11, midnight.AddMinutes(-29), "b")], TestContext.CancellationToken);
        await writer.WriteAsync("0", [Event(20, midnight.AddMinutes(-20), "c")], TestContext.CancellationToken);
        await writer.WriteAsync("1", [Event(12, midnight.AddMinutes(10), "d")], TestContext.CancellationToken);
        await writer.WriteAsync("0", [Event(21, midnight.AddHours(5), "e")], TestContext.CancellationToken);

        var window = await ReadAllAsync(reader, midnight.AddMinutes(-29), midnight.AddHours(1));
        var all = await ReadAllAsync(reader, midnight.AddDays(-1), midnight.AddDays(1));

        CollectionAssert.AreEqual(new[] { "b", "c", "d" }, window.Select(e => Encoding.UTF8.GetString(e.Body.Span)).ToArray());
        CollectionAssert.AreEqual(new[] { "a", "b", "c", "d", "e" }, all.Select(e => Encoding.UTF8.GetString(e.Body.Span)).ToArray());
        Assert.IsEmpty(await ReadAllAsync(reader, midnight.AddDays(2), midnight.AddDays(3)));
    }

    [TestMethod]
    public async Task ReadAsync_YieldsFilesInOrder_WhenReadingAheadInParallel()
    {
        var container = await AzuriteFixture.CreateContainerAsync("cap", TestContext.CancellationToken);
        var options = new CaptureOptions { MaxParallelReads = 4 };
        var (writer, reader) = Create(container, options);
        for (var i = 0; i < 30; i++)
        {
            await writer.WriteAsync((i % 3).ToString(System.Globalization.CultureInfo.InvariantCulture), [Event(2 * i, T0.AddSeconds(i), "a" + i), Event((2 * i) + 1, T0.AddSeconds(i).AddMilliseconds(500), "b" + i)], TestContext.CancellationToken);
        }

        var read = await ReadAllAsync(reader, T0, T0.AddMinutes(1));
        var firstFive = new List<long>();
        await foreach (var e in reader.ReadAsync(T0, T0.AddMinutes(1), TestContext.CancellationToken))
        {
            firstFive.Add(e.SequenceNumber);
            if (firstFive.Count == 5)
            {
                break;
            }
        }

        CollectionAssert.AreEqual(Enumerable.Range(0, 60).Select(i => (long)i).ToArray(), read.Select(e => e.SequenceNumber).ToArray());
        CollectionAssert.AreEqual(new long[] { 0, 1, 2, 3, 4 }, firstFive);
    }

    [TestMethod]
    public async Task ReadAsync_SkipsUnreadableFile_AndReadsTheRest()
    {
        var container = await AzuriteFixture.CreateContainerAsync("cap", TestContext.CancellationToken);
        var (writer, reader) = Create(container);
        await writer.WriteAsync("0", [Event(1, T0, "ok")], TestContext.CancellationToken);
        await container.UploadBlobAsync(CapturePaths.BlobName("local", "telemetry", "0", T0.AddSeconds(1)), BinaryData.FromString("not avro"), TestContext.CancellationToken);
        await container.UploadBlobAsync(CapturePaths.BlobName("local", "telemetry", "0", T0.AddSeconds(2)), BinaryData.FromBytes([]), TestContext.CancellationToken);

        var read = await ReadAllAsync(reader, T0, T0.AddMinutes(1));

        Assert.HasCount(1, read);
        Assert.AreEqual("ok", Encoding.UTF8.GetString(read[0].Body.Span));
    }

    [TestMethod]
    public async Task ReadAsync_ReturnsNothing_WhenContainerMissingOrEmptyWrite()
    {
        var service = await AzuriteFixture.GetServiceClientAsync(TestContext.CancellationToken);
        var container = service.GetBlobContainerClient(AzuriteFixture.UniqueName("nocap"));
        var (writer, reader) = Create(container);

        Assert.IsEmpty(await ReadAllAsync(reader, T0, T0.AddDays(1)));
        Assert.IsNull(await writer.WriteFileAsync("0", [], TestContext.CancellationToken));
    }

    [TestMethod]
    public void TryParse_ReadsPartitionTimeAndSuffix_WhenCaptureName()
    {
        Assert.IsTrue(CapturePaths.TryParse("ns/hub/12/2026/01/02/03/04/05-3.avro", out var partition, out var time, out var attempt));
        Assert.AreEqual("12", partition);
        Assert.AreEqual(new DateTimeOffset(2026, 1, 2, 3, 4, 5, TimeSpan.Zero), time);
        Assert.AreEqual(3, attempt);
        Assert.IsFalse(CapturePaths.TryParse("ns/hub/12/2026/01/02/03/04/xx.avro", out _, out _, out _));
        Assert.IsFalse(CapturePaths.TryParse("ns/hub/12/2026/01/02/03/04/05.json", out _, out _, out _));
    }

    [TestMethod]
    public void ParseEnqueuedTime_AcceptsCaptureFormatAndIso_AsUtc()
    {
        Assert.AreEqual(new DateTimeOffset(2018, 1, 18, 18, 14, 19, TimeSpan.Zero), CaptureAvro.ParseEnqueuedTime("1/18/2018 6:14:19 PM"));
        Assert.AreEqual(new DateTimeOffset(2018, 1, 18, 18, 14, 19, 500, TimeSpan.Zero), CaptureAvro.ParseEnqueuedTime("2018-01-18T19:14:19.5+01:00"));
        Assert.ThrowsExactly<FormatException>(() => CaptureAvro.ParseEnqueuedTime("yesterday"));
    }
}
