namespace IoTAnomaly.Core.Drift;

/// <summary>The outcome of one drift check, stored as <c>drift/{model}/reports/{yyyy}/{MM}/{dd}/{HHmmss}.json</c>.</summary>
public sealed class DriftReport
{
    public required string Model { get; init; }

    public required string ModelVersion { get; init; }

    public required DateTimeOffset CheckedAt { get; init; }

    public required DateTimeOffset WindowStart { get; init; }

    public required DateTimeOffset WindowEnd { get; init; }

    public required long Samples { get; init; }

    public required IReadOnlyList<SensorDrift> Sensors { get; init; }

    public required PredictionDrift Prediction { get; init; }

    /// <summary>Devices with at least one drifted sensor (against the fleet baseline), most drifted first; capped.</summary>
    public required IReadOnlyList<DeviceDrift> Devices { get; init; }

    /// <summary><c>drifted</c>, <c>stable</c> or <c>insufficient-data</c>.</summary>
    public required string Verdict { get; init; }

    public bool IsDrifted => Verdict == DriftVerdicts.Drifted;

    /// <summary>What was done about it (e.g. <c>retraining-started:retrain-pump-fleet</c>, <c>retraining-already-running</c>).</summary>
    public string? Action { get; set; }
}

public static class DriftVerdicts
{
    public const string Drifted = "drifted";
    public const string Stable = "stable";
    public const string InsufficientData = "insufficient-data";
}

public sealed record SensorDrift(string Sensor, long Samples, double Ks, double KsPValue, double Psi, double Jsd, bool Drifted);

public sealed record PredictionDrift(long Scored, long Anomalies, double Rate, double ExpectedRate, double Z, bool Drifted);

public sealed record DeviceDrift(string DeviceId, long Samples, double MaxPsi, IReadOnlyList<string> DriftedSensors);
