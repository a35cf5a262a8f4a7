using System.Diagnostics;

namespace IoTAnomaly.LocalHost.Ingest;

/// <summary>
/// Items collected from several producers and written in bulk by <paramref name="write"/>: due when
/// <paramref name="maxCount"/> wait or the oldest waited <paramref name="maxAge"/>. A flush takes everything buffered;
/// when the write fails the items go back ahead of newer ones and the exception propagates, so nothing is lost and the
/// order is kept. Thread-safe; one flush at a time. The capture files, anomaly pages and dead-letter pages of the
/// local host. <paramref name="weight"/> (1 per item when null) sums into what <see cref="Append"/> returns, for bounds in bytes.
/// </summary>
public sealed class FlushBuffer<T>(Func<List<T>, CancellationToken, Task> write, int maxCount, TimeSpan maxAge, Func<T, long>? weight = null) : IDisposable
{
    private readonly Lock _gate = new();
    private readonly SemaphoreSlim _flush = new(1, 1);
    private List<T> _items = [];
    private long _weight;
    private long _firstAppended;

    /// <summary>Items waiting to be written.</summary>
    public int Count
    {
        get
        {
            lock (_gate)
            {
                return _items.Count;
            }
        }
    }

    /// <summary>True when <c>maxCount</c> items wait, or the oldest waited longer than <c>maxAge</c>.</summary>
    public bool IsDue
    {
        get
        {
            lock (_gate)
            {
                return _items.Count >= maxCount || (_items.Count > 0 && Stopwatch.GetElapsedTime(_firstAppended) >= maxAge);
            }
        }
    }

    /// <summary>Adds items; returns the buffered items' total weight now (their count without a weight function).</summary>
    public long Append(IEnumerable<T> items)
    {
        ArgumentNullException.ThrowIfNull(items);
        lock (_gate)
        {
            if (_items.Count == 0)
            {
                _firstAppended = Stopwatch.GetTimestamp();
            }

            var count = _items.Count;
            _items.AddRange(items);
            if (weight is null)
            {
                _weight += _items.Count - count;
            }
            else
            {
                for (var i = count; i < _items.Count; i++)
                {
                    _weight += weight(_items[i]);
                }
            }

            return _weight;
        }
    }

    /// <summary>Writes everything buffered in one call. On failure the items stay buffered and the exception propagates.</summary>
    public async Task FlushAsync(CancellationToken cancellationToken)
    {
        await _flush.WaitAsync(cancellationToken);
        try
        {
            List<T> pending;
            long pendingWeight;
            lock (_gate)
            {
                if (_items.Count == 0)
                {
                    return;
                }

                pending = _items;
                pendingWeight = _weight;
                _items = [];
                _weight = 0;
            }

            try
            {
                await write(pending, cancellationToken);
            }
            catch
            {
                lock (_gate)
                {
                    pending.AddRange(_items);
                    _items = pending;
                    _weight += pendingWeight;
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
