using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Json;
using IoTAnomaly.Core.Processing;
using IoTAnomaly.Core.Telemetry;
using IoTAnomaly.Infrastructure.Diagnostics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace IoTAnomaly.Infrastructure.Sinks;

/// <summary>
/// <see cref="IAnomalySink"/> on Blob Storage, in pages: one write stores its anomalies as NDJSON blobs at
/// <c>{yyyy}/{MM}/{dd}/{hash}.ndjson</c> in the anomalies container, one page per UTC day of the readings' timestamps
/// (and at most <see cref="SinkOptions.MaxPageRecords"/> records), records sorted by device id and message id.
/// <c>hash</c> is the hex of a stable 64-bit hash of the page's (device id, message id) keys, and pages are created
/// with If-None-Match: *, so a redelivered batch stores nothing twice (409/412 means "already stored": the first
/// write wins). Metadata <c>mints</c>/<c>maxts</c> hold the page's reading-time range in ticks and <c>count</c> its
/// records, and <c>written</c> when it was written, so queries pick pages from a listing. A reading stored twice in different pages (a redelivery batched
/// differently) is returned once by every read: reads are idempotent on device id + message id, keeping the record
/// of the page created first. Blobs of the earlier one-blob-per-anomaly layout
/// (<c>{yyyy}/{MM}/{dd}/{deviceId}/{hash}.json</c>, metadata <c>timestamp</c>) are read as pages of one record.
/// One page per write instead of one blob per anomaly: a busy fleet's false alarms no longer cost one storage request each.
/// Any storage failure propagates (the batch handler retries and then redelivers the batch).
/// </summary>
public sealed class BlobAnomalySink : IAnomalySink
{
    internal const string TimestampKey = "timestamp";
    internal const string MinTicksKey = "mints";
    internal const string MaxTicksKey = "maxts";
    internal const string CountKey = "count";
    internal const string WrittenKey = "written";
    private const ulong PageSeed = 0x616E6F6D;
    private const string PageContentType = "application/x-ndjson";

    private readonly BlobWriteOnce _blobs;
    private readonly SinkOptions _options;
    private readonly ILogger _logger;

    /// <param name="container">The anomalies container.</param>
    /// <param name="options">Write parallelism and page size; null uses the defaults.</param>
    /// <param name="logger">Logger; null logs nothing.</param>
    /// <param name="createContainer">Create the container on the first write when it is missing.</param>
    public BlobAnomalySink(Azure.Storage.Blobs.BlobContainerClient container, SinkOptions? options = null, ILogger<BlobAnomalySink>? logger = null, bool createContainer = true)
    {
        _blobs = new BlobWriteOnce(container, createContainer);
        _options = options ?? new SinkOptions();
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
        return NameOfSorted(Sorted(page));
    }

