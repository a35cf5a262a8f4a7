using System.Net;
using System.Text.Json;
using System.Collections.Concurrent;
using IoTAnomaly.Core.Processing;
using IoTAnomaly.Infrastructure.Sinks;
using Microsoft.Extensions.DependencyInjection;

namespace IoTAnomaly.LocalHost.Tests.Reliability;

/// <summary>
/// Issue 8, bad input: every payload of <see cref="BadInputCorpus"/> through the real HTTP pipeline (API key, rate
/// limiter, size limits, splitter, partitions, workers, the Blob sinks on Azurite) on each of the three routes. One
/// host per route, so the routes' dead letters and duplicate windows do not mix; the cases of a class run one after
/// another, so the before/after differences of <c>/api/stats</c> and of the dead-letter container belong to one case.
/// </summary>
[TestClass]
public sealed class BadInputCorpusTests
{
    private static readonly Dictionary<CorpusRoute, LocalHostFactory> Hosts = [];
    private static int _sent;

    public static IEnumerable<object[]> Cases => BadInputCorpus.Cases;

    [ClassCleanup]
    public static async Task CleanupAsync()
    {
        foreach (var host in Hosts.Values)
        {
            await host.DisposeAsync();
        }

        Hosts.Clear();
    }

    [TestMethod]
    public void Corpus_HasAtLeastSixtyUniquelyNamedPayloads_WithEveryRouteCovered()
    {
        Assert.IsGreaterThanOrEqualTo(60, BadInputCorpus.All.Count);
        Assert.HasCount(BadInputCorpus.All.Count, BadInputCorpus.All.Select(e => e.Name).Distinct(StringComparer.Ordinal));
        var files = Directory.GetFiles(System.IO.Path.Combine(AppContext.BaseDirectory, "Reliability", "Corpus"));
        Assert.IsGreaterThanOrEqualTo(60, files.Length, "small payloads are files");
        foreach (var entry in BadInputCorpus.All)
        {
            Assert.IsNotNull(entry.Body(), entry.Name);
        }
    }

    [TestMethod]
    [DynamicData(nameof(Cases))]
    public async Task Payload_GetsItsExpectedAnswerAndReasons_NeverA5xx(string name, CorpusRoute route)
    {
        var entry = BadInputCorpus.Get(name);
        var expected = entry.For(route);
        var host = HostFor(route);
        using var client = host.CreateApiClient();
        var before = await LocalHostFactory.WaitForProcessedAsync(client, 0);
        var recorder = host.Get<DeadLetterRecorder>();
        var lettersBefore = recorder.Count;

        var body = BadInputCorpus.Materialize(entry, $"{name}-{route}-{Interlocked.Increment(ref _sent)}");
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(RoutePath(route), UriKind.Relative))
        {
            Content = entry.Chunked ? new StreamContent(new MemoryStream(body)) : new ByteArrayContent(body),
        };
        if (entry.Chunked)
        {
            request.Headers.TransferEncodingChunked = true;
        }

        if (entry.ContentType is not null)
        {
            request.Content.Headers.TryAddWithoutValidation("Content-Type", entry.ContentType);
        }

        using var response = await client.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        var status = (int)response.StatusCode;
        Assert.IsLessThan(500, status, $"{name} on {route}: {status} {text}");

        if (route == CorpusRoute.Predict)
        {
            Assert.AreEqual(expected.Status, status, $"{name} on predict ({expected}): {text}");
            if (status == 400 && expected.Reasons.Count > 0)
            {
                using var problem = JsonDocument.Parse(text);
                var reasons = problem.RootElement.GetProperty("reasons").EnumerateArray().Select(r => r.GetString()!).ToHashSet(StringComparer.Ordinal);
                CollectionAssert.AreEquivalent(expected.Reasons.Keys.ToList(), reasons.ToList(), $"{name} on predict: {text}");
            }
            else if (status == 200)
            {
                var answer = JsonSerializer.Deserialize<JsonElement>(text);
                Assert.AreEqual(expected.Scored, answer.GetProperty("count").GetInt32(), text);
            }
        }
        else if (expected.Status is { } refused)
        {
            Assert.AreEqual(refused, status, $"{name} on {route} ({expected}): {text}");
            Assert.AreEqual("application/problem+json", response.Content.Headers.ContentType?.MediaType, text);
        }
        else
        {
            Assert.AreEqual(route == CorpusRoute.EventHubs ? HttpStatusCode.Created : HttpStatusCode.Accepted, response.StatusCode, $"{name} on {route} ({expected}): {text}");
            var door = JsonSerializer.Deserialize<JsonElement>(text);
            Assert.IsGreaterThan(0, door.GetProperty("received").GetInt32(), text);
        }

