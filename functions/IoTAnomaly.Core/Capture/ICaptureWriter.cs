namespace IoTAnomaly.Core.Capture;

/// <summary>An accepted event as Event Hubs Capture records it.</summary>
public sealed record CapturedEvent(
    long SequenceNumber,
    long Offset,
    DateTimeOffset EnqueuedTimeUtc,
    ReadOnlyMemory<byte> Body,
    IReadOnlyDictionary<string, string> Properties,
    IReadOnlyDictionary<string, string> SystemProperties);

/// <summary>
/// Writes accepted events in Event Hubs Capture's Avro layout (the local stand-in for Capture; in Azure, Capture
/// itself writes these files). Path: <c>{namespace}/{eventHub}/{partitionId}/{yyyy}/{MM}/{dd}/{HH}/{mm}/{ss}.avro</c>.
/// </summary>
public interface ICaptureWriter
{
    Task WriteAsync(string partitionId, IReadOnlyList<CapturedEvent> events, CancellationToken cancellationToken);
}

/// <summary>Reads captured events back (the retraining history), oldest first, within a time window.</summary>
public interface ICaptureReader
{
    IAsyncEnumerable<CapturedEvent> ReadAsync(DateTimeOffset from, DateTimeOffset to, CancellationToken cancellationToken);
}