    public async Task WriteAsync(IReadOnlyList<AnomalyRecord> anomalies, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(anomalies);
        if (anomalies.Count == 0)
        {
            return;
        }

        var pages = new List<AnomalyRecord[]>();
        foreach (var day in anomalies.GroupBy(a => a.Timestamp.UtcDateTime.Date))
        {
            var sorted = Sorted(day.ToArray());
            for (var start = 0; start < sorted.Length; start += _options.MaxPageRecords)
            {
                pages.Add(sorted[start..Math.Min(sorted.Length, start + _options.MaxPageRecords)]);
            }
        }

        var created = 0;
        await Parallel.ForEachAsync(
            pages,
            new ParallelOptions { MaxDegreeOfParallelism = _options.MaxParallelWrites, CancellationToken = cancellationToken },
            async (page, ct) =>
            {
                var name = NameOfSorted(page);
                var metadata = new Dictionary<string, string>(StringComparer.Ordinal)
                {
                    [MinTicksKey] = page.Min(a => a.Timestamp.UtcTicks).ToString(CultureInfo.InvariantCulture),
                    [MaxTicksKey] = page.Max(a => a.Timestamp.UtcTicks).ToString(CultureInfo.InvariantCulture),
                    [CountKey] = page.Length.ToString(CultureInfo.InvariantCulture),
                    [WrittenKey] = BlobWriteOnce.Ticks(DateTimeOffset.UtcNow),
                };
                if (await _blobs.TryCreateAsync(name, Serialize(page), metadata, PageContentType, ct))
                {
                    Interlocked.Add(ref created, page.Length);
                }
            });

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

        var kept = new Dictionary<(string, string), Kept>();
        foreach (var day in await _blobs.ExistingDaysNewestFirstAsync(from, to, cancellationToken))
        {
            var pages = (await ListPagesAsync(day, from.UtcTicks, to.UtcTicks, cancellationToken))
                .OrderByDescending(p => p.MaxTicks).ThenBy(p => p.Name, StringComparer.Ordinal).ToList();
            for (var next = 0; next < pages.Count; next += _options.MaxParallelWrites)
            {
                // Days are disjoint in reading time, so what newer days kept counts here too.
                if (kept.Count >= max && NthNewestTicks(kept.Values, max) > pages[next].MaxTicks)
                {
                    break;
                }

                await KeepChunkAsync(pages, next, from.UtcTicks, to.UtcTicks, deviceId, kept, cancellationToken);
            }

            // Older days only hold older readings: stop once this day filled the page.
            if (kept.Count >= max)
            {
                break;
            }
        }

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
        var kept = new Dictionary<(string, string), Kept>();
        if (to < from)
        {
            return new Dictionary<(string, string), AnomalyRecord>();
        }

        foreach (var day in await _blobs.ExistingDaysNewestFirstAsync(from, to, cancellationToken))
        {
            var pages = await ListPagesAsync(day, from.UtcTicks, to.UtcTicks, cancellationToken);
            for (var start = 0; start < pages.Count; start += _options.MaxParallelWrites)
            {
                await KeepChunkAsync(pages, start, from.UtcTicks, to.UtcTicks, deviceId: null, kept, cancellationToken);
            }
        }

        return kept.ToDictionary(k => k.Key, k => k.Value.Record);
    }

    /// <summary>Records of one page blob (NDJSON; a blob of the earlier layout is one JSON object, which is one line).</summary>
    internal static List<AnomalyRecord> ParsePage(ReadOnlySpan<byte> content, string name)
    {
        var records = new List<AnomalyRecord>();
        while (!content.IsEmpty)
        {
            var end = content.IndexOf((byte)'\n');
            var line = end < 0 ? content : content[..end];
            content = end < 0 ? [] : content[(end + 1)..];
            if (line.Trim(" \t\r"u8).IsEmpty)
            {
                continue;
            }

            records.Add(JsonSerializer.Deserialize(line, SinkJsonContext.Default.AnomalyRecord)
                ?? throw new InvalidDataException($"Blob '{name}' holds a JSON null record."));
        }

        return records;
    }

    /// <summary>The page name of records already sorted by device id and message id.</summary>
    private static string NameOfSorted(AnomalyRecord[] sorted)
        => $"{BlobNames.Day(sorted[0].Timestamp)}/{BlobNames.Hex(KeysHash(sorted))}.ndjson";

    private static AnomalyRecord[] Sorted(IReadOnlyList<AnomalyRecord> records)
        => records.OrderBy(a => a.DeviceId, StringComparer.Ordinal).ThenBy(a => a.MessageId, StringComparer.Ordinal).ToArray();

    /// <summary>Hash of the sorted keys, each as UTF-8 device id, 0, message id, 0.</summary>
    private static ulong KeysHash(AnomalyRecord[] sorted)
    {
        var buffer = new ArrayBufferWriter<byte>(sorted.Length * 48);
        foreach (var record in sorted)
        {
            Append(buffer, record.DeviceId);
            Append(buffer, record.MessageId);
        }

        return Hash64.Compute(buffer.WrittenSpan, PageSeed);

        static void Append(ArrayBufferWriter<byte> buffer, string text)
        {
            var span = buffer.GetSpan(Encoding.UTF8.GetMaxByteCount(text.Length) + 1);
            var written = Encoding.UTF8.GetBytes(text, span);
            span[written] = 0;
            buffer.Advance(written + 1);
        }
    }

