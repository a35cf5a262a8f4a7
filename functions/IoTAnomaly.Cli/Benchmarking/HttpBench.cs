using System.Buffers.Text;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using IoTAnomaly.Core.Simulation;

namespace IoTAnomaly.Cli.Benchmarking;

/// <summary>Figures of an ingest run: what was accepted while sending, and when the host had finished it.</summary>
/// <param name="Readings">Readings the host accepted (2xx) during the run.</param>
/// <param name="Requests">Accepted requests.</param>
/// <param name="Refused">503 answers (the same body was sent again after a pause: nothing is dropped).</param>
/// <param name="SendSeconds">Time spent sending.</param>
/// <param name="DrainSeconds">Time from the start until the host reported every accepted reading processed.</param>
/// <param name="Processed">Readings the host counted as received (scored + rejected) for this run.</param>
/// <param name="Rejected">Of those, rejected (should be 0: the generated readings are valid and distinct).</param>
/// <param name="MaxRssBytes">Largest resident set of the host process seen (when its pid was given), else 0.</param>
/// <param name="Anomalies">Of the processed readings, how many the host flagged as anomalies.</param>
public sealed record IngestBenchResult(long Readings, long Requests, long Refused, double SendSeconds, double DrainSeconds, long Processed, long Rejected, long MaxRssBytes, long Anomalies)
{
    /// <summary>Accepted readings per second of sending.</summary>
    public double AcceptedPerSecond => Readings / Math.Max(SendSeconds, 1e-9);

    /// <summary>Processed readings per second from the start until the host was drained.</summary>
    public double ProcessedPerSecond => Processed / Math.Max(DrainSeconds, 1e-9);
}

/// <summary>Latency figures of a fixed-rate predict run.</summary>
public sealed record PredictBenchResult(long Requests, long Failures, double OfferedPerSecond, double AchievedPerSecond, double P50Ms, double P90Ms, double P99Ms, double MaxMs);

/// <summary>
/// Load over loopback HTTP against a running local host (started with <c>--no-simulator</c>): ingest throughput
/// (NDJSON batches of simulated readings, distinct message ids, several connections, 503 answered by sending the same
/// body again) and ad-hoc predict latency at a fixed request rate. The host's own counters (<c>/api/stats</c>) tell
/// when every accepted reading was processed.
/// </summary>
public sealed class HttpBench(Uri baseUri, string apiKey) : IDisposable
{
    private static readonly byte[] TimestampKey = "\",\"timestamp\":\""u8.ToArray();

    private readonly HttpClient _http = new(new SocketsHttpHandler
    {
        MaxConnectionsPerServer = 64,
        PooledConnectionLifetime = Timeout.InfiniteTimeSpan,
        AutomaticDecompression = DecompressionMethods.None,
        UseProxy = false,
    })
    {
        BaseAddress = baseUri,
        Timeout = TimeSpan.FromSeconds(30),
    };

    /// <inheritdoc />
    public void Dispose() => _http.Dispose();

