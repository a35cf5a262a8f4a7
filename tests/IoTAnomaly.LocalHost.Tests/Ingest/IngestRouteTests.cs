using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using IoTAnomaly.Core.Processing;
using IoTAnomaly.Infrastructure.Sinks;
using IoTAnomaly.LocalHost.Api;
using IoTAnomaly.LocalHost.Ingest;

namespace IoTAnomaly.LocalHost.Tests.Ingest;

[TestClass]
public sealed class IngestRouteTests
{
    [TestMethod]
    public async Task Telemetry_StoresAnomaliesInSink_WhenStreamHasAnomalousReadings()
    {
        // A long flush interval: only the query's own flush (read-your-writes) can have stored the anomalies.
        await using var factory = new LocalHostFactory(new Dictionary<string, string?> { ["LocalHost:AnomalyFlushInterval"] = "00:05:00" });
        factory.LoadFakeModel();
        using var client = factory.CreateApiClient();

        var readings = new List<string>();
        for (var i = 0; i < 200; i++)
        {
            // Every 20th reading is far outside the fake model's normal range (|value| > 4); values vary so no sensor looks stuck.
            var anomalous = i % 20 == 7;
            readings.Add(LocalHostFactory.Reading($"pump-{i % 5:000}", $"m-{i}", t: anomalous ? 9 : 0.5 + (i * 0.001), p: 0.1 + (i * 0.002), v: -0.2 - (i * 0.003)));
        }

        for (var i = 0; i < readings.Count; i += 50)
        {
            using var response = await client.PostAsync(new Uri("/api/telemetry", UriKind.Relative), LocalHostFactory.Json("[" + string.Join(',', readings.Skip(i).Take(50)) + "]"));
            Assert.AreEqual(HttpStatusCode.Accepted, response.StatusCode);
            var body = await response.Content.ReadFromJsonAsync<IngestResponse>();
            Assert.IsNotNull(body);
            Assert.AreEqual(50, body.Received);
            Assert.AreEqual(50, body.Accepted);
        }

        var stats = await LocalHostFactory.WaitForProcessedAsync(client, 200);
        Assert.AreEqual(200, stats.Received);
        Assert.AreEqual(200, stats.Scored);
        Assert.AreEqual(10, stats.Anomalies);

        var sink = factory.Get<BlobAnomalySink>();
        Assert.IsEmpty(await sink.QueryAsync(DateTimeOffset.UtcNow.AddHours(-1), DateTimeOffset.UtcNow.AddHours(1), null, 1000, CancellationToken.None), "buffered, not yet written");
        Assert.AreEqual(10, factory.Get<BufferedAnomalySink>().Count);

        var recent = await client.GetFromJsonAsync<List<AnomalyRecord>>(new Uri("/api/anomalies?limit=5", UriKind.Relative));
        Assert.HasCount(5, recent!);
        Assert.AreEqual("m-187", recent![0].MessageId, "newest first");
        var window = Uri.EscapeDataString(DateTimeOffset.UtcNow.AddHours(-1).ToString("O", CultureInfo.InvariantCulture));
        var fromStore = await client.GetFromJsonAsync<List<AnomalyRecord>>(new Uri("/api/anomalies?limit=100&deviceId=pump-002&from=" + window, UriKind.Relative));
        // Every anomalous reading (i % 20 == 7) belongs to pump-002 (i % 5 == 2): the store's query returns all ten.
        CollectionAssert.AreEquivalent(new[] { "m-7", "m-27", "m-47", "m-67", "m-87", "m-107", "m-127", "m-147", "m-167", "m-187" }, fromStore!.Select(a => a.MessageId).ToArray());
        var otherDevice = await client.GetFromJsonAsync<List<AnomalyRecord>>(new Uri("/api/anomalies?deviceId=pump-001&from=" + window, UriKind.Relative));
        Assert.IsEmpty(otherDevice!);
        var stored = await sink.QueryAsync(DateTimeOffset.UtcNow.AddHours(-1), DateTimeOffset.UtcNow.AddHours(1), null, 1000, CancellationToken.None);
        CollectionAssert.AreEquivalent(
            Enumerable.Range(0, 200).Where(i => i % 20 == 7).Select(i => "m-" + i.ToString(CultureInfo.InvariantCulture)).ToArray(),
            stored.Select(a => a.MessageId).ToArray());
        Assert.IsTrue(stored.All(a => a.ModelVersion == "fake-v1" && a.TopContributors[0].Sensor == "temperature"));

        var devices = await client.GetFromJsonAsync<List<DeviceRow>>(new Uri("/api/devices", UriKind.Relative));
        Assert.AreEqual(200, devices!.Sum(d => d.Scored));
        Assert.AreEqual(10, devices!.Sum(d => d.Anomalies));
    }

