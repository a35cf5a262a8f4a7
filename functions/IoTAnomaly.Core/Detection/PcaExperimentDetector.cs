using IoTAnomaly.Core.Evaluation;

namespace IoTAnomaly.Core.Detection;

/// <summary>
/// The <c>pca-t2q</c> detector under the benchmark protocol: trains on an experiment's training rows, then scores the
/// test rows in time order with one device state (each decision uses only the rows before it).
/// </summary>
public sealed class PcaExperimentDetector(PcaDetectorOptions? options = null) : IExperimentDetector
{
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

        return new ExperimentDetection(alarms, scores, detector.Manifest.Thresholds.ScoreThreshold);
    }
}
