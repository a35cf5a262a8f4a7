using IoTAnomaly.Core.Processing;
using IoTAnomaly.Infrastructure.Diagnostics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace IoTAnomaly.Infrastructure.Sinks;

/// <summary>
/// <see cref="IAnomalySink"/> on Blob Storage: one JSON blob per anomaly at
/// <c>{yyyy}/{MM}/{dd}/{deviceId}/{hash}.json</c> in the anomalies container, where the date is the reading's timestamp
/// (UTC) and <c>hash</c> is the hex of a stable 64-bit hash of the message id. Blobs are created with If-None-Match: *,
/// so a redelivered batch stores nothing twice (a 409/412 means "already stored"). Writes of one batch run
/// concurrently, at most <see cref="SinkOptions.MaxParallelWrites"/> at a time; any other failure propagates (the
/// batch handler retries and then redelivers the batch).
/// </summary>
public sealed class BlobAnomalySink : IAnomalySink
{
    internal const string TimestampKey = "timestamp";
    internal const string DeviceKey = "deviceid";
    private const ulong MessageSeed = 0x616E6F6D;

    private readonly BlobWriteOnce _blobs;
    private readonly SinkOptions _options;
    private readonly ILogger _logger;

    /// <param name="container">The anomalies container.</param>
    /// <param name="options">Write parallelism; null uses the defaults.</param>
    /// <param name="logger">Logger; null logs nothing.</param>
    /// <param name="createContainer">Create the container on the first write when it is missing.</param>
    public BlobAnomalySink(Azure.Storage.Blobs.BlobContainerClient container, SinkOptions? options = null, ILogger<BlobAnomalySink>? logger = null, bool createContainer = true)
    {
        _blobs = new BlobWriteOnce(container, createContainer);
        _options = options ?? new SinkOptions();
        _logger = (ILogger?)logger ?? NullLogger.Instance;
    }

    public Azure.Storage.Blobs.BlobContainerClient Container => _blobs.Container;

    /// <summary>The blob name of an anomaly (stable for a device id + message id + reading date).</summary>
    public static string BlobName(AnomalyRecord anomaly)
    {
        ArgumentNullException.ThrowIfNull(anomaly);
        return $"{BlobNames.Day(anomaly.Timestamp)}/{BlobNames.Segment(anomaly.DeviceId)}/{BlobNames.Hex(BlobNames.Hash(anomaly.MessageId, MessageSeed))}.json";
    }

    public async Task WriteAsync(IReadOnlyList<AnomalyRecord> anomalies, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(anomalies);
        if (anomalies.Count == 0)
        {
            return;
        }

        var created = await _blobs.CreateAllAsync(
            anomalies,
            SinkJsonContext.Default.AnomalyRecord,
            BlobName,
            anomaly => new Dictionary<string, string>(StringComparer.Ordinal)
            {
                [TimestampKey] = BlobWriteOnce.Ticks(anomaly.Timestamp),
                [DeviceKey] = BlobNames.Segment(anomaly.DeviceId),
            },
            _options.MaxParallelWrites,
            cancellationToken);

        Log.SinkBatchWritten(_logger, "anomalies", anomalies.Count, created, anomalies.Count - created);
    }

    /// <summary>
    /// The most recent anomalies whose reading timestamp lies in [<paramref name="from"/>, <paramref name="to"/>],
    /// newest first, at most <paramref name="max"/>, optionally of one device. Lists blob metadata per day (newest day
    /// first) and downloads only the blobs it returns.
    /// </summary>
    public async Task<IReadOnlyList<AnomalyRecord>> QueryAsync(DateTimeOffset from, DateTimeOffset to, string? deviceId, int max, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(max);
        if (max == 0 || to < from)
        {
            return [];
        }

        var picked = new List<(long Ticks, string Name)>();
        foreach (var day in await _blobs.ExistingDaysNewestFirstAsync(from, to, cancellationToken))
        {
            var prefix = BlobNames.Day(day) + "/" + (deviceId is null ? string.Empty : BlobNames.Segment(deviceId) + "/");
            await foreach (var item in _blobs.ListAsync(prefix, cancellationToken))
            {
                if (BlobWriteOnce.TryGetTicks(item, TimestampKey, out var ticks) && ticks >= from.UtcTicks && ticks <= to.UtcTicks)
                {
                    picked.Add((ticks, item.Name));
                }
            }

            // Older days only hold older readings: stop once this day filled the page.
            if (picked.Count >= max)
            {
                break;
            }
        }

        return await _blobs.DownloadNewestAsync(picked, max, SinkJsonContext.Default.AnomalyRecord, _options.MaxParallelWrites, cancellationToken);
    }
}
