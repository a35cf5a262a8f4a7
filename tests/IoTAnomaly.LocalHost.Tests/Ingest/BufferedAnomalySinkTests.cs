using IoTAnomaly.Core.Detection;
using IoTAnomaly.Core.Processing;
using IoTAnomaly.Core.Telemetry;
using IoTAnomaly.Infrastructure.Sinks;
using IoTAnomaly.LocalHost.Ingest;
using IoTAnomaly.Testing;

namespace IoTAnomaly.LocalHost.Tests.Ingest;

[TestClass]
public sealed class BufferedAnomalySinkTests
{
    private static AnomalyRecord Anomaly(int i)
        => new("pump-001", "a-" + i, DateTimeOffset.UtcNow, "v1", 3, 1, 2, Severity.High, [], QualityFlags.None, DateTimeOffset.UtcNow, "0");

    private static AnomalyRecord[] Anomalies(int from, int count) => Enumerable.Range(from, count).Select(Anomaly).ToArray();

    [TestMethod]
    public async Task WriteAsync_BuffersUntilFlushed_ThenWritesEverythingInOneWrite()
    {
        var inner = new RecordingSinks();
        using var buffer = new BufferedAnomalySink(inner, pageSize: 100, limit: 1000, maxAge: TimeSpan.FromHours(1));

        await buffer.WriteAsync(Anomalies(0, 3), CancellationToken.None);
        await buffer.WriteAsync([], CancellationToken.None);
        await buffer.WriteAsync(Anomalies(3, 4), CancellationToken.None);

        Assert.AreEqual(0, inner.AnomalyWrites);
        Assert.AreEqual(7, buffer.Count);
        Assert.IsFalse(buffer.IsDue, "fewer than a page, younger than the window");
        await buffer.FlushAsync(CancellationToken.None);
        await buffer.FlushAsync(CancellationToken.None);
        Assert.AreEqual(1, inner.AnomalyWrites, "one write for both batches; an empty buffer writes nothing");
        CollectionAssert.AreEqual(Anomalies(0, 7).Select(a => a.MessageId).ToArray(), inner.Anomalies.Select(a => a.MessageId).ToArray());
        Assert.AreEqual(0, buffer.Count);
    }

    [TestMethod]
    public async Task IsDue_WhenAPageIsFull_OrTheOldestWaitedTheWindow()
    {
        using var byCount = new BufferedAnomalySink(new RecordingSinks(), pageSize: 5, limit: 1000, maxAge: TimeSpan.FromHours(1));
        using var byAge = new BufferedAnomalySink(new RecordingSinks(), pageSize: 5, limit: 1000, maxAge: TimeSpan.FromMilliseconds(1));

        Assert.IsFalse(byAge.IsDue, "nothing buffered");
        await byCount.WriteAsync(Anomalies(0, 4), CancellationToken.None);
        Assert.IsFalse(byCount.IsDue);
        await byCount.WriteAsync(Anomalies(4, 1), CancellationToken.None);
        Assert.IsTrue(byCount.IsDue);
        await byAge.WriteAsync(Anomalies(0, 1), CancellationToken.None);
        await Task.Delay(20);
        Assert.IsTrue(byAge.IsDue);
    }

    [TestMethod]
    public async Task FlushAsync_KeepsEverythingAndThrows_WhenStorageFails_ThenWritesItAllOnce()
    {
        var inner = new RecordingSinks { FailNextWrites = 1 };
        using var buffer = new BufferedAnomalySink(inner, pageSize: 100, limit: 1000, maxAge: TimeSpan.Zero);
        await buffer.WriteAsync(Anomalies(0, 3), CancellationToken.None);

        await Assert.ThrowsAsync<IOException>(() => buffer.FlushAsync(CancellationToken.None));
        await buffer.WriteAsync(Anomalies(3, 2), CancellationToken.None);
        Assert.AreEqual(5, buffer.Count, "the failed write's anomalies stay buffered, ahead of newer ones");
        await buffer.FlushAsync(CancellationToken.None);

        CollectionAssert.AreEqual(Anomalies(0, 5).Select(a => a.MessageId).ToArray(), inner.Anomalies.Select(a => a.MessageId).ToArray());
        Assert.AreEqual(1, inner.AnomalyWrites);
    }

