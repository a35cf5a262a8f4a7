using IoTAnomaly.Core.Detection;
using IoTAnomaly.Core.Processing;
using IoTAnomaly.Core.Telemetry;
using IoTAnomaly.Infrastructure.Sinks;
using IoTAnomaly.LocalHost.Ingest;
using IoTAnomaly.Testing;

namespace IoTAnomaly.LocalHost.Tests.Ingest;

[TestClass]
public sealed class BufferedSinksTests
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
    public async Task DeadLetters_AreBufferedUntilFlushed_AndWrittenByTheBatchAtTheByteLimit()
    {
        var inner = new RecordingSinks();
        var letter = new DeadLetterRecord("malformed-json", "bad", "pump-001", "m", new string('x', 1_000), DateTimeOffset.UtcNow, "0", 1, 0);
        var weight = BufferedDeadLetterSink.Weight(letter);
        Assert.AreEqual(256 + (2 * (1_000 + 3)), weight, "payload and detail as UTF-16, plus a fixed overhead");
        using var buffer = new BufferedDeadLetterSink(inner, pageSize: 100, limitBytes: 3 * weight, maxAge: TimeSpan.FromHours(1));

        await buffer.WriteAsync([letter, letter with { MessageId = "n" }], CancellationToken.None);
        Assert.AreEqual(0, inner.DeadLetterWrites);
        Assert.AreEqual(2, buffer.Count);
        await buffer.WriteAsync([letter with { MessageId = "o" }], CancellationToken.None);

        Assert.AreEqual(1, inner.DeadLetterWrites, "at the byte limit the batch writes the buffer itself");
        CollectionAssert.AreEqual(new[] { "m", "n", "o" }, inner.DeadLetters.Select(d => d.MessageId).ToArray());
        Assert.AreEqual(0, buffer.Count);
    }

    [TestMethod]
    public async Task Host_WritesBufferedAnomaliesAndDeadLettersOnTheirInterval_AndTheRestWhenItStops()
    {
        var timed = AzuriteFixture.UniqueName("timed");
        var (timedHost, stored, letters) = await HostWithAnomaliesAsync("00:00:00.200", timed);
        await using (timedHost)
        {
            // The worker's timer writes the pages without anyone asking.
            var deadline = DateTime.UtcNow.AddSeconds(30);
            while (((await Query(stored, timed)).Count < 4 || (await QueryLetters(letters, timed)).Count < 3) && DateTime.UtcNow < deadline)
            {
                await Task.Delay(100);
            }

            Assert.HasCount(4, await Query(stored, timed));
            Assert.HasCount(3, await QueryLetters(letters, timed));
        }

        var atStop = AzuriteFixture.UniqueName("stop");
        var (stoppingHost, stoppingStore, stoppingLetters) = await HostWithAnomaliesAsync("00:05:00", atStop);
        await using (stoppingHost)
        {
            Assert.IsEmpty(await Query(stoppingStore, atStop), "still buffered");
            Assert.IsEmpty(await QueryLetters(stoppingLetters, atStop), "still buffered");
        }

        Assert.HasCount(4, await Query(stoppingStore, atStop), "the drain on stop wrote the buffer");
        Assert.HasCount(3, await QueryLetters(stoppingLetters, atStop), "the drain on stop wrote the dead letters");

        // A host with that flush interval (anomalies and dead letters) that has handled 23 readings of the run
        // (4 anomalies, 3 rejected), and its anomalies and dead-letter stores.
        static async Task<(LocalHostFactory Host, BlobAnomalySink Stored, BlobDeadLetterSink Letters)> HostWithAnomaliesAsync(string interval, string run)
        {
            var factory = new LocalHostFactory(new Dictionary<string, string?>
            {
                ["LocalHost:AnomalyFlushInterval"] = interval,
                ["LocalHost:DeadLetterFlushInterval"] = interval,
            });
            factory.LoadFakeModel();
            using var client = factory.CreateApiClient();
            await Post(client, run);
            await LocalHostFactory.WaitForProcessedAsync(client, 23);
            return (factory,
                new BlobAnomalySink(factory.Get<BlobAnomalySink>().Container, createContainer: false),
                new BlobDeadLetterSink(factory.Get<BlobDeadLetterSink>().Container, createContainer: false));
        }

        static async Task Post(HttpClient client, string run)
        {
            // 20 readings, every 5th far outside the fake model's range, and 3 with a non-numeric value.
            var readings = Enumerable.Range(0, 20).Select(i => LocalHostFactory.Reading($"pump-{i % 4}", $"{run}-{i}", t: i % 5 == 0 ? 9 : 0.5 + (i * 0.001)))
                .Concat(Enumerable.Range(0, 3).Select(i => LocalHostFactory.Reading("pump-0", $"{run}-bad-{i}").Replace("\"temperature\":1", "\"temperature\":\"n/a\"", StringComparison.Ordinal)));
            using var response = await client.PostAsync(new Uri("/api/telemetry", UriKind.Relative), LocalHostFactory.Json("[" + string.Join(',', readings) + "]"));
            response.EnsureSuccessStatusCode();
        }

        static async Task<List<AnomalyRecord>> Query(BlobAnomalySink sink, string run)
            => (await sink.QueryAsync(DateTimeOffset.UtcNow.AddHours(-1), DateTimeOffset.UtcNow.AddHours(1), null, 1000, CancellationToken.None))
                .Where(a => a.MessageId.StartsWith(run, StringComparison.Ordinal)).ToList();

        static async Task<List<DeadLetterRecord>> QueryLetters(BlobDeadLetterSink sink, string run)
            => (await sink.QueryAsync(DateTimeOffset.UtcNow.AddHours(-1), DateTimeOffset.UtcNow.AddHours(1), null, 1000, CancellationToken.None))
                .Where(d => d.MessageId.StartsWith(run + "-bad-", StringComparison.Ordinal)).ToList();
    }
}
