using IoTAnomaly.Core.Evaluation;

namespace IoTAnomaly.Core.Tests.Evaluation;

[TestClass]
public sealed class NabScorerTests
{
    private static readonly DateTime T0 = new(2014, 4, 1);

    [TestMethod]
    [DataRow(4032, 604)]
    [DataRow(100, 15)]
    [DataRow(10000, 750)]
    public void ProbationLength_IsFifteenPercentCappedAt750_ForRowCounts(int rows, int expected)
        => Assert.AreEqual(expected, NabScorer.ProbationLength(rows));

    [TestMethod]
    public void ScaledSigmoid_MatchesNabDefinition_AtKeyPoints()
    {
        Assert.AreEqual(0, NabScorer.ScaledSigmoid(0), 1e-12);
        Assert.AreEqual((2 / (1 + Math.Exp(-5))) - 1, NabScorer.ScaledSigmoid(-1), 1e-12);
        Assert.AreEqual((2 / (1 + Math.Exp(15))) - 1, NabScorer.ScaledSigmoid(3), 1e-12);
        Assert.AreEqual(-1, NabScorer.ScaledSigmoid(3.0001));
    }

    [TestMethod]
    public void ScoreFile_WeighsAlarmsByPosition_HandComputed()
    {
        // 20 rows, probation 3, one window on rows 10..13 (W = 4).
        var file = File(20, window: (10, 13), alarmsAt: [1, 5, 11, 12, 15]);
        var profile = NabProfile.Standard;

        var score = NabScorer.ScoreFile(file, 0.5, profile);

        var sigmaMinus1 = NabScorer.ScaledSigmoid(-1);
        var tp = NabScorer.ScaledSigmoid(-(13 - 11 + 1) / 4.0) / sigmaMinus1; // earliest alarm in the window (row 11)
        var fpBefore = -0.11; // row 5: no window before it (row 1 is probation)
        var fpAfter = 0.11 * NabScorer.ScaledSigmoid((15 - 13) / 3.0);
        Assert.AreEqual(tp + fpBefore + fpAfter, score.RawScore, 1e-12);
        Assert.AreEqual(2, score.TruePositiveRows);
        Assert.AreEqual(2, score.FalsePositiveRows);
        Assert.AreEqual(2, score.FalseNegativeRows);
        Assert.AreEqual(17 - 6, score.TrueNegativeRows);
        Assert.AreEqual(1, score.Windows);
    }

    [TestMethod]
    public void ScoreFile_GivesFullCredit_ForAlarmOnWindowStart()
    {
        var score = NabScorer.ScoreFile(File(20, window: (10, 13), alarmsAt: [10]), 0.5, NabProfile.RewardLowFp);

        Assert.AreEqual(1.0, score.RawScore, 1e-12);
    }

    [TestMethod]
    public void ScoreFile_CostsFalseNegativeWeight_WhenWindowHasNoAlarm()
    {
        var score = NabScorer.ScoreFile(File(20, window: (10, 13), alarmsAt: []), 0.5, NabProfile.RewardLowFn);

        Assert.AreEqual(-2.0, score.RawScore, 1e-12);
        Assert.AreEqual(0.0, NabScorer.Normalize(score.RawScore, 1, NabProfile.RewardLowFn), 1e-12);
        Assert.AreEqual(100.0, NabScorer.Normalize(1.0, 1, NabProfile.RewardLowFn), 1e-12);
    }

    [TestMethod]
    public void ScoreFile_IgnoresWindowAndAlarms_InsideProbation()
    {
        // 100 rows: probation 15; a window on rows 2..5 lies entirely inside it.
        var score = NabScorer.ScoreFile(File(100, window: (2, 5), alarmsAt: [3, 10]), 0.5, NabProfile.Standard);

        Assert.AreEqual(0, score.Windows);
        Assert.AreEqual(0.0, score.RawScore);
        Assert.AreEqual(85, score.TrueNegativeRows);
    }

    [TestMethod]
    public void OptimizeThreshold_PicksScoreThatFiresOnlyInWindow_TwoLevels()
    {
        // scores: 0.9 on row 10 (window start), 0.6 on row 5 (FP), 0.1 elsewhere.
        var scores = Enumerable.Repeat(0.1, 20).ToArray();
        scores[10] = 0.9;
        scores[5] = 0.6;
        var file = new NabFile("f", Times(20), scores, [new TimeWindow(T0.AddMinutes(50), T0.AddMinutes(65))]);

        var best = NabScorer.OptimizeThreshold([file], NabProfile.Standard);

        Assert.AreEqual(0.9, best.Threshold);
        Assert.AreEqual(1.0, best.RawScore, 1e-12);
    }

    private static DateTime[] Times(int rows) => Enumerable.Range(0, rows).Select(i => T0.AddMinutes(5 * i)).ToArray();

    private static NabFile File(int rows, (int Left, int Right) window, int[] alarmsAt)
    {
        var scores = new double[rows];
        foreach (var row in alarmsAt)
        {
            scores[row] = 1.0;
        }

        var times = Times(rows);
        return new NabFile("test.csv", times, scores, [new TimeWindow(times[window.Left], times[window.Right])]);
    }
}
