using System.Collections.Concurrent;
using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using Azure;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using IoTAnomaly.Core.Retraining;
using IoTAnomaly.Core.Serialization;
using IoTAnomaly.Infrastructure.Diagnostics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace IoTAnomaly.Infrastructure.Retraining;

/// <summary>
/// <see cref="IRetrainingRunStore"/> on Blob Storage. In the retraining container: the current run of an instance at
/// <c>runs/{instanceId}.json</c>, and a copy of every finished run at
/// <c>history/{instanceId}/{createdAt:yyyyMMddTHHmmss}.json</c>.
/// <see cref="TryStartAsync"/> is the singleton guard across processes: it reads the current record with its ETag,
/// refuses while that run is Pending/Running, and otherwise writes with If-Match on that ETag (If-None-Match: * when
/// there is none), so of two concurrent starts exactly one write succeeds (the other gets 409/412 → false).
/// <see cref="SaveAsync"/> writes unconditionally (last writer wins), except that within this process a snapshot
/// older than one already written for the same instance is dropped, so fire-and-forget progress saves landing late
/// never overwrite a newer state.
/// </summary>
public sealed partial class BlobRetrainingRunStore : IRetrainingRunStore
{
    private readonly ContainerWriter _blobs;
    private readonly ILogger _logger;
    private readonly ConcurrentDictionary<string, WriteOrder> _order = new(StringComparer.Ordinal);

    /// <param name="container">The retraining container.</param>
    /// <param name="logger">Logger; null logs nothing.</param>
    /// <param name="createContainer">Create the container on the first write when it is missing.</param>
    public BlobRetrainingRunStore(BlobContainerClient container, ILogger<BlobRetrainingRunStore>? logger = null, bool createContainer = true)
    {
        _blobs = new ContainerWriter(container, createContainer);
        _logger = (ILogger?)logger ?? NullLogger.Instance;
    }

    public BlobContainerClient Container => _blobs.Container;

    /// <summary>Test seam: awaited after <see cref="TryStartAsync"/> read the record and before it writes. Null in production.</summary>
    internal Func<CancellationToken, Task>? BeforeStartWrite { get; set; }

    /// <summary><c>runs/{instanceId}.json</c>.</summary>
    public static string RunPath(string instanceId) => $"runs/{ValidId(instanceId)}.json";

    /// <summary><c>history/{instanceId}/{createdAt:yyyyMMddTHHmmss}.json</c>.</summary>
    public static string HistoryPath(string instanceId, DateTimeOffset createdAt)
        => $"history/{ValidId(instanceId)}/{createdAt.UtcDateTime.ToString("yyyyMMdd'T'HHmmss", CultureInfo.InvariantCulture)}.json";

    public async Task<RetrainingRun?> GetAsync(string instanceId, CancellationToken cancellationToken)
    {
        if (await _blobs.TryDownloadAsync(RunPath(instanceId), cancellationToken) is not { } content)
        {
            return null;
        }

        var run = Deserialize(content.Content, RunPath(instanceId));
        run.ETag = content.Details.ETag.ToString();
        return run;
    }

    public async Task<bool> TryStartAsync(RetrainingRun run, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(run);
        var path = RunPath(run.InstanceId);
        var current = await GetAsync(run.InstanceId, cancellationToken);
        if (current is not null && RetrainingRunStatus.IsActive(current.Status))
        {
            Log.RunStillActive(_logger, run.InstanceId, current.Status);
            return false;
        }

        var order = _order.GetOrAdd(run.InstanceId, static _ => new WriteOrder());
        var sequence = order.Next();
        var content = Serialize(run);
        if (BeforeStartWrite is { } hook)
        {
            await hook(cancellationToken);
        }

        var conditions = current?.ETag is { } etag
            ? new BlobRequestConditions { IfMatch = new ETag(etag) }
            : new BlobRequestConditions { IfNoneMatch = ETag.All };
        await order.Gate.WaitAsync(cancellationToken);
        try
        {
            var response = await _blobs.UploadAsync(path, content, new BlobUploadOptions { Conditions = conditions, HttpHeaders = Json }, cancellationToken);
            order.Written = Math.Max(order.Written, sequence);
            run.ETag = response.Value.ETag.ToString();
            return true;
        }
        catch (RequestFailedException ex) when (ContainerWriter.IsConflict(ex))
        {
            Log.RunStartRaceLost(_logger, run.InstanceId);
            return false;
        }
        finally
        {
            order.Gate.Release();
        }
    }

