using IoTAnomaly.Core.Evaluation;
using IoTAnomaly.Core.Evaluation.Baselines;
using IoTAnomaly.Testing;

namespace IoTAnomaly.Core.Tests.Evaluation.Baselines;

[TestClass]
public sealed class ZScoreBaselineDetectorTests
{
    [TestMethod]
    public void Run_ScoresLargestAbsoluteZ_IgnoringConstantSensors()
    {
        // sensor 0: mean 2, sample std 1 (values 1, 2, 3); sensor 1 is constant.
        double[][] train = [[1, 5], [2, 5], [3, 5]];
        double[][] test = [[2, 5], [5.5, 5], [-1, 100]];

        var detection = new ZScoreBaselineDetector(3.0).Run(["a", "b"], train, test, new DateTime[3]);

        CollectionAssert.AreEqual(new[] { 0.0, 3.5, 3.0 }, detection.Scores);
        CollectionAssert.AreEqual(new[] { false, true, false }, detection.Alarms);
        Assert.AreEqual(3.0, detection.Threshold);
        Assert.IsNull(detection.ChangePointAlarms);
    }

    // Pinned from a measured run (docs/evaluation.md); a change here means the metric, the reader or the baseline changed.
    [TestMethod]
    public void Evaluate_ReproducesPinnedDevScores_OnSkabDevFiles()
    {
        var folder = Datasets.TryGet("skab", out var missing) ?? throw new AssertInconclusiveException(missing);

        var report = SkabEvaluator.Evaluate(SkabDataset.LoadDirectory(folder), new ZScoreBaselineDetector()).Report;

        Assert.AreEqual(20, report.Files);
        Assert.AreEqual(79, report.ChangePoints);
        Assert.AreEqual(14472, report.TestRows);
        Assert.AreEqual(0.74, Math.Round(report.F1, 2), 1e-9);
        Assert.AreEqual(47.53, Math.Round(report.Far, 2), 1e-9);
        Assert.AreEqual(17.81, Math.Round(report.Mar, 2), 1e-9);
        Assert.AreEqual(4.31, Math.Round(report.NabStandard, 2), 1e-9);
        Assert.AreEqual(-33.21, Math.Round(report.NabLowFp, 2), 1e-9);
        Assert.AreEqual(18.91, Math.Round(report.NabLowFn, 2), 1e-9);
        Assert.AreEqual(41, report.MissedChangePoints);
        Assert.AreEqual(529, report.FalsePositiveAlarms);
        Assert.AreEqual(98.72, Math.Round(report.AnomalyFreeAlarmRate!.Value, 2), 1e-9);
    }
}
