using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace IoTAnomaly.Core.Diagnostics;

/// <summary>
/// The one <see cref="ActivitySource"/> and the one <see cref="Meter"/> of IoTAnomaly, both named <c>IoTAnomaly</c>,
/// with every instrument. Hosts subscribe with <c>AddSource("IoTAnomaly")</c> / <c>AddMeter("IoTAnomaly")</c>.
/// </summary>
public static class IoTAnomalyTelemetry
{
    public const string Name = "IoTAnomaly";

    public static readonly ActivitySource ActivitySource = new(Name, "1.0.0");

    public static readonly Meter Meter = new(Name, "1.0.0");

    public static readonly Counter<long> ReadingsReceived = Meter.CreateCounter<long>("iotanomaly.readings.received", "{reading}", "Readings (and unparseable body parts) received.");

    public static readonly Counter<long> ReadingsScored = Meter.CreateCounter<long>("iotanomaly.readings.scored", "{reading}", "Readings scored.");

    public static readonly Counter<long> ReadingsRejected = Meter.CreateCounter<long>("iotanomaly.readings.rejected", "{reading}", "Readings rejected, by reason.");

    public static readonly Counter<long> Anomalies = Meter.CreateCounter<long>("iotanomaly.anomalies", "{anomaly}", "Anomalous readings, by device and severity.");

    public static readonly Histogram<double> BatchDuration = Meter.CreateHistogram<double>("iotanomaly.batch.duration", "ms", "Time to parse, validate, score and sink one batch.");

    public static readonly Counter<long> ModelLoads = Meter.CreateCounter<long>("iotanomaly.model.loads", "{load}", "Model load attempts, by outcome.");

    public static readonly Counter<long> ModelSwaps = Meter.CreateCounter<long>("iotanomaly.model.swaps", "{swap}", "Champion model swaps in this process.");

    public static readonly Counter<long> IngestBackpressure = Meter.CreateCounter<long>("iotanomaly.ingest.backpressure", "{request}", "Ingest requests refused because a partition was full.");

    /// <summary>One increment per finished run, tagged <c>outcome</c> (promoted, rejected, approval-timeout, dry-run, failed, …): summing over outcomes counts runs.</summary>
    public static readonly Counter<long> RetrainingRuns = Meter.CreateCounter<long>("iotanomaly.retraining.runs", "{run}", "Retraining runs finished, one per run, by outcome.");

    /// <summary>Runs started (a separate instrument, so that <see cref="RetrainingRuns"/> summed by outcome is the number of finished runs).</summary>
    public static readonly Counter<long> RetrainingStarted = Meter.CreateCounter<long>("iotanomaly.retraining.started", "{run}", "Retraining runs started.");

    public static readonly Counter<long> DriftChecks = Meter.CreateCounter<long>("iotanomaly.drift.checks", "{check}", "Drift checks, by verdict.");

    public static readonly Counter<long> DriftDetected = Meter.CreateCounter<long>("iotanomaly.drift.detected", "{check}", "Drift checks whose verdict was drifted.");

    public static readonly Histogram<double> DriftPsi = Meter.CreateHistogram<double>(
        "iotanomaly.drift.psi", "1", "Population stability index per sensor at each drift check.", tags: null, advice: new() { HistogramBucketBoundaries = [0.02, 0.05, 0.1, 0.2, 0.3, 0.5, 1, 2, 5] });

    public static readonly Histogram<double> DriftKs = Meter.CreateHistogram<double>(
        "iotanomaly.drift.ks", "1", "Kolmogorov–Smirnov statistic per sensor at each drift check.", tags: null, advice: new() { HistogramBucketBoundaries = [0.01, 0.02, 0.05, 0.1, 0.2, 0.3, 0.5, 0.8] });

    public static readonly Histogram<double> DriftJsd = Meter.CreateHistogram<double>(
        "iotanomaly.drift.jsd", "1", "Jensen–Shannon divergence per sensor at each drift check.", tags: null, advice: new() { HistogramBucketBoundaries = [0.01, 0.02, 0.05, 0.1, 0.2, 0.3, 0.5, 0.7] });

    public static readonly Counter<long> DriftSensorChecks = Meter.CreateCounter<long>("iotanomaly.drift.sensor.checks", "{check}", "Per-sensor drift verdicts, by sensor and drifted (true/false).");

    public static readonly Counter<long> SinkFailures = Meter.CreateCounter<long>("iotanomaly.sink.failures", "{failure}", "Sink writes that failed (the batch is retried).");

    private static Func<(long Devices, long Silent)>? s_deviceCounts;

    /// <summary>Devices known to this process, and those silent longer than the gap threshold (observed on collection).</summary>
    public static readonly ObservableGauge<long> DevicesSilent = Meter.CreateObservableGauge(
        "iotanomaly.devices.silent",
        () => Volatile.Read(ref s_deviceCounts)?.Invoke().Silent ?? 0,
        "{device}",
        "Devices that sent nothing for longer than Scoring:GapThreshold.");

    public static readonly ObservableGauge<long> DevicesKnown = Meter.CreateObservableGauge(
        "iotanomaly.devices.known",
        () => Volatile.Read(ref s_deviceCounts)?.Invoke().Devices ?? 0,
        "{device}",
        "Devices this process has seen.");

    /// <summary>Points the device gauges at the process's device table (the last registration wins).</summary>
    public static void TrackDevices(Func<(long Devices, long Silent)> counts) => Volatile.Write(ref s_deviceCounts, counts);

    // Tag names.
    public const string DeviceIdTag = "device.id";
    public const string ModelVersionTag = "model.version";
    public const string ReasonTag = "reason";
    public const string SeverityTag = "severity";
    public const string PartitionTag = "partition";
    public const string OutcomeTag = "outcome";
    public const string SensorTag = "sensor";
    public const string VerdictTag = "verdict";
    public const string DriftedTag = "drifted";
    public const string ModelNameTag = "model.name";

    /// <summary>Counts one finished retraining run of <paramref name="model"/> with its <paramref name="outcome"/> (the only place that increments <see cref="RetrainingRuns"/>).</summary>
    public static void RecordRetrainingRun(string model, string outcome)
        => RetrainingRuns.Add(1, new KeyValuePair<string, object?>(OutcomeTag, outcome), new KeyValuePair<string, object?>(ModelNameTag, model));
}
