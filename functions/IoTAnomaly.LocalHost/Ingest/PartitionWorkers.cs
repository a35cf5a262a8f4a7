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
    private readonly IFlushableSink[] _sinkBuffers;
    private readonly int _captureMaxEvents;
    private readonly TimeSpan _captureWindow;
    private readonly IReadOnlyList<IBatchCompletionObserver> _observers;
    private readonly IngestStatistics _statistics;
    private readonly EventHubsBatchSettings _batching;
    private readonly TimeProvider _time;
    private readonly ILogger<PartitionWorkers> _logger;
    private readonly CancellationTokenSource _abort = new();
    private readonly CancellationTokenSource _stopFlusher = new();
    private FlushBuffer<CapturedEvent>[] _captureBuffers = [];
    private Task[] _workers = [];
    private Task _flusher = Task.CompletedTask;
    private Task? _stopping;
    private int _firstScored;

    public PartitionWorkers(
        PartitionedIngest ingest,
        TelemetryBatchHandler handler,
        IEnumerable<IBatchCompletionObserver> observers,
        IngestStatistics statistics,
        EventHubsBatchSettings batching,
        Microsoft.Extensions.Options.IOptions<LocalHostOptions> options,
        TimeProvider time,
        ILogger<PartitionWorkers> logger,
        ICaptureWriter? capture = null,
        BufferedAnomalySink? anomalies = null,
        BufferedDeadLetterSink? deadLetters = null)
    {
        _ingest = ingest;
        _handler = handler;
        _capture = options.Value.Capture ? capture : null;
        _captureMaxEvents = options.Value.CaptureMaxEvents;
        _captureWindow = options.Value.CaptureWindow;
        _sinkBuffers = new IFlushableSink?[] { anomalies, deadLetters }.OfType<IFlushableSink>().ToArray();
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
        if (_capture is not null)
        {
            _captureBuffers = Enumerable.Range(0, _ingest.PartitionCount)
                .Select(p =>
                {
                    var partitionId = p.ToString(System.Globalization.CultureInfo.InvariantCulture);
                    return new FlushBuffer<CapturedEvent>((events, ct) => _capture.WriteAsync(partitionId, events, ct), _captureMaxEvents, _captureWindow);
                })
                .ToArray();
        }

        if (_capture is not null || _sinkBuffers.Length > 0)
        {
            _flusher = Task.Run(() => FlushBuffersAsync(_stopFlusher.Token), CancellationToken.None);
        }

        _workers = Enumerable.Range(0, _ingest.PartitionCount)
            .Select(p => Task.Run(() => RunAsync(p, _abort.Token), CancellationToken.None))
            .ToArray();
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        // A host may be stopped more than once (e.g. WebApplicationFactory's dispose): drain once, and let every
        // caller wait for that drain, so nothing is disposed while it runs.
        lock (_abort)
        {
            _stopping ??= StopCoreAsync(cancellationToken);
            return _stopping;
        }
    }

    private async Task StopCoreAsync(CancellationToken cancellationToken)
    {
        _ingest.StopAccepting();
        try
        {
            await Task.WhenAll(_workers).WaitAsync(cancellationToken);
            await _stopFlusher.CancelAsync();
            await _flusher.WaitAsync(cancellationToken);
            for (var p = 0; p < _captureBuffers.Length; p++)
            {
                await FlushWithRetryAsync(_captureBuffers[p], p, cancellationToken);
            }

            foreach (var sink in _sinkBuffers)
            {
                await FlushSinkWithRetryAsync(sink, cancellationToken);
            }

            Log.IngestDrained(_logger, _ingest.Pending);
        }
        catch (OperationCanceledException)
        {
            Log.IngestAbandoned(_logger, _ingest.Pending);
            await _abort.CancelAsync();
        }
    }

    public void Dispose()
    {
        _abort.Dispose();
        _stopFlusher.Dispose();
        foreach (var buffer in _captureBuffers)
        {
            buffer.Dispose();
        }
    }

    /// <summary>Writes capture files, anomaly pages and dead-letter pages that waited longer than their windows, until stopped.</summary>
    private async Task FlushBuffersAsync(CancellationToken stop)
    {
        var window = _sinkBuffers.Select(b => b.Interval).Where(i => i > TimeSpan.Zero).Append(_capture is null ? TimeSpan.MaxValue : _captureWindow).Min();
        using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(Math.Clamp(window.TotalMilliseconds / 4, 10, 1000)), _time);
        try
        {
            while (await timer.WaitForNextTickAsync(stop))
            {
                for (var p = 0; p < _captureBuffers.Length; p++)
                {
                    if (_captureBuffers[p].IsDue)
                    {
                        await FlushWithRetryAsync(_captureBuffers[p], p, stop);
                    }
                }

                foreach (var sink in _sinkBuffers)
                {
                    if (sink.IsDue)
                    {
                        await FlushSinkWithRetryAsync(sink, stop);
                    }
                }
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            // Stopping: StopAsync flushes what is left.
        }
    }

    private Task FlushWithRetryAsync(FlushBuffer<CapturedEvent> buffer, int partition, CancellationToken cancellationToken)
        => RetryUntilWrittenAsync(buffer.FlushAsync, (attempt, delay, ex) => Log.CaptureRetry(_logger, partition, buffer.Count, attempt, delay, ex), cancellationToken);

    private Task FlushSinkWithRetryAsync(IFlushableSink buffer, CancellationToken cancellationToken)
        => RetryUntilWrittenAsync(buffer.FlushAsync, (attempt, delay, ex) => Log.SinkFlushRetry(_logger, buffer.Count, buffer.Name, attempt, delay, ex), cancellationToken);

    /// <summary>Calls <paramref name="flush"/> until it succeeds, with exponential back-off (100 ms doubling to 5 s), logging each failure.</summary>
    private async Task RetryUntilWrittenAsync(Func<CancellationToken, Task> flush, Action<int, double, Exception> logRetry, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await flush(cancellationToken);
                return;
            }
            catch (Exception ex) when (!cancellationToken.IsCancellationRequested && ex is not ObjectDisposedException)
            {
                var delay = TimeSpan.FromMilliseconds(Math.Min(MaxBackoff.TotalMilliseconds, 100 * Math.Pow(2, Math.Min(attempt - 1, 10))));
                logRetry(attempt, delay.TotalMilliseconds, ex);
                await Task.Delay(delay, _time, cancellationToken);
            }
        }
    }

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
        CancellationTokenSource? wait = null;
        try
        {
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

                // One linked source per batch, re-armed for each wait (a busy partition waits several times per batch).
                wait ??= CancellationTokenSource.CreateLinkedTokenSource(abort);
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
        finally
        {
            wait?.Dispose();
        }
    }

    private async Task ProcessAsync(int partition, string partitionId, List<QueuedEvent> items, List<TelemetryEvent> events, CancellationToken abort)
    {
        if (_capture is not null)
        {
            // Capture is written by the buffer in Capture-sized files; a full buffer is flushed here, before scoring.
            if (_captureBuffers[partition].Append(ToCaptured(items)) >= _captureMaxEvents)
            {
                await FlushWithRetryAsync(_captureBuffers[partition], partition, abort);
            }
        }

        for (var attempt = 1; ; attempt++)
        {
            try
            {
                if (BeforeBatch is { } hold)
                {
                    await hold(abort);
                }

                var result = await _handler.HandleAsync(events, partitionId, abort);
                _statistics.Record(result);
                if (result.Scored > 0 && Interlocked.Exchange(ref _firstScored, 1) == 0)
                {
                    using var process = System.Diagnostics.Process.GetCurrentProcess();
                    var sinceStart = (DateTime.Now - process.StartTime).TotalMilliseconds;
                    Log.FirstBatchScored(_logger, sinceStart, result.ModelVersion);
                }

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
            IReadOnlyDictionary<string, string> system = EmptyProperties;
            if (e.SystemDeviceId is not null || e.MessageId is not null)
            {
                var properties = new Dictionary<string, string>(StringComparer.Ordinal);
                if (e.SystemDeviceId is not null)
                {
                    properties["iothub-connection-device-id"] = e.SystemDeviceId;
                }

                if (e.MessageId is not null)
                {
                    properties["message-id"] = e.MessageId;
                }

                system = properties;
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
