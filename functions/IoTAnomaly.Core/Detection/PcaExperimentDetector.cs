using IoTAnomaly.Core.Evaluation;

namespace IoTAnomaly.Core.Detection;

/// <summary>
/// The <c>pca-t2q</c> detector under the benchmark protocol: trains on an experiment's training rows, then scores the
/// test rows in time order with one device state (each decision uses only the rows before it).
/// Change-point alarms are the flips of a debounced copy of the alarm series: it changes state only after the raw
/// alarm has disagreed with it for <paramref name="changePointHold"/> consecutive rows (causal; 0 = every edge).
/// </summary>
public sealed class PcaExperimentDetector(PcaDetectorOptions? options = null, int changePointHold = PcaExperimentDetector.DefaultChangePointHold)
    : IExperimentDetector
{
    /// <summary>Rows the raw alarm must hold a new state before a change-point alarm is raised.</summary>
    public const int DefaultChangePointHold = 2;

    private readonly PcaDetectorTrainer _trainer = new(options);

    public string Name => PcaDetectorTrainer.ModelType;

    public ExperimentDetection Run(IReadOnlyList<string> sensors, double[][] train, double[][] test, DateTime[] testTimestamps)
    {
        ArgumentNullException.ThrowIfNull(sensors);
        ArgumentNullException.ThrowIfNull(test);
        var request = new PcaTrainingRequest
        {
            ModelName = "experiment",
            Sensors = sensors,
            Rows = PcaTrainingRequest.Flatten(train, sensors.Count),
            CreatedAt = DateTimeOffset.UnixEpoch,
            Source = "experiment",
        };
        var (_, detector) = _trainer.TrainCore(request, progress: null);
        var state = detector.CreateDeviceState();
        var contributions = new double[sensors.Count];
        var alarms = new bool[test.Length];
        var scores = new double[test.Length];
        for (var r = 0; r < test.Length; r++)
        {
            var s = detector.Score(test[r], state, contributions);
            alarms[r] = s.IsAnomaly;
            scores[r] = s.Score;
        }

        return new ExperimentDetection(alarms, scores, detector.Manifest.Thresholds.ScoreThreshold, ChangePoints(alarms, changePointHold));
    }

    /// <summary>Flips of the debounced alarm series (null = let the evaluator take the raw edges).</summary>
    internal static bool[]? ChangePoints(bool[] alarms, int hold)
    {
        if (hold <= 0)
        {
            return null;
        }

        var cp = new bool[alarms.Length];
        var state = false;
        var run = 0;
        for (var t = 0; t < alarms.Length; t++)
        {
            run = alarms[t] != state ? run + 1 : 0;
            if (run >= hold)
            {
                state = !state;
                run = 0;
                cp[t] = true;
            }
        }

        return cp;
    }
}
