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

    [TestMethod]
    public void Evaluate_ProducesSaneScores_OnSkabDevFiles()
    {
        var folder = Datasets.TryGet("skab", out var missing) ?? throw new AssertInconclusiveException(missing);

        var report = SkabEvaluator.Evaluate(SkabDataset.LoadDirectory(folder), new ZScoreBaselineDetector()).Report;

        Assert.AreEqual(20, report.Files);
        Assert.AreEqual(79, report.ChangePoints);
        Assert.IsNotNull(report.AnomalyFreeAlarmRate);
        Assert.IsTrue(report.F1 is > 0 and <= 1, $"F1 {report.F1}");
        Assert.IsTrue(report.Far is >= 0 and <= 100, $"FAR {report.Far}");
    }
}
