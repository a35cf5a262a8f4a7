using System.ComponentModel.DataAnnotations;

namespace IoTAnomaly.Infrastructure.Retraining;

/// <summary>
/// How the retraining activities build the training window. Section <c>Retraining</c>, beside
/// <see cref="Core.Retraining.RetrainingOptions"/> (<c>Retraining__MaxAnomalyExclusionShare</c> in app settings).
/// </summary>
public sealed class RetrainingDataOptions
{
    public const string SectionName = "Retraining";

    /// <summary>
    /// Readings the champion flagged are left out of the training window, unless they are more than this share of it:
    /// then the champion is taken to be wrong about the new normal (drift) and only readings with data-quality flags
    /// (stuck sensor, out of range) are left out.
    /// </summary>
    [Range(0.0, 1.0)]
    public double MaxAnomalyExclusionShare { get; set; } = 0.3;

    /// <summary>Concurrent blob downloads (anomaly records) while building the window.</summary>
    [Range(1, 64)]
    public int MaxParallelDownloads { get; set; } = 16;
}
