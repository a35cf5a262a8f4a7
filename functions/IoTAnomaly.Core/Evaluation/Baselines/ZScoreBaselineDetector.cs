namespace IoTAnomaly.Core.Evaluation.Baselines;

/// <summary>
/// A deliberately trivial, causal baseline for wiring and sanity checks (not a product detector): per sensor, the mean
/// and standard deviation of the training rows; the score of a test row is its largest absolute z-score over the
/// non-constant sensors; alarm when the score exceeds <see cref="Threshold"/>. Each decision uses only that row.
/// </summary>
/// <param name="threshold">The z-score above which a row alarms.</param>
public sealed class ZScoreBaselineDetector(double threshold = ZScoreBaselineDetector.DefaultThreshold) : IExperimentDetector
{
    /// <summary>The registry name.</summary>
    public const string DetectorName = "zscore-baseline";

    /// <summary>Default alarm threshold: 3 standard deviations, chosen a priori (not tuned on SKAB).</summary>
    public const double DefaultThreshold = 3.0;

    /// <summary>Sensors whose training standard deviation is below this are treated as constant and ignored.</summary>
    public const double ConstantSensorTolerance = 1e-9;

    /// <inheritdoc />
    public string Name => DetectorName;

    /// <summary>The z-score above which a row alarms.</summary>
    public double Threshold { get; } = threshold;

    /// <inheritdoc />
    public ExperimentDetection Run(IReadOnlyList<string> sensors, double[][] train, double[][] test, DateTime[] testTimestamps)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(train.Length, 2, nameof(train));
        var width = sensors.Count;
        var mean = new double[width];
        var std = new double[width];
        for (var s = 0; s < width; s++)
        {
            double sum = 0;
            foreach (var row in train)
            {
                sum += row[s];
            }

            mean[s] = sum / train.Length;
            double squares = 0;
            foreach (var row in train)
            {
                var d = row[s] - mean[s];
                squares += d * d;
            }

            std[s] = Math.Sqrt(squares / (train.Length - 1));
        }

        var scores = new double[test.Length];
        var alarms = new bool[test.Length];
        for (var t = 0; t < test.Length; t++)
        {
            double max = 0;
            for (var s = 0; s < width; s++)
            {
                if (std[s] > ConstantSensorTolerance)
                {
                    max = Math.Max(max, Math.Abs(test[t][s] - mean[s]) / std[s]);
                }
            }

            scores[t] = max;
            alarms[t] = max > Threshold;
        }

        return new ExperimentDetection(alarms, scores, Threshold);
    }
}
