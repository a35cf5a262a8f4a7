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
/// </summary>
public sealed class BlobDriftSketchStore : IDriftSketchStore
{
    /// <summary>Format of the window end in a blob name.</summary>
    public const string WindowEndFormat = "yyyyMMdd'T'HHmmssfff";

    /// <summary>File extension of sets in <see cref="DriftSketchCodec"/> form.</summary>
    public const string Extension = ".sketch";

    private const string GzipEncoding = "gzip";
    private static readonly CoreJsonContext CompactJson = new(new JsonSerializerOptions(CoreJsonContext.Default.Options) { WriteIndented = false });

    private readonly ContainerWriter _blobs;
    private readonly int _maxParallelReads;
    private readonly ILogger _logger;

    /// <param name="container">The drift container.</param>
    /// <param name="writerId">This writer's id in blob names (letters and digits); null picks a random one.</param>
    /// <param name="logger">Logger; null logs nothing.</param>
    /// <param name="createContainer">Create the container on the first write when it is missing.</param>
    /// <param name="maxParallelReads">Concurrent downloads in <see cref="LoadAsync"/>.</param>
    public BlobDriftSketchStore(BlobContainerClient container, string? writerId = null, ILogger<BlobDriftSketchStore>? logger = null, bool createContainer = true, int maxParallelReads = 16)
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
        _logger = (ILogger?)logger ?? NullLogger.Instance;
    }

    /// <summary>The id this store writes into its blob names.</summary>
    public string WriterId { get; }

    public BlobContainerClient Container => _blobs.Container;

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

        // Names carry the window end to the millisecond: skip blobs outside the window without downloading them.
        var fromMs = new DateTimeOffset(from.UtcTicks - (from.UtcTicks % TimeSpan.TicksPerMillisecond), TimeSpan.Zero);
        var names = new ConcurrentBag<string>();
        await Parallel.ForEachAsync(
            hours,
            new ParallelOptions { MaxDegreeOfParallelism = _maxParallelReads, CancellationToken = cancellationToken },
            async (hour, ct) =>
            {
                foreach (var name in await _blobs.ListNamesAsync(HourPrefix(model, hour), ct))
                {
                    if ((name.EndsWith(Extension, StringComparison.Ordinal) || name.EndsWith(".json", StringComparison.Ordinal))
                        && TryParseWindowEnd(name) is { } end && end >= fromMs && end <= to)
                    {
                        names.Add(name);
                    }
                }
            });

        var sets = new ConcurrentBag<DriftSketchSet>();
        await Parallel.ForEachAsync(
            names,
            new ParallelOptions { MaxDegreeOfParallelism = _maxParallelReads, CancellationToken = cancellationToken },
            async (name, ct) =>
            {
                if (await _blobs.TryDownloadAsync(name, ct) is not { } content)
                {
                    return; // deleted between listing and reading
                }

                var set = Deserialize(name, content);
                if (set is not null && set.WindowEnd >= from && set.WindowEnd <= to && string.Equals(set.Model, model, StringComparison.Ordinal))
                {
                    sets.Add(set);
                }
            });

        var ordered = sets.OrderBy(s => s.WindowEnd).ThenBy(s => s.WindowStart).ToList();
        Log.SketchSetsLoaded(_logger, ordered.Count, model, from, to, names.Count);
        return ordered;
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