    /// <summary>Sends batches of <paramref name="batchSize"/> readings on <paramref name="connections"/> connections for <paramref name="duration"/>, then waits for the host to finish them.</summary>
    /// <param name="faultRate">The simulator's fault rate for the generated readings (0: a fault-free fleet).</param>
    /// <param name="invalidRate">Share of readings sent with a non-numeric sensor value, which the host rejects and dead-letters (a storm of bad input).</param>
    public async Task<IngestBenchResult> IngestAsync(TimeSpan duration, int connections, int batchSize, int? hostPid, double faultRate, double invalidRate, CancellationToken cancellationToken)
    {
        var templates = Templates(devices: 200, readings: 20_000, faultRate, invalidRate);
        var before = await StatsAsync(cancellationToken);
        long readings = 0, requests = 0, refused = 0, maxRss = 0;
        var stopwatch = Stopwatch.StartNew();
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        stop.CancelAfter(duration);
        using var sampler = hostPid is { } pid ? new Timer(_ => Interlocked.Exchange(ref maxRss, Math.Max(Interlocked.Read(ref maxRss), RssBytes(pid))), null, 0, 500) : null;
        var runId = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture);
        var senders = Enumerable.Range(0, connections).Select(c => Task.Run(async () =>
        {
            var body = new MemoryStream(batchSize * 320);
            var id = new byte[64];
            var prefixLength = Encoding.ASCII.GetBytes($"{runId}-{c}-", id);
            long sequence = 0;
            var next = c * 7919 % templates.Length;
            while (!stop.IsCancellationRequested)
            {
                body.SetLength(0);
                var timestamp = Encoding.ASCII.GetBytes(DateTimeOffset.UtcNow.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture));
                for (var i = 0; i < batchSize; i++)
                {
                    var (prefix, suffix) = templates[next];
                    next = next + 1 == templates.Length ? 0 : next + 1;
                    body.Write(prefix);
                    Utf8Formatter.TryFormat(sequence++, id.AsSpan(prefixLength), out var digits);
                    body.Write(id, 0, prefixLength + digits);
                    body.Write(TimestampKey);
                    body.Write(timestamp);
                    body.Write(suffix);
                }

                var payload = body.ToArray();
                while (true)
                {
                    using var content = new ByteArrayContent(payload);
                    content.Headers.ContentType = new MediaTypeHeaderValue("application/x-ndjson");
                    using var request = new HttpRequestMessage(HttpMethod.Post, "/api/telemetry") { Content = content };
                    request.Headers.Add("x-api-key", apiKey);
                    using var response = await _http.SendAsync(request, CancellationToken.None);
                    if (response.StatusCode == HttpStatusCode.ServiceUnavailable)
                    {
                        Interlocked.Increment(ref refused);
                        await Task.Delay(20, CancellationToken.None);
                        continue;
                    }

                    response.EnsureSuccessStatusCode();
                    Interlocked.Add(ref readings, batchSize);
                    Interlocked.Increment(ref requests);
                    break;
                }
            }
        }, CancellationToken.None)).ToArray();
        await Task.WhenAll(senders);
        var sendSeconds = stopwatch.Elapsed.TotalSeconds;

        // Drained: the host counted every accepted reading of this run.
        var target = before.Received + Interlocked.Read(ref readings);
        var after = await StatsAsync(cancellationToken);
        while (after.Received < target || after.Pending > 0)
        {
            await Task.Delay(50, cancellationToken);
            after = await StatsAsync(cancellationToken);
        }

        return new IngestBenchResult(readings, requests, refused, sendSeconds, stopwatch.Elapsed.TotalSeconds, after.Received - before.Received, after.Rejected - before.Rejected, Interlocked.Read(ref maxRss), after.Anomalies - before.Anomalies);
    }

    /// <summary>Posts one reading to <c>/api/predict</c> at <paramref name="rate"/> requests/s (open loop: a slow answer does not delay the next request) for <paramref name="duration"/>.</summary>
    public async Task<PredictBenchResult> PredictAsync(TimeSpan duration, double rate, CancellationToken cancellationToken)
    {
        var templates = Templates(devices: 200, readings: 5_000, faultRate: 0, invalidRate: 0);
        var latencies = new List<double>();
        var gate = new Lock();
        long failures = 0;
        var total = (int)Math.Ceiling(duration.TotalSeconds * rate);
        var interval = TimeSpan.FromTicks((long)(TimeSpan.TicksPerSecond / rate));
        var inFlight = new List<Task>(total);
        var stopwatch = Stopwatch.StartNew();

        // Warm-up (JIT, connections): not measured.
        for (var w = 0; w < 200; w++)
        {
            await PostPredictAsync(Body(templates[w % templates.Length], w), cancellationToken);
        }

        stopwatch.Restart();
        for (var i = 0; i < total; i++)
        {
            var due = interval * i;
            var wait = due - stopwatch.Elapsed;
            if (wait > TimeSpan.FromMilliseconds(1))
            {
                await Task.Delay(wait, cancellationToken);
            }

            var body = Body(templates[i % templates.Length], i);
            inFlight.Add(Task.Run(async () =>
            {
                var started = Stopwatch.GetTimestamp();
                var ok = await PostPredictAsync(body, cancellationToken);
                var ms = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
                lock (gate)
                {
                    latencies.Add(ms);
                    if (!ok)
                    {
                        failures++;
                    }
                }
            }, cancellationToken));
        }

        await Task.WhenAll(inFlight);
        var seconds = stopwatch.Elapsed.TotalSeconds;
        latencies.Sort();
        double Percentile(double p) => latencies.Count == 0 ? 0 : latencies[Math.Min(latencies.Count - 1, (int)Math.Ceiling(p * latencies.Count) - 1)];
        return new PredictBenchResult(latencies.Count, failures, rate, latencies.Count / seconds, Percentile(0.50), Percentile(0.90), Percentile(0.99), latencies.Count == 0 ? 0 : latencies[^1]);

        static byte[] Body((byte[] Prefix, byte[] Suffix) template, int i)
        {
            var timestamp = DateTimeOffset.UtcNow.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);
            return [.. template.Prefix, .. Encoding.ASCII.GetBytes("predict-" + i.ToString(CultureInfo.InvariantCulture)), .. TimestampKey, .. Encoding.ASCII.GetBytes(timestamp), .. template.Suffix];
        }
    }

    private async Task<bool> PostPredictAsync(byte[] body, CancellationToken cancellationToken)
    {
        using var content = new ByteArrayContent(body);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/predict") { Content = content };
        request.Headers.Add("x-api-key", apiKey);
        using var response = await _http.SendAsync(request, cancellationToken);
        await response.Content.ReadAsByteArrayAsync(cancellationToken);
        return response.StatusCode == HttpStatusCode.OK;
    }

    private async Task<(long Received, long Rejected, long Pending, long Anomalies)> StatsAsync(CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/stats");
        request.Headers.Add("x-api-key", apiKey);
        using var response = await _http.SendAsync(request, cancellationToken);
        response.EnsureSuccessStatusCode();
        using var document = JsonDocument.Parse(await response.Content.ReadAsByteArrayAsync(cancellationToken));
        var root = document.RootElement;
        return (root.GetProperty("received").GetInt64(), root.GetProperty("rejected").GetInt64(), root.GetProperty("pendingEvents").GetInt64(), root.GetProperty("anomalies").GetInt64());
    }

    /// <summary>
    /// Simulated readings as NDJSON line templates: <c>{"deviceId":"…","messageId":"</c> + id +
    /// <c>","timestamp":"</c> + time + <c>","readings":{…}}\n</c>; a share <paramref name="invalidRate"/> of them
    /// (chosen by a seeded draw) carry the text <c>"n/a"</c> as their first sensor's value.
    /// </summary>
    private static (byte[] Prefix, byte[] Suffix)[] Templates(int devices, int readings, double faultRate, double invalidRate)
    {
        var draw = new Random(17);
        var rows = new List<(string Device, double[] Values)>();
        var simulator = new FleetSimulator(new SimulatorOptions
        {
            DeviceCount = devices, Seed = 11, StartTime = DateTimeOffset.UtcNow.AddHours(-1), RunId = "bench", FaultRate = faultRate, MalformedRate = 0,
            EnabledFaults = faultRate > 0 ? [FaultKind.Spike, FaultKind.LevelShift, FaultKind.StuckSensor, FaultKind.SlowDrift] : [],
        });
        while (rows.Count < readings)
        {
            rows.AddRange(simulator.NextStep().Select(r => (r.DeviceId, r.Values)));
        }

        var names = FleetSimulator.SensorNames;
        return rows.Take(readings).Select(row =>
        {
            var invalid = draw.NextDouble() < invalidRate;
            var suffix = new StringBuilder("\",\"readings\":{");
            for (var s = 0; s < names.Count; s++)
            {
                suffix.Append(s == 0 ? "\"" : ",\"").Append(names[s]).Append("\":");
                if (s == 0 && invalid)
                {
                    suffix.Append("\"n/a\"");
                }
                else
                {
                    suffix.Append(row.Values[s].ToString("R", CultureInfo.InvariantCulture));
                }
            }

            suffix.Append("}}\n");
            return (Encoding.UTF8.GetBytes("{\"deviceId\":\"" + row.Device + "\",\"messageId\":\""), Encoding.UTF8.GetBytes(suffix.ToString()));
        }).ToArray();
    }

    private static long RssBytes(int pid)
    {
        try
        {
            foreach (var line in File.ReadLines($"/proc/{pid}/status"))
            {
                if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
                {
                    return long.Parse(line.AsSpan(6).Trim()[..^2].Trim(), CultureInfo.InvariantCulture) * 1024;
                }
            }
        }
        catch (IOException)
        {
            // The process is gone.
        }

        return 0;
    }
}
