using System.Collections.Concurrent;
using System.Globalization;
using System.IO.Compression;
using System.Security.Cryptography;
using System.Text.Json;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using IoTAnomaly.Core.Drift;
using IoTAnomaly.Core.Serialization;
using IoTAnomaly.Infrastructure.Diagnostics;
using IoTAnomaly.Infrastructure.Models;
using IoTAnomaly.Infrastructure.Retraining;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace IoTAnomaly.Infrastructure.Drift;

/// <summary>
/// <see cref="IDriftSketchStore"/> on Blob Storage. In the drift container, one blob per flushed set:
/// <c>{model}/sketches/{yyyy}/{MM}/{dd}/{HH}/{windowEnd:yyyyMMddTHHmmssfff}-{writerId}.sketch</c> (the hour folder of
/// the window end, UTC) in <see cref="DriftSketchCodec"/>'s gzip-compressed sparse binary form: JSON of the same sets
/// was ten times slower to load (one hour of per-minute sets of 1,000 devices × 8 sensors: 9 s as JSON). Sets stored
/// as <c>.json</c> (plain or gzip) are still read. The writer id is random per store instance (one per process in
/// DI), so several scorer instances never overwrite each other's sets; a set written again by the same writer with
/// the same window end replaces itself (a retried flush). <see cref="LoadAsync"/> lists only the hour folders
/// covering the window (names carry the window end, so nothing outside is downloaded) and downloads in parallel.
/// Hourly roll-ups: when a load covers a whole hour that ended at least <see cref="RollupDelay"/> before the end of
/// its window, it merges that hour's sets per model version and writes <c>{HH}/rollup.sketches</c> (with the names of
/// the sets it covers, If-None-Match: *); later loads of whole hours read the roll-up plus any set it does not cover,
/// so a 24-hour check reads about 24 blobs instead of 1,440 per writer.
/// </summary>
public sealed class BlobDriftSketchStore : IDriftSketchStore
{
    /// <summary>Format of the window end in a blob name.</summary>
    public const string WindowEndFormat = "yyyyMMdd'T'HHmmssfff";

    /// <summary>File name of an hour's roll-up (in the hour folder).</summary>
    public const string RollupFileName = "rollup.sketches";

    /// <summary>File extension of sets in <see cref="DriftSketchCodec"/> form.</summary>
    public const string Extension = ".sketch";

    private const string GzipEncoding = "gzip";
    private static readonly CoreJsonContext CompactJson = new(new JsonSerializerOptions(CoreJsonContext.Default.Options) { WriteIndented = false });

    private readonly ContainerWriter _blobs;
    private readonly int _maxParallelReads;
    private readonly bool _writeRollups;
    private readonly ILogger _logger;

