using IoTAnomaly.Core.Evaluation;

namespace IoTAnomaly.Core.Detection;

/// <summary>
/// The <c>ridge-residual</c> detector under the benchmark protocol: trains a <see cref="ResidualModel"/> on an
/// experiment's training rows, then scores the test rows in time order with one <see cref="ResidualScorer"/> (primed
/// with the training rows, so the first test rows have a full smoothing window; each decision uses only past rows).
/// Change-point alarms are the flips of the alarm series debounced by <see cref="ResidualDetectorOptions.ChangePointHold"/>
/// rows (as in <see cref="PcaExperimentDetector"/>).
/// </summary>
public sealed class ResidualExperimentDetector(ResidualDetectorOptions? options = null) : IExperimentDetector
{
    /// <summary>The registry name.</summary>
    public const string DetectorName = "ridge-residual";

    private readonly ResidualDetectorOptions _options = options ?? new ResidualDetectorOptions();

    /// <inheritdoc />
    public string Name => DetectorName;

    /// <inheritdoc />
    public ExperimentDetection Run(IReadOnlyList<string> sensors, double[][] train, double[][] test, DateTime[] testTimestamps)
    {
        ArgumentNullException.ThrowIfNull(sensors);
        ArgumentNullException.ThrowIfNull(train);
        ArgumentNullException.ThrowIfNull(test);
        var model = ResidualModel.Train(train, _options);
        var scorer = model.CreateScorer(train);
        var alarms = new bool[test.Length];
        var crossings = new bool[test.Length];
        var scores = new double[test.Length];
        for (var r = 0; r < test.Length; r++)
        {
            scores[r] = scorer.Score(test[r]);
            alarms[r] = scorer.IsAlarming;
            crossings[r] = scores[r] > 1;
        }

        return new ExperimentDetection(alarms, scores, 1.0, PcaExperimentDetector.ChangePoints(crossings, _options.ChangePointHold));
    }
}
