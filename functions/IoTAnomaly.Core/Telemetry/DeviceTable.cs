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

    /// <summary>This device's row in the drift accumulator's current window (valid while the generation matches).</summary>
    internal long[][]? DriftCounts { get; set; }

    internal long DriftGeneration { get; set; }
}
