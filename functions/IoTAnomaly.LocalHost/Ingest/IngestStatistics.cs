using System.Collections.Concurrent;
using System.Diagnostics;
using IoTAnomaly.Core.Processing;

namespace IoTAnomaly.LocalHost.Ingest;

/// <summary>A consistent copy of the counters. <c>Received == Scored + Rejected</c> always holds in a snapshot.</summary>
public sealed record IngestSnapshot(
    long Received,
    long Scored,
    long Rejected,
    long Anomalies,
    IReadOnlyDictionary<string, long> RejectedByReason,
    long QueuedEvents,
    long PendingEvents,
    long RefusedRequests,
    long Batches,
    long BatchRetries,
    double ReadingsPerSecond,
    string? ModelVersion);

/// <summary>
/// Counters of what the partition workers finished (readings as the core handler counts them: every reading or
/// unparseable body part is one, scored or rejected), plus ingest-side counters. Updated once per batch under a lock,
/// so a snapshot always satisfies <c>Received == Scored + Rejected</c>.
/// </summary>
public sealed class IngestStatistics
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, long> _rejectedByReason = new(StringComparer.Ordinal);
    private readonly ConcurrentQueue<(long Timestamp, long Received)> _samples = new();
    private long _received;
    private long _scored;
    private long _rejected;
    private long _anomalies;
    private long _batches;
    private long _queued;
    private long _refused;
    private long _retries;
    private string? _modelVersion;

    public IngestStatistics()
    {
        _samples.Enqueue((Stopwatch.GetTimestamp(), 0));
    }

    /// <summary>Records a batch the handler finished.</summary>
    public void Record(BatchResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        lock (_gate)
        {
            _received += result.Received;
            _scored += result.Scored;
            _rejected += result.Rejected;
            _anomalies += result.Anomalies.Count;
            _batches++;
            foreach (var (reason, count) in result.RejectedByReason)
            {
                _rejectedByReason[reason] = _rejectedByReason.GetValueOrDefault(reason) + count;
            }

            if (result.ModelVersion is not null)
            {
                _modelVersion = result.ModelVersion;
            }
        }
    }

    public void RecordQueued(int events) => Interlocked.Add(ref _queued, events);

    public void RecordRefused() => Interlocked.Increment(ref _refused);

    public void RecordRetry() => Interlocked.Increment(ref _retries);

    /// <summary>A snapshot; <paramref name="pending"/> is the ingest's current backlog.</summary>
    public IngestSnapshot Snapshot(long pending = 0)
    {
        lock (_gate)
        {
            return new IngestSnapshot(
                _received,
                _scored,
                _rejected,
                _anomalies,
                new SortedDictionary<string, long>(_rejectedByReason, StringComparer.Ordinal),
                Interlocked.Read(ref _queued),
                pending,
                Interlocked.Read(ref _refused),
                _batches,
                Interlocked.Read(ref _retries),
                Rate(_received),
                _modelVersion);
        }
    }

    /// <summary>Readings finished per second over roughly the last ten seconds (sampled when snapshots are taken).</summary>
    private double Rate(long received)
    {
        var now = Stopwatch.GetTimestamp();
        _samples.Enqueue((now, received));
        while (_samples.Count > 2 && _samples.TryPeek(out var oldest) && Stopwatch.GetElapsedTime(oldest.Timestamp, now) > TimeSpan.FromSeconds(10))
        {
            _samples.TryDequeue(out _);
        }

        if (!_samples.TryPeek(out var first))
        {
            return 0;
        }

        var seconds = Stopwatch.GetElapsedTime(first.Timestamp, now).TotalSeconds;
        return seconds < 0.2 ? 0 : (received - first.Received) / seconds;
    }
}

/// <summary>The latest anomalies in memory, newest first (for <c>GET /api/anomalies</c>).</summary>
public sealed class AnomalyFeed(int capacity) : IBatchCompletionObserver
{
    private readonly Lock _gate = new();
    private readonly AnomalyRecord[] _ring = new AnomalyRecord[Math.Max(1, capacity)];
    private long _written;

    public void OnBatchCompleted(int partition, BatchResult result) => Add(result?.Anomalies ?? []);

    public void Add(IReadOnlyList<AnomalyRecord> anomalies)
    {
        ArgumentNullException.ThrowIfNull(anomalies);
        if (anomalies.Count == 0)
        {
            return;
        }

        lock (_gate)
        {
            foreach (var anomaly in anomalies)
            {
                _ring[_written % _ring.Length] = anomaly;
                _written++;
            }
        }
    }

    /// <summary>Up to <paramref name="limit"/> anomalies, newest first, optionally of one device.</summary>
    public IReadOnlyList<AnomalyRecord> Latest(int limit, string? deviceId = null)
    {
        var result = new List<AnomalyRecord>(Math.Min(limit, _ring.Length));
        lock (_gate)
        {
            var available = Math.Min(_written, _ring.Length);
            for (long i = 0; i < available && result.Count < limit; i++)
            {
                var record = _ring[(_written - 1 - i) % _ring.Length];
                if (deviceId is null || string.Equals(record.DeviceId, deviceId, StringComparison.Ordinal))
                {
                    result.Add(record);
                }
            }
        }

        return result;
    }
}
