using IoTAnomaly.Core.Detection;
using IoTAnomaly.Core.Models;

namespace IoTAnomaly.Testing;

/// <summary>
/// A deliberately simple detector for tests of the pipeline around the model: per-sensor |z| against fixed means
/// and standard deviations; anomaly when max |z| exceeds <c>threshold</c>. Contributions are z² shares.
/// </summary>
public sealed class FakeDetector : IAnomalyDetector
{
    private readonly double[] _mean;
    private readonly double[] _std;
    private readonly double _threshold;

    public FakeDetector(string version, IReadOnlyList<string> sensors, double[]? mean = null, double[]? std = null, double threshold = 4, double physicalMin = -1000, double physicalMax = 1000)
    {
        Sensors = sensors;
        _mean = mean ?? new double[sensors.Count];
        _std = std ?? Enumerable.Repeat(1.0, sensors.Count).ToArray();
        _threshold = threshold;
        Manifest = CreateManifest("test-model", version, sensors, _mean, _std, physicalMin, physicalMax);
    }

    public ModelManifest Manifest { get; }

    public IReadOnlyList<string> Sensors { get; }

    public DeviceDetectorState CreateDeviceState() => new State();

    public DetectorScore Score(ReadOnlySpan<double> values, DeviceDetectorState state, Span<double> contributions)
    {
        ((State)state).Tick();
        double max = 0, sum = 0;
        for (var i = 0; i < values.Length; i++)
        {
            var z = (values[i] - _mean[i]) / _std[i];
            contributions[i] = z * z;
            sum += z * z;
            max = Math.Max(max, Math.Abs(z));
        }

        for (var i = 0; i < values.Length; i++)
        {
            contributions[i] = sum > 0 ? contributions[i] / sum : 0;
        }

        var score = max / _threshold;
        var severity = score >= 4 ? Severity.High : score >= 2 ? Severity.Medium : score >= 1 ? Severity.Low : Severity.None;
        return new DetectorScore(score, sum, sum, score > 1, severity);
    }

    public static ModelManifest CreateManifest(string name, string version, IReadOnlyList<string> sensors, double[] mean, double[] std, double physicalMin, double physicalMax)
        => new()
        {
            Name = name,
            Version = version,
            ModelType = "fake",
            CreatedAt = new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero),
            Sensors = sensors.Select((s, i) => new SensorSpec
            {
                Name = s,
                PhysicalMin = physicalMin,
                PhysicalMax = physicalMax,
                TrainMin = mean[i] - (6 * std[i]),
                TrainMax = mean[i] + (6 * std[i]),
                Mean = mean[i],
                StdDev = std[i],
                Baseline = new SensorBaseline { BinEdges = [mean[i] - 1, mean[i], mean[i] + 1], Counts = [1, 1], Quantiles = [mean[i]], QuantileLevels = [0.5] },
            }).ToArray(),
            Thresholds = new DetectorThresholds { T2Limit = 1, QLimit = 1 },
            Training = new TrainingWindow { Rows = 1, DataSha256 = "00" },
        };

    private sealed class State : DeviceDetectorState
    {
        public void Tick() => Count++;

        public override DeviceDetectorState Snapshot()
        {
            var copy = new State();
            CopyCountersTo(copy);
            return copy;
        }

        public override bool TryCopyTo(DeviceDetectorState target)
        {
            if (target is not State copy)
            {
                return false;
            }

            CopyCountersTo(copy);
            return true;
        }
    }
}
