using System.Globalization;
using System.Text.Json;
using Azure;
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
/// <see cref="IDriftReportStore"/> on Blob Storage. In the drift container:
/// <c>{model}/reports/{yyyy}/{MM}/{dd}/{HHmmss}.json</c> (time of the check, UTC; a second check within the same second
/// replaces the first) and a copy of the newest report at <c>{model}/reports/latest.json</c> (only replaced by a report
/// checked at the same time or later). <see cref="ListRecentAsync"/> walks the date folders newest first and stops
/// as soon as it has enough.
/// </summary>
public sealed class BlobDriftReportStore : IDriftReportStore
{
    public const string LatestFileName = "latest.json";
    private const string CheckedAtKey = "checkedat";

    private readonly ContainerWriter _blobs;
    private readonly ILogger _logger;

    /// <param name="container">The drift container.</param>
    /// <param name="logger">Logger; null logs nothing.</param>
    /// <param name="createContainer">Create the container on the first write when it is missing.</param>
    public BlobDriftReportStore(BlobContainerClient container, ILogger<BlobDriftReportStore>? logger = null, bool createContainer = true)
    {
        _blobs = new ContainerWriter(container, createContainer);
        _logger = (ILogger?)logger ?? NullLogger.Instance;
    }

    public BlobContainerClient Container => _blobs.Container;

    /// <summary><c>{model}/reports/{yyyy}/{MM}/{dd}/{HHmmss}.json</c>.</summary>
    public static string BlobName(string model, DateTimeOffset checkedAt)
        => $"{model}/reports/{checkedAt.UtcDateTime.ToString("yyyy'/'MM'/'dd'/'HHmmss", CultureInfo.InvariantCulture)}.json";

    /// <summary><c>{model}/reports/latest.json</c>.</summary>
    public static string LatestName(string model) => $"{model}/reports/{LatestFileName}";

    public async Task SaveAsync(DriftReport report, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(report);
        ModelNames.ThrowIfInvalidModel(report.Model, nameof(report));
        var content = BinaryData.FromBytes(JsonSerializer.SerializeToUtf8Bytes(report, CoreJsonContext.Default.DriftReport));
        var ticks = report.CheckedAt.UtcTicks.ToString(CultureInfo.InvariantCulture);
        var name = BlobName(report.Model, report.CheckedAt);
        await _blobs.UploadAsync(
            name,
            content,
            new BlobUploadOptions
            {
                HttpHeaders = new BlobHttpHeaders { ContentType = "application/json" },
                Metadata = new Dictionary<string, string> { [CheckedAtKey] = ticks },
            },
            cancellationToken);

        // latest.json: replace only an older report; conditional on the ETag read, so a concurrent newer write wins.
        var latest = _blobs.Container.GetBlobClient(LatestName(report.Model));
        for (var attempt = 0; attempt < 5; attempt++)
        {
            BlobRequestConditions conditions;
            try
            {
                var properties = (await latest.GetPropertiesAsync(cancellationToken: cancellationToken)).Value;
                if (properties.Metadata.TryGetValue(CheckedAtKey, out var stored)
                    && long.TryParse(stored, NumberStyles.Integer, CultureInfo.InvariantCulture, out var storedTicks)
                    && storedTicks > report.CheckedAt.UtcTicks)
                {
                    break;
                }

                conditions = new BlobRequestConditions { IfMatch = properties.ETag };
            }
            catch (RequestFailedException ex) when (ex.Status == 404)
            {
                conditions = new BlobRequestConditions { IfNoneMatch = ETag.All };
            }

            try
            {
                await _blobs.UploadAsync(
                    latest.Name,
                    content,
                    new BlobUploadOptions
                    {
                        Conditions = conditions,
                        HttpHeaders = new BlobHttpHeaders { ContentType = "application/json" },
                        Metadata = new Dictionary<string, string> { [CheckedAtKey] = ticks },
                    },
                    cancellationToken);
                break;
            }
            catch (RequestFailedException ex) when (ContainerWriter.IsConflict(ex))
            {
                // Another check wrote latest.json meanwhile: read it again.
            }
        }

        Log.DriftReportSaved(_logger, report.Model, report.Verdict, name);
    }

    /// <summary>The newest report of a model, or null when none was stored.</summary>
    public async Task<DriftReport?> GetLatestAsync(string model, CancellationToken cancellationToken)
    {
        ModelNames.ThrowIfInvalidModel(model);
        return await _blobs.TryDownloadAsync(LatestName(model), cancellationToken) is { } content
            ? JsonSerializer.Deserialize(content.Content.ToMemory().Span, CoreJsonContext.Default.DriftReport)
            : null;
    }

    public async Task<IReadOnlyList<DriftReport>> ListRecentAsync(string model, int max, CancellationToken cancellationToken)
    {
        ModelNames.ThrowIfInvalidModel(model);
        ArgumentOutOfRangeException.ThrowIfNegative(max);
        var names = new List<string>();
        if (max > 0)
        {
            await CollectNewestAsync($"{model}/reports/", depth: 0, names, max, cancellationToken);
        }

        var reports = new DriftReport?[names.Count];
        await Parallel.ForEachAsync(
            Enumerable.Range(0, names.Count),
            new ParallelOptions { MaxDegreeOfParallelism = 8, CancellationToken = cancellationToken },
            async (i, ct) =>
            {
                if (await _blobs.TryDownloadAsync(names[i], ct) is { } content)
                {
                    reports[i] = JsonSerializer.Deserialize(content.Content.ToMemory().Span, CoreJsonContext.Default.DriftReport);
                }
            });

        return [.. reports.OfType<DriftReport>().OrderByDescending(r => r.CheckedAt)];
    }

    /// <summary>Depth 0–2: year, month, day folders (newest first); depth 3: the day's report blobs.</summary>
    private async Task CollectNewestAsync(string prefix, int depth, List<string> names, int max, CancellationToken cancellationToken)
    {
        var (folders, blobs) = await _blobs.ListLevelAsync(prefix, cancellationToken);
        if (depth == 3)
        {
            names.AddRange(blobs.Where(b => b.EndsWith(".json", StringComparison.Ordinal)).OrderDescending(StringComparer.Ordinal).Take(max - names.Count));
            return;
        }

        foreach (var folder in folders.OrderDescending(StringComparer.Ordinal))
        {
            if (names.Count >= max)
            {
                return;
            }

            await CollectNewestAsync(folder, depth + 1, names, max, cancellationToken);
        }
    }
}
