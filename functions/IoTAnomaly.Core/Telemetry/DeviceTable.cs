using System.Collections.Concurrent;
using System.Text;
using IoTAnomaly.Core.Detection;

namespace IoTAnomaly.Core.Telemetry;

/// <summary>
/// Every device this process has seen, with its scoring state. Device ids are interned: looking a device up by its
/// UTF-8 id allocates nothing once the device is known.
/// </summary>
public sealed class DeviceTable
{
    private readonly ConcurrentDictionary<string, DeviceEntry> _devices = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, DeviceEntry>.AlternateLookup<ReadOnlySpan<char>> _lookup;
    private readonly int _maxDevices;

    public DeviceTable(int maxDevices)
    {
        _maxDevices = maxDevices;
        _lookup = _devices.GetAlternateLookup<ReadOnlySpan<char>>();
    }

    public int Count => _devices.Count;

    public IEnumerable<DeviceEntry> Entries => _devices.Values;

    /// <summary>Finds or adds a device by its UTF-8 id (already validated). Null when the table is full.</summary>
    public DeviceEntry? GetOrAdd(ReadOnlySpan<byte> utf8Id)
    {
        Span<char> chars = stackalloc char[utf8Id.Length];
        var n = Encoding.UTF8.GetChars(utf8Id, chars);
        return GetOrAdd(chars[..n]);
    }

    public DeviceEntry? GetOrAdd(ReadOnlySpan<char> id)
    {
        if (_lookup.TryGetValue(id, out var entry))
        {
            return entry;
        }

        if (_devices.Count >= _maxDevices)
        {
            return null;
        }

        var key = id.ToString();
        return _devices.GetOrAdd(key, static k => new DeviceEntry(k));
    }

    public bool TryGet(string id, out DeviceEntry? entry) => _devices.TryGetValue(id, out entry);
}

/// <summary>One device's state. Lock <see cref="Gate"/> while scoring it, so its readings are scored one at a time, in order.</summary>
public sealed class DeviceEntry
{
    internal DeviceEntry(string id)
    {
        Id = id;
        IdHash = Hash64.Compute(Encoding.UTF8.GetBytes(id));
    }

    public string Id { get; }

    /// <summary>Hash of the UTF-8 id, the device half of every message key.</summary>
    public ulong IdHash { get; }

    public Lock Gate { get; } = new();

    /// <summary>The detector state for <see cref="DetectorStateVersion"/>; replaced when the champion changes.</summary>
    public DeviceDetectorState? DetectorState { get; set; }

    public string? DetectorStateVersion { get; set; }

    /// <summary>Data-quality state (last values, flat-line run lengths), sized to the model's sensors.</summary>
    public double[]? LastValues { get; set; }

    public int[]? FlatRuns { get; set; }

    /// <summary>Timestamp of the latest reading scored for this device (UTC ticks), 0 before the first.</summary>
    public long LastTimestampTicks { get; set; }

    /// <summary>Host time (UTC ticks) when the latest reading of this device was scored.</summary>
    public long LastSeenTicks { get; set; }

    public long Scored { get; set; }

    public long Anomalies { get; set; }

    /// <summary>The latest combined score and whether it was an anomaly (for dashboards).</summary>
    public double LastScore { get; set; }

    public bool LastIsAnomaly { get; set; }

    /// <summary>The batch (<see cref="ReadingBatch.StateMark"/>) whose start <see cref="Undo"/> holds; 0 for none.</summary>
    internal long UndoMark { get; set; }

    /// <summary>This device's state before the batch <see cref="UndoMark"/> first scored it (allocated once, then reused).</summary>
    internal DeviceUndo? Undo { get; set; }

    /// <summary>This device's row in the drift accumulator's current window (valid while the generation matches).</summary>
    internal long[][]? DriftCounts { get; set; }

    internal long DriftGeneration { get; set; }
}

/// <summary>
/// A device's scoring state as it was before a batch: the detector state (a reused copy), the data-quality arrays and
/// the counters. When the batch's results cannot be stored and the batch will be delivered again, the handler puts
/// this back, so the redelivery scores the same readings from the same state instead of advancing it twice.
/// </summary>
internal sealed class DeviceUndo
{
    private DeviceDetectorState? _detectorState;
    private bool _detectorSaved;
    private bool _hadDetectorState;
    private string? _detectorStateVersion;
    private double[]? _lastValues;
    private int[]? _flatRuns;
    private bool _hadQuality;
    private long _lastTimestampTicks;
    private long _lastSeenTicks;
    private long _scored;
    private long _anomalies;
    private double _lastScore;
    private bool _lastIsAnomaly;

    /// <summary>Copies <paramref name="device"/>'s state; call under its gate.</summary>
    public void Save(DeviceEntry device)
    {
        var state = device.DetectorState;
        _hadDetectorState = state is not null;
        _detectorStateVersion = device.DetectorStateVersion;
        if (state is null)
        {
            _detectorSaved = true;
        }
        else if (_detectorState is not null && state.TryCopyTo(_detectorState))
        {
            _detectorSaved = true;
        }
        else
        {
            _detectorState = state.Snapshot();
            _detectorSaved = _detectorState is not null;
        }

        var last = device.LastValues;
        var runs = device.FlatRuns;
        _hadQuality = last is not null && runs is not null;
        if (_hadQuality)
        {
            if (_lastValues is null || _lastValues.Length != last!.Length || _flatRuns is null || _flatRuns.Length != runs!.Length)
            {
                _lastValues = new double[last!.Length];
                _flatRuns = new int[runs!.Length];
            }

            last.AsSpan().CopyTo(_lastValues);
            runs.AsSpan().CopyTo(_flatRuns);
        }

        _lastTimestampTicks = device.LastTimestampTicks;
        _lastSeenTicks = device.LastSeenTicks;
        _scored = device.Scored;
        _anomalies = device.Anomalies;
        _lastScore = device.LastScore;
        _lastIsAnomaly = device.LastIsAnomaly;
    }

    /// <summary>
    /// Puts the saved state back into <paramref name="device"/>; call under its gate. The device's current objects
    /// become this copy's buffers, so saving again allocates nothing. A detector without copies
    /// (<see cref="DeviceDetectorState.Snapshot"/> null) keeps its advanced state; everything else goes back.
    /// </summary>
    public void Restore(DeviceEntry device)
    {
        if (_detectorSaved)
        {
            if (_hadDetectorState)
            {
                (device.DetectorState, _detectorState) = (_detectorState, device.DetectorState);
            }
            else
            {
                _detectorState = device.DetectorState ?? _detectorState;
                device.DetectorState = null;
            }

            device.DetectorStateVersion = _detectorStateVersion;
        }

        if (_hadQuality)
        {
            (device.LastValues, _lastValues) = (_lastValues, device.LastValues);
            (device.FlatRuns, _flatRuns) = (_flatRuns, device.FlatRuns);
        }
        else
        {
            device.LastValues = null;
            device.FlatRuns = null;
        }

        device.LastTimestampTicks = _lastTimestampTicks;
        device.LastSeenTicks = _lastSeenTicks;
        device.Scored = _scored;
        device.Anomalies = _anomalies;
        device.LastScore = _lastScore;
        device.LastIsAnomaly = _lastIsAnomaly;
    }
}
