using System.Text.Json;
using IoTAnomaly.Core.Evaluation;

namespace IoTAnomaly.Core.Tests.Evaluation;

[TestClass]
public sealed class SkabEvaluatorTests
{
    private static readonly DateTime T0 = new(2020, 3, 9, 10, 0, 0);

    [TestMethod]
    public void Evaluate_ScoresPerfectly_WhenDetectorSeesTheFault()
    {
        // the single sensor is 1 exactly on the anomalous rows; change points at fault start and first normal row after it.
        var experiment = Synthetic("valve1/0.csv", rows: 20, trainRows: 5, faultFrom: 10, faultTo: 14);

        var result = SkabEvaluator.Evaluate([experiment], new ThresholdDetector(0.5), trainRows: 5);

        var report = result.Report;
        Assert.AreEqual(1.0, report.F1, 1e-12);
        Assert.AreEqual(0.0, report.Far);
        Assert.AreEqual(0.0, report.Mar);
        Assert.AreEqual(100.0, report.NabStandard, 1e-9);
        Assert.AreEqual(100.0, report.NabLowFp, 1e-9);
        Assert.AreEqual(100.0, report.NabLowFn, 1e-9);
        Assert.AreEqual(2, report.ChangePoints);
        Assert.AreEqual(0.0, report.AverageDelaySeconds);
        Assert.AreEqual(15, report.TestRows);
        Assert.AreEqual(1, report.Files);
        Assert.IsNull(report.AnomalyFreeAlarmRate);
        var file = report.PerFile.Single();
        Assert.AreEqual((5L, 0L, 0L, 10L), (file.TruePositives, file.FalsePositives, file.FalseNegatives, file.TrueNegatives));
        Assert.AreEqual(15, file.TestRows);
    }

    [TestMethod]
    public void Evaluate_PassesOnlyTrainRowsToTraining_AndTestRowsInOrder()
    {
        var experiment = Synthetic("f.csv", rows: 12, trainRows: 4, faultFrom: 8, faultTo: 9);
        var recorder = new RecordingDetector();

        SkabEvaluator.Evaluate([experiment], recorder, trainRows: 4);

        Assert.HasCount(4, recorder.Train!);
        Assert.HasCount(8, recorder.Test!);
        Assert.AreSame(experiment.Rows[4], recorder.Test![0]);
        CollectionAssert.AreEqual(experiment.Timestamps[4..], recorder.Timestamps);
    }

    [TestMethod]
    public void Evaluate_UsesDetectorChangePointAlarms_WhenProvided()
    {
        var experiment = Synthetic("f.csv", rows: 20, trainRows: 5, faultFrom: 10, faultTo: 14);

        // Same outlier alarms as a perfect detector, but change-point alarms only on the last test row (an FP).
        var result = SkabEvaluator.Evaluate([experiment], new ThresholdDetector(0.5, changePointsAtEnd: true), trainRows: 5);

        Assert.AreEqual(1.0, result.Report.F1, 1e-12);
        Assert.AreEqual(2, result.Report.MissedChangePoints);
        Assert.AreEqual(1, result.Report.FalsePositiveAlarms);
        Assert.IsLessThan(0, result.Report.NabStandard);
    }

    [TestMethod]
    public void Evaluate_ReportsAnomalyFreeFileApart_NotPooled()
    {
        var labelled = Synthetic("valve1/0.csv", rows: 20, trainRows: 5, faultFrom: 10, faultTo: 14);
        var values = Enumerable.Range(0, 25).Select(i => new[] { i is 10 or 11 ? 1.0 : 0.0 }).ToArray();
        var free = new SkabExperiment("anomaly-free/anomaly-free.csv", ["s"], Times(25), values, null, null);

        var result = SkabEvaluator.Evaluate([free, labelled], new ThresholdDetector(0.5), trainRows: 5);

        Assert.AreEqual(1, result.Report.Files);
        Assert.AreEqual(15, result.Report.TestRows);
        Assert.AreEqual(1.0, result.Report.F1, 1e-12);
        Assert.AreEqual(10.0, result.Report.AnomalyFreeAlarmRate!.Value, 1e-12);
        var check = result.Report.AnomalyFree.Single();
        Assert.AreEqual(new SkabAnomalyFreeReport("anomaly-free/anomaly-free.csv", 20, 2, 10.0, 2), check);
        Assert.HasCount(2, result.Files);
        Assert.IsFalse(result.Files[0].Labelled);
    }

    [TestMethod]
    public void Evaluate_Throws_WhenDetectorReturnsWrongLength()
    {
        var experiment = Synthetic("f.csv", rows: 20, trainRows: 5, faultFrom: 10, faultTo: 14);

        var error = Assert.ThrowsExactly<InvalidOperationException>(
            () => SkabEvaluator.Evaluate([experiment], new ShortDetector(), trainRows: 5));

        Assert.Contains("returned 3 Alarms for 15 test rows of f.csv", error.Message);
    }

