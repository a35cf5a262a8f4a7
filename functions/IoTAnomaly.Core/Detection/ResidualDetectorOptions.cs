namespace IoTAnomaly.Core.Detection;

/// <summary>
/// Hyper-parameters of the <c>ridge-residual</c> detector (<see cref="ResidualModel"/>): each sensor is predicted
/// from the others by ridge regression on trailing-mean-smoothed, standardized readings; the score is the largest
/// residual in units of its out-of-fold training standard deviation. Chosen on the SKAB dev files
/// (docs/detection-quality.md).
/// </summary>
public sealed record ResidualDetectorOptions
{
    public const int DefaultInputWindow = 10;
    public const double DefaultRidge = 1.0;
    public const int DefaultFolds = 5;
    public const double DefaultQuantile = 0.995;
    public const double DefaultMargin = 1.5;
    public const double DefaultAdaptation = 0.01;
    public const int DefaultChangePointHold = 2;

    /// <summary>
    /// Default <see cref="Release"/>: an alarm lasts until the score falls to 0.75 of the threshold (SKAB dev: F1 0.843 →
    /// 0.853; the 27 neighbours' median 0.840 → 0.852; docs/detection-quality.md).
    /// </summary>
    public const double DefaultRelease = 0.75;

    /// <summary>Default <see cref="RebaselineAfter"/>.</summary>
    public const int DefaultRebaselineAfter = 1000;

    /// <summary>Default <see cref="SpikeLimit"/>.</summary>
    public const double DefaultSpikeLimit = 6;

    /// <summary>Default <see cref="DeviceCalibrationReadings"/>.</summary>
    public const int DefaultDeviceCalibrationReadings = 50;
    public const int MinimumTrainingRows = 50;
    public const int MaximumInputWindow = 1024;

    /// <summary>Trailing mean over this many readings, per sensor, before anything else (1 = raw readings).</summary>
    public int InputWindow { get; init; } = DefaultInputWindow;

    /// <summary>Ridge penalty on the standardized coefficients (the intercept is not penalized).</summary>
    public double Ridge { get; init; } = DefaultRidge;

    /// <summary>Contiguous (chronological) folds for the out-of-fold residuals that set the residual scales and the threshold.</summary>
    public int Folds { get; init; } = DefaultFolds;

    /// <summary>Quantile of the out-of-fold training scores that, times <see cref="Margin"/>, is the alarm threshold.</summary>
    public double Quantile { get; init; } = DefaultQuantile;

    /// <summary>Multiplier on the training-score quantile.</summary>
    public double Margin { get; init; } = DefaultMargin;

    /// <summary>
    /// EWMA weight with which each sensor's residual offset follows readings that did not alarm (0 = frozen).
    /// Absorbs slow drift (temperature) without learning a sustained fault, which alarms and so is not followed.
    /// </summary>
    public double Adaptation { get; init; } = DefaultAdaptation;

    /// <summary>Rows the raw alarm must hold a new state before a change-point alarm is raised (0 = every edge).</summary>
    public int ChangePointHold { get; init; } = DefaultChangePointHold;

    /// <summary>Sensors whose (smoothed) training standard deviation is at most this are constant and ignored.</summary>
    public double ConstantTolerance { get; init; } = 1e-9;

    /// <summary>
    /// Alarm hysteresis, as a fraction of the threshold: an alarm starts when score / threshold exceeds 1 and lasts
    /// while it stays above <see cref="Release"/> (≤ 1; 1 = no hysteresis). Offsets do not adapt during an alarm.
    /// </summary>
    public double Release { get; init; } = DefaultRelease;

    /// <summary>
    /// Streaming only: a new device's residual offsets are the running mean of its own first this-many residuals (its
    /// baseline against the fleet model; 0 = start from the fleet's). Afterwards they follow it by
    /// <see cref="Adaptation"/>. Scorers primed with history (the benchmark protocol) do not calibrate.
    /// </summary>
    public int DeviceCalibrationReadings { get; init; } = DefaultDeviceCalibrationReadings;

    /// <summary>
    /// Spike guard: a reading also alarms when one sensor's raw value leaves the trailing mean of its previous
    /// <see cref="InputWindow"/> readings by more than this many of that sensor's own reading-to-reading deviations
    /// (RMS on the training rows). The smoothed relation score cannot see a spike of one or two readings (a 10-reading
    /// mean divides it by 10). 0 turns the guard off.
    /// </summary>
    public double SpikeLimit { get; init; } = DefaultSpikeLimit;

    /// <summary>
    /// After this many consecutive alarming readings a device is re-baselined: its offsets are calibrated again from
    /// its next <see cref="DeviceCalibrationReadings"/> residuals (at least 50) and the alarm ends. Offsets never
    /// adapt during an alarm (a fault must not be learned), so without this a lasting change of normal — a sensor
    /// recalibrated, a slow drift absorbed and then undone — would alarm for ever. 0 = never. The default (1,000)
    /// is longer than any fault of the SKAB files (≈ 400 readings), where it changes nothing.
    /// </summary>
    public int RebaselineAfter { get; init; } = DefaultRebaselineAfter;

    internal void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(InputWindow, 1, nameof(InputWindow));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(InputWindow, MaximumInputWindow, nameof(InputWindow));
        ArgumentOutOfRangeException.ThrowIfNegative(Ridge, nameof(Ridge));
        ArgumentOutOfRangeException.ThrowIfLessThan(Folds, 2, nameof(Folds));
        if (!(Quantile is > 0 and < 1))
        {
            throw new ArgumentOutOfRangeException(nameof(Quantile), Quantile, "Quantile must lie in (0, 1).");
        }

        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(Margin, nameof(Margin));
        if (!(Adaptation is >= 0 and < 1))
        {
            throw new ArgumentOutOfRangeException(nameof(Adaptation), Adaptation, "Adaptation must lie in [0, 1).");
        }

        ArgumentOutOfRangeException.ThrowIfNegative(ChangePointHold, nameof(ChangePointHold));
        ArgumentOutOfRangeException.ThrowIfNegative(ConstantTolerance, nameof(ConstantTolerance));
        ArgumentOutOfRangeException.ThrowIfNegative(DeviceCalibrationReadings, nameof(DeviceCalibrationReadings));
        ArgumentOutOfRangeException.ThrowIfNegative(RebaselineAfter, nameof(RebaselineAfter));
        if (!(SpikeLimit >= 0) || double.IsInfinity(SpikeLimit))
        {
            throw new ArgumentOutOfRangeException(nameof(SpikeLimit), SpikeLimit, "SpikeLimit must be finite and not negative (0 = off).");
        }
        if (!(Release is > 0 and <= 1))
        {
            throw new ArgumentOutOfRangeException(nameof(Release), Release, "Release must lie in (0, 1].");
        }
    }
}
