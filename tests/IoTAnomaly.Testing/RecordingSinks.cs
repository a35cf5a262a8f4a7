using System.Collections.Concurrent;
using IoTAnomaly.Core.Processing;

namespace IoTAnomaly.Testing;

/// <summary>In-memory sinks that record what they were given and can be told to fail.</summary>
public sealed class RecordingSinks : IAnomalySink, IDeadLetterSink
{
    private int _anomalyWrites;
    private int _deadLetterWrites;

    public ConcurrentQueue<AnomalyRecord> Anomalies { get; } = new();

    public ConcurrentQueue<DeadLetterRecord> DeadLetters { get; } = new();

    /// <summary>Anomaly writes that succeeded (calls, not records).</summary>
    public int AnomalyWrites => _anomalyWrites;

    /// <summary>Dead-letter writes that succeeded (calls, not records).</summary>
    public int DeadLetterWrites => _deadLetterWrites;

    /// <summary>How many further writes fail.</summary>
    public int FailNextWrites { get; set; }

    Task IAnomalySink.WriteAsync(IReadOnlyList<AnomalyRecord> anomalies, CancellationToken cancellationToken)
    {
        ThrowIfFailing();
        Interlocked.Increment(ref _anomalyWrites);
        foreach (var a in anomalies)
        {
            Anomalies.Enqueue(a);
        }

        return Task.CompletedTask;
    }

    Task IDeadLetterSink.WriteAsync(IReadOnlyList<DeadLetterRecord> records, CancellationToken cancellationToken)
    {
        ThrowIfFailing();
        Interlocked.Increment(ref _deadLetterWrites);
        foreach (var r in records)
        {
            DeadLetters.Enqueue(r);
        }

        return Task.CompletedTask;
    }

    private void ThrowIfFailing()
    {
        if (FailNextWrites > 0)
        {
            FailNextWrites--;
            throw new IOException("sink unavailable (test)");
        }
    }
}