    public async Task SaveAsync(RetrainingRun run, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(run);
        var path = RunPath(run.InstanceId);

        // Snapshot and number the state now (callers save and move on); write in that order.
        var order = _order.GetOrAdd(run.InstanceId, static _ => new WriteOrder());
        var sequence = order.Next();
        var content = Serialize(run);
        var finished = !RetrainingRunStatus.IsActive(run.Status);
        await order.Gate.WaitAsync(cancellationToken);
        try
        {
            if (sequence < order.Written)
            {
                return; // a newer state of this run was already written
            }

            var response = await _blobs.UploadAsync(path, content, new BlobUploadOptions { HttpHeaders = Json }, cancellationToken);
            order.Written = sequence;
            run.ETag = response.Value.ETag.ToString();
            if (finished)
            {
                await _blobs.UploadAsync(HistoryPath(run.InstanceId, run.CreatedAt), content, new BlobUploadOptions { HttpHeaders = Json }, cancellationToken);
            }
        }
        finally
        {
            order.Gate.Release();
        }
    }

    public async Task<IReadOnlyList<RetrainingRun>> ListAsync(CancellationToken cancellationToken)
    {
        var names = await _blobs.ListNamesAsync("runs/", cancellationToken);
        return await DownloadAllAsync(names, cancellationToken);
    }

    /// <summary>The finished runs of an instance, newest first, at most <paramref name="max"/>.</summary>
    public async Task<IReadOnlyList<RetrainingRun>> ListHistoryAsync(string instanceId, int max, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(max);
        var names = await _blobs.ListNamesAsync($"history/{ValidId(instanceId)}/", cancellationToken);
        var newest = names.OrderDescending(StringComparer.Ordinal).Take(max).ToList();
        return [.. (await DownloadAllAsync(newest, cancellationToken)).OrderByDescending(r => r.CreatedAt)];
    }

    private async Task<IReadOnlyList<RetrainingRun>> DownloadAllAsync(List<string> names, CancellationToken cancellationToken)
    {
        var runs = new RetrainingRun?[names.Count];
        await Parallel.ForEachAsync(
            Enumerable.Range(0, names.Count),
            new ParallelOptions { MaxDegreeOfParallelism = 8, CancellationToken = cancellationToken },
            async (i, ct) =>
            {
                if (await _blobs.TryDownloadAsync(names[i], ct) is { } content)
                {
                    var run = Deserialize(content.Content, names[i]);
                    run.ETag = content.Details.ETag.ToString();
                    runs[i] = run;
                }
            });
        return [.. runs.OfType<RetrainingRun>().OrderBy(r => r.InstanceId, StringComparer.Ordinal)];
    }

    private static readonly BlobHttpHeaders Json = new() { ContentType = "application/json" };

    private static BinaryData Serialize(RetrainingRun run)
        => BinaryData.FromBytes(JsonSerializer.SerializeToUtf8Bytes(run, CoreJsonContext.Default.RetrainingRun));

    private RetrainingRun Deserialize(BinaryData content, string path)
    {
        try
        {
            return JsonSerializer.Deserialize(content.ToMemory().Span, CoreJsonContext.Default.RetrainingRun)
                ?? throw new InvalidDataException($"Run record {_blobs.Container.Name}/{path} holds JSON null.");
        }
        catch (JsonException ex)
        {
            throw new InvalidDataException($"Run record {_blobs.Container.Name}/{path} is not valid JSON: {ex.Message}", ex);
        }
    }

    private static string ValidId(string instanceId)
        => instanceId is { Length: > 0 and <= 128 } && InstanceIdPattern().IsMatch(instanceId)
            ? instanceId
            : throw new ArgumentException($"Invalid retraining instance id '{instanceId}': use 1–128 letters, digits, '-', '_' and '.', starting with a letter or digit.", nameof(instanceId));

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9._-]*$")]
    private static partial Regex InstanceIdPattern();

    private sealed class WriteOrder
    {
        private long _next;

        public SemaphoreSlim Gate { get; } = new(1, 1);

        /// <summary>Sequence of the newest state written (guarded by <see cref="Gate"/>).</summary>
        public long Written { get; set; }

        public long Next() => Interlocked.Increment(ref _next);
    }
}