    /// <param name="container">The drift container.</param>
    /// <param name="writerId">This writer's id in blob names (letters and digits); null picks a random one.</param>
    /// <param name="logger">Logger; null logs nothing.</param>
    /// <param name="createContainer">Create the container on the first write when it is missing.</param>
    /// <param name="maxParallelReads">Concurrent downloads in <see cref="LoadAsync"/>.</param>
    /// <param name="writeRollups">Let <see cref="LoadAsync"/> write hourly roll-ups (roll-ups are always read).</param>
    public BlobDriftSketchStore(BlobContainerClient container, string? writerId = null, ILogger<BlobDriftSketchStore>? logger = null, bool createContainer = true, int maxParallelReads = 16, bool writeRollups = true)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxParallelReads, 1);
        writerId ??= NewWriterId();
        if (writerId.Length is 0 or > 64 || !writerId.All(char.IsAsciiLetterOrDigit))
        {
            throw new ArgumentException("A writer id has 1–64 ASCII letters and digits.", nameof(writerId));
        }

        _blobs = new ContainerWriter(container, createContainer);
        WriterId = writerId;
        _maxParallelReads = maxParallelReads;
        _writeRollups = writeRollups;
        _logger = (ILogger?)logger ?? NullLogger.Instance;
    }

    /// <summary>The id this store writes into its blob names.</summary>
    public string WriterId { get; }

    public BlobContainerClient Container => _blobs.Container;

    /// <summary>How long after an hour ends <see cref="LoadAsync"/> rolls its sets up (late flushes land before that).</summary>
    public static TimeSpan RollupDelay { get; } = TimeSpan.FromMinutes(10);

    /// <summary><c>{model}/sketches/{yyyy}/{MM}/{dd}/{HH}/rollup.sketches</c>.</summary>
    public static string RollupName(string model, DateTimeOffset hour) => HourPrefix(model, hour) + RollupFileName;

    /// <summary>A fresh random writer id (12 hex digits).</summary>
    public static string NewWriterId() => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(6));

    /// <summary>The folder of one hour: <c>{model}/sketches/{yyyy}/{MM}/{dd}/{HH}/</c>.</summary>
    public static string HourPrefix(string model, DateTimeOffset instant)
        => $"{model}/sketches/{instant.UtcDateTime.ToString("yyyy'/'MM'/'dd'/'HH", CultureInfo.InvariantCulture)}/";

    /// <summary>The blob name of a set written by <paramref name="writerId"/>.</summary>
    public static string BlobName(DriftSketchSet set, string writerId)
    {
        ArgumentNullException.ThrowIfNull(set);
        return HourPrefix(set.Model, set.WindowEnd) + set.WindowEnd.UtcDateTime.ToString(WindowEndFormat, CultureInfo.InvariantCulture) + "-" + writerId + Extension;
    }

    /// <summary>The window end encoded in a sketch blob name (millisecond precision), or null.</summary>
    public static DateTimeOffset? TryParseWindowEnd(string blobName)
    {
        ArgumentNullException.ThrowIfNull(blobName);
        var file = blobName[(blobName.LastIndexOf('/') + 1)..];
        var dash = file.IndexOf('-', StringComparison.Ordinal);
        return dash > 0 && DateTime.TryParseExact(file.AsSpan(0, dash), WindowEndFormat, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var end)
            ? new DateTimeOffset(end, TimeSpan.Zero)
            : null;
    }

    public async Task SaveAsync(DriftSketchSet set, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(set);
        ModelNames.ThrowIfInvalidModel(set.Model, nameof(set));
        var name = BlobName(set, WriterId);
        await _blobs.UploadAsync(
            name,
            BinaryData.FromBytes(DriftSketchCodec.Encode(set)),
            new BlobUploadOptions { HttpHeaders = new BlobHttpHeaders { ContentType = "application/octet-stream" } },
            cancellationToken);
        Log.SketchSetSaved(_logger, set.Model, set.ModelVersion, name, set.Devices.Count, set.Scored);
    }

    public async Task<IReadOnlyList<DriftSketchSet>> LoadAsync(string model, DateTimeOffset from, DateTimeOffset to, CancellationToken cancellationToken)
    {
        ModelNames.ThrowIfInvalidModel(model);
        if (to < from)
        {
            return [];
        }

        var hours = new List<DateTimeOffset>();
        var first = new DateTimeOffset(from.UtcDateTime.Date.AddHours(from.UtcDateTime.Hour), TimeSpan.Zero);
        for (var hour = first; hour <= to; hour = hour.AddHours(1))
        {
            hours.Add(hour);
        }

        var sets = new ConcurrentBag<DriftSketchSet>();
        var blobs = 0;
        await Parallel.ForEachAsync(
            hours,
            new ParallelOptions { MaxDegreeOfParallelism = 4, CancellationToken = cancellationToken },
            async (hour, ct) =>
            {
                var read = await LoadHourAsync(model, hour, from, to, sets, ct);
                Interlocked.Add(ref blobs, read);
            });

        var ordered = sets.OrderBy(s => s.WindowEnd).ThenBy(s => s.WindowStart).ToList();
        Log.SketchSetsLoaded(_logger, ordered.Count, model, from, to, blobs);
        return ordered;
    }

    /// <summary>
    /// One hour folder: its roll-up (when the whole hour lies in the window) plus the sets the roll-up does not cover;
    /// writes the roll-up when the hour is whole, over for <see cref="RollupDelay"/> and has none yet. Returns how many
    /// blobs were downloaded.
    /// </summary>
    private async Task<int> LoadHourAsync(string model, DateTimeOffset hour, DateTimeOffset from, DateTimeOffset to, ConcurrentBag<DriftSketchSet> result, CancellationToken cancellationToken)
    {
        var end = hour.AddHours(1);
        var whole = hour >= from && end <= to; // every set in this folder ended inside the window
        var rollupName = RollupName(model, hour);

        // Names carry the window end to the millisecond: skip blobs outside the window without downloading them.
        var fromMs = new DateTimeOffset(from.UtcTicks - (from.UtcTicks % TimeSpan.TicksPerMillisecond), TimeSpan.Zero);
        var names = await _blobs.ListNamesAsync(HourPrefix(model, hour), cancellationToken);
        var setNames = names.Where(name => (name.EndsWith(Extension, StringComparison.Ordinal) || name.EndsWith(".json", StringComparison.Ordinal))
            && TryParseWindowEnd(name) is { } windowEnd && windowEnd >= fromMs && windowEnd <= to).ToList();

        var read = 0;
        HashSet<string>? covered = null;
        if (whole && names.Contains(rollupName, StringComparer.Ordinal) && await _blobs.TryDownloadAsync(rollupName, cancellationToken) is { } rollupContent)
        {
            read++;
            try
            {
                var (sources, rolled) = DriftSketchCodec.DecodeRollup(rollupContent.Content.ToMemory());
                covered = new HashSet<string>(sources, StringComparer.Ordinal);
                foreach (var set in rolled.Where(s => string.Equals(s.Model, model, StringComparison.Ordinal)))
                {
                    result.Add(set);
                }
            }
            catch (InvalidDataException ex)
            {
                Log.SketchSetUnreadable(_logger, rollupName, ex);
            }
        }

        var pending = covered is null ? setNames : setNames.Where(n => !covered.Contains(n)).ToList();
        var loaded = new ConcurrentBag<(string Name, DriftSketchSet Set)>();
        await Parallel.ForEachAsync(
            pending,
            new ParallelOptions { MaxDegreeOfParallelism = _maxParallelReads, CancellationToken = cancellationToken },
            async (name, ct) =>
            {
                if (await _blobs.TryDownloadAsync(name, ct) is not { } content)
                {
                    return; // deleted between listing and reading
                }

                Interlocked.Increment(ref read);
                var set = Deserialize(name, content);
                if (set is not null && set.WindowEnd >= from && set.WindowEnd <= to && string.Equals(set.Model, model, StringComparison.Ordinal))
                {
                    loaded.Add((name, set));
                }
            });

        if (!(_writeRollups && whole && covered is null && end + RollupDelay <= to && loaded.Count > 1))
        {
            foreach (var (_, set) in loaded)
            {
                result.Add(set);
            }

            return read;
        }

        // Merge the hour per model version (in window-end order) and keep the result for the next checks.
        var merged = new List<DriftSketchSet>();
        foreach (var group in loaded.OrderBy(x => x.Set.WindowEnd).ThenBy(x => x.Name, StringComparer.Ordinal).GroupBy(x => (x.Set.ModelVersion, string.Join('\n', x.Set.Sensors))))
        {
            var target = group.First().Set;
            foreach (var (_, set) in group.Skip(1))
            {
                target.Merge(set);
            }

            merged.Add(target);
        }

        foreach (var set in merged)
        {
            result.Add(set);
        }

        try
        {
            await _blobs.UploadAsync(
                rollupName,
                BinaryData.FromBytes(DriftSketchCodec.EncodeRollup(loaded.Select(x => x.Name).ToArray(), merged)),
                new BlobUploadOptions
                {
                    Conditions = new BlobRequestConditions { IfNoneMatch = Azure.ETag.All },
                    HttpHeaders = new BlobHttpHeaders { ContentType = "application/octet-stream" },
                },
                cancellationToken);
            Log.SketchRollupWritten(_logger, rollupName, loaded.Count);
        }
        catch (Azure.RequestFailedException ex) when (ContainerWriter.IsConflict(ex))
        {
            // Another check wrote it first: same content.
        }
        catch (Azure.RequestFailedException ex)
        {
            Log.SketchRollupNotWritten(_logger, rollupName, ex);
        }

        return read;
    }

    private DriftSketchSet? Deserialize(string name, BlobDownloadResult content)
    {
        try
        {
            var bytes = content.Content.ToMemory();
            if (name.EndsWith(Extension, StringComparison.Ordinal))
            {
                return DriftSketchCodec.Decode(bytes);
            }

            if (string.Equals(content.Details.ContentEncoding, GzipEncoding, StringComparison.OrdinalIgnoreCase) || IsGzip(bytes.Span))
            {
                using var gzip = new GZipStream(new MemoryStream(bytes.ToArray(), writable: false), CompressionMode.Decompress);
                return JsonSerializer.Deserialize(gzip, CompactJson.DriftSketchSet);
            }

            return JsonSerializer.Deserialize(bytes.Span, CompactJson.DriftSketchSet);
        }
        catch (Exception ex) when (ex is JsonException or InvalidDataException or NotSupportedException or IOException)
        {
            Log.SketchSetUnreadable(_logger, name, ex);
            return null;
        }
    }

    private static bool IsGzip(ReadOnlySpan<byte> bytes) => bytes.Length > 2 && bytes[0] == 0x1F && bytes[1] == 0x8B;
}
