using System.Diagnostics;
using IoTAnomaly.Core.Capture;

namespace IoTAnomaly.LocalHost.Ingest;

/// <summary>
/// Collects a partition's accepted events and writes them through <see cref="ICaptureWriter"/> in files of up to
/// <c>maxEvents</c> events or <c>maxAge</c> of waiting, like Event Hubs Capture's size/time window (one file per
/// partition per window, not one per batch). A failed write keeps the events and is retried at the next flush.
/// Thread-safe: the partition worker appends, the flush timer and the stop path flush.
/// </summary>
public sealed class CaptureBuffer(ICaptureWriter writer, string partitionId, int maxEvents, TimeSpan maxAge) : IDisposable
{
    private readonly Lock _gate = new();
    private readonly SemaphoreSlim _flush = new(1, 1);
    private List<CapturedEvent> _events = [];
    private long _firstAppended;

    /// <summary>Events waiting to be written.</summary>
    public int Count
    {
        get
        {
            lock (_gate)
            {
                return _events.Count;
            }
        }
    }

    /// <summary>Adds events; true when the buffer is now due for a flush (full).</summary>
    public bool Append(IReadOnlyList<CapturedEvent> events)
    {
        ArgumentNullException.ThrowIfNull(events);
        lock (_gate)
        {
            if (_events.Count == 0)
            {
                _firstAppended = Stopwatch.GetTimestamp();
            }

            _events.AddRange(events);
            return _events.Count >= maxEvents;
        }
    }

    /// <summary>True when events have waited longer than the window.</summary>
    public bool IsDue
    {
        get
        {
            lock (_gate)
            {
                return _events.Count > 0 && Stopwatch.GetElapsedTime(_firstAppended) >= maxAge;
            }
        }
    }

    /// <summary>Writes everything buffered as one capture file. On failure the events stay buffered and the exception propagates.</summary>
    public async Task FlushAsync(CancellationToken cancellationToken)
    {
        await _flush.WaitAsync(cancellationToken);
        try
        {
            List<CapturedEvent> pending;
            lock (_gate)
            {
                if (_events.Count == 0)
                {
                    return;
                }

                pending = _events;
                _events = [];
            }

            try
            {
                await writer.WriteAsync(partitionId, pending, cancellationToken);
            }
            catch
            {
                lock (_gate)
                {
                    pending.AddRange(_events);
                    _events = pending;
                }

                throw;
            }
        }
        finally
        {
            _flush.Release();
        }
    }

    public void Dispose() => _flush.Dispose();
}
