using IoTAnomaly.Core.Drift;
using IoTAnomaly.Core.Models;
using IoTAnomaly.Testing;

namespace IoTAnomaly.Core.Tests.Drift;

[TestClass]
public sealed class DriftEvaluatorTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 22, 12, 0, 0, TimeSpan.Zero);

    private static ModelManifest Manifest()
    {
        var manifest = FakeDetector.CreateManifest("m", "v1", ["a", "b"], [0, 0], [1, 1], -100, 100);
        var edges = Enumerable.Range(0, 21).Select(i => -5 + (i * 0.5)).ToArray();
        var baseline = Histogram(edges, Normal(new Random(1), 20_000, 0));
        return new ModelManifest
        {
            Name = manifest.Name,
            Version = manifest.Version,
            ModelType = manifest.ModelType,
            CreatedAt = manifest.CreatedAt,
            Training = manifest.Training,
            Thresholds = new DetectorThresholds { T2Limit = 1, QLimit = 1, ExpectedAnomalyRate = 0.01 },
            Sensors = manifest.Sensors.Select(s => new SensorSpec
            {
                Name = s.Name,
                Baseline = new SensorBaseline { BinEdges = edges, Counts = baseline, Quantiles = [0], QuantileLevels = [0.5] },
            }).ToArray(),
        };
    }

    private static IEnumerable<double> Normal(Random random, int n, double mean)
    {
        for (var i = 0; i < n; i++)
        {
            yield return mean + (Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble()));
        }
    }

    private static long[] Histogram(double[] edges, IEnumerable<double> values)
    {
        var sketch = new HistogramSketch(edges);
        foreach (var v in values)
        {
            sketch.Add(v);
        }

        return sketch.Counts;
    }

    private static DriftSketchSet Window(ModelManifest manifest, double shiftB, int n, long anomalies, int seed)
    {
        var set = DriftSketchSet.Empty(manifest, ["a", "b"], Now.AddMinutes(-10));
        var random = new Random(seed);
        var a = Histogram(set.Edges[0], Normal(random, n, 0));
        var b = Histogram(set.Edges[1], Normal(random, n, shiftB));
        a.CopyTo(set.Fleet[0], 0);
        b.CopyTo(set.Fleet[1], 0);
        set.Devices["pump-1"] = [a, b];
        set.Scored = n;
        set.Anomalies = anomalies;
        set.WindowEnd = Now;
        return set;
    }

    [TestMethod]
    public void Evaluate_IsStable_WhenRecentDataMatchesBaseline()
    {
        var manifest = Manifest();
        var report = DriftEvaluator.Evaluate(manifest, [Window(manifest, 0, 5000, 50, 2)], new DriftOptions(), Now);
        Assert.AreEqual(DriftVerdicts.Stable, report.Verdict);
        Assert.IsTrue(report.Sensors.All(s => s.Psi < 0.05));
    }

    [TestMethod]
    public void Evaluate_FlagsOnlyTheShiftedSensor_WhenOneSensorMoves()
    {
        var manifest = Manifest();
        var report = DriftEvaluator.Evaluate(manifest, [Window(manifest, 1.0, 2500, 25, 2), Window(manifest, 1.0, 2500, 25, 3)], new DriftOptions(), Now);
        Assert.AreEqual(DriftVerdicts.Drifted, report.Verdict);
        Assert.IsFalse(report.Sensors.Single(s => s.Sensor == "a").Drifted);
        var b = report.Sensors.Single(s => s.Sensor == "b");
        Assert.IsTrue(b.Drifted);
        Assert.IsGreaterThan(0.2, b.Psi);
        Assert.AreEqual(5000, report.Samples, "windows merge");
        Assert.AreEqual("pump-1", report.Devices.Single().DeviceId);
    }

    [TestMethod]
    public void Evaluate_FlagsPredictionDrift_WhenAnomalyRateIsFarAboveExpected()
    {
        var manifest = Manifest();
        var report = DriftEvaluator.Evaluate(manifest, [Window(manifest, 0, 5000, 600, 2)], new DriftOptions(), Now);
        Assert.IsTrue(report.Prediction.Drifted);
        Assert.AreEqual(DriftVerdicts.Drifted, report.Verdict);
    }

    [TestMethod]
    public void Evaluate_SaysInsufficientData_BelowMinimumSamples()
    {
        var manifest = Manifest();
        var report = DriftEvaluator.Evaluate(manifest, [Window(manifest, 3, 100, 0, 2)], new DriftOptions { MinSamples = 500 }, Now);
        Assert.AreEqual(DriftVerdicts.InsufficientData, report.Verdict);
    }

    [TestMethod]
    public void Evaluate_IgnoresSketchesOfOtherVersions()
    {
        var manifest = Manifest();
        var old = Window(manifest, 3, 5000, 0, 2);
        var other = new DriftSketchSet
        {
            Model = old.Model, ModelVersion = "v0", WindowStart = old.WindowStart, WindowEnd = old.WindowEnd, Sensors = old.Sensors, Edges = old.Edges, Fleet = old.Fleet, Scored = old.Scored,
        };
        var report = DriftEvaluator.Evaluate(manifest, [other], new DriftOptions(), Now);
        Assert.AreEqual(DriftVerdicts.InsufficientData, report.Verdict);
    }
}