    [TestMethod]
    public async Task Telemetry_RejectsEachInvalidReadingWithItsReason_AndKeepsTheCountInvariant()
    {
        await using var factory = new LocalHostFactory(new Dictionary<string, string?> { ["Telemetry:MaxEventBytes"] = "2048" });
        factory.LoadFakeModel();
        using var client = factory.CreateApiClient();
        var now = DateTimeOffset.UtcNow;
        string Ts(DateTimeOffset t) => t.ToString("O", CultureInfo.InvariantCulture);
        var cases = new (string Code, string Body)[]
        {
            ("malformed-json", "{\"deviceId\":\"d-1\",\"readings\":{"),
            ("invalid-shape", "[42]"),
            ("missing-device-id", "{\"timestamp\":\"" + Ts(now) + "\",\"messageId\":\"x1\",\"readings\":{\"temperature\":1,\"pressure\":1,\"vibration\":1}}"),
            ("invalid-device-id", LocalHostFactory.Reading("bad id#", "x2")),
            ("missing-timestamp", "{\"deviceId\":\"d-1\",\"messageId\":\"x3\",\"readings\":{\"temperature\":1,\"pressure\":1,\"vibration\":1}}"),
            ("invalid-timestamp", "{\"deviceId\":\"d-1\",\"timestamp\":\"yesterday\",\"messageId\":\"x4\",\"readings\":{\"temperature\":1,\"pressure\":1,\"vibration\":1}}"),
            ("timestamp-in-future", LocalHostFactory.Reading("d-1", "x5", timestamp: now.AddDays(1))),
            ("timestamp-too-old", LocalHostFactory.Reading("d-1", "x6", timestamp: now.AddDays(-30))),
            ("missing-readings", "{\"deviceId\":\"d-1\",\"timestamp\":\"" + Ts(now) + "\",\"messageId\":\"x7\"}"),
            ("missing-sensor-value", "{\"deviceId\":\"d-1\",\"timestamp\":\"" + Ts(now) + "\",\"messageId\":\"x8\",\"readings\":{\"temperature\":1,\"pressure\":1}}"),
            ("non-numeric-value", "{\"deviceId\":\"d-1\",\"timestamp\":\"" + Ts(now) + "\",\"messageId\":\"x9\",\"readings\":{\"temperature\":\"hot\",\"pressure\":1,\"vibration\":1}}"),
            ("non-finite-value", "{\"deviceId\":\"d-1\",\"timestamp\":\"" + Ts(now) + "\",\"messageId\":\"x10\",\"readings\":{\"temperature\":1e400,\"pressure\":1,\"vibration\":1}}"),
            ("unknown-sensor", "{\"deviceId\":\"d-1\",\"timestamp\":\"" + Ts(now) + "\",\"messageId\":\"x11\",\"readings\":{\"temperature\":1,\"pressure\":1,\"vibration\":1,\"humidity\":1}}"),
            ("out-of-bounds", LocalHostFactory.Reading("d-1", "x12", t: 1000)),
            ("duplicate-property", "{\"deviceId\":\"d-1\",\"deviceId\":\"d-2\",\"timestamp\":\"" + Ts(now) + "\",\"messageId\":\"x13\",\"readings\":{\"temperature\":1,\"pressure\":1,\"vibration\":1}}"),
            ("invalid-message-id", "{\"deviceId\":\"d-1\",\"timestamp\":\"" + Ts(now) + "\",\"messageId\":5,\"readings\":{\"temperature\":1,\"pressure\":1,\"vibration\":1}}"),
            ("body-too-large", "{\"deviceId\":\"d-1\",\"timestamp\":\"" + Ts(now) + "\",\"messageId\":\"x14\",\"note\":\"" + new string('a', 3000) + "\",\"readings\":{\"temperature\":1,\"pressure\":1,\"vibration\":1}}"),
        };

        foreach (var (_, body) in cases)
        {
            using var response = await client.PostAsync(new Uri("/api/telemetry", UriKind.Relative), LocalHostFactory.Json(body));
            Assert.AreEqual(HttpStatusCode.Accepted, response.StatusCode, body);
        }

        // The same reading twice: the second is a duplicate.
        for (var i = 0; i < 2; i++)
        {
            using var response = await client.PostAsync(new Uri("/api/telemetry", UriKind.Relative), LocalHostFactory.Json(LocalHostFactory.Reading("d-1", "dup-1")));
            Assert.AreEqual(HttpStatusCode.Accepted, response.StatusCode);
            await LocalHostFactory.WaitForProcessedAsync(client, cases.Length + i + 1);
        }

        var stats = await LocalHostFactory.WaitForProcessedAsync(client, cases.Length + 2);
        Assert.AreEqual(stats.Received, stats.Scored + stats.Rejected);
        Assert.AreEqual(cases.Length + 2, stats.Received);
        Assert.AreEqual(1, stats.Scored);
        foreach (var (code, _) in cases)
        {
            Assert.AreEqual(1, stats.RejectedByReason.GetValueOrDefault(code), $"{code}: {string.Join(", ", stats.RejectedByReason)}");
        }

        Assert.AreEqual(1, stats.RejectedByReason.GetValueOrDefault("duplicate-message"));

        // Read back over HTTP: the query writes the buffered dead letters first, so it sees every rejection so far.
        var deadLetters = await client.GetFromJsonAsync<List<DeadLetterRecord>>(new Uri("/api/deadletters?limit=1000&from=" + Uri.EscapeDataString(Ts(now.AddMinutes(-5))), UriKind.Relative));
        Assert.IsNotNull(deadLetters);
        Assert.HasCount(cases.Length + 1, deadLetters);
        CollectionAssert.AreEquivalent(cases.Select(c => c.Code).Append("duplicate-message").ToArray(), deadLetters.Select(d => d.Reason).ToArray());
        var nonNumeric = await client.GetFromJsonAsync<List<DeadLetterRecord>>(new Uri("/api/deadletters?reason=non-numeric-value&deviceId=d-1", UriKind.Relative));
        Assert.AreEqual("x9", nonNumeric!.Single().MessageId);
        StringAssert.Contains(nonNumeric![0].Payload, "\"temperature\":\"hot\"", "the payload as it came");
        using var reversed = await client.GetAsync(new Uri("/api/deadletters?from=2026-11-23T10:00:00Z&to=2026-11-23T09:00:00Z", UriKind.Relative));
        Assert.AreEqual(HttpStatusCode.BadRequest, reversed.StatusCode);
    }

