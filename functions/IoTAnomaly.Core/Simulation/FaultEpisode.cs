namespace IoTAnomaly.Core.Simulation;

/// <summary>
/// One injected fault episode: which device, what kind, from which step for how many steps, and which sensors
/// (indexes into <see cref="FleetSimulator.SensorNames"/>; empty for a dropout).
/// </summary>
public sealed record FaultEpisode(string DeviceId, int DeviceIndex, FaultKind Kind, long StartStep, int Length, IReadOnlyList<int> Sensors)
{
    /// <summary>The first step after the episode.</summary>
    public long EndStep => StartStep + Length;

    public bool Covers(long step) => step >= StartStep && step < EndStep;
}

/// <summary>How a malformed message is broken.</summary>
public enum MalformedKind : byte
{
    /// <summary>Syntactically broken JSON (the message is cut off): rejected as <c>malformed-json</c>.</summary>
    BrokenJson,

    /// <summary>A string where a sensor's number goes: <c>non-numeric-value</c>.</summary>
    StringValue,

    /// <summary>One sensor left out: <c>missing-sensor-value</c>.</summary>
    MissingSensor,

    /// <summary><c>"NaN"</c> as a string value: <c>non-finite-value</c>.</summary>
    NaNString,
}
