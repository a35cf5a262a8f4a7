using System.Globalization;
using System.Text;
using IoTAnomaly.Core.Detection;

namespace IoTAnomaly.Core.Telemetry;

/// <summary>
/// A reusable, struct-of-arrays batch of parsed readings and their outcomes. One row per received unit: a reading,
/// or an unparseable part of a body. Row i is scored when <see cref="Reasons"/>[i] is <see cref="RejectReason.None"/>.
/// Arrays grow to the largest batch seen and are then reused, so steady-state processing allocates nothing per reading.
/// </summary>
public sealed class ReadingBatch
{
    private byte[] _arena = new byte[4096];
    private int _arenaLength;

    public ReadingBatch(int initialCapacity = 128)
    {
        Allocate(Math.Max(initialCapacity, 4), 8);
    }

    public int Count { get; private set; }

    public int SensorCount { get; private set; }

    public DeviceEntry?[] Devices { get; private set; } = [];

    public long[] TimestampTicks { get; private set; } = [];

    public long[] Sequences { get; private set; } = [];

    public ulong[] MessageKeys { get; private set; } = [];

    public MessageKeyKind[] KeyKinds { get; private set; } = [];

    public int[] EventIndexes { get; private set; } = [];

    public int[] PositionsInEvent { get; private set; } = [];

    /// <summary>Sensor values, row-major: row i's values are <c>Values[i*SensorCount .. (i+1)*SensorCount]</c>.</summary>
    public double[] Values { get; private set; } = [];

    public RejectReason[] Reasons { get; private set; } = [];

    /// <summary>Human-readable detail of a rejection (which sensor, what limit).</summary>
    public string?[] Details { get; private set; } = [];

    /// <summary>The raw payload of a rejected row (possibly cut to the dead-letter size limit).</summary>
    public string?[] RawPayloads { get; private set; } = [];

    /// <summary>Device id text of a rejected row when it could be read but not resolved to a device.</summary>
    public string?[] RejectedDeviceIds { get; private set; } = [];

    public DetectorScore[] Scores { get; private set; } = [];

    /// <summary>Per-sensor contributions, row-major like <see cref="Values"/>.</summary>
    public double[] Contributions { get; private set; } = [];

    public QualityFlags[] Quality { get; private set; } = [];

    private int[] MessageIdOffsets { get; set; } = [];

    private int[] MessageIdLengths { get; set; } = [];

    private long[] EventSequences { get; set; } = [];

    public int ScoredCount { get; internal set; }

    public int RejectedCount { get; internal set; }

    public int AnomalyCount { get; internal set; }

    /// <summary>
    /// Identifies the scoring pass that last advanced device state with this batch (0: none); devices keep their
    /// state from before that pass under this mark, so the pass can be undone.
    /// </summary>
    internal long StateMark { get; set; }

    /// <summary>Empties the batch for a model with <paramref name="sensorCount"/> sensors.</summary>
    public void Reset(int sensorCount)
    {
        if (sensorCount != SensorCount)
        {
            SensorCount = sensorCount;
            Values = new double[Devices.Length * sensorCount];
            Contributions = new double[Devices.Length * sensorCount];
        }

        Array.Clear(Devices, 0, Count);
        Array.Clear(Details, 0, Count);
        Array.Clear(RawPayloads, 0, Count);
        Array.Clear(RejectedDeviceIds, 0, Count);
        Count = 0;
        StateMark = 0;
        ScoredCount = 0;
        RejectedCount = 0;
        AnomalyCount = 0;
        _arenaLength = 0;
    }

    public Span<double> GetValues(int row) => Values.AsSpan(row * SensorCount, SensorCount);

    public Span<double> GetContributions(int row) => Contributions.AsSpan(row * SensorCount, SensorCount);

    /// <summary>The reading's message id as text (its own id, or a stable synthetic one: <c>seq-…</c>, <c>ev-…</c>, <c>h-…</c>).</summary>
    public string GetMessageId(int row)
    {
        return KeyKinds[row] switch
        {
            MessageKeyKind.MessageId => Encoding.UTF8.GetString(_arena, MessageIdOffsets[row], MessageIdLengths[row]),
            MessageKeyKind.Sequence => "seq-" + Sequences[row].ToString(CultureInfo.InvariantCulture),
            MessageKeyKind.EventPosition => "ev-" + EventSequences[row].ToString(CultureInfo.InvariantCulture) + "-" + PositionsInEvent[row].ToString(CultureInfo.InvariantCulture),
            _ => "h-" + MessageKeys[row].ToString("x16", CultureInfo.InvariantCulture),
        };
    }

