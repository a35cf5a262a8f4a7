using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using IoTAnomaly.Cli.Benchmarking;

namespace IoTAnomaly.Cli.Commands;

/// <summary>
/// <c>iotanomaly bench http --url … --api-key … [--mode ingest|predict|both]</c>: loopback HTTP load against a running
/// local host (<see cref="HttpBench"/>): ingest throughput and predict latency. <c>scripts/bench-http.sh</c> starts a
/// host (and its Azurite) and runs it.
/// </summary>
internal sealed class HttpBenchCommand : Command
{
    private readonly CliConsole console;

    private readonly Option<string> url = new("--url") { Description = "The local host's base address.", Required = true };

    private readonly Option<string> apiKey = new("--api-key") { Description = "The host's API key (x-api-key).", Required = true };

    private readonly Option<string> mode = new("--mode") { Description = "ingest, predict or both.", DefaultValueFactory = _ => "both" };

    private readonly Option<double> seconds = new("--seconds") { Description = "Duration of each part.", DefaultValueFactory = _ => 20 };

    private readonly Option<double> warmup = new("--warmup") { Description = "Seconds of the same load (ingest, predict) sent first and not measured: the host's JIT tiers up and its buffers reach their working size.", DefaultValueFactory = _ => 10 };

    private readonly Option<double> faultRate = new("--fault-rate") { Description = "Fault rate of the simulated readings sent (spikes, level shifts, stuck sensors, slow drift; 0: fault-free).", DefaultValueFactory = _ => 0 };

    private readonly Option<double> invalidRate = new("--invalid-rate") { Description = "Share of readings sent with a non-numeric sensor value, which the host rejects into the dead-letter sink (0: none).", DefaultValueFactory = _ => 0 };

    private readonly Option<int> connections = new("--connections") { Description = "Concurrent ingest connections.", DefaultValueFactory = _ => 4 };

    private readonly Option<int> batchSize = new("--batch-size") { Description = "Readings per ingest request (NDJSON).", DefaultValueFactory = _ => 100 };

    private readonly Option<double> rate = new("--predict-rate") { Description = "Predict requests per second (one reading each, open loop).", DefaultValueFactory = _ => 2000 };

    private readonly Option<int?> pid = new("--host-pid") { Description = "The host's process id, to sample its resident memory." };

    private readonly Option<bool> json = new("--json") { Description = "Print the figures as one JSON object on the last line." };

    public HttpBenchCommand(CliConsole console)
        : base("http", "Loopback HTTP load against a running local host: ingest readings/s and predict latency percentiles.")
    {
        this.console = console;
        mode.AcceptOnlyFromAmong("ingest", "predict", "both");
        Options.Add(url);
        Options.Add(apiKey);
        Options.Add(mode);
        Options.Add(seconds.Require(static s => s > 0, static _ => "--seconds must be positive."));
        Options.Add(warmup.Require(static s => s >= 0, static _ => "--warmup must not be negative."));
        Options.Add(faultRate.Require(static r => r is >= 0 and <= 1, static _ => "--fault-rate must be between 0 and 1."));
        Options.Add(invalidRate.Require(static r => r is >= 0 and <= 1, static _ => "--invalid-rate must be between 0 and 1."));
        Options.Add(connections.RequirePositive());
        Options.Add(batchSize.RequirePositive());
        Options.Add(rate.Require(static r => r > 0, static _ => "--predict-rate must be positive."));
        Options.Add(pid);
        Options.Add(json);
        SetAction(RunAsync);
    }

