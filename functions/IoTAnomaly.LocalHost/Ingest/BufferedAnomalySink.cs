using IoTAnomaly.Core.Processing;
using IoTAnomaly.LocalHost.Hosting;

namespace IoTAnomaly.LocalHost.Ingest;

/// <summary>
/// The local host's <see cref="IAnomalySink"/>: collects the anomalies of every partition's batches and writes them to
/// the Blob sink as one page per <see cref="LocalHostOptions.AnomalyFlushInterval"/> (or sooner, when
/// <c>pageSize</c> anomalies wait), so a busy fleet's false alarms cost one storage write per interval instead
/// of one per batch. <see cref="PartitionWorkers"/> flushes it on its timer (retrying a failed write until it
/// succeeds: the anomalies stay buffered) and once more after draining on stop; <c>GET /api/anomalies</c> with a time
/// window flushes it first, so a query sees every anomaly scored before it. Buffering is bounded: when
/// <see cref="LocalHostOptions.AnomalyBufferLimit"/> anomalies wait (storage down), <see cref="WriteAsync"/> writes them
/// itself, and its failure fails the batch, which the worker retries, as with an unbuffered sink.
/// A crash loses what is buffered, as it loses the in-memory partitions; the Azure function writes per batch.
/// </summary>
public sealed class BufferedAnomalySink(IAnomalySink inner, int pageSize, int limit, TimeSpan maxAge) : IAnomalySink, IDisposable
{
    private readonly FlushBuffer<AnomalyRecord> _buffer = new((pending, ct) => inner.WriteAsync(pending, ct), pageSize, maxAge);

    /// <summary>Anomalies waiting to be written.</summary>
    public int Count => _buffer.Count;

    /// <summary>True when anomalies waited longer than the interval, or a page is full.</summary>
    public bool IsDue => _buffer.IsDue;

    public async Task WriteAsync(IReadOnlyList<AnomalyRecord> anomalies, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(anomalies);
        if (anomalies.Count > 0 && _buffer.Append(anomalies) >= limit)
        {
            await _buffer.FlushAsync(cancellationToken);
        }
    }

    /// <summary>Writes everything buffered (as pages of the inner sink). On failure the anomalies stay buffered and the exception propagates.</summary>
    public Task FlushAsync(CancellationToken cancellationToken) => _buffer.FlushAsync(cancellationToken);

    public void Dispose() => _buffer.Dispose();
}
