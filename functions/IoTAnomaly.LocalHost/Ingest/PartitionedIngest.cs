using System.Threading.Channels;
using IoTAnomaly.Core.Diagnostics;
using IoTAnomaly.Core.Telemetry;
using IoTAnomaly.LocalHost.Hosting;
using Microsoft.Extensions.Options;

namespace IoTAnomaly.LocalHost.Ingest;

/// <summary>An event queued on a partition.</summary>
/// <param name="Event">The event with its partition sequence number and enqueued time.</param>
/// <param name="Offset">Byte offset in the partition (as Event Hubs reports it; for capture).</param>
/// <param name="Properties">User properties, if any (for capture).</param>
public readonly record struct QueuedEvent(TelemetryEvent Event, long Offset, IReadOnlyDictionary<string, string>? Properties);

/// <summary>The outcome of offering a request's events to the partitions.</summary>
public enum EnqueueOutcome
{
    /// <summary>Every event was queued.</summary>
    Accepted,

    /// <summary>A partition had no room for its share: nothing was queued (503 with Retry-After).</summary>
    Full,

    /// <summary>The request alone is larger than a partition can ever hold: nothing was queued (413).</summary>
    TooLarge,

    /// <summary>The host is stopping: nothing was queued (503).</summary>
    Stopping,
}

/// <summary>
/// The local stand-in for an Event Hub: <see cref="LocalHostOptions.Partitions"/> channels, events routed by a hash of
/// their partition key (the device id). Each partition is bounded to <see cref="LocalHostOptions.PartitionCapacity"/>
/// events counting both queued ones and the batch its worker is processing: a request reserves room in every partition
/// it touches first, and only when all reservations succeed are its events written (so a request is accepted or
/// refused as a whole, never half). Room is given back when the worker has finished the batch, so a stalled handler
/// fills the partition and the ingest answers 503 instead of buffering without limit.
/// </summary>
public sealed class PartitionedIngest
{
    private readonly Partition[] _partitions;
    private readonly TimeProvider _time;
    private int _roundRobin;
    private int _inFlight;
    private volatile bool _stopping;

    public PartitionedIngest(IOptions<LocalHostOptions> options, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(options);
        _time = time;
        Capacity = options.Value.PartitionCapacity;
        // Sequence numbers continue upwards across restarts (microseconds since the epoch at start), so synthetic
        // message ids (ev-{sequence}-{position}) of a new process do not collide with an earlier one's.
        var firstSequence = time.GetUtcNow().ToUnixTimeMilliseconds() * 1000;
        _partitions = Enumerable.Range(0, options.Value.Partitions).Select(i => new Partition(i, firstSequence)).ToArray();
    }

    public int PartitionCount => _partitions.Length;

    /// <summary>Events one partition holds at most.</summary>
    public int Capacity { get; }

    /// <summary>Events accepted and not yet finished by a worker, over all partitions.</summary>
    public long Pending
    {
        get
        {
            long sum = 0;
            foreach (var p in _partitions)
            {
                sum += Volatile.Read(ref p.Reserved);
            }

            return sum;
        }
    }

    public bool IsStopping => _stopping;

    /// <summary>The partition an event with this key hash goes to.</summary>
    public int PartitionOf(ulong? keyHash)
        => keyHash is { } hash ? (int)(hash % (ulong)_partitions.Length) : (int)((uint)Interlocked.Increment(ref _roundRobin) % (uint)_partitions.Length);

    /// <summary>Queues every unit or none.</summary>
    public EnqueueOutcome TryEnqueue(IReadOnlyList<IngestUnit> units)
    {
        ArgumentNullException.ThrowIfNull(units);
        Interlocked.Increment(ref _inFlight);
        try
        {
            if (_stopping)
            {
                return EnqueueOutcome.Stopping;
            }

            var targets = units.Count <= 256 ? stackalloc int[units.Count] : new int[units.Count];
            Span<int> counts = stackalloc int[_partitions.Length];
            for (var i = 0; i < units.Count; i++)
            {
                targets[i] = PartitionOf(units[i].PartitionKeyHash);
                counts[targets[i]]++;
            }

            for (var p = 0; p < counts.Length; p++)
            {
                if (counts[p] > Capacity)
                {
                    return EnqueueOutcome.TooLarge;
                }
            }

            for (var p = 0; p < counts.Length; p++)
            {
                if (counts[p] > 0 && !_partitions[p].TryReserve(counts[p], Capacity))
                {
                    for (var q = 0; q < p; q++)
                    {
                        if (counts[q] > 0)
                        {
                            _partitions[q].Release(counts[q]);
                        }
                    }

                    IoTAnomalyTelemetry.IngestBackpressure.Add(1, new KeyValuePair<string, object?>(IoTAnomalyTelemetry.PartitionTag, p.ToString(System.Globalization.CultureInfo.InvariantCulture)));
                    return EnqueueOutcome.Full;
                }
            }

            var now = _time.GetUtcNow();
            for (var p = 0; p < counts.Length; p++)
            {
                if (counts[p] == 0)
                {
                    continue;
                }

                var partition = _partitions[p];
                lock (partition.Gate)
                {
                    for (var i = 0; i < units.Count; i++)
                    {
                        if (targets[i] != p)
                        {
                            continue;
                        }

                        var unit = units[i];
                        var queued = new QueuedEvent(
                            unit.Event with { SequenceNumber = partition.NextSequence++, EnqueuedTime = now },
                            partition.NextOffset,
                            unit.Properties);
                        partition.NextOffset += unit.Event.Body.Length;
                        // Unbounded channel: the bound is the reservation above, so this write always succeeds.
                        partition.Channel.Writer.TryWrite(queued);
                    }
                }
            }

            return EnqueueOutcome.Accepted;
        }
        finally
        {
            Interlocked.Decrement(ref _inFlight);
        }
    }

    /// <summary>The reader of a partition's channel (one worker per partition).</summary>
    public ChannelReader<QueuedEvent> Reader(int partition) => _partitions[partition].Channel.Reader;

    /// <summary>Gives back room once a worker finished <paramref name="events"/> events of a partition.</summary>
    public void Complete(int partition, int events) => _partitions[partition].Release(events);

    /// <summary>Refuses further requests, waits for requests being queued right now, and completes the channels (workers then drain and stop).</summary>
    public void StopAccepting()
    {
        _stopping = true;
        var spin = new SpinWait();
        while (Volatile.Read(ref _inFlight) > 0)
        {
            spin.SpinOnce();
        }

        foreach (var p in _partitions)
        {
            p.Channel.Writer.TryComplete();
        }
    }

    private sealed class Partition(int id, long firstSequence)
    {
        public readonly Lock Gate = new();
        public readonly Channel<QueuedEvent> Channel = System.Threading.Channels.Channel.CreateUnbounded<QueuedEvent>(
            new UnboundedChannelOptions { SingleReader = true, SingleWriter = false, AllowSynchronousContinuations = false });

        public int Reserved;
        public long NextSequence = firstSequence;
        public long NextOffset;

        public int Id { get; } = id;

        public bool TryReserve(int count, int capacity)
        {
            while (true)
            {
                var current = Volatile.Read(ref Reserved);
                if (current + count > capacity)
                {
                    return false;
                }

                if (Interlocked.CompareExchange(ref Reserved, current + count, current) == current)
                {
                    return true;
                }
            }
        }

        public void Release(int count) => Interlocked.Add(ref Reserved, -count);
    }
}
