using System.Globalization;
using System.Text;
using IoTAnomaly.Core.Processing;
using IoTAnomaly.Infrastructure.Diagnostics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace IoTAnomaly.Infrastructure.Sinks;

/// <summary>
/// <see cref="IDeadLetterSink"/> on Blob Storage: one JSON blob per rejected reading at
/// <c>{yyyy}/{MM}/{dd}/{HH}/{reason}/{hash}.json</c> in the dead-letters container (hour of <see cref="DeadLetterRecord.ReceivedAt"/>,
/// UTC), where <c>hash</c> covers reason, device id, message id and payload, so a redelivered rejection within the
/// same hour is stored once (If-None-Match: *; a 409/412 means "already stored"). A replay that lands in a later hour
/// is stored again under that hour: at-least-once, never lost. The payload is stored exactly as given (Core has already
/// capped its size). Failures propagate.
/// </summary>
public sealed class BlobDeadLetterSink : IDeadLetterSink
{
    internal const string ReceivedKey = "receivedat";
    internal const string DeviceKey = "deviceid";
    internal const string ReasonKey = "reason";
    private const ulong Seed = 0x646C7174;

    private readonly BlobWriteOnce _blobs;
    private readonly SinkOptions _options;
    private readonly ILogger _logger;

    /// <param name="container">The dead-letters container.</param>
    /// <param name="options">Write parallelism; null uses the defaults.</param>
    /// <param name="logger">Logger; null logs nothing.</param>
    /// <param name="createContainer">Create the container on the first write when it is missing.</param>
    public BlobDeadLetterSink(Azure.Storage.Blobs.BlobContainerClient container, SinkOptions? options = null, ILogger<BlobDeadLetterSink>? logger = null, bool createContainer = true)
    {
        _blobs = new BlobWriteOnce(container, createContainer);
        _options = options ?? new SinkOptions();
        _logger = (ILogger?)logger ?? NullLogger.Instance;
    }

    public Azure.Storage.Blobs.BlobContainerClient Container => _blobs.Container;

    /// <summary>The blob name of a dead letter (stable for the same reason, device, message id, payload and hour).</summary>
    public static string BlobName(DeadLetterRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        return $"{BlobNames.Hour(record.ReceivedAt)}/{BlobNames.Segment(record.Reason)}/{BlobNames.Hex(ContentHash(record))}.json";
    }

    /// <summary>Hash of (reason, device id, message id, payload), each length-prefixed so fields cannot run together.</summary>
    internal static ulong ContentHash(DeadLetterRecord record)
    {
        var sb = new StringBuilder(record.Payload.Length + 128);
        Append(sb, record.Reason);
        Append(sb, record.DeviceId ?? "\0null");
        Append(sb, record.MessageId);
        Append(sb, record.Payload);
        return BlobNames.Hash(sb.ToString(), Seed);

        static void Append(StringBuilder sb, string value)
            => sb.Append(value.Length.ToString(CultureInfo.InvariantCulture)).Append(':').Append(value).Append('\n');
    }

    public async Task WriteAsync(IReadOnlyList<DeadLetterRecord> records, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(records);
        if (records.Count == 0)
        {
            return;
        }

        var created = await _blobs.CreateAllAsync(records, SinkJsonContext.Default.DeadLetterRecord, BlobName, Metadata, _options.MaxParallelWrites, cancellationToken);
        Log.SinkBatchWritten(_logger, "dead-letters", records.Count, created, records.Count - created);
    }

    /// <summary>
    /// The most recent dead letters received in [<paramref name="from"/>, <paramref name="to"/>], newest first, at most
    /// <paramref name="max"/>, optionally of one device.
    /// </summary>
    public Task<IReadOnlyList<DeadLetterRecord>> QueryAsync(DateTimeOffset from, DateTimeOffset to, string? deviceId, int max, CancellationToken cancellationToken)
        => QueryAsync(from, to, deviceId, reason: null, max, cancellationToken);

    /// <summary>
    /// The most recent dead letters received in [<paramref name="from"/>, <paramref name="to"/>], newest first, at most
    /// <paramref name="max"/>, optionally of one device and/or one reason code (e.g. <c>malformed-json</c>).
    /// </summary>
    public async Task<IReadOnlyList<DeadLetterRecord>> QueryAsync(DateTimeOffset from, DateTimeOffset to, string? deviceId, string? reason, int max, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(max);
        if (max == 0 || to < from)
        {
            return [];
        }

        var device = deviceId is null ? null : BlobNames.Segment(deviceId);
        var reasonSegment = reason is null ? null : BlobNames.Segment(reason);
        var picked = new List<(long Ticks, string Name)>();
        foreach (var day in await _blobs.ExistingDaysNewestFirstAsync(from, to, cancellationToken))
        {
            await foreach (var item in _blobs.ListAsync(BlobNames.Day(day) + "/", cancellationToken))
            {
                if (!BlobWriteOnce.TryGetTicks(item, ReceivedKey, out var ticks) || ticks < from.UtcTicks || ticks > to.UtcTicks)
                {
                    continue;
                }

                if (device is not null && !(item.Metadata.TryGetValue(DeviceKey, out var d) && string.Equals(d, device, StringComparison.Ordinal)))
                {
                    continue;
                }

                if (reasonSegment is not null && !(item.Metadata.TryGetValue(ReasonKey, out var r) && string.Equals(r, reasonSegment, StringComparison.Ordinal)))
                {
                    continue;
                }

                picked.Add((ticks, item.Name));
            }

            if (picked.Count >= max)
            {
                break;
            }
        }

        return await _blobs.DownloadNewestAsync(picked, max, SinkJsonContext.Default.DeadLetterRecord, _options.MaxParallelWrites, cancellationToken);
    }

    private static Dictionary<string, string> Metadata(DeadLetterRecord record)
    {
        var metadata = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            [ReceivedKey] = BlobWriteOnce.Ticks(record.ReceivedAt),
            [ReasonKey] = BlobNames.Segment(record.Reason),
        };
        if (record.DeviceId is not null)
        {
            metadata[DeviceKey] = BlobNames.Segment(record.DeviceId);
        }

        return metadata;
    }
}
