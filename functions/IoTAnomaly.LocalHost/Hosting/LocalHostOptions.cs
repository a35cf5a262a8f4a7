using System.ComponentModel.DataAnnotations;
using IoTAnomaly.Core.Detection;

namespace IoTAnomaly.LocalHost.Hosting;

/// <summary>Section <c>LocalHost</c>: the local Event Hubs stand-in (partitions, channels, batches) and the main job.</summary>
public sealed class LocalHostOptions
{
    public const string SectionName = "LocalHost";

    /// <summary>Partitions of the ingest (one bounded channel and one worker each); readings are routed by device id.</summary>
    [Range(1, 64)]
    public int Partitions { get; set; } = 4;

    /// <summary>Most events (readings or unparseable body parts) a partition holds, queued or in processing, before ingest answers 503.</summary>
    [Range(1, 10_000_000)]
    public int PartitionCapacity { get; set; } = 20_000;

    /// <summary>Overrides host.json <c>extensions.eventHubs.maxEventBatchSize</c> when set.</summary>
    [Range(1, 100_000)]
    public int? MaxEventBatchSize { get; set; }

    /// <summary>Overrides host.json <c>extensions.eventHubs.maxWaitTime</c> when set.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:10:00")]
    public TimeSpan? MaxWaitTime { get; set; }

    /// <summary>The host.json to read; null looks beside the app (it is linked into the output).</summary>
    public string? HostJsonPath { get; set; }

    /// <summary>The Retry-After (seconds) of a 503 from a full partition.</summary>
    [Range(1, 3600)]
    public int RetryAfterSeconds { get; set; } = 1;

    /// <summary>Largest request body in bytes (Kestrel's limit and the ingest's own).</summary>
    [Range(1024, 256 * 1024 * 1024)]
    public long MaxRequestBytes { get; set; } = 4 * 1024 * 1024;

    /// <summary>How many recent anomalies <c>GET /api/anomalies</c> keeps in memory.</summary>
    [Range(1, 1_000_000)]
    public int RecentAnomalies { get; set; } = 1000;

    /// <summary>Write every accepted event to capture (Event Hubs Capture's Avro layout), in files per partition and window.</summary>
    public bool Capture { get; set; } = true;

    /// <summary>Most events in one capture file of a partition (Event Hubs Capture's size window).</summary>
    [Range(1, 10_000_000)]
    public int CaptureMaxEvents { get; set; } = 20_000;

    /// <summary>Longest an accepted event waits before its capture file is written (Event Hubs Capture's time window).</summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "00:15:00")]
    public TimeSpan CaptureWindow { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Longest a scored anomaly waits before the anomalies sink writes it (one page per interval; 0 writes per batch).</summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:05:00")]
    public TimeSpan AnomalyFlushInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Most anomalies buffered before a batch must write them itself (bounds memory when storage is down).</summary>
    [Range(1, 10_000_000)]
    public int AnomalyBufferLimit { get; set; } = 200_000;

    /// <summary>Longest a dead letter waits before the dead-letter sink writes it (one page per interval; 0 writes per batch).</summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:05:00")]
    public TimeSpan DeadLetterFlushInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Most dead-letter bytes buffered (payloads and details) before a batch must write them itself.</summary>
    [Range(1L, 4_294_967_296L)]
    public long DeadLetterBufferBytes { get; set; } = 32L * 1024 * 1024;

    /// <summary>Train, register and promote an initial model when the registry has no champion for <c>Scoring:ModelName</c>.</summary>
    public bool BootstrapModel { get; set; } = true;

    /// <summary>The model type of the initial model (<c>ridge-residual</c> by default, or <c>pca-t2q</c>).</summary>
    [AllowedValues(ResidualDetectorTrainer.ModelType, PcaDetectorTrainer.ModelType)]
    public string BootstrapModelType { get; set; } = DetectorTrainers.DefaultModelType;

    /// <summary>Simulated normal readings the initial model is trained on.</summary>
    [Range(1000, 10_000_000)]
    public int BootstrapReadings { get; set; } = 20_000;

    /// <summary>Stop by itself after this many seconds (command line <c>--duration</c>), print the run summary and exit.</summary>
    [Range(0.1, 31_536_000)]
    public double? DurationSeconds { get; set; }

    /// <summary>Stream the simulated fleet (section <c>Simulator</c>) into this host's own ingest (command line <c>--no-simulator</c> turns it off).</summary>
    public bool Simulator { get; set; } = true;

    /// <summary>Readings per second the built-in simulator sends (in total, over the whole fleet).</summary>
    [Range(1, 10_000_000)]
    public double SimulatorReadingsPerSecond { get; set; } = 2000;

    /// <summary>Readings per request the built-in simulator sends (as NDJSON).</summary>
    [Range(1, 100_000)]
    public int SimulatorBatchSize { get; set; } = 100;

    /// <summary>How often live progress is printed while the simulator runs.</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "01:00:00")]
    public TimeSpan ProgressInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// In a <c>--duration</c> run with the built-in fleet, start a sustained drift of part of the fleet after the first
    /// third of the run (unless <c>Simulator:DriftStart</c> is configured), so the run shows drift → retrain → promote.
    /// </summary>
    public bool DemoDrift { get; set; } = true;
}
