using IoTAnomaly.Core.Processing;
using IoTAnomaly.LocalHost.Hosting;

namespace IoTAnomaly.LocalHost.Ingest;

/// <summary>A sink buffer <see cref="PartitionWorkers"/> flushes on its timer and once more after draining on stop.</summary>
public interface IFlushableSink
{
    /// <summary>What it stores, for logs (<c>anomalies</c>, <c>dead letters</c>).</summary>
    string Name { get; }

    /// <summary>Longest a record waits before it is written.</summary>
    TimeSpan Interval { get; }

    /// <summary>Records waiting to be written.</summary>
    int Count { get; }

    /// <summary>True when records waited longer than the interval, or a page is full.</summary>
    bool IsDue { get; }

    /// <summary>Writes everything buffered (as pages of the inner sink). On failure the records stay buffered and the exception propagates.</summary>
    Task FlushAsync(CancellationToken cancellationToken);
}

/// <summary>
/// Collects the records of every partition's batches and writes them to the inner Blob sink as one page per
/// <paramref name="interval"/> (or sooner, when <paramref name="pageSize"/> records wait), so a busy fleet costs one
/// storage write per interval instead of one per batch. <see cref="PartitionWorkers"/> flushes it on its timer
/// (retrying a failed write until it succeeds: the records stay buffered) and once more after draining on stop.
/// Buffering is bounded: when the records' total <paramref name="weight"/> reaches <paramref name="limit"/> (storage
/// down), the batch that appends writes them itself, and its failure fails the batch, which the worker retries, as with
/// an unbuffered sink. A crash loses what is buffered, as it loses the in-memory partitions; the Azure function writes
/// per batch.
/// </summary>
public abstract class BufferedSink<T>(string name, Func<List<T>, CancellationToken, Task> write, int pageSize, long limit, TimeSpan interval, Func<T, long>? weight = null)
    : IFlushableSink, IDisposable
{
    private readonly FlushBuffer<T> _buffer = new(write, pageSize, interval, weight);

    public string Name { get; } = name;

    public TimeSpan Interval { get; } = interval;

    public int Count => _buffer.Count;

    public bool IsDue => _buffer.IsDue;

    public Task FlushAsync(CancellationToken cancellationToken) => _buffer.FlushAsync(cancellationToken);

    public void Dispose()
    {
        _buffer.Dispose();
        GC.SuppressFinalize(this);
    }

    /// <summary>Buffers <paramref name="records"/>; at the limit, writes everything buffered (a failure propagates).</summary>
    protected async Task AppendAsync(IReadOnlyList<T> records, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(records);
        if (records.Count == 0)
        {
            return;
        }

        if (_buffer.Append(records) >= limit)
        {
            await _buffer.FlushAsync(cancellationToken);
        }
    }
}

/// <summary>
/// The local host's <see cref="IAnomalySink"/> (<see cref="BufferedSink{T}"/>): pages every
/// <see cref="LocalHostOptions.AnomalyFlushInterval"/>, at most <see cref="LocalHostOptions.AnomalyBufferLimit"/>
/// anomalies buffered. <c>GET /api/anomalies</c> with a time window flushes it first, so a query sees every anomaly
/// scored before it.
/// </summary>
public sealed class BufferedAnomalySink(IAnomalySink inner, int pageSize, int limit, TimeSpan maxAge)
    : BufferedSink<AnomalyRecord>("anomalies", (pending, ct) => inner.WriteAsync(pending, ct), pageSize, limit, maxAge), IAnomalySink
{
    public Task WriteAsync(IReadOnlyList<AnomalyRecord> anomalies, CancellationToken cancellationToken) => AppendAsync(anomalies, cancellationToken);
}

/// <summary>
/// The local host's <see cref="IDeadLetterSink"/> (<see cref="BufferedSink{T}"/>): pages every
/// <see cref="LocalHostOptions.DeadLetterFlushInterval"/>, at most <see cref="LocalHostOptions.DeadLetterBufferBytes"/>
/// buffered (payloads and details as UTF-16, plus 256 bytes a record), so a storm of bad input costs one storage write
/// per interval.
/// </summary>
public sealed class BufferedDeadLetterSink(IDeadLetterSink inner, int pageSize, long limitBytes, TimeSpan maxAge)
    : BufferedSink<DeadLetterRecord>("dead letters", (pending, ct) => inner.WriteAsync(pending, ct), pageSize, limitBytes, maxAge, Weight), IDeadLetterSink
{
    public Task WriteAsync(IReadOnlyList<DeadLetterRecord> records, CancellationToken cancellationToken) => AppendAsync(records, cancellationToken);

    /// <summary>Memory a buffered dead letter holds, roughly.</summary>
    internal static long Weight(DeadLetterRecord record) => 256 + (2L * (record.Payload.Length + record.Detail.Length));
}