    [TestMethod]
    public void Evaluate_Throws_WhenFileHasNoTestPart()
    {
        var experiment = Synthetic("short.csv", rows: 5, trainRows: 5, faultFrom: 10, faultTo: 14);

        Assert.ThrowsExactly<ArgumentException>(() => SkabEvaluator.Evaluate([experiment], new ThresholdDetector(0.5), trainRows: 5));
    }

    [TestMethod]
    public void Evaluate_ReportsProgressOncePerFile_WithCount()
    {
        var experiments = new[] { Synthetic("a.csv", 20, 5, 10, 14), Synthetic("b.csv", 20, 5, 10, 14) };
        var seen = new List<SkabEvaluationProgress>();

        SkabEvaluator.Evaluate(experiments, new ThresholdDetector(0.5), 5, new SynchronousProgress(seen.Add));

        CollectionAssert.AreEqual(new[] { new SkabEvaluationProgress("a.csv", 1, 2), new SkabEvaluationProgress("b.csv", 2, 2) }, seen);
    }

    [TestMethod]
    public void Report_SerializesWithLeaderboardKeys_OnOneLine()
    {
        var report = SkabEvaluator.Evaluate([Synthetic("f.csv", 20, 5, 10, 14)], new ThresholdDetector(0.5), 5).Report;

        var json = JsonSerializer.Serialize(report, EvaluationJsonContext.Default.SkabEvaluationReport);

        Assert.DoesNotContain("\n", json);
        using var document = JsonDocument.Parse(json);
        foreach (var key in new[] { "detector", "f1", "far", "mar", "nabStandard", "nabLowFp", "nabLowFn", "perFile" })
        {
            Assert.IsTrue(document.RootElement.TryGetProperty(key, out _), key);
        }

        Assert.IsFalse(document.RootElement.TryGetProperty("anomalyFreeAlarmRate", out _), "null values are left out");
        Assert.AreEqual(report, JsonSerializer.Deserialize(json, EvaluationJsonContext.Default.SkabEvaluationReport)! with
        {
            AnomalyFree = report.AnomalyFree,
            PerFile = report.PerFile,
        });
    }

    // 30 s apart, so the 60 s windows of change points five rows apart neither overlap nor touch.
    private static DateTime[] Times(int rows) => Enumerable.Range(0, rows).Select(i => T0.AddSeconds(30 * i)).ToArray();

    private static SkabExperiment Synthetic(string name, int rows, int trainRows, int faultFrom, int faultTo)
    {
        _ = trainRows;
        var anomaly = Enumerable.Range(0, rows).Select(i => i >= faultFrom && i <= faultTo).ToArray();
        var changePoint = Enumerable.Range(0, rows).Select(i => i == faultFrom || i == faultTo + 1).ToArray();
        var values = anomaly.Select(a => new[] { a ? 1.0 : 0.0 }).ToArray();
        return new SkabExperiment(name, ["s"], Times(rows), values, anomaly, changePoint);
    }

    private sealed class ThresholdDetector(double threshold, bool changePointsAtEnd = false) : IExperimentDetector
    {
        public string Name => "threshold";

        public ExperimentDetection Run(IReadOnlyList<string> sensors, double[][] train, double[][] test, DateTime[] testTimestamps)
        {
            var scores = test.Select(r => r[0]).ToArray();
            bool[]? changePoints = null;
            if (changePointsAtEnd)
            {
                changePoints = new bool[test.Length];
                changePoints[^1] = true;
            }

            return new ExperimentDetection(scores.Select(s => s > threshold).ToArray(), scores, threshold, changePoints);
        }
    }

    private sealed class RecordingDetector : IExperimentDetector
    {
        public double[][]? Train { get; private set; }

        public double[][]? Test { get; private set; }

        public DateTime[]? Timestamps { get; private set; }

        public string Name => "recorder";

        public ExperimentDetection Run(IReadOnlyList<string> sensors, double[][] train, double[][] test, DateTime[] testTimestamps)
        {
            (Train, Test, Timestamps) = (train, test, testTimestamps);
            return new ExperimentDetection(new bool[test.Length], new double[test.Length], 0);
        }
    }

    private sealed class ShortDetector : IExperimentDetector
    {
        public string Name => "short";

        public ExperimentDetection Run(IReadOnlyList<string> sensors, double[][] train, double[][] test, DateTime[] testTimestamps)
            => new(new bool[3], new double[test.Length], 0);
    }

    private sealed class SynchronousProgress(Action<SkabEvaluationProgress> report) : IProgress<SkabEvaluationProgress>
    {
        public void Report(SkabEvaluationProgress value) => report(value);
    }
}
