using System.ComponentModel.DataAnnotations;

namespace IoTAnomaly.Core.Telemetry;

/// <summary>Validation limits of the telemetry contract. Section <c>Telemetry</c> (<c>Telemetry__MaxEventBytes</c> in app settings).</summary>
public sealed class TelemetryOptions
{
    public const string SectionName = "Telemetry";

    /// <summary>Largest accepted event body in bytes (Event Hubs Standard allows 1 MiB per event).</summary>
    [Range(256, 64 * 1024 * 1024)]
    public int MaxEventBytes { get; set; } = 1024 * 1024;

    /// <summary>Longest device id (IoT Hub allows 128).</summary>
    [Range(1, 1024)]
    public int MaxDeviceIdLength { get; set; } = 128;

    [Range(1, 1024)]
    public int MaxMessageIdLength { get; set; } = 128;

    /// <summary>How far a reading's timestamp may lie ahead of this host's clock.</summary>
    public TimeSpan MaxFutureSkew { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>How old a reading's timestamp may be. Replays of historical data need a larger value.</summary>
    public TimeSpan MaxAge { get; set; } = TimeSpan.FromDays(7);

    /// <summary>How many recent (device, message id) keys are remembered for duplicate detection.</summary>
    [Range(0, 100_000_000)]
    public int DuplicateWindowSize { get; set; } = 1_000_000;

    /// <summary>Most distinct devices one process tracks; readings of further devices are rejected.</summary>
    [Range(1, 10_000_000)]
    public int MaxDevices { get; set; } = 200_000;

    /// <summary>Longest raw payload kept in a dead-letter record (the rest is cut and marked).</summary>
    [Range(256, 16 * 1024 * 1024)]
    public int MaxDeadLetterPayloadBytes { get; set; } = 64 * 1024;
}