    [TestMethod]
    public async Task Telemetry_ReportsKnownRejectionsAtTheDoor_WhenBodyHasBrokenParts()
    {
        await using var factory = new LocalHostFactory();
        factory.LoadFakeModel();
        using var client = factory.CreateApiClient();
        var body = LocalHostFactory.Reading("d-1", "a") + "\n" + "{\"deviceId\":\"d-2\",\"readi" + "\n" + "\n" + LocalHostFactory.Reading("d-3", "b") + "\n7\n";

        using var response = await client.PostAsync(new Uri("/api/telemetry", UriKind.Relative), LocalHostFactory.Json(body, "application/x-ndjson"));

        Assert.AreEqual(HttpStatusCode.Accepted, response.StatusCode);
        var answer = await response.Content.ReadFromJsonAsync<IngestResponse>();
        Assert.AreEqual(4, answer!.Received);
        Assert.AreEqual(2, answer.Accepted);
        Assert.AreEqual(1, answer.RejectedByReason["malformed-json"]);
        Assert.AreEqual(1, answer.RejectedByReason["invalid-shape"]);
        var stats = await LocalHostFactory.WaitForProcessedAsync(client, 4);
        Assert.AreEqual(2, stats.Scored, "one broken NDJSON line must not spoil the lines after it");
        Assert.AreEqual(2, stats.Rejected);
    }

    [TestMethod]
    public async Task EventHubsRoute_Answers201AndScoresEachBatchElement_WhenBatchContentType()
    {
        await using var factory = new LocalHostFactory();
        factory.LoadFakeModel();
        using var client = factory.CreateApiClient();
        static string Escape(string s) => System.Text.Json.JsonSerializer.Serialize(s);
        var batch = "["
            + "{\"Body\":" + Escape(LocalHostFactory.Reading("pump-1", "e1")) + ",\"BrokerProperties\":{\"PartitionKey\":\"pump-1\"}},"
            + "{\"Body\":" + Escape("{\"timestamp\":\"" + DateTimeOffset.UtcNow.ToString("O", CultureInfo.InvariantCulture) + "\",\"readings\":{\"temperature\":1,\"pressure\":1,\"vibration\":1}}")
            + ",\"UserProperties\":{\"iothub-connection-device-id\":\"pump-2\"},\"BrokerProperties\":{\"MessageId\":\"e2\"}},"
            + "{\"UserProperties\":{}}"
            + "]";

        using var response = await client.PostAsync(new Uri("/telemetry/messages", UriKind.Relative), LocalHostFactory.Json(batch, "application/vnd.microsoft.servicebus.json"));
        Assert.AreEqual(HttpStatusCode.Created, response.StatusCode);
        using var single = await client.PostAsync(new Uri("/telemetry/messages", UriKind.Relative), LocalHostFactory.Json(LocalHostFactory.Reading("pump-3", "e3")));
        Assert.AreEqual(HttpStatusCode.Created, single.StatusCode);

        var stats = await LocalHostFactory.WaitForProcessedAsync(client, 4);
        Assert.AreEqual(3, stats.Scored);
        Assert.AreEqual(1, stats.RejectedByReason["invalid-shape"]);
        var devices = await client.GetFromJsonAsync<List<DeviceRow>>(new Uri("/api/devices", UriKind.Relative));
        CollectionAssert.AreEquivalent(new[] { "pump-1", "pump-2", "pump-3" }, devices!.Where(d => d.Scored > 0).Select(d => d.Id).ToArray());
    }

