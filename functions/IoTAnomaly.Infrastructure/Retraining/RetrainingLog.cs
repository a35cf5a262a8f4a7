using Microsoft.Extensions.Logging;

namespace IoTAnomaly.Infrastructure.Diagnostics;

/// <summary>Drift stores 2700–2719, retraining stores and activities 2720–2799 (this part of <see cref="Log"/> lives beside the code it serves).</summary>
internal static partial class Log
{
    [LoggerMessage(EventId = 2700, Level = LogLevel.Debug, Message = "Saved drift sketches of model {Model} version {Version} to {BlobName} ({Devices} devices, {Scored} scored)")]
    public static partial void SketchSetSaved(ILogger logger, string model, string version, string blobName, int devices, long scored);

    [LoggerMessage(EventId = 2701, Level = LogLevel.Debug, Message = "Loaded {Count} drift sketch sets of model {Model} for [{From}, {To}] from {Blobs} blobs")]
    public static partial void SketchSetsLoaded(ILogger logger, int count, string model, DateTimeOffset from, DateTimeOffset to, int blobs);

    [LoggerMessage(EventId = 2702, Level = LogLevel.Warning, Message = "Skipped drift sketch blob {BlobName}: not a readable sketch set")]
    public static partial void SketchSetUnreadable(ILogger logger, string blobName, Exception exception);

    [LoggerMessage(EventId = 2703, Level = LogLevel.Debug, Message = "Rolled {Count} drift sketch sets up into {BlobName}")]
    public static partial void SketchRollupWritten(ILogger logger, string blobName, int count);

    [LoggerMessage(EventId = 2704, Level = LogLevel.Warning, Message = "Could not write the drift sketch roll-up {BlobName}; the hour's sets are read one by one")]
    public static partial void SketchRollupNotWritten(ILogger logger, string blobName, Exception exception);

    [LoggerMessage(EventId = 2710, Level = LogLevel.Debug, Message = "Saved drift report of model {Model} ({Verdict}) to {BlobName}")]
    public static partial void DriftReportSaved(ILogger logger, string model, string verdict, string blobName);

    [LoggerMessage(EventId = 2720, Level = LogLevel.Debug, Message = "Retraining run {InstanceId} not started: a stored run is {Status}")]
    public static partial void RunStillActive(ILogger logger, string instanceId, string status);

    [LoggerMessage(EventId = 2721, Level = LogLevel.Information, Message = "Retraining run {InstanceId} lost the start race to another process")]
    public static partial void RunStartRaceLost(ILogger logger, string instanceId);

    [LoggerMessage(EventId = 2730, Level = LogLevel.Information, Message = "Retraining {InstanceId}: training window {DatasetId} has {Rows} rows ({TrainingRows} training, {HoldoutRows} holdout); excluded {Anomalies} anomalous and {Rejected} rejected readings. {Note}")]
    public static partial void TrainingWindowLoaded(ILogger logger, string instanceId, string datasetId, long rows, long trainingRows, long holdoutRows, long anomalies, long rejected, string note);

    [LoggerMessage(EventId = 2731, Level = LogLevel.Warning, Message = "Retraining {InstanceId}: the champion flagged {Share:P1} of the window (limit {Limit:P1}); excluding only data-quality flags")]
    public static partial void AnomalyExclusionFallback(ILogger logger, string instanceId, double share, double limit);

    [LoggerMessage(EventId = 2732, Level = LogLevel.Information, Message = "Retraining {InstanceId}: trained challenger {Version} on {Rows} rows in {ElapsedMs} ms")]
    public static partial void ChallengerTrained(ILogger logger, string instanceId, string version, long rows, long elapsedMs);

    [LoggerMessage(EventId = 2733, Level = LogLevel.Information, Message = "Retraining {InstanceId}: {Summary}; challenger better: {Better}")]
    public static partial void ChallengerEvaluated(ILogger logger, string instanceId, string summary, bool better);

    [LoggerMessage(EventId = 2734, Level = LogLevel.Information, Message = "Retraining {InstanceId}: challenger {Version} was already registered (activity retried)")]
    public static partial void ChallengerAlreadyRegistered(ILogger logger, string instanceId, string version);

    [LoggerMessage(EventId = 2735, Level = LogLevel.Information, Message = "Retraining {InstanceId}: challenger {Version} is champion (previous {PreviousVersion})")]
    public static partial void ChallengerPromoted(ILogger logger, string instanceId, string version, string? previousVersion);

    [LoggerMessage(EventId = 2736, Level = LogLevel.Information, Message = "Retraining {InstanceId}: challenger {Version} rejected: {Reason}")]
    public static partial void ChallengerRejected(ILogger logger, string instanceId, string version, string reason);

    [LoggerMessage(EventId = 2737, Level = LogLevel.Warning, Message = "Retraining {InstanceId}: not promoting {Version}: the champion changed from {ExpectedVersion} to {ActualVersion} since the evaluation")]
    public static partial void PromotionChampionChanged(ILogger logger, string instanceId, string version, string? expectedVersion, string? actualVersion);

    [LoggerMessage(EventId = 2740, Level = LogLevel.Information, Message = "Marked {Count} retraining runs left running by a previous process as interrupted")]
    public static partial void RunsRecovered(ILogger logger, int count);

    [LoggerMessage(EventId = 2741, Level = LogLevel.Warning, Message = "Could not check for retraining runs interrupted by a previous process")]
    public static partial void RunRecoveryFailed(ILogger logger, Exception exception);
}
