using System.ComponentModel.DataAnnotations;

namespace IoTAnomaly.Core.Processing;

/// <summary>Scoring and data-quality settings. Section <c>Scoring</c> (<c>Scoring__ModelName</c> in app settings).</summary>
public sealed class ScoringOptions
{
    public const string SectionName = "Scoring";

    /// <summary>The registry model this process scores with (its champion).</summary>
    [Required]
    [RegularExpression("^[a-z0-9][a-z0-9-]{0,62}$")]
    public string ModelName { get; set; } = "pump-fleet";

    /// <summary>A sensor repeating exactly the same value this many readings in a row is flagged as stuck.</summary>
    [Range(2, 1_000_000)]
    public int StuckRunLength { get; set; } = 30;

    /// <summary>Silence longer than this before a reading flags a gap (and counts the device as silent).</summary>
    public TimeSpan GapThreshold { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>
    /// A value further outside the training range than this fraction of the range is flagged out of range
    /// (physical bounds reject; this only flags).
    /// </summary>
    [Range(0, 100)]
    public double OutOfRangeMargin { get; set; } = 0.5;

    /// <summary>How many top contributing sensors an anomaly record lists.</summary>
    [Range(1, 64)]
    public int TopContributors { get; set; } = 3;
}
