using Microsoft.Extensions.Logging;

namespace IoTAnomaly.Infrastructure.Diagnostics;

/// <summary>Sinks 2500–2509, capture 2510–2519 (this part of <see cref="Log"/> lives beside the code it serves).</summary>
internal static partial class Log
{
    [LoggerMessage(EventId = 2500, Level = LogLevel.Debug, Message = "Sink {Sink}: {Count} records, {Created} stored, {Existing} already stored")]
    public static partial void SinkBatchWritten(ILogger logger, string sink, int count, int created, int existing);

    [LoggerMessage(EventId = 2510, Level = LogLevel.Debug, Message = "Captured {Count} events of partition {PartitionId} to {BlobName}")]
    public static partial void CaptureWritten(ILogger logger, int count, string partitionId, string blobName);

    [LoggerMessage(EventId = 2511, Level = LogLevel.Debug, Message = "Capture blob {BlobName} exists; trying the next name")]
    public static partial void CaptureNameTaken(ILogger logger, string blobName);

    [LoggerMessage(EventId = 2512, Level = LogLevel.Warning, Message = "Skipped capture blob {BlobName}: not a readable Event Hubs Capture Avro file")]
    public static partial void CaptureBlobUnreadable(ILogger logger, string blobName, Exception exception);
}
