using System.Buffers;
using System.Text;
using IoTAnomaly.Core.Processing;
using IoTAnomaly.Infrastructure.Diagnostics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace IoTAnomaly.Infrastructure.Sinks;

/// <summary>
/// <see cref="IAnomalySink"/> on Blob Storage, in pages (<see cref="BlobPages{T, TKey}"/>): one write stores its
/// anomalies as NDJSON blobs at <c>{yyyy}/{MM}/{dd}/{hash}.ndjson</c> in the anomalies container, one page per UTC day
/// of the readings' timestamps (and at most <see cref="SinkOptions.MaxPageRecords"/> records), records sorted by device
/// id and message id. <c>hash</c> is the hex of a stable 64-bit hash of the page's (device id, message id) keys, and
/// pages are created with If-None-Match: *, so a redelivered batch stores nothing twice (409/412 means "already
/// stored": the first write wins). Metadata <c>mints</c>/<c>maxts</c> hold the page's reading-time range in ticks,
/// <c>count</c> its records and <c>written</c> when it was written, so queries pick pages from a listing. A reading
/// stored twice in different pages (a redelivery batched differently) is returned once by every read: reads are
/// idempotent on device id + message id, keeping the record of the page created first. Blobs of the earlier
/// one-blob-per-anomaly layout (<c>{yyyy}/{MM}/{dd}/{deviceId}/{hash}.json</c>, metadata <c>timestamp</c>) are read
/// as pages of one record. One page per write instead of one blob per anomaly: a busy fleet's false alarms no longer
/// cost one storage request each. Any storage failure propagates (the batch handler retries and then redelivers the batch).
/// </summary>
public sealed class BlobAnomalySink : IAnomalySink
{
    internal const string TimestampKey = "timestamp";
    private const ulong PageSeed = 0x616E6F6D;

    private static readonly PageFormat<AnomalyRecord, (string, string)> Format = new(
        SinkJsonContext.Default.AnomalyRecord,
        PageSeed,
        TimestampKey,
        a => a.Timestamp.UtcTicks,
        a => (a.DeviceId, a.MessageId),
        Comparer<(string DeviceId, string MessageId)>.Create(static (x, y) =>
        {
            var byDevice = string.CompareOrdinal(x.DeviceId, y.DeviceId);
            return byDevice != 0 ? byDevice : string.CompareOrdinal(x.MessageId, y.MessageId);
        }),
        static (buffer, key) =>
        {
            AppendDelimited(buffer, key.Item1);
            AppendDelimited(buffer, key.Item2);
        });

    private readonly BlobWriteOnce _blobs;
    private readonly BlobPages<AnomalyRecord, (string, string)> _pages;
    private readonly ILogger _logger;

    /// <param name="container">The anomalies container.</param>
    /// <param name="options">Write parallelism and page size; null uses the defaults.</param>
    /// <param name="logger">Logger; null logs nothing.</param>
    /// <param name="createContainer">Create the container on the first write when it is missing.</param>
    public BlobAnomalySink(Azure.Storage.Blobs.BlobContainerClient container, SinkOptions? options = null, ILogger<BlobAnomalySink>? logger = null, bool createContainer = true)
    {
        _blobs = new BlobWriteOnce(container, createContainer);
        _pages = new BlobPages<AnomalyRecord, (string, string)>(_blobs, options ?? new SinkOptions(), Format);
        _logger = (ILogger?)logger ?? NullLogger.Instance;
    }

    public Azure.Storage.Blobs.BlobContainerClient Container => _blobs.Container;

    /// <summary>
    /// The blob name of a page holding exactly <paramref name="page"/> (records of one reading day, any order): stable
    /// for the same set of device id + message id keys.
    /// </summary>
    public static string PageName(IReadOnlyList<AnomalyRecord> page)
    {
        ArgumentNullException.ThrowIfNull(page);
        ArgumentOutOfRangeException.ThrowIfZero(page.Count);
        return Format.PageName(BlobNames.Day(page[0].Timestamp), page);
    }

    public async Task WriteAsync(IReadOnlyList<AnomalyRecord> anomalies, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(anomalies);
        if (anomalies.Count == 0)
        {
            return;
        }

        var created = await _pages.WriteAsync(anomalies, a => BlobNames.Day(a.Timestamp), cancellationToken);
        Log.SinkBatchWritten(_logger, "anomalies", anomalies.Count, created, anomalies.Count - created);
    }

    /// <summary>
    /// The most recent anomalies whose reading timestamp lies in [<paramref name="from"/>, <paramref name="to"/>],
    /// newest first (ties by device id, then message id), at most <paramref name="max"/>, optionally of one device,
    /// each device id + message id once. Walks the days newest first and, within a day, downloads pages in order of
    /// their newest reading until no further page can hold a newer record than the page already has.
    /// </summary>
    public async Task<IReadOnlyList<AnomalyRecord>> QueryAsync(DateTimeOffset from, DateTimeOffset to, string? deviceId, int max, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(max);
        if (max == 0 || to < from)
        {
            return [];
        }

        var days = (await _blobs.ExistingDaysNewestFirstAsync(from, to, cancellationToken)).Select(d => BlobNames.Day(d) + "/");
        Func<AnomalyRecord, bool>? filter = deviceId is null ? null : a => string.Equals(a.DeviceId, deviceId, StringComparison.Ordinal);
        var kept = await _pages.KeepNewestAsync(days, from.UtcTicks, to.UtcTicks, filter, max, cancellationToken);
        return kept.Values.Select(k => k.Record)
            .OrderByDescending(r => r.Timestamp.UtcTicks)
            .ThenBy(r => r.DeviceId, StringComparer.Ordinal)
            .ThenBy(r => r.MessageId, StringComparer.Ordinal)
            .Take(max)
            .ToList();
    }

    /// <summary>
    /// Every stored anomaly whose reading timestamp lies in [<paramref name="from"/>, <paramref name="to"/>], each device
    /// id + message id once (the retraining's exclusion list). Nothing when the container does not exist.
    /// </summary>
    public async Task<IReadOnlyDictionary<(string DeviceId, string MessageId), AnomalyRecord>> ReadAllAsync(DateTimeOffset from, DateTimeOffset to, CancellationToken cancellationToken)
    {
        if (to < from)
        {
            return new Dictionary<(string, string), AnomalyRecord>();
        }

        var days = (await _blobs.ExistingDaysNewestFirstAsync(from, to, cancellationToken)).Select(d => BlobNames.Day(d) + "/");
        var kept = await _pages.KeepNewestAsync(days, from.UtcTicks, to.UtcTicks, filter: null, int.MaxValue, cancellationToken);
        return kept.ToDictionary(k => k.Key, k => k.Value.Record);
    }

    /// <summary>UTF-8 text and a 0 byte (the page-name hash's key delimiter).</summary>
    internal static void AppendDelimited(ArrayBufferWriter<byte> buffer, string text)
    {
        var span = buffer.GetSpan(Encoding.UTF8.GetMaxByteCount(text.Length) + 1);
        var written = Encoding.UTF8.GetBytes(text, span);
        span[written] = 0;
        buffer.Advance(written + 1);
    }
}
