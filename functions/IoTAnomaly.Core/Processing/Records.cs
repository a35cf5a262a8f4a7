using IoTAnomaly.Core.Detection;
using IoTAnomaly.Core.Telemetry;

namespace IoTAnomaly.Core.Processing;

/// <summary>One sensor's share of an anomaly score.</summary>
public sealed record SensorContribution(string Sensor, double Share, double Value);

/// <summary>
/// An anomalous reading as the anomalies sink stores it. Idempotent key: <see cref="DeviceId"/> + <see cref="MessageId"/>.
/// </summary>
public sealed record AnomalyRecord(
    string DeviceId,
    string MessageId,
    DateTimeOffset Timestamp,
    string ModelVersion,
    double Score,
    double T2,
    double Q,
    Severity Severity,
    IReadOnlyList<SensorContribution> TopContributors,
    QualityFlags Quality,
    DateTimeOffset DetectedAt,
    string? PartitionId)
{
    /// <summary>Stable key for idempotent sinks.</summary>
    public string Key => DeviceId + "/" + MessageId;
}

/// <summary>A rejected reading (or unparseable body part) with its reason, as the dead-letter sink stores it.</summary>
public sealed record DeadLetterRecord(
    string Reason,
    string Detail,
    string? DeviceId,
    string MessageId,
    string Payload,
    DateTimeOffset ReceivedAt,
    string? PartitionId,
    long? EventSequenceNumber,
    int PositionInEvent);

/// <summary>Stores anomalies. Must be idempotent on device id + message id (delivery is at least once).</summary>
public interface IAnomalySink
{
    Task WriteAsync(IReadOnlyList<AnomalyRecord> anomalies, CancellationToken cancellationToken);
}

/// <summary>Stores rejected readings with their reasons. Must be idempotent on (reason, message key).</summary>
public interface IDeadLetterSink
{
    Task WriteAsync(IReadOnlyList<DeadLetterRecord> records, CancellationToken cancellationToken);
}

/// <summary>Outcome of one batch.</summary>
public sealed class BatchResult
{
    public int Received { get; init; }

    public int Scored { get; init; }

    public int Rejected { get; init; }

    public required string? ModelVersion { get; init; }

    public required IReadOnlyList<AnomalyRecord> Anomalies { get; init; }

    public required IReadOnlyList<DeadLetterRecord> DeadLetters { get; init; }

    /// <summary>Rejections by reason code.</summary>
    public required IReadOnlyDictionary<string, int> RejectedByReason { get; init; }
}
