using System.Buffers.Binary;
using System.Globalization;
using System.Text;
using IoTAnomaly.Core.Processing;
using IoTAnomaly.Infrastructure.Diagnostics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace IoTAnomaly.Infrastructure.Sinks;

/// <summary>
/// <see cref="IDeadLetterSink"/> on Blob Storage, in pages (<see cref="BlobPages{T, TKey}"/>): one write stores its
/// dead letters as one NDJSON blob per UTC hour of <see cref="DeadLetterRecord.ReceivedAt"/> at
/// <c>{yyyy}/{MM}/{dd}/{HH}/{hash}.ndjson</c> in the dead-letters container (at most
/// <see cref="SinkOptions.MaxPageRecords"/> records a page). A record's identity is a hash of its reason, device id,
/// message id and payload; <c>hash</c> covers the page's identities, and pages are created once (If-None-Match: *), so
/// a redelivered batch within the hour stores nothing twice. Every read returns an identity once (the record of the
/// page written first), so a rejection redelivered later, or batched differently, is stored again but read once.
/// The payload is stored exactly as given (Core has already capped its size). Blobs of the earlier
/// one-blob-per-record layout (<c>{yyyy}/{MM}/{dd}/{HH}/{reason}/{hash}.json</c>, metadata <c>receivedat</c>) are
/// read as pages of one record. One page per write instead of one blob per rejected reading: a storm of bad input
/// costs one storage request per batch, not one per reading. Failures propagate.
/// </summary>
public sealed class BlobDeadLetterSink : IDeadLetterSink
{
    internal const string ReceivedKey = "receivedat";
    private const ulong Seed = 0x646C7174;

    private static readonly PageFormat<DeadLetterRecord, ulong> Format = new(
        SinkJsonContext.Default.DeadLetterRecord,
        Seed,
        ReceivedKey,
        d => d.ReceivedAt.UtcTicks,
        ContentHash,
        Comparer<ulong>.Default,
        static (buffer, hash) =>
        {
            BinaryPrimitives.WriteUInt64LittleEndian(buffer.GetSpan(8), hash);
            buffer.Advance(8);
        });

    private readonly BlobWriteOnce _blobs;
    private readonly BlobPages<DeadLetterRecord, ulong> _pages;
    private readonly ILogger _logger;

    /// <param name="container">The dead-letters container.</param>
    /// <param name="options">Write parallelism and page size; null uses the defaults.</param>
    /// <param name="logger">Logger; null logs nothing.</param>
    /// <param name="createContainer">Create the container on the first write when it is missing.</param>
    public BlobDeadLetterSink(Azure.Storage.Blobs.BlobContainerClient container, SinkOptions? options = null, ILogger<BlobDeadLetterSink>? logger = null, bool createContainer = true)
    {
        _blobs = new BlobWriteOnce(container, createContainer);
        _pages = new BlobPages<DeadLetterRecord, ulong>(_blobs, options ?? new SinkOptions(), Format);
        _logger = (ILogger?)logger ?? NullLogger.Instance;
    }

    public Azure.Storage.Blobs.BlobContainerClient Container => _blobs.Container;

    /// <summary>
    /// The blob name of a page holding exactly <paramref name="page"/> (dead letters received in one hour, any order):
    /// stable for the same set of reasons, device ids, message ids and payloads.
    /// </summary>
    public static string PageName(IReadOnlyList<DeadLetterRecord> page)
    {
        ArgumentNullException.ThrowIfNull(page);
        ArgumentOutOfRangeException.ThrowIfZero(page.Count);
        return Format.PageName(BlobNames.Hour(page[0].ReceivedAt), page);
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

        var created = await _pages.WriteAsync(records, d => BlobNames.Hour(d.ReceivedAt), cancellationToken);
        Log.SinkBatchWritten(_logger, "dead-letters", records.Count, created, records.Count - created);
    }

    /// <summary>
    /// The most recent dead letters received in [<paramref name="from"/>, <paramref name="to"/>], newest first, at most
    /// <paramref name="max"/>, optionally of one device.
    /// </summary>
    public Task<IReadOnlyList<DeadLetterRecord>> QueryAsync(DateTimeOffset from, DateTimeOffset to, string? deviceId, int max, CancellationToken cancellationToken)
        => QueryAsync(from, to, deviceId, reason: null, max, cancellationToken);

    /// <summary>
    /// The most recent dead letters received in [<paramref name="from"/>, <paramref name="to"/>], newest first (ties by
    /// device id, message id, reason), at most <paramref name="max"/>, optionally of one device and/or one reason code
    /// (e.g. <c>malformed-json</c>), each reason + device id + message id + payload once.
    /// </summary>
    public async Task<IReadOnlyList<DeadLetterRecord>> QueryAsync(DateTimeOffset from, DateTimeOffset to, string? deviceId, string? reason, int max, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(max);
        if (max == 0 || to < from)
        {
            return [];
        }

        var days = (await _blobs.ExistingDaysNewestFirstAsync(from, to, cancellationToken)).Select(d => BlobNames.Day(d) + "/");
        Func<DeadLetterRecord, bool>? filter = deviceId is null && reason is null
            ? null
            : d => (deviceId is null || string.Equals(d.DeviceId, deviceId, StringComparison.Ordinal))
                   && (reason is null || string.Equals(d.Reason, reason, StringComparison.Ordinal));
        var kept = await _pages.KeepNewestAsync(days, from.UtcTicks, to.UtcTicks, filter, max, cancellationToken);
        return kept.Values.Select(k => k.Record)
            .OrderByDescending(d => d.ReceivedAt.UtcTicks)
            .ThenBy(d => d.DeviceId, StringComparer.Ordinal)
            .ThenBy(d => d.MessageId, StringComparer.Ordinal)
            .ThenBy(d => d.Reason, StringComparer.Ordinal)
            .Take(max)
            .ToList();
    }
}