    [TestMethod]
    public async Task WriteAsync_WritesItself_WhenTheLimitIsReached_AndFailsTheBatchWhenStorageFails()
    {
        var inner = new RecordingSinks();
        using var buffer = new BufferedAnomalySink(inner, pageSize: 2, limit: 4, maxAge: TimeSpan.FromHours(1));

        await buffer.WriteAsync(Anomalies(0, 3), CancellationToken.None);
        Assert.AreEqual(0, inner.AnomalyWrites);
        await buffer.WriteAsync(Anomalies(3, 1), CancellationToken.None);
        Assert.AreEqual(1, inner.AnomalyWrites, "at the limit the batch writes the buffer itself");
        Assert.AreEqual(0, buffer.Count);

        inner.FailNextWrites = 1;
        await buffer.WriteAsync(Anomalies(4, 3), CancellationToken.None);
        await Assert.ThrowsAsync<IOException>(() => buffer.WriteAsync(Anomalies(7, 1), CancellationToken.None));
        Assert.AreEqual(4, buffer.Count, "nothing dropped: the batch handler redelivers the batch");
    }

    [TestMethod]
    public async Task Host_WritesBufferedAnomaliesOnItsInterval_AndTheRestWhenItStops()
    {
        var timed = AzuriteFixture.UniqueName("timed");
        var (timedHost, stored) = await HostWithAnomaliesAsync("00:00:00.200", timed);
        await using (timedHost)
        {
            // The worker's timer writes the page without anyone asking.
            var deadline = DateTime.UtcNow.AddSeconds(30);
            while ((await Query(stored, timed)).Count < 4 && DateTime.UtcNow < deadline)
            {
                await Task.Delay(100);
            }

            Assert.HasCount(4, await Query(stored, timed));
        }

        var atStop = AzuriteFixture.UniqueName("stop");
        var (stoppingHost, stoppingStore) = await HostWithAnomaliesAsync("00:05:00", atStop);
        await using (stoppingHost)
        {
            Assert.IsEmpty(await Query(stoppingStore, atStop), "still buffered");
        }

        Assert.HasCount(4, await Query(stoppingStore, atStop), "the drain on stop wrote the buffer");

        // A host with that flush interval that has scored 20 readings of the run (4 anomalies), and its anomalies store.
        static async Task<(LocalHostFactory Host, BlobAnomalySink Stored)> HostWithAnomaliesAsync(string interval, string run)
        {
            var factory = new LocalHostFactory(new Dictionary<string, string?> { ["LocalHost:AnomalyFlushInterval"] = interval });
            factory.LoadFakeModel();
            using var client = factory.CreateApiClient();
            await Post(client, run);
            await LocalHostFactory.WaitForProcessedAsync(client, 20);
            return (factory, new BlobAnomalySink(factory.Get<BlobAnomalySink>().Container, createContainer: false));
        }

        static async Task Post(HttpClient client, string run)
        {
            // 20 readings, every 5th far outside the fake model's range.
            var body = "[" + string.Join(',', Enumerable.Range(0, 20).Select(i => LocalHostFactory.Reading($"pump-{i % 4}", $"{run}-{i}", t: i % 5 == 0 ? 9 : 0.5 + (i * 0.001)))) + "]";
            using var response = await client.PostAsync(new Uri("/api/telemetry", UriKind.Relative), LocalHostFactory.Json(body));
            response.EnsureSuccessStatusCode();
        }

        static async Task<List<AnomalyRecord>> Query(BlobAnomalySink sink, string run)
            => (await sink.QueryAsync(DateTimeOffset.UtcNow.AddHours(-1), DateTimeOffset.UtcNow.AddHours(1), null, 1000, CancellationToken.None))
                .Where(a => a.MessageId.StartsWith(run, StringComparison.Ordinal)).ToList();
    }
}
