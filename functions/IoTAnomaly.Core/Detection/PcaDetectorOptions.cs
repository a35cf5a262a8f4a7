namespace IoTAnomaly.Core.Detection;

/// <summary>How the T² and Q control limits are set.</summary>
public enum ControlLimitMethod
{
    /// <summary>Textbook limits: F distribution for T², Jackson–Mudholkar for Q (from the fit part).</summary>
    Parametric = 0,

    /// <summary>Empirical quantiles of T² and Q on the held-out calibration part.</summary>
    CalibrationQuantile = 1,
}

/// <summary>
/// Hyper-parameters of the <c>pca-t2q</c> detector. Every value is recorded in the manifest. The defaults were chosen
/// on the SKAB dev files (docs/detector.md): limits from held-out quantiles, Q limit with a margin of 4, a 5-row
/// median, and a device baseline from its first 50 unflagged readings.
/// </summary>
public sealed class PcaDetectorOptions
{
    public const double DefaultExplainedVariance = 0.85;
    public const double DefaultCalibrationFraction = 0.20;
    public const double DefaultConfidence = 0.99;
    public const double DefaultT2Margin = 1.0;
    public const double DefaultQMargin = 4.0;
    public const int DefaultSmoothingWindow = 5;
    public const int DefaultDeviceCalibrationReadings = 50;
    public const int DefaultSeed = 42;
    public const int DefaultOversampling = 20;
    public const int MinimumTrainingRows = 50;
    public const int MaximumSmoothingWindow = 63;

    /// <summary>Keep the fewest principal components whose cumulative explained variance reaches this share.</summary>
    public double ExplainedVariance { get; init; } = DefaultExplainedVariance;

    /// <summary>Share of the (chronologically last) training rows held out for calibration.</summary>
    public double CalibrationFraction { get; init; } = DefaultCalibrationFraction;

    public ControlLimitMethod LimitMethod { get; init; } = ControlLimitMethod.CalibrationQuantile;

    /// <summary>Confidence level of both control limits (quantile level or distribution level).</summary>
    public double Confidence { get; init; } = DefaultConfidence;

    /// <summary>Multiplier applied to the T² control limit.</summary>
    public double T2Margin { get; init; } = DefaultT2Margin;

    /// <summary>Multiplier applied to the Q control limit.</summary>
    public double QMargin { get; init; } = DefaultQMargin;

    /// <summary>
    /// After calibration, the device centre keeps following unflagged readings as an EWMA with this weight
    /// (0 = frozen centre). Tracks slow drift such as temperature.
    /// </summary>
    public double BaselineAdaptation { get; init; }

    /// <summary>EWMA weight of the device centre for flagged readings after calibration (0 = alarms never move the centre).</summary>
    public double AlarmAdaptation { get; init; }

    /// <summary>
    /// Weight λ of a multivariate EWMA of the standardized reading (MEWMA); T², Q and contributions are computed on
    /// the EWMA vector rescaled by √((2 − λ)/λ), so the control limits keep their meaning. 0 = pointwise statistics.
    /// </summary>
    public double EwmaWeight { get; init; }

    /// <summary>Trailing median window over the scaled T² and Q (1 = no smoothing).</summary>
    public int SmoothingWindow { get; init; } = DefaultSmoothingWindow;

    /// <summary>Readings a device needs (not flagged by the fleet model) before its own mean replaces the fleet mean; 0 disables.</summary>
    public int DeviceCalibrationReadings { get; init; } = DefaultDeviceCalibrationReadings;

    /// <summary>Seed of the ML.NET context (randomized PCA).</summary>
    public int Seed { get; init; } = DefaultSeed;

    /// <summary>Oversampling of ML.NET's randomized PCA.</summary>
    public int Oversampling { get; init; } = DefaultOversampling;

    /// <summary>Severity band lower edges (Low, Medium, High) on the combined score.</summary>
    public IReadOnlyList<double> SeverityBands { get; init; } = [1.0, 2.0, 4.0];

    internal void Validate()
    {
        if (!(ExplainedVariance > 0 && ExplainedVariance <= 1))
        {
            throw new ArgumentOutOfRangeException(nameof(ExplainedVariance), ExplainedVariance, "Must be in (0, 1].");
        }

        if (!(CalibrationFraction > 0 && CalibrationFraction < 0.9))
        {
            throw new ArgumentOutOfRangeException(nameof(CalibrationFraction), CalibrationFraction, "Must be in (0, 0.9).");
        }

        if (!(Confidence > 0.5 && Confidence < 1))
        {
            throw new ArgumentOutOfRangeException(nameof(Confidence), Confidence, "Must be in (0.5, 1).");
        }

        if (!(T2Margin > 0) || double.IsInfinity(T2Margin))
        {
            throw new ArgumentOutOfRangeException(nameof(T2Margin), T2Margin, "Must be positive and finite.");
        }

        if (!(QMargin > 0) || double.IsInfinity(QMargin))
        {
            throw new ArgumentOutOfRangeException(nameof(QMargin), QMargin, "Must be positive and finite.");
        }

        if (!(EwmaWeight >= 0 && EwmaWeight < 1))
        {
            throw new ArgumentOutOfRangeException(nameof(EwmaWeight), EwmaWeight, "Must be in [0, 1).");
        }

        if (!(AlarmAdaptation >= 0 && AlarmAdaptation < 1))
        {
            throw new ArgumentOutOfRangeException(nameof(AlarmAdaptation), AlarmAdaptation, "Must be in [0, 1).");
        }

        if (!(BaselineAdaptation >= 0 && BaselineAdaptation < 1))
        {
            throw new ArgumentOutOfRangeException(nameof(BaselineAdaptation), BaselineAdaptation, "Must be in [0, 1).");
        }

        if (SmoothingWindow is < 1 or > MaximumSmoothingWindow)
        {
            throw new ArgumentOutOfRangeException(nameof(SmoothingWindow), SmoothingWindow, $"Must be in 1..{MaximumSmoothingWindow}.");
        }

        ArgumentOutOfRangeException.ThrowIfNegative(DeviceCalibrationReadings);
        ArgumentOutOfRangeException.ThrowIfNegative(Oversampling);
        if (SeverityBands.Count != 3 || !(SeverityBands[0] <= SeverityBands[1] && SeverityBands[1] <= SeverityBands[2]))
        {
            throw new ArgumentException("Severity bands must be three ascending values.", nameof(SeverityBands));
        }
    }
}