    public string? GetDeviceId(int row) => Devices[row]?.Id ?? RejectedDeviceIds[row];

    public DateTimeOffset? GetTimestamp(int row)
        => TimestampTicks[row] > 0 ? new DateTimeOffset(TimestampTicks[row], TimeSpan.Zero) : null;

    /// <summary>Reserves the next row (not yet counted) and returns its index.</summary>
    internal int Reserve()
    {
        if (Count == Devices.Length)
        {
            Allocate(Devices.Length * 2, SensorCount);
        }

        var row = Count;
        Devices[row] = null;
        TimestampTicks[row] = 0;
        Sequences[row] = long.MinValue;
        MessageKeys[row] = 0;
        KeyKinds[row] = MessageKeyKind.ContentHash;
        Reasons[row] = RejectReason.None;
        Details[row] = null;
        RawPayloads[row] = null;
        RejectedDeviceIds[row] = null;
        Quality[row] = QualityFlags.None;
        Scores[row] = default;
        MessageIdLengths[row] = 0;
        EventSequences[row] = 0;
        return row;
    }

    internal void Commit() => Count++;

    /// <summary>Drops the rows from <paramref name="count"/> on (a parse that gave its body back).</summary>
    internal void Truncate(int count)
    {
        Array.Clear(Devices, count, Count - count);
        Array.Clear(Details, count, Count - count);
        Array.Clear(RawPayloads, count, Count - count);
        Array.Clear(RejectedDeviceIds, count, Count - count);
        Count = count;
    }

    internal int ArenaMark => _arenaLength;

    internal void RewindArena(int mark) => _arenaLength = mark;

    /// <summary>Copies bytes into the batch arena and returns their offset.</summary>
    internal int Store(ReadOnlySpan<byte> bytes)
    {
        if (_arenaLength + bytes.Length > _arena.Length)
        {
            Array.Resize(ref _arena, Math.Max(_arena.Length * 2, _arenaLength + bytes.Length));
        }

        bytes.CopyTo(_arena.AsSpan(_arenaLength));
        var offset = _arenaLength;
        _arenaLength += bytes.Length;
        return offset;
    }

    /// <summary>Stores <paramref name="text"/> as UTF-8 in the arena; returns its offset, and its length in bytes.</summary>
    internal int Store(string text, out int length)
    {
        var max = Encoding.UTF8.GetMaxByteCount(text.Length);
        if (_arenaLength + max > _arena.Length)
        {
            Array.Resize(ref _arena, Math.Max(_arena.Length * 2, _arenaLength + max));
        }

        length = Encoding.UTF8.GetBytes(text, _arena.AsSpan(_arenaLength));
        var offset = _arenaLength;
        _arenaLength += length;
        return offset;
    }

    internal ReadOnlySpan<byte> Arena(int offset, int length) => _arena.AsSpan(offset, length);

    internal void SetMessageId(int row, int offset, int length)
    {
        MessageIdOffsets[row] = offset;
        MessageIdLengths[row] = length;
    }

    internal void SetEventSequence(int row, long sequence) => EventSequences[row] = sequence;

    private void Allocate(int capacity, int sensorCount)
    {
        static T[] Grow<T>(T[] array, int size)
        {
            var copy = new T[size];
            Array.Copy(array, copy, Math.Min(array.Length, size));
            return copy;
        }

        Devices = Grow(Devices, capacity);
        TimestampTicks = Grow(TimestampTicks, capacity);
        Sequences = Grow(Sequences, capacity);
        MessageKeys = Grow(MessageKeys, capacity);
        KeyKinds = Grow(KeyKinds, capacity);
        EventIndexes = Grow(EventIndexes, capacity);
        PositionsInEvent = Grow(PositionsInEvent, capacity);
        Reasons = Grow(Reasons, capacity);
        Details = Grow(Details, capacity);
        RawPayloads = Grow(RawPayloads, capacity);
        RejectedDeviceIds = Grow(RejectedDeviceIds, capacity);
        Scores = Grow(Scores, capacity);
        Quality = Grow(Quality, capacity);
        MessageIdOffsets = Grow(MessageIdOffsets, capacity);
        MessageIdLengths = Grow(MessageIdLengths, capacity);
        EventSequences = Grow(EventSequences, capacity);
        SensorCount = sensorCount;
        Values = Grow(Values, capacity * sensorCount);
        Contributions = Grow(Contributions, capacity * sensorCount);
    }
}