    [TestMethod]
    public async Task Telemetry_StoresAnomaliesOnceAndRejectsReplayAsDuplicates_WhenSameBatchIsSentTwice()
    {
        await using var factory = new LocalHostFactory();
        factory.LoadFakeModel();
        using var client = factory.CreateApiClient();
        var batch = "[" + string.Join(',', Enumerable.Range(0, 30).Select(i => LocalHostFactory.Reading($"pump-{i % 3}", $"r-{i}", t: i % 10 == 0 ? 8 : 0))) + "]";

        using (var first = await client.PostAsync(new Uri("/api/telemetry", UriKind.Relative), LocalHostFactory.Json(batch)))
        {
            Assert.AreEqual(HttpStatusCode.Accepted, first.StatusCode);
        }

        await LocalHostFactory.WaitForProcessedAsync(client, 30);
        using (var replay = await client.PostAsync(new Uri("/api/telemetry", UriKind.Relative), LocalHostFactory.Json(batch)))
        {
            Assert.AreEqual(HttpStatusCode.Accepted, replay.StatusCode);
        }

        var stats = await LocalHostFactory.WaitForProcessedAsync(client, 60);
        Assert.AreEqual(30, stats.Scored);
        Assert.AreEqual(30, stats.RejectedByReason["duplicate-message"]);
        Assert.AreEqual(3, stats.Anomalies);
        await factory.Get<BufferedAnomalySink>().FlushAsync(CancellationToken.None);
        var stored = await factory.Get<BlobAnomalySink>().QueryAsync(DateTimeOffset.UtcNow.AddHours(-1), DateTimeOffset.UtcNow.AddHours(1), null, 1000, CancellationToken.None);
        CollectionAssert.AreEquivalent(new[] { "r-0", "r-10", "r-20" }, stored.Select(a => a.MessageId).ToArray());
    }

    [TestMethod]
    public async Task Telemetry_Answers400AndQueuesNothing_WhenBodyIsNotUtf8()
    {
        await using var factory = new LocalHostFactory();
        factory.LoadFakeModel();
        using var client = factory.CreateApiClient();
        var bytes = System.Text.Encoding.UTF8.GetBytes(LocalHostFactory.Reading("pump-1", "u-1")).Concat(new byte[] { 0xC3, 0x28, 0xFF }).ToArray();
        using var content = new ByteArrayContent(bytes);
        content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");

        using var response = await client.PostAsync(new Uri("/api/telemetry", UriKind.Relative), content);

        Assert.AreEqual(HttpStatusCode.BadRequest, response.StatusCode);
        var stats = await client.GetFromJsonAsync<StatsResponse>(new Uri("/api/stats", UriKind.Relative));
        Assert.AreEqual(0, stats!.QueuedEvents);
    }

    [TestMethod]
    public async Task Telemetry_Answers415_WhenContentTypeIsNotSupported()
    {
        await using var factory = new LocalHostFactory();
        using var client = factory.CreateApiClient();
        using var response = await client.PostAsync(new Uri("/api/telemetry", UriKind.Relative), LocalHostFactory.Json("<xml/>", "application/xml"));
        Assert.AreEqual(HttpStatusCode.UnsupportedMediaType, response.StatusCode);
    }

    [TestMethod]
    public async Task Telemetry_Answers413_WhenBodyExceedsTheRequestLimit()
    {
        await using var factory = new LocalHostFactory(new Dictionary<string, string?> { ["LocalHost:MaxRequestBytes"] = "4096" });
        using var client = factory.CreateApiClient();
        using var response = await client.PostAsync(new Uri("/api/telemetry", UriKind.Relative), LocalHostFactory.Json("[" + string.Join(',', Enumerable.Repeat(LocalHostFactory.Reading("d", null), 40)) + "]"));
        Assert.AreEqual(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        var stats = await client.GetFromJsonAsync<StatsResponse>(new Uri("/api/stats", UriKind.Relative));
        Assert.AreEqual(0, stats!.QueuedEvents);
    }
}
