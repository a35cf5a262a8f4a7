using System.Globalization;
using System.Net;
using System.Text.RegularExpressions;

namespace IoTAnomaly.LocalHost.Tests.Telemetry;

/// <summary><c>GET /metrics</c>: the Prometheus scrape of the <c>IoTAnomaly</c> meter after telemetry streamed through the ingest.</summary>
[TestClass]
public sealed partial class MetricsEndpointTests
{
    [TestMethod]
    public async Task Metrics_ScrapeHasIoTAnomalySeries_AfterTelemetryStreamed()
    {
        await using var factory = new LocalHostFactory();
        factory.LoadFakeModel();
        using var client = factory.CreateApiClient();

        // A device name of this test only, so its anomaly series is exact even though the meter is process-wide.
        var device = "metrics-" + Guid.NewGuid().ToString("N")[..10];
        var readings = new List<string>();
        for (var i = 0; i < 300; i++)
        {
            var anomalous = i % 30 == 11; // 10 anomalies (|value| > 4 for the fake model)
            readings.Add(LocalHostFactory.Reading(device, $"m-{i}", t: anomalous ? 9 : 0.5 + (i * 0.001), p: 0.1 + (i * 0.002), v: -0.2 - (i * 0.003)));
        }

        readings.Add(LocalHostFactory.Reading(device, "oob-1", t: 1000));
        readings.Add(LocalHostFactory.Reading(device, "oob-2", p: -1000));
        readings.Add(LocalHostFactory.Reading(device, "oob-3", v: 5000));
        for (var i = 0; i < readings.Count; i += 60)
        {
            using var response = await client.PostAsync(new Uri("/api/telemetry", UriKind.Relative), LocalHostFactory.Json("[" + string.Join(',', readings.Skip(i).Take(60)) + "]"));
            Assert.AreEqual(HttpStatusCode.Accepted, response.StatusCode);
        }

        var stats = await LocalHostFactory.WaitForProcessedAsync(client, readings.Count);
        Assert.AreEqual(300, stats.Scored);
        Assert.AreEqual(3, stats.Rejected);

        using var scrape = await client.GetAsync(new Uri("/metrics", UriKind.Relative));
        Assert.AreEqual(HttpStatusCode.OK, scrape.StatusCode);
        Assert.AreEqual("text/plain", scrape.Content.Headers.ContentType?.MediaType);
        var samples = Parse(await scrape.Content.ReadAsStringAsync());

        // The meter is static (one per process), so other hosts of this test run may add to the totals: at least ours.
        Assert.IsGreaterThanOrEqualTo(300, Sum(samples, "iotanomaly_readings_scored_total"));
        Assert.IsGreaterThanOrEqualTo(303, Sum(samples, "iotanomaly_readings_received_total"));
        Assert.IsGreaterThanOrEqualTo(3, Sum(samples, "iotanomaly_readings_rejected_total", ("reason", "out-of-bounds")));
        Assert.IsTrue(samples.Any(s => s.Name == "iotanomaly_readings_scored_total" && s.Labels.GetValueOrDefault("model_version") == "fake-v1"), "scored carries the model version");

        // Exact for this test's device: 10 anomalies, all from the fake model.
        Assert.AreEqual(10, Sum(samples, "iotanomaly_anomalies_total", ("device_id", device)));
        Assert.IsTrue(samples.Where(s => s.Name == "iotanomaly_anomalies_total" && s.Labels.GetValueOrDefault("device_id") == device).All(s => s.Labels.ContainsKey("severity")));

        // Batch latency histogram: every batch recorded, every duration plausible.
        var batches = Sum(samples, "iotanomaly_batch_duration_milliseconds_count");
        Assert.IsGreaterThanOrEqualTo(stats.Batches, batches);
        var total = Sum(samples, "iotanomaly_batch_duration_milliseconds_sum");
        Assert.IsTrue(total > 0 && total / batches < 60_000, $"mean batch duration {total / batches} ms");
        Assert.IsTrue(samples.Any(s => s.Name == "iotanomaly_devices_known"), "device gauge exported");
    }

    private static double Sum(IEnumerable<Sample> samples, string name, params (string Label, string Value)[] labels)
        => samples.Where(s => s.Name == name && labels.All(l => s.Labels.GetValueOrDefault(l.Label) == l.Value)).Sum(s => s.Value);

    /// <summary>Parses the Prometheus text format (comments skipped; an optional timestamp after the value ignored).</summary>
    private static List<Sample> Parse(string text)
    {
        var samples = new List<Sample>();
        foreach (var line in text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (line.StartsWith('#'))
            {
                continue;
            }

            var match = SampleLine().Match(line);
            Assert.IsTrue(match.Success, "unparseable scrape line: " + line);
            var labels = LabelPair().Matches(match.Groups["labels"].Value).ToDictionary(m => m.Groups[1].Value, m => m.Groups[2].Value, StringComparer.Ordinal);
            samples.Add(new Sample(match.Groups["name"].Value, labels, double.Parse(match.Groups["value"].Value, NumberStyles.Float, CultureInfo.InvariantCulture)));
        }

        return samples;
    }

    [GeneratedRegex(@"^(?<name>[a-zA-Z_:][a-zA-Z0-9_:]*)(\{(?<labels>.*)\})?\s+(?<value>[^\s]+)(\s+\d+)?$")]
    private static partial Regex SampleLine();

    [GeneratedRegex(@"([a-zA-Z_][a-zA-Z0-9_]*)=""((?:[^""\\]|\\.)*)""")]
    private static partial Regex LabelPair();

    private sealed record Sample(string Name, Dictionary<string, string> Labels, double Value);
}
