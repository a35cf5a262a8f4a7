using System.Net;
using System.Runtime.CompilerServices;
using Azure;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using IoTAnomaly.Core.Capture;
using IoTAnomaly.Infrastructure.Diagnostics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace IoTAnomaly.Infrastructure.Capture;

/// <summary>
/// Reads Event Hubs Capture files (written by Azure Capture or by <see cref="AvroCaptureWriter"/>) back as events.
/// For a window [from, to) it finds the partitions under <c>{namespace}/{eventHub}/</c>, lists each partition's day
/// folders, opens the files whose path time lies in [from − <see cref="CaptureOptions.MaxFileSpan"/>, to), and yields
/// the events whose enqueued time lies in [from, to): files in order of (path time, partition, suffix), events in
/// file order (sequence order). A file that is not valid Capture Avro is skipped with a warning.
/// </summary>
public sealed class AvroCaptureReader : ICaptureReader
{
    private readonly BlobContainerClient _container;
    private readonly CaptureOptions _options;
    private readonly ILogger _logger;

    public AvroCaptureReader(BlobContainerClient container, CaptureOptions? options = null, ILogger<AvroCaptureReader>? logger = null)
    {
        _container = container ?? throw new ArgumentNullException(nameof(container));
        _options = options ?? new CaptureOptions();
        _logger = (ILogger?)logger ?? NullLogger.Instance;
    }

    public async IAsyncEnumerable<CapturedEvent> ReadAsync(DateTimeOffset from, DateTimeOffset to, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        if (to <= from)
        {
            yield break;
        }

        var files = await ListFilesAsync(from, to, cancellationToken);

        // Download up to MaxParallelReads files ahead of the consumer, and yield them strictly in order.
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var ahead = new Queue<Task<IReadOnlyList<CapturedEvent>>>();
        var next = 0;
        try
        {
            while (next < files.Count || ahead.Count > 0)
            {
                while (ahead.Count < _options.MaxParallelReads && next < files.Count)
                {
                    ahead.Enqueue(ReadFileAsync(files[next++].Name, stop.Token));
                }

                foreach (var e in await ahead.Dequeue())
                {
                    if (e.EnqueuedTimeUtc >= from && e.EnqueuedTimeUtc < to)
                    {
                        yield return e;
                    }
                }
            }
        }
        finally
        {
            // The consumer stopped early (or a download failed): cancel the read-ahead and observe its outcome.
            await stop.CancelAsync();
            foreach (var pending in ahead)
            {
                _ = pending.ContinueWith(static t => _ = t.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted, TaskScheduler.Default);
            }
        }
    }

    /// <summary>The capture files that may hold events of [from, to), in reading order.</summary>
    public async Task<IReadOnlyList<CaptureFile>> ListFilesAsync(DateTimeOffset from, DateTimeOffset to, CancellationToken cancellationToken)
    {
        var earliest = from - _options.MaxFileSpan;
        var files = new List<CaptureFile>();
        foreach (var partition in await ListPartitionsAsync(cancellationToken))
        {
            for (var day = earliest.UtcDateTime.Date; day <= to.UtcDateTime.Date; day = day.AddDays(1))
            {
                var prefix = CapturePaths.DayPrefix(_options.Namespace, _options.EventHub, partition, day);
                await foreach (var item in _container.GetBlobsAsync(BlobTraits.None, BlobStates.None, prefix, cancellationToken))
                {
                    if (CapturePaths.TryParse(item.Name, out var partitionId, out var time, out var attempt) && time >= earliest && time < to)
                    {
                        files.Add(new CaptureFile(item.Name, partitionId, time, attempt));
                    }
                }
            }
        }

        files.Sort(static (a, b) =>
        {
            var c = a.Time.CompareTo(b.Time);
            if (c == 0)
            {
                c = string.CompareOrdinal(a.PartitionId, b.PartitionId);
            }

            return c != 0 ? c : a.Attempt.CompareTo(b.Attempt);
        });
        return files;
    }

    private async Task<List<string>> ListPartitionsAsync(CancellationToken cancellationToken)
    {
        var partitions = new List<string>();
        var root = $"{_options.Namespace}/{_options.EventHub}/";
        try
        {
            await foreach (var item in _container.GetBlobsByHierarchyAsync(BlobTraits.None, BlobStates.None, "/", root, cancellationToken))
            {
                if (item.IsPrefix)
                {
                    partitions.Add(item.Prefix[root.Length..].TrimEnd('/'));
                }
            }
        }
        catch (RequestFailedException ex) when (ex.Status == (int)HttpStatusCode.NotFound)
        {
            // No capture container yet: no history.
        }

        return partitions;
    }

    private async Task<IReadOnlyList<CapturedEvent>> ReadFileAsync(string name, CancellationToken cancellationToken)
    {
        var content = await _container.GetBlobClient(name).DownloadContentAsync(cancellationToken);
        var bytes = content.Value.Content.ToMemory();
        if (bytes.IsEmpty)
        {
            return [];
        }

        try
        {
            using var stream = new MemoryStream(bytes.ToArray(), writable: false);
            return CaptureAvro.Read(stream);
        }
        catch (Exception ex) when (ex is Avro.AvroException or IOException or InvalidCastException or FormatException or InvalidDataException)
        {
            Log.CaptureBlobUnreadable(_logger, name, ex);
            return [];
        }
    }
}

/// <summary>One capture file: blob name, partition, path time and name suffix (0 = Capture's own name).</summary>
public sealed record CaptureFile(string Name, string PartitionId, DateTimeOffset Time, int Attempt);
