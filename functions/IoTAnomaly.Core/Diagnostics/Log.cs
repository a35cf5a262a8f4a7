using Microsoft.Extensions.Logging;

namespace IoTAnomaly.Core;

/// <summary>Core's log messages. Event ids 1000–1999.</summary>
internal static partial class Log
{
    [LoggerMessage(EventId = 1001, Level = LogLevel.Warning, Message = "Writing to the {Sink} sink failed (attempt {Attempt}); retrying")]
    public static partial void SinkWriteRetry(ILogger logger, string sink, int attempt, Exception exception);

    [LoggerMessage(EventId = 1100, Level = LogLevel.Information, Message = "Retraining {InstanceId} finished: {Decision} (challenger {ChallengerVersion}). {Reason}")]
    public static partial void RetrainingCompleted(ILogger logger, string instanceId, string decision, string? challengerVersion, string reason);

    [LoggerMessage(EventId = 1101, Level = LogLevel.Error, Message = "Retraining {InstanceId} failed")]
    public static partial void RetrainingFailed(ILogger logger, string instanceId, Exception exception);

    [LoggerMessage(EventId = 1102, Level = LogLevel.Warning, Message = "Retraining {InstanceId} was left running by a previous process; marked Interrupted")]
    public static partial void RetrainingInterrupted(ILogger logger, string instanceId);

    [LoggerMessage(EventId = 1103, Level = LogLevel.Warning, Message = "Could not save the status of retraining {InstanceId}")]
    public static partial void RetrainingStatusNotSaved(ILogger logger, string instanceId, Exception exception);

    [LoggerMessage(EventId = 1201, Level = LogLevel.Warning, Message = "Flushing drift sketches failed; the window is kept for the next flush")]
    public static partial void DriftFlushFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 1200, Level = LogLevel.Information, Message = "Drift check of {Model} {ModelVersion}: {Verdict} over {Samples} readings; max PSI {MaxPsi:F3} ({Sensor}); anomaly rate {AnomalyRate:P2}; action {Action}")]
    public static partial void DriftChecked(ILogger logger, string model, string modelVersion, string verdict, long samples, double maxPsi, string? sensor, double anomalyRate, string? action);
}