        // Drained: the count invariant holds, and exactly the expected readings were scored and rejected.
        var after = await LocalHostFactory.WaitForProcessedAsync(client, before.Received);
        Assert.AreEqual(after.Received, after.Scored + after.Rejected, "received == scored + rejected");
        var rejectedDelta = after.RejectedByReason
            .Select(r => (r.Key, Count: r.Value - before.RejectedByReason.GetValueOrDefault(r.Key)))
            .Where(r => r.Count != 0)
            .ToDictionary(r => r.Key, r => (int)r.Count, StringComparer.Ordinal);
        var ingestExpected = route == CorpusRoute.Predict ? CorpusExpectation.Rows(0) : expected;
        Assert.AreEqual(ingestExpected.Scored, (int)(after.Scored - before.Scored), $"{name} on {route}: scored ({expected}), rejected {Format(rejectedDelta)}");
        Assert.AreEqual(Format(ingestExpected.Reasons), Format(rejectedDelta), $"{name} on {route}: rejected by reason");
        if (ingestExpected.Anomalies is { } anomalies)
        {
            Assert.AreEqual(anomalies, (int)(after.Anomalies - before.Anomalies), $"{name} on {route}: anomalies");
        }

        // Every rejection was handed to the Blob dead-letter sink with its reason, and the sink returns it. A dead
        // letter identical to one of an earlier case in the same hour is that case's record (same page: stored once),
        // so the query starts at the hour.
        var letters = recorder.Since(lettersBefore);
        var letterReasons = letters.GroupBy(l => l.Reason, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal);
        Assert.AreEqual(Format(ingestExpected.Reasons), Format(letterReasons), $"{name} on {route}: dead letters");
        if (letters.Count > 0)
        {
            var first = letters.Min(l => l.ReceivedAt);
            var stored = (await host.Get<BlobDeadLetterSink>().QueryAsync(
                    first.AddTicks(-(first.UtcTicks % TimeSpan.TicksPerHour)), letters.Max(l => l.ReceivedAt), deviceId: null, max: 100_000, CancellationToken.None))
                .Select(Identity)
                .ToHashSet();
            foreach (var letter in letters)
            {
                Assert.Contains(Identity(letter), stored, $"{name} on {route}: dead letter {letter.Reason} stored");
                Assert.IsFalse(string.IsNullOrWhiteSpace(letter.Detail), "a dead letter says why");
            }
        }

        if (ingestExpected.Anomalies > 0)
        {
            await host.Get<IoTAnomaly.LocalHost.Ingest.BufferedAnomalySink>().FlushAsync(CancellationToken.None);
            var stored = await host.Get<BlobAnomalySink>().QueryAsync(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddMinutes(1), deviceId: null, max: 1000, CancellationToken.None);
            Assert.IsTrue(stored.Any(a => a.DeviceId.Contains('?', StringComparison.Ordinal)), "the anomaly of a device id with special characters reached the Blob sink");
        }

        // The host is still up and serving.
        using var anonymous = host.CreateClient();
        using var health = await anonymous.GetAsync(new Uri("/health", UriKind.Relative));
        Assert.AreEqual(HttpStatusCode.OK, health.StatusCode);
    }

    private static string RoutePath(CorpusRoute route) => route switch
    {
        CorpusRoute.Telemetry => "/api/telemetry",
        CorpusRoute.EventHubs => "/telemetry/messages",
        _ => "/api/predict",
    };

    private static LocalHostFactory HostFor(CorpusRoute route)
    {
        lock (Hosts)
        {
            if (!Hosts.TryGetValue(route, out var host))
            {
                host = new LocalHostFactory(configureServices: services =>
                {
                    services.AddSingleton<DeadLetterRecorder>();
                    services.AddSingleton<IDeadLetterSink>(sp => sp.GetRequiredService<DeadLetterRecorder>());
                });
                host.LoadFakeModel();
                Hosts[route] = host;
            }

            return host;
        }
    }

    private static (string Reason, string? DeviceId, string MessageId, string Payload) Identity(DeadLetterRecord letter)
        => (letter.Reason, letter.DeviceId, letter.MessageId, letter.Payload);

    private static string Format(IReadOnlyDictionary<string, int> counts)
        => string.Join(", ", counts.OrderBy(c => c.Key, StringComparer.Ordinal).Select(c => $"{c.Key}: {c.Value}"));

    private static string Format(Dictionary<string, int> counts) => Format((IReadOnlyDictionary<string, int>)counts);
}

/// <summary>The Blob dead-letter sink with a record of what it was given (in order), so a test can tell its own letters.</summary>
public sealed class DeadLetterRecorder(BlobDeadLetterSink inner) : IDeadLetterSink
{
    private readonly ConcurrentQueue<DeadLetterRecord> _written = new();

    public int Count => _written.Count;

    public IReadOnlyList<DeadLetterRecord> Since(int count) => _written.Skip(count).ToList();

    public async Task WriteAsync(IReadOnlyList<DeadLetterRecord> records, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(records);
        await inner.WriteAsync(records, cancellationToken);
        foreach (var record in records)
        {
            _written.Enqueue(record);
        }
    }
}
