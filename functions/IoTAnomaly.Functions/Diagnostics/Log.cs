using Microsoft.Extensions.Logging;

namespace IoTAnomaly.Functions.Diagnostics;

/// <summary>Log messages of the Functions app (event ids 4000–4999).</summary>
internal static partial class Log
{
    [LoggerMessage(EventId = 4000, Level = LogLevel.Debug, Message = "Partition {PartitionId}: {Received} readings, {Scored} scored, {Rejected} rejected, {Anomalies} anomalies (model {ModelVersion})")]
    public static partial void BatchScored(ILogger logger, string? partitionId, int received, int scored, int rejected, int anomalies, string? modelVersion);

    [LoggerMessage(EventId = 4001, Level = LogLevel.Warning, Message = "Scoring a batch of {Events} events from partition {PartitionId} failed after the sinks' own retries; the host's retry policy re-runs the batch")]
    public static partial void BatchFailed(ILogger logger, int events, string? partitionId, Exception exception);

    [LoggerMessage(EventId = 4100, Level = LogLevel.Information, Message = "Drift timer fired (past due: {IsPastDue}); no model is loaded yet, nothing checked")]
    public static partial void DriftSkippedNoModel(ILogger logger, bool isPastDue);

    [LoggerMessage(EventId = 4101, Level = LogLevel.Warning, Message = "Flushing the drift sketches failed; the window is kept for the next flush")]
    public static partial void DriftFlushFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 4200, Level = LogLevel.Information, Message = "Retraining {InstanceId} started ({Reason}, requested by {RequestedBy}, dry run {DryRun}, mode {Mode})")]
    public static partial void RetrainingStarted(ILogger logger, string instanceId, string reason, string requestedBy, bool dryRun, string mode);

    [LoggerMessage(EventId = 4201, Level = LogLevel.Information, Message = "Retraining {InstanceId} not started: {Reason}")]
    public static partial void RetrainingNotStarted(ILogger logger, string instanceId, string? reason);

    [LoggerMessage(EventId = 4202, Level = LogLevel.Information, Message = "Retraining {InstanceId} finished: {Decision} (challenger {ChallengerVersion}). {Reason}")]
    public static partial void RetrainingCompleted(ILogger logger, string instanceId, string decision, string? challengerVersion, string reason);

    [LoggerMessage(EventId = 4203, Level = LogLevel.Error, Message = "Retraining {InstanceId} failed")]
    public static partial void RetrainingFailed(ILogger logger, string instanceId, Exception exception);

    [LoggerMessage(EventId = 4204, Level = LogLevel.Information, Message = "Retraining {InstanceId}: approval decision {Approved} by {By} delivered")]
    public static partial void ApprovalRaised(ILogger logger, string instanceId, bool approved, string by);

    [LoggerMessage(EventId = 4300, Level = LogLevel.Information, Message = "Model {Model} rolled back to {Version} by {Actor}")]
    public static partial void ModelRolledBack(ILogger logger, string model, string version, string actor);
}
