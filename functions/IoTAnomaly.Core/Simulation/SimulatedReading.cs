namespace IoTAnomaly.Core.Simulation;

/// <summary>The faults the simulator can inject into a device's readings.</summary>
public enum FaultKind : byte
{
    None = 0,

    /// <summary>A short, large excursion of one sensor.</summary>
    Spike,

    /// <summary>A sustained step change of one or more sensors.</summary>
    LevelShift,

    /// <summary>A sensor repeats its last value exactly.</summary>
    StuckSensor,

    /// <summary>A sensor slowly walks away from normal.</summary>
    SlowDrift,

    /// <summary>The device goes silent for a while (no readings are produced).</summary>
    Dropout,

    /// <summary>The message is malformed on the wire (broken JSON, wrong types, missing fields).</summary>
    Malformed,
}

/// <summary>
/// One simulated reading and the ground truth about it. <see cref="Fault"/> is what the simulator injected into this
/// reading (None for normal ones); <see cref="Malformed"/> readings are sent as <see cref="MalformedPayload"/>.
/// </summary>
public sealed record SimulatedReading(
    string DeviceId,
    string MessageId,
    DateTimeOffset Timestamp,
    double[] Values,
    FaultKind Fault,
    string? MalformedPayload = null)
{
    public bool IsFaulty => Fault is not FaultKind.None and not FaultKind.Malformed and not FaultKind.Dropout;

    public bool Malformed => MalformedPayload is not null;
}
