using System.ComponentModel.DataAnnotations;

namespace IoTAnomaly.Core.Drift;

/// <summary>Drift monitoring. Section <c>Drift</c> (<c>Drift__Schedule</c> in app settings).</summary>
public sealed class DriftOptions
{
    public const string SectionName = "Drift";

    /// <summary>Six-field cron (seconds first), the TimerTrigger schedule in Azure and the local hosted service's.</summary>
    [Required]
    public string Schedule { get; set; } = "0 */5 * * * *";

    /// <summary>How far back the check looks at sketches.</summary>
    public TimeSpan Window { get; set; } = TimeSpan.FromHours(1);

    /// <summary>How often the scoring path flushes its sketches.</summary>
    public TimeSpan FlushInterval { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>A sensor whose population stability index reaches this has drifted.</summary>
    [Range(0.0001, 100)]
    public double PsiThreshold { get; set; } = 0.2;

    /// <summary>KS p-value below which the distributions differ (only with <see cref="MinSamples"/> readings).</summary>
    [Range(0, 1)]
    public double KsPValue { get; set; } = 0.01;

    /// <summary>
    /// With large samples any tiny shift is "significant": KS also needs this Jensen–Shannon distance to call drift.
    /// </summary>
    [Range(0, 1)]
    public double JsdThreshold { get; set; } = 0.1;

    /// <summary>Fewest recent readings before any verdict.</summary>
    [Range(1, long.MaxValue)]
    public long MinSamples { get; set; } = 500;

    /// <summary>Prediction drift: the anomaly rate exceeds this multiple of the expected rate, significantly (z &gt; 3).</summary>
    [Range(1, 1000)]
    public double AnomalyRateFactor { get; set; } = 5;

    /// <summary>Start retraining when drift is detected.</summary>
    public bool RetrainOnDrift { get; set; } = true;

    /// <summary>
    /// After a retraining of the model was started (by drift or by hand), further drift verdicts wait this long before
    /// starting another (a rejected challenger would otherwise be retrained at every check while the drift lasts). The
    /// start time comes from the run's durable record, so it holds across instances and timer invocations.
    /// </summary>
    public TimeSpan RetrainCooldown { get; set; } = TimeSpan.FromMinutes(30);
}