    private static BinaryData Serialize(AnomalyRecord[] page)
    {
        var buffer = new ArrayBufferWriter<byte>(page.Length * 512);
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { SkipValidation = true }))
        {
            foreach (var record in page)
            {
                JsonSerializer.Serialize(writer, record, SinkJsonContext.Default.AnomalyRecord);
                writer.Flush();
                buffer.Write("\n"u8);
                writer.Reset();
            }
        }

        return BinaryData.FromBytes(buffer.WrittenMemory);
    }

    /// <summary>Pages of one day whose reading-time range meets [fromTicks, toTicks].</summary>
    private async Task<List<PageInfo>> ListPagesAsync(DateTime day, long fromTicks, long toTicks, CancellationToken cancellationToken)
    {
        var pages = new List<PageInfo>();
        await foreach (var item in _blobs.ListAsync(BlobNames.Day(day) + "/", cancellationToken))
        {
            long min, max;
            if (BlobWriteOnce.TryGetTicks(item, MinTicksKey, out min) && BlobWriteOnce.TryGetTicks(item, MaxTicksKey, out max))
            {
                // A page.
            }
            else if (BlobWriteOnce.TryGetTicks(item, TimestampKey, out min))
            {
                max = min; // one anomaly of the earlier layout
            }
            else
            {
                continue;
            }

            if (max >= fromTicks && min <= toTicks)
            {
                var written = BlobWriteOnce.TryGetTicks(item, WrittenKey, out var ticks) ? ticks : item.Properties.CreatedOn?.UtcTicks ?? long.MaxValue;
                pages.Add(new PageInfo(item.Name, min, max, written));
            }
        }

        return pages;
    }

    /// <summary>
    /// Downloads up to <see cref="SinkOptions.MaxParallelWrites"/> pages from <paramref name="start"/> at once and keeps
    /// their records within [fromTicks, toTicks] (of <paramref name="deviceId"/> when given).
    /// </summary>
    private async Task KeepChunkAsync(List<PageInfo> pages, int start, long fromTicks, long toTicks, string? deviceId, Dictionary<(string, string), Kept> kept, CancellationToken cancellationToken)
    {
        var chunk = pages.GetRange(start, Math.Min(_options.MaxParallelWrites, pages.Count - start));
        var contents = new List<AnomalyRecord>[chunk.Count];
        await Parallel.ForEachAsync(
            Enumerable.Range(0, chunk.Count),
            new ParallelOptions { MaxDegreeOfParallelism = _options.MaxParallelWrites, CancellationToken = cancellationToken },
            async (i, ct) => contents[i] = ParsePage((await _blobs.DownloadAsync(chunk[i].Name, ct)).ToMemory().Span, chunk[i].Name));
        for (var i = 0; i < chunk.Count; i++)
        {
            foreach (var record in contents[i])
            {
                if (record.Timestamp.UtcTicks >= fromTicks && record.Timestamp.UtcTicks <= toTicks
                    && (deviceId is null || string.Equals(record.DeviceId, deviceId, StringComparison.Ordinal)))
                {
                    Keep(kept, record, chunk[i]);
                }
            }
        }
    }

    /// <summary>Keeps one record per key: the one of the page written first (metadata <c>written</c>, else the blob's creation time; ties by page name).</summary>
    private static void Keep(Dictionary<(string, string), Kept> kept, AnomalyRecord record, PageInfo page)
    {
        var key = (record.DeviceId, record.MessageId);
        if (!kept.TryGetValue(key, out var existing)
            || page.WrittenTicks < existing.Page.WrittenTicks
            || (page.WrittenTicks == existing.Page.WrittenTicks && string.CompareOrdinal(page.Name, existing.Page.Name) < 0))
        {
            kept[key] = new Kept(record, page);
        }
    }

    /// <summary>The reading time of the <paramref name="n"/>-th newest record.</summary>
    private static long NthNewestTicks(IEnumerable<Kept> kept, int n)
        => kept.Select(k => k.Record.Timestamp.UtcTicks).OrderDescending().ElementAt(n - 1);

    private sealed record PageInfo(string Name, long MinTicks, long MaxTicks, long WrittenTicks);

    private readonly record struct Kept(AnomalyRecord Record, PageInfo Page);
}
