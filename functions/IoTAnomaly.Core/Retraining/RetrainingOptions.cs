using System.ComponentModel.DataAnnotations;

namespace IoTAnomaly.Core.Retraining;

/// <summary>Retraining defaults. Section <c>Retraining</c> (<c>Retraining__Mode</c> in app settings).</summary>
public sealed class RetrainingOptions
{
    public const string SectionName = "Retraining";

    /// <summary><c>auto</c> or <c>approval</c>.</summary>
    [Required]
    [RegularExpression("^(auto|approval)$")]
    public string Mode { get; set; } = PromotionModes.Auto;

    /// <summary>The challenger's utility (recall − false-alarm rate) must beat the champion's by this much.</summary>
    [Range(0, 1)]
    public double PromotionMargin { get; set; } = 0.02;

    /// <summary>A challenger with a higher false-alarm rate on the held-out window is never promoted.</summary>
    [Range(0, 1)]
    public double MaxFalseAlarmRate { get; set; } = 0.05;

    public TimeSpan LookBack { get; set; } = TimeSpan.FromHours(1);

    public TimeSpan ApprovalTimeout { get; set; } = TimeSpan.FromHours(24);

    [Range(10, long.MaxValue)]
    public long MinTrainingRows { get; set; } = 2000;

    /// <summary>The most recent fraction of the window is held out for evaluation.</summary>
    [Range(0.05, 0.5)]
    public double HoldoutFraction { get; set; } = 0.2;

    /// <summary>Seed for the injected faults of the evaluation.</summary>
    public int Seed { get; set; } = 17;

    /// <summary>Builds a fully resolved request (the workflow reads no configuration).</summary>
    public RetrainingRequest CreateRequest(string model, string reason, string requestedBy, DateTimeOffset now, bool dryRun = false, string? mode = null)
        => new(model, reason, requestedBy, now, dryRun, mode ?? Mode, PromotionMargin, MaxFalseAlarmRate, LookBack, ApprovalTimeout, MinTrainingRows, HoldoutFraction, Seed);
}
