using System.ComponentModel.DataAnnotations;

namespace IoTAnomaly.Core.Simulation;

/// <summary>Section <c>Simulator</c>: the simulated pump fleet (<see cref="FleetSimulator"/>). See docs/simulator.md.</summary>
public sealed class SimulatorOptions : IValidatableObject
{
    public const string SectionName = "Simulator";

    /// <summary>Pumps in the fleet; each produces one reading per step (unless it is in a dropout). About 0.6 KB of state each.</summary>
    [Range(1, 200_000)]
    public int DeviceCount { get; set; } = 10;

    /// <summary>Device ids are this prefix plus a zero-padded number from 1, e.g. <c>pump-001</c>.</summary>
    [Required]
    [RegularExpression("^[A-Za-z0-9_.:-]{0,100}$")]
    public string DeviceIdPrefix { get; set; } = "pump-";

    /// <summary>Simulated time between two readings of a device (the sending rate is the caller's business).</summary>
    [Range(typeof(TimeSpan), "00:00:00.001", "1.00:00:00")]
    public TimeSpan StepInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Readings per simulated second per device: another view of <see cref="StepInterval"/>.</summary>
    public double ReadingsPerSecond
    {
        get => 1.0 / StepInterval.TotalSeconds;
        set => StepInterval = value > 0 && double.IsFinite(value)
            ? TimeSpan.FromTicks(Math.Max(1, (long)Math.Round(TimeSpan.TicksPerSecond / value)))
            : throw new ArgumentOutOfRangeException(nameof(value), value, "Readings per second must be a positive number.");
    }

    /// <summary>Seed of every random choice: the same options give the same readings, bit for bit.</summary>
    public int Seed { get; set; } = 42;

    /// <summary>Timestamp of the first step.</summary>
    public DateTimeOffset StartTime { get; set; } = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    /// <summary>Prefix of every message id (<c>{RunId}-{step}</c>); null uses the seed in hex.</summary>
    [RegularExpression("^[A-Za-z0-9_.:-]{1,64}$")]
    public string? RunId { get; set; }

    /// <summary>Probability, per device and step, that a fault episode starts (when none is running).</summary>
    [Range(0.0, 1.0)]
    public double FaultRate { get; set; } = 0.0005;

    /// <summary>Probability, per reading, that it is sent malformed (when <see cref="FaultKind.Malformed"/> is enabled).</summary>
    [Range(0.0, 1.0)]
    public double MalformedRate { get; set; } = 0.001;

    /// <summary>The faults that may be injected; null enables every kind.</summary>
    public FaultKind[]? EnabledFaults { get; set; }

    /// <summary>Per-device offsets of the operating point, in units of each sensor's standard deviation.</summary>
    [Range(0.0, 10.0)]
    public double DeviceOffsetScale { get; set; } = 0.5;

    /// <summary>When the fleet's operating point starts to drift (null: never). See <see cref="DriftFraction"/>.</summary>
    public DateTimeOffset? DriftStart { get; set; }

    /// <summary>Share of the devices that drift (chosen by the seed).</summary>
    [Range(0.0, 1.0)]
    public double DriftFraction { get; set; } = 0.5;

    /// <summary>Size of the drift once complete, in sensor standard deviations along a plausible load direction.</summary>
    [Range(0.0, 100.0)]
    public double DriftMagnitude { get; set; } = 3;

    /// <summary>How long the drift takes to reach its full size (it ramps linearly from <see cref="DriftStart"/>, then stays).</summary>
    [Range(typeof(TimeSpan), "00:00:00", "3650.00:00:00")]
    public TimeSpan DriftRamp { get; set; } = TimeSpan.FromHours(1);

    /// <summary>Whether a fault kind is enabled.</summary>
    public bool IsEnabled(FaultKind kind) => kind != FaultKind.None && (EnabledFaults is null || Array.IndexOf(EnabledFaults, kind) >= 0);

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (EnabledFaults is not null && EnabledFaults.Contains(FaultKind.None))
        {
            yield return new ValidationResult($"{SectionName}:{nameof(EnabledFaults)} cannot contain None.", [nameof(EnabledFaults)]);
        }
    }
}
