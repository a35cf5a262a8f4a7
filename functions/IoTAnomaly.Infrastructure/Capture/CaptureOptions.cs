using System.ComponentModel.DataAnnotations;

namespace IoTAnomaly.Infrastructure.Capture;

/// <summary>
/// Section <c>Capture</c>: the names in the capture path
/// <c>{Namespace}/{EventHub}/{partitionId}/{yyyy}/{MM}/{dd}/{HH}/{mm}/{ss}.avro</c> (the capture container is
/// <c>Storage:CaptureContainer</c>). In Azure these are the Event Hubs namespace and hub that Capture writes for.
/// </summary>
public sealed class CaptureOptions
{
    public const string SectionName = "Capture";

    internal const string SegmentPattern = "^[A-Za-z0-9][A-Za-z0-9._-]{0,255}$";

    /// <summary>First path segment; Capture uses the namespace name. Locally <c>local</c>.</summary>
    [Required]
    [RegularExpression(SegmentPattern)]
    public string Namespace { get; set; } = "local";

    /// <summary>Second path segment; Capture uses the event hub name.</summary>
    [Required]
    [RegularExpression(SegmentPattern)]
    public string EventHub { get; set; } = "telemetry";

    /// <summary>
    /// How long after its path time a capture file may still hold events (Capture's time window is 1–15 minutes).
    /// The reader also opens files that start this long before the requested window.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00", "01:00:00")]
    public TimeSpan MaxFileSpan { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>Capture files the reader downloads ahead of its consumer.</summary>
    [Range(1, 64)]
    public int MaxParallelReads { get; set; } = 8;

    /// <summary>How many suffixed names (<c>{ss}-1.avro</c>, <c>{ss}-2.avro</c>, …) a write tries when its second is taken.</summary>
    [Range(1, 100_000)]
    public int MaxNameAttempts { get; set; } = 1000;
}