    private async Task<int> RunAsync(ParseResult parseResult, CancellationToken cancellationToken)
    {
        var which = parseResult.GetValue(mode)!;
        var duration = TimeSpan.FromSeconds(parseResult.GetValue(seconds));
        if (!Uri.TryCreate(parseResult.GetRequiredValue(url), UriKind.Absolute, out var baseUri))
        {
            console.Error.WriteLine($"error: --url '{parseResult.GetValue(url)}' is not an absolute address.");
            return 2;
        }

        using var bench = new HttpBench(baseUri, parseResult.GetRequiredValue(apiKey));
        IngestBenchResult? ingest = null;
        PredictBenchResult? predict = null;
        try
        {
            if (which is "ingest" or "both")
            {
                Task<IngestBenchResult> Ingest(TimeSpan seconds) => bench.IngestAsync(
                    seconds, parseResult.GetValue(connections), parseResult.GetValue(batchSize), parseResult.GetValue(pid), parseResult.GetValue(faultRate), parseResult.GetValue(invalidRate), cancellationToken);
                long warmRss = 0;
                if (parseResult.GetValue(warmup) is > 0 and var warm)
                {
                    var warmed = await Ingest(TimeSpan.FromSeconds(warm));
                    console.Out.WriteLine(string.Create(CultureInfo.InvariantCulture, $"warm-up (not measured): {warmed.Readings:N0} readings in {warmed.SendSeconds:F1} s ({warmed.AcceptedPerSecond:N0}/s), host max RSS {warmed.MaxRssBytes / 1048576.0:F0} MB"));
                    warmRss = warmed.MaxRssBytes;
                }

                var measured = await Ingest(duration);
                ingest = measured with { MaxRssBytes = Math.Max(measured.MaxRssBytes, warmRss) };
                console.Out.WriteLine(string.Create(
                    CultureInfo.InvariantCulture,
                    $"ingest: {ingest.Readings:N0} readings accepted in {ingest.SendSeconds:F1} s ({ingest.AcceptedPerSecond:N0}/s), {ingest.Refused:N0} × 503 resent; host processed {ingest.Processed:N0} ({ingest.Rejected:N0} rejected, {ingest.Anomalies:N0} anomalies) by {ingest.DrainSeconds:F1} s ({ingest.ProcessedPerSecond:N0}/s end to end); host max RSS {ingest.MaxRssBytes / 1048576.0:F0} MB"));
            }

            if (which is "predict" or "both")
            {
                if (parseResult.GetValue(warmup) is > 0 and var warm)
                {
                    var warmed = await bench.PredictAsync(TimeSpan.FromSeconds(warm), parseResult.GetValue(rate), cancellationToken);
                    console.Out.WriteLine(string.Create(CultureInfo.InvariantCulture, $"warm-up (not measured): {warmed.Requests:N0} predict requests, p99 {warmed.P99Ms:F2} ms"));
                }

                predict = await bench.PredictAsync(duration, parseResult.GetValue(rate), cancellationToken);
                console.Out.WriteLine(string.Create(
                    CultureInfo.InvariantCulture,
                    $"predict: {predict.Requests:N0} requests at {predict.AchievedPerSecond:N0}/s (offered {predict.OfferedPerSecond:N0}/s), {predict.Failures} failed; latency p50 {predict.P50Ms:F2} ms, p90 {predict.P90Ms:F2} ms, p99 {predict.P99Ms:F2} ms, max {predict.MaxMs:F1} ms"));
            }
        }
        catch (HttpRequestException e)
        {
            console.Error.WriteLine($"error: {e.Message} (is the local host running at {parseResult.GetValue(url)} with that key?)");
            return 1;
        }

        if (parseResult.GetValue(json))
        {
            console.Out.WriteLine(JsonSerializer.Serialize(new
            {
                ingestReadingsPerSecond = ingest is null ? (double?)null : Math.Round(ingest.AcceptedPerSecond, 1),
                ingestProcessedPerSecond = ingest is null ? (double?)null : Math.Round(ingest.ProcessedPerSecond, 1),
                ingestReadings = ingest?.Readings,
                ingestProcessed = ingest?.Processed,
                ingestRejected = ingest?.Rejected,
                ingestAnomalies = ingest?.Anomalies,
                ingestRefused = ingest?.Refused,
                hostMaxRssBytes = ingest?.MaxRssBytes,
                predictRequests = predict?.Requests,
                predictFailures = predict?.Failures,
                predictPerSecond = predict is null ? (double?)null : Math.Round(predict.AchievedPerSecond, 1),
                predictP50Ms = predict is null ? (double?)null : Math.Round(predict.P50Ms, 3),
                predictP99Ms = predict is null ? (double?)null : Math.Round(predict.P99Ms, 3),
                predictMaxMs = predict is null ? (double?)null : Math.Round(predict.MaxMs, 3),
            }));
        }

        return 0;
    }
}
