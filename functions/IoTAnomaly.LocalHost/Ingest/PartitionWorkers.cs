using IoTAnomaly.Core.Capture;
using IoTAnomaly.Core.Processing;
using IoTAnomaly.Core.Telemetry;
using IoTAnomaly.LocalHost.Diagnostics;
using IoTAnomaly.LocalHost.Hosting;

namespace IoTAnomaly.LocalHost.Ingest;

/// <summary>Sees every batch a worker finished (after its sinks succeeded): stats, the anomaly feed, the run summary.</summary>
public interface IBatchCompletionObserver
{
    void OnBatchCompleted(int partition, BatchResult result);
}

/// <summary>
/// The local EventHubTrigger: one worker per partition takes up to <see cref="EventHubsBatchSettings.MaxEventBatchSize"/>
/// events, waiting at most <see cref="EventHubsBatchSettings.MaxWaitTime"/> to fill a batch, writes them to capture
/// (<see cref="ICaptureWriter"/>, when one is registered) and hands them to <see cref="TelemetryBatchHandler.HandleAsync"/>.
/// A failing batch (storage down) is retried with exponential back-off until it succeeds: it is never dropped. On
/// stop the ingest refuses new requests and the workers drain what was accepted before they exit; only when the
/// host's shutdown timeout runs out are the remaining events abandoned (and logged).
/// </summary>
public sealed class PartitionWorkers : IHostedService, IDisposable
{
    private static readonly TimeSpan MaxBackoff = TimeSpan.FromSeconds(5);

    private readonly PartitionedIngest _ingest;
    private readonly TelemetryBatchHandler _handler;
    private readonly ICaptureWriter? _capture;
    private readonly IReadOnlyList<IBatchCompletionObserver> _observers;
    private readonly IngestStatistics _statistics;
    private readonly EventHubsBatchSettings _batching;
    private readonly TimeProvider _time;
    private readonly ILogger<PartitionWorkers> _logger;
    private readonly CancellationTokenSource _abort = new();
    private Task[] _workers = [];

    public PartitionWorkers(
        PartitionedIngest ingest,
        TelemetryBatchHandler handler,
        IEnumerable<IBatchCompletionObserver> observers,
        IngestStatistics statistics,
        EventHubsBatchSettings batching,
        TimeProvider time,
        ILogger<PartitionWorkers> logger,
        ICaptureWriter? capture = null)
    {
        _ingest = ingest;
        _handler = handler;
        _capture = capture;
        _observers = observers.ToArray();
        _statistics = statistics;
        _batching = batching;
        _time = time;
        _logger = logger;
    }

    /// <summary>Test seam: awaited before every handler call (a test can hold a batch to fill the partitions).</summary>
    internal Func<CancellationToken, Task>? BeforeBatch { get; set; }

    public Task StartAsync(CancellationToken cancellationToken)
    {
        Log.IngestConfigured(_logger, _ingest.PartitionCount, _ingest.Capacity, _batching.MaxEventBatchSize, _batching.MaxWaitTime.TotalMilliseconds, _batching.Source);
        _workers = Enumerable.Range(0, _ingest.PartitionCount)
            .Select(p => Task.Run(() => RunAsync(p, _abort.Token), CancellationToken.None))
            .ToArray();
        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        _ingest.StopAccepting();
        try
        {
            await Task.WhenAll(_workers).WaitAsync(cancellationToken);
            Log.IngestDrained(_logger, _ingest.Pending);
        }
        catch (OperationCanceledException)
        {
            Log.IngestAbandoned(_logger, _ingest.Pending);
            await _abort.CancelAsync();
        }
    }

    public void Dispose() => _abort.Dispose();

    private async Task RunAsync(int partition, CancellationToken abort)
    {
        var reader = _ingest.Reader(partition);
        var partitionId = partition.ToString(System.Globalization.CultureInfo.InvariantCulture);
        var max = _batching.MaxEventBatchSize;
        var items = new List<QueuedEvent>(max);
        var events = new List<TelemetryEvent>(max);
        try
        {
            while (await reader.WaitToReadAsync(abort))
            {
                items.Clear();
                await FillAsync(reader, items, max, abort);
                if (items.Count == 0)
                {
                    continue;
                }

                events.Clear();
                foreach (var item in items)
                {
                    events.Add(item.Event);
                }

                await ProcessAsync(partition, partitionId, items, events, abort);
                _ingest.Complete(partition, items.Count);
            }
        }
        catch (OperationCanceledException) when (abort.IsCancellationRequested)
        {
            // Forced shutdown: StopAsync logged what was abandoned.
        }
    }

    private async Task FillAsync(System.Threading.Channels.ChannelReader<QueuedEvent> reader, List<QueuedEvent> items, int max, CancellationToken abort)
    {
        var started = _time.GetTimestamp();
        while (true)
        {
            while (items.Count < max && reader.TryRead(out var item))
            {
                items.Add(item);
            }

            if (items.Count >= max)
            {
                return;
            }

            var remaining = _batching.MaxWaitTime - _time.GetElapsedTime(started);
            if (remaining <= TimeSpan.Zero)
            {
                return;
            }

            using var wait = CancellationTokenSource.CreateLinkedTokenSource(abort);
            wait.CancelAfter(remaining);
            try
            {
                if (!await reader.WaitToReadAsync(wait.Token))
                {
                    return;
                }
            }
            catch (OperationCanceledException) when (!abort.IsCancellationRequested)
            {
                return;
            }
        }
    }

    private async Task ProcessAsync(int partition, string partitionId, List<QueuedEvent> items, List<TelemetryEvent> events, CancellationToken abort)
    {
        var captured = _capture is null;
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                if (BeforeBatch is { } hold)
                {
                    await hold(abort);
                }

                if (!captured)
                {
                    await _capture!.WriteAsync(partitionId, ToCaptured(items), abort);
                    captured = true;
                }

                var result = await _handler.HandleAsync(events, partitionId, abort);
                _statistics.Record(result);
                foreach (var observer in _observers)
                {
                    observer.OnBatchCompleted(partition, result);
                }

                if (attempt > 1)
                {
                    Log.BatchRecovered(_logger, partition, attempt);
                }

                return;
            }
            catch (Exception ex) when (!abort.IsCancellationRequested)
            {
                _statistics.RecordRetry();
                var delay = TimeSpan.FromMilliseconds(Math.Min(MaxBackoff.TotalMilliseconds, 100 * Math.Pow(2, Math.Min(attempt - 1, 10))));
                Log.BatchRetry(_logger, partition, items.Count, attempt, delay.TotalMilliseconds, ex);
                await Task.Delay(delay, _time, abort);
            }
        }
    }

    private static List<CapturedEvent> ToCaptured(List<QueuedEvent> items)
    {
        var list = new List<CapturedEvent>(items.Count);
        foreach (var item in items)
        {
            var e = item.Event;
            var system = new Dictionary<string, string>(StringComparer.Ordinal);
            if (e.SystemDeviceId is not null)
            {
                system["iothub-connection-device-id"] = e.SystemDeviceId;
            }

            if (e.MessageId is not null)
            {
                system["message-id"] = e.MessageId;
            }

            list.Add(new CapturedEvent(
                e.SequenceNumber ?? 0,
                item.Offset,
                e.EnqueuedTime ?? DateTimeOffset.UnixEpoch,
                e.Body,
                item.Properties ?? EmptyProperties,
                system));
        }

        return list;
    }

    private static readonly IReadOnlyDictionary<string, string> EmptyProperties = new Dictionary<string, string>();
}
