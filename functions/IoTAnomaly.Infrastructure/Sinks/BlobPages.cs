using System.Buffers;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using IoTAnomaly.Core.Telemetry;

namespace IoTAnomaly.Infrastructure.Sinks;

/// <summary>
/// The page layout both Blob sinks share. One write stores its records as create-once NDJSON pages
/// (<c>{folder}/{hash}.ndjson</c>, If-None-Match: *). A page is named by a stable 64-bit hash of its records' keys
/// in key order, so a redelivered write stores nothing twice: 409/412 means "already stored", and the first write wins.
/// Metadata <c>mints</c>/<c>maxts</c> hold the page's time range in ticks, <c>count</c> its records and <c>written</c>
/// when it was written, so reads pick pages from a listing. A record stored in two pages (a redelivery batched
/// differently) is returned once by every read: the record of the page written first. Blobs of the earlier
/// one-blob-per-record layout (one JSON object, its time in metadata <see cref="PageFormat{T, TKey}.LegacyTicksKey"/>) read as pages of one record.
/// </summary>
/// <typeparam name="T">The record type.</typeparam>
/// <typeparam name="TKey">A record's identity (what a read returns once).</typeparam>
internal sealed class BlobPages<T, TKey>
    where TKey : notnull
{
    internal const string MinTicksKey = "mints";
    internal const string MaxTicksKey = "maxts";
    internal const string CountKey = "count";
    internal const string WrittenKey = "written";
    private const string PageContentType = "application/x-ndjson";

    private readonly BlobWriteOnce _blobs;
    private readonly SinkOptions _options;
    private readonly PageFormat<T, TKey> _format;

    public BlobPages(BlobWriteOnce blobs, SinkOptions options, PageFormat<T, TKey> format)
    {
        _blobs = blobs;
        _options = options;
        _format = format;
    }

    /// <summary>
    /// Stores <paramref name="records"/> as pages: one per folder (<paramref name="folderOf"/>), split at
    /// <see cref="SinkOptions.MaxPageRecords"/>. Returns how many records were in pages newly created.
    /// </summary>
    public async Task<int> WriteAsync(IReadOnlyList<T> records, Func<T, string> folderOf, CancellationToken cancellationToken)
    {
        var pages = new List<(string Folder, (TKey Key, T Record)[] Records)>();
        foreach (var folder in records.GroupBy(folderOf, StringComparer.Ordinal))
        {
            var sorted = _format.Sorted(folder.ToArray());
            for (var start = 0; start < sorted.Length; start += _options.MaxPageRecords)
            {
                pages.Add((folder.Key, sorted[start..Math.Min(sorted.Length, start + _options.MaxPageRecords)]));
            }
        }

        var created = 0;
        await Parallel.ForEachAsync(
            pages,
            new ParallelOptions { MaxDegreeOfParallelism = _options.MaxParallelWrites, CancellationToken = cancellationToken },
            async (page, ct) =>
            {
                var metadata = new Dictionary<string, string>(StringComparer.Ordinal)
                {
                    [MinTicksKey] = page.Records.Min(r => _format.Ticks(r.Record)).ToString(CultureInfo.InvariantCulture),
                    [MaxTicksKey] = page.Records.Max(r => _format.Ticks(r.Record)).ToString(CultureInfo.InvariantCulture),
                    [CountKey] = page.Records.Length.ToString(CultureInfo.InvariantCulture),
                    [WrittenKey] = BlobWriteOnce.Ticks(DateTimeOffset.UtcNow),
                };
                if (await _blobs.TryCreateAsync(_format.NameOfSorted(page.Folder, page.Records), Serialize(page.Records), metadata, PageContentType, ct))
                {
                    Interlocked.Add(ref created, page.Records.Length);
                }
            });
        return created;
    }

    /// <summary>Pages under <paramref name="prefix"/> whose time range meets [fromTicks, toTicks].</summary>
    public async Task<List<PageInfo>> ListAsync(string prefix, long fromTicks, long toTicks, CancellationToken cancellationToken)
    {
        var pages = new List<PageInfo>();
        await foreach (var item in _blobs.ListAsync(prefix, cancellationToken))
        {
            long min, max;
            if (BlobWriteOnce.TryGetTicks(item, MinTicksKey, out min) && BlobWriteOnce.TryGetTicks(item, MaxTicksKey, out max))
            {
                // A page.
            }
            else if (BlobWriteOnce.TryGetTicks(item, _format.LegacyTicksKey, out min))
            {
                max = min; // one record of the earlier layout
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
    /// their records within [fromTicks, toTicks] that pass <paramref name="filter"/>, one per key.
    /// </summary>
    public async Task KeepChunkAsync(List<PageInfo> pages, int start, long fromTicks, long toTicks, Func<T, bool>? filter, Dictionary<TKey, Kept> kept, CancellationToken cancellationToken)
    {
        var chunk = pages.GetRange(start, Math.Min(_options.MaxParallelWrites, pages.Count - start));
        var contents = new List<T>[chunk.Count];
        await Parallel.ForEachAsync(
            Enumerable.Range(0, chunk.Count),
            new ParallelOptions { MaxDegreeOfParallelism = _options.MaxParallelWrites, CancellationToken = cancellationToken },
            async (i, ct) => contents[i] = Parse((await _blobs.DownloadAsync(chunk[i].Name, ct)).ToMemory().Span, chunk[i].Name));
        for (var i = 0; i < chunk.Count; i++)
        {
            foreach (var record in contents[i])
            {
                var ticks = _format.Ticks(record);
                if (ticks >= fromTicks && ticks <= toTicks && (filter is null || filter(record)))
                {
                    Keep(kept, record, chunk[i]);
                }
            }
        }
    }

    /// <summary>
    /// Keeps, per folder of <paramref name="dayPrefixes"/> (newest first), the records of its pages in [fromTicks, toTicks] that
    /// pass <paramref name="filter"/>, downloading pages in order of their newest record until the <paramref name="max"/>
    /// newest are known. Days must be disjoint in record time, newest first.
    /// </summary>
    public async Task<Dictionary<TKey, Kept>> KeepNewestAsync(IEnumerable<string> dayPrefixes, long fromTicks, long toTicks, Func<T, bool>? filter, int max, CancellationToken cancellationToken)
    {
        var kept = new Dictionary<TKey, Kept>();
        foreach (var prefix in dayPrefixes)
        {
            var pages = (await ListAsync(prefix, fromTicks, toTicks, cancellationToken))
                .OrderByDescending(p => p.MaxTicks).ThenBy(p => p.Name, StringComparer.Ordinal).ToList();
            for (var next = 0; next < pages.Count; next += _options.MaxParallelWrites)
            {
                // Days are disjoint in record time, so what newer days kept counts here too.
                if (kept.Count >= max && NthNewestTicks(kept.Values, max) > pages[next].MaxTicks)
                {
                    break;
                }

                await KeepChunkAsync(pages, next, fromTicks, toTicks, filter, kept, cancellationToken);
            }

            // Older days only hold older records.
            if (kept.Count >= max)
            {
                break;
            }
        }

        return kept;
    }

    /// <summary>Records of one page blob (NDJSON; a blob of the earlier layout is one JSON object, which is one line).</summary>
    public List<T> Parse(ReadOnlySpan<byte> content, string name)
    {
        var records = new List<T>();
        while (!content.IsEmpty)
        {
            var end = content.IndexOf((byte)'\n');
            var line = end < 0 ? content : content[..end];
            content = end < 0 ? [] : content[(end + 1)..];
            if (line.Trim(" \t\r"u8).IsEmpty)
            {
                continue;
            }

            records.Add(JsonSerializer.Deserialize(line, _format.Json)
                ?? throw new InvalidDataException($"Blob '{name}' holds a JSON null record."));
        }

        return records;
    }

    /// <summary>Keeps one record per key: the one of the page written first (metadata <c>written</c>, else the blob's creation time; ties by page name).</summary>
    private void Keep(Dictionary<TKey, Kept> kept, T record, PageInfo page)
    {
        var key = _format.Key(record);
        if (!kept.TryGetValue(key, out var existing)
            || page.WrittenTicks < existing.Page.WrittenTicks
            || (page.WrittenTicks == existing.Page.WrittenTicks && string.CompareOrdinal(page.Name, existing.Page.Name) < 0))
        {
            kept[key] = new Kept(record, page);
        }
    }

    /// <summary>The time of the <paramref name="n"/>-th newest record.</summary>
    private long NthNewestTicks(IEnumerable<Kept> kept, int n)
        => kept.Select(k => _format.Ticks(k.Record)).OrderDescending().ElementAt(n - 1);

    private BinaryData Serialize((TKey Key, T Record)[] page)
    {
        var buffer = new ArrayBufferWriter<byte>(page.Length * 512);
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { SkipValidation = true }))
        {
            foreach (var (_, record) in page)
            {
                JsonSerializer.Serialize(writer, record, _format.Json);
                writer.Flush();
                buffer.Write("\n"u8);
                writer.Reset();
            }
        }

        return BinaryData.FromBytes(buffer.WrittenMemory);
    }

    internal sealed record PageInfo(string Name, long MinTicks, long MaxTicks, long WrittenTicks);

    internal readonly record struct Kept(T Record, PageInfo Page);
}

/// <summary>How one sink's records become pages: their JSON, time, identity and the page-name hash.</summary>
/// <param name="Json">The record's JSON contract.</param>
/// <param name="Seed">Seed of the page-name hash (one per sink).</param>
/// <param name="LegacyTicksKey">Metadata key of a record's time in the earlier one-blob-per-record layout.</param>
/// <param name="Ticks">A record's time (UTC ticks): a page's time range and the reads' window.</param>
/// <param name="Key">A record's identity.</param>
/// <param name="KeyOrder">Orders identities, so page contents and names do not depend on the records' input order.</param>
/// <param name="AppendKey">Writes an identity, delimited, for the page-name hash.</param>
internal sealed record PageFormat<T, TKey>(
    JsonTypeInfo<T> Json,
    ulong Seed,
    string LegacyTicksKey,
    Func<T, long> Ticks,
    Func<T, TKey> Key,
    IComparer<TKey> KeyOrder,
    Action<ArrayBufferWriter<byte>, TKey> AppendKey)
{
    /// <summary>The page name of <paramref name="records"/> (any order) in <paramref name="folder"/>.</summary>
    public string PageName(string folder, IReadOnlyList<T> records) => NameOfSorted(folder, Sorted(records));

    /// <summary>The records with their identities (each computed once), in identity order (stable).</summary>
    public (TKey Key, T Record)[] Sorted(IReadOnlyList<T> records) => records.Select(r => (Key(r), r)).OrderBy(p => p.Item1, KeyOrder).ToArray();

    /// <summary>The page name of records already in identity order.</summary>
    public string NameOfSorted(string folder, (TKey Key, T Record)[] sorted)
    {
        var buffer = new ArrayBufferWriter<byte>(sorted.Length * 48);
        foreach (var (key, _) in sorted)
        {
            AppendKey(buffer, key);
        }

        return $"{folder}/{BlobNames.Hex(Hash64.Compute(buffer.WrittenSpan, Seed))}.ndjson";
    }
}
