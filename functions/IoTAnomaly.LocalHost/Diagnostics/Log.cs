namespace IoTAnomaly.LocalHost.Diagnostics;

/// <summary>
/// Every log message of the local host (event ids 3000–3999). Storage 3000–3009, ingest 3010–3029,
/// security 3030–3039, main job (bootstrap, simulator, summary) 3040–3069.
/// </summary>
internal static partial class Log
{
    [LoggerMessage(EventId = 3000, Level = LogLevel.Information, Message = "Storage: using Azurite already listening on {Endpoint}")]
    public static partial void UsingRunningAzurite(ILogger logger, string endpoint);

    [LoggerMessage(EventId = 3001, Level = LogLevel.Information, Message = "Storage: nothing listens on {Endpoint}; started Azurite (pid {ProcessId}) on blob port {BlobPort}")]
    public static partial void StartedAzurite(ILogger logger, string endpoint, int processId, int blobPort);

    [LoggerMessage(EventId = 3002, Level = LogLevel.Information, Message = "Storage: stopped the Azurite this host started (pid {ProcessId})")]
    public static partial void StoppedAzurite(ILogger logger, int processId);

    [LoggerMessage(EventId = 3010, Level = LogLevel.Information, Message = "Ingest: {Partitions} partitions of {Capacity} events, batches of up to {MaxBatch} events or {MaxWaitMs} ms (host.json: {HostJson})")]
    public static partial void IngestConfigured(ILogger logger, int partitions, int capacity, int maxBatch, double maxWaitMs, string hostJson);

    [LoggerMessage(EventId = 3011, Level = LogLevel.Warning, Message = "Partition {Partition}: batch of {Events} events failed (attempt {Attempt}); retrying in {DelayMs} ms")]
    public static partial void BatchRetry(ILogger logger, int partition, int events, int attempt, double delayMs, Exception exception);

    [LoggerMessage(EventId = 3012, Level = LogLevel.Information, Message = "Partition {Partition}: batch succeeded after {Attempts} attempts")]
    public static partial void BatchRecovered(ILogger logger, int partition, int attempts);

    [LoggerMessage(EventId = 3013, Level = LogLevel.Information, Message = "Ingest drained: {Pending} events pending at stop")]
    public static partial void IngestDrained(ILogger logger, long pending);

    [LoggerMessage(EventId = 3014, Level = LogLevel.Error, Message = "Ingest stopped with {Pending} accepted events not processed (forced shutdown)")]
    public static partial void IngestAbandoned(ILogger logger, long pending);

    [LoggerMessage(EventId = 3015, Level = LogLevel.Warning, Message = "Partition {Partition}: capture write of {Events} events failed (attempt {Attempt}); retrying in {DelayMs} ms")]
    public static partial void CaptureRetry(ILogger logger, int partition, int events, int attempt, double delayMs, Exception exception);

    [LoggerMessage(EventId = 3016, Level = LogLevel.Information, Message = "First batch scored {ElapsedMs} ms after the process started (model {ModelVersion})")]
    public static partial void FirstBatchScored(ILogger logger, double elapsedMs, string? modelVersion);

    [LoggerMessage(EventId = 3017, Level = LogLevel.Warning, Message = "Sinks: writing {Records} buffered {Sink} failed (attempt {Attempt}); retrying in {DelayMs} ms")]
    public static partial void SinkFlushRetry(ILogger logger, int records, string sink, int attempt, double delayMs, Exception exception);

    [LoggerMessage(EventId = 3030, Level = LogLevel.Warning, Message = "Security:ApiKey is not configured: generated a random API key for this process (printed on the console)")]
    public static partial void GeneratedApiKey(ILogger logger);

    [LoggerMessage(EventId = 3040, Level = LogLevel.Information, Message = "Model {Model} has no champion: training an initial model on {Readings} simulated normal readings")]
    public static partial void BootstrapTraining(ILogger logger, string model, int readings);

    [LoggerMessage(EventId = 3041, Level = LogLevel.Information, Message = "Registered and promoted initial model {Model} version {Version} in {ElapsedMs} ms")]
    public static partial void BootstrapPromoted(ILogger logger, string model, string version, double elapsedMs);

    [LoggerMessage(EventId = 3042, Level = LogLevel.Warning, Message = "Another process promoted a champion of {Model} first; using it")]
    public static partial void BootstrapLostRace(ILogger logger, string model);

    [LoggerMessage(EventId = 3043, Level = LogLevel.Error, Message = "Could not bootstrap a model for {Model}; retrying")]
    public static partial void BootstrapFailed(ILogger logger, string model, Exception exception);

    [LoggerMessage(EventId = 3050, Level = LogLevel.Information, Message = "Simulator: streaming {Devices} devices at {Rate} readings/s to {Target}")]
    public static partial void SimulatorStarted(ILogger logger, int devices, double rate, string target);

    [LoggerMessage(EventId = 3051, Level = LogLevel.Warning, Message = "Simulator: send failed ({Status}); resending the same batch")]
    public static partial void SimulatorSendFailed(ILogger logger, string status, Exception? exception);

    [LoggerMessage(EventId = 3052, Level = LogLevel.Information, Message = "Run of {Seconds} s finished; draining the ingest")]
    public static partial void RunFinished(ILogger logger, double seconds);
}
