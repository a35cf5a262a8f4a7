using IoTAnomaly.Core.Evaluation;

namespace IoTAnomaly.Core.Tests.Evaluation;

[TestClass]
public sealed class SkabMetricsTests
{
    private static readonly DateTime T0 = new(2020, 3, 9, 10, 0, 0);

    private static DateTime At(double seconds) => T0.AddSeconds(seconds);

    [TestMethod]
    public void CountOutliers_CountsEachCell_MixedRows()
    {
        bool[] labels = [true, true, true, false, false, false, false];
        bool[] alarms = [true, true, false, true, false, false, false];

        var counts = SkabMetrics.CountOutliers(labels, alarms);

        Assert.AreEqual(new ConfusionCounts(2, 1, 1, 3), counts);
        Assert.AreEqual(2 / (2 + ((1 + 1) / 2.0)), counts.F1, 1e-12);
        Assert.AreEqual(25.0, counts.FalseAlarmRate, 1e-12);
        Assert.AreEqual(100.0 / 3, counts.MissedAlarmRate, 1e-12);
    }

    [TestMethod]
    public void CountOutliers_Throws_WhenLengthsDiffer()
        => Assert.ThrowsExactly<ArgumentException>(() => SkabMetrics.CountOutliers([true], [true, false]));

    [TestMethod]
    public void ConfusionCounts_PoolsCountsBeforeRatios_WhenAdded()
    {
        var pooled = new ConfusionCounts(1, 0, 0, 9) + new ConfusionCounts(0, 1, 9, 0);

        Assert.AreEqual(new ConfusionCounts(1, 1, 9, 9), pooled);
        Assert.AreEqual(1 / 6.0, pooled.F1, 1e-12);
    }

    [TestMethod]
    public void EdgeAlarms_MarksRisingAndFallingEdges_FirstRowIsItsPrediction()
    {
        bool[] predictions = [true, true, false, false, true, true, true, false];

        var edges = SkabMetrics.EdgeAlarms(predictions);

        CollectionAssert.AreEqual(new[] { true, false, true, false, true, false, false, true }, edges);
    }

    [TestMethod]
    public void TrailingMax_ZeroesFirstRowsAndHoldsForWidth_WidthThree()
    {
        bool[] predictions = [true, false, false, false, true, false, false, false];

        var held = SkabMetrics.TrailingMax(predictions, 3);

        // rows 0-1 are forced to 0; row 2 still sees row 0; row 4 lights rows 4-6.
        CollectionAssert.AreEqual(new[] { false, false, true, false, true, true, true, false }, held);
    }

    [TestMethod]
    public void ChangePointWindows_CutsTheRightWindow_WhenWindowsOverlap()
    {
        var windows = SkabMetrics.ChangePointWindows([At(30), At(0)]);

        CollectionAssert.AreEqual(new[] { new TimeWindow(At(0), At(60)), new TimeWindow(At(60), At(90)) }, windows.ToArray());
    }

    [TestMethod]
    public void ChangePointWindows_LeavesWindowsUnchanged_WhenTheyOnlyTouch()
    {
        var windows = SkabMetrics.ChangePointWindows([At(0), At(60), At(200)]);

        CollectionAssert.AreEqual(
            new[] { new TimeWindow(At(0), At(60)), new TimeWindow(At(60), At(120)), new TimeWindow(At(200), At(260)) },
            windows.ToArray());
    }

    [TestMethod]
    public void MatchChangePoints_CountsAlarmInBothWindows_WhenAtTheSharedInstant()
    {
        var windows = SkabMetrics.ChangePointWindows([At(0), At(60)]);

        var match = SkabMetrics.MatchChangePoints(windows, [At(60)]);

        Assert.AreEqual(2, match.Windows);
        Assert.AreEqual(0, match.Missed);
        Assert.AreEqual(0, match.FalsePositives);
        CollectionAssert.AreEqual(new[] { 999, 0 }, match.CreditIndices.ToArray());
    }

    [TestMethod]
    public void MatchChangePoints_CountsEveryAlarmOutsideWindows_BeforeBetweenAndAfter()
    {
        var windows = SkabMetrics.ChangePointWindows([At(100), At(300)]);

        // before: 10, 20; between: 161, 299.5; after: 361; inside: 130 (first), 140 (free), 300.
        var match = SkabMetrics.MatchChangePoints(windows, [At(10), At(20), At(130), At(140), At(161), At(299.5), At(300), At(361)]);

        Assert.AreEqual(5, match.FalsePositives);
        Assert.AreEqual(0, match.Missed);
        CollectionAssert.AreEqual(new[] { 500, 0 }, match.CreditIndices.ToArray());
        CollectionAssert.AreEqual(new[] { TimeSpan.FromSeconds(30), TimeSpan.Zero }, match.Delays.ToArray());
    }

    [TestMethod]
    public void MatchChangePoints_UsesTheCutStart_ForCreditAndDelay()
    {
        var windows = SkabMetrics.ChangePointWindows([At(0), At(30)]);

        // the second window is [60, 90]: an alarm at 75 is half way, 15 s after the cut start.
        var match = SkabMetrics.MatchChangePoints(windows, [At(0), At(75)]);

        CollectionAssert.AreEqual(new[] { 0, 500 }, match.CreditIndices.ToArray());
        CollectionAssert.AreEqual(new[] { TimeSpan.Zero, TimeSpan.FromSeconds(15) }, match.Delays.ToArray());
    }

    [TestMethod]
    public void MatchChangePoints_MissesWindow_WhenItHasNoAlarm()
    {
        var match = SkabMetrics.MatchChangePoints(SkabMetrics.ChangePointWindows([At(0)]), [At(61)]);

        Assert.AreEqual(1, match.Missed);
        Assert.AreEqual(1, match.FalsePositives);
        Assert.IsEmpty(match.CreditIndices);
    }

    [TestMethod]
    public void MatchChangePoints_BuildsWindowsFromLabels_RowOverload()
    {
        DateTime[] timestamps = [At(0), At(1), At(2), At(62), At(63)];
        bool[] changePoints = [false, true, false, false, false];
        bool[] alarms = [true, false, true, false, true];

        var match = SkabMetrics.MatchChangePoints(timestamps, changePoints, alarms);

        // window [1, 61]: alarm at 2 is its first (k = floor(1000 / 60) = 16); alarms at 0 and 63 are FPs.
        Assert.AreEqual(1, match.Windows);
        Assert.AreEqual(2, match.FalsePositives);
        CollectionAssert.AreEqual(new[] { 16 }, match.CreditIndices.ToArray());
    }

    [TestMethod]
    [DataRow(0, 1.0)]
    [DataRow(999, -0.11)]
    public void Credit_FallsFromTruePositiveToFalsePositiveWeight_AtCurveEnds(int k, double expected)
        => Assert.AreEqual(expected, SkabNabProfile.Standard.Credit(k), 1e-12);

    [TestMethod]
    public void Credit_IsSymmetricAroundTheMidpointAndDecreasing_StandardProfile()
    {
        var profile = SkabNabProfile.Standard;
        for (var k = 0; k < 999; k++)
        {
            Assert.AreEqual(profile.TruePositive + profile.FalsePositive, profile.Credit(k) + profile.Credit(999 - k), 1e-12);
            Assert.IsLessThan(profile.Credit(k), profile.Credit(k + 1));
        }

        // x_k = -pi/2 + k pi / 999; at k = 250 the tanh term is known in closed form.
        var x = (-Math.PI / 2) + (250 * Math.PI / 999);
        Assert.AreEqual((1.11 / 2 * (-Math.Tanh(x) / Math.Tanh(Math.PI / 2))) + (1.11 / 2) - 0.11, profile.Credit(250), 1e-12);
    }

    [TestMethod]
    public void Score_AddsCreditsAndCosts_HandComputed()
    {
        // two windows: one detected at its start (credit 1), one missed; three FPs.
        var match = new ChangePointMatch(2, 1, 3, [0], [TimeSpan.Zero]);

        Assert.AreEqual(1 - 1 - 0.33, match.Score(SkabNabProfile.Standard), 1e-12);
        Assert.AreEqual(1 - 1 - 0.66, match.Score(SkabNabProfile.LowFp), 1e-12);
        Assert.AreEqual(1 - 2 - 0.33, match.Score(SkabNabProfile.LowFn), 1e-12);
        Assert.AreEqual(100 * (-0.33 + 2) / 4, SkabMetrics.NabScore([match], SkabNabProfile.Standard), 1e-9);
        Assert.AreEqual(100 * (-1.33 + 4) / 6, SkabMetrics.NabScore([match], SkabNabProfile.LowFn), 1e-9);
    }

    [TestMethod]
    public void NabScore_IsZeroForNullAndHundredForPerfect_AndContributionsAddUp()
    {
        var perfect = new ChangePointMatch(3, 0, 0, [0, 0, 0], [TimeSpan.Zero, TimeSpan.Zero, TimeSpan.Zero]);
        var none = new ChangePointMatch(3, 3, 0, [], []);
        var mixed = new ChangePointMatch(2, 1, 2, [400], [TimeSpan.FromSeconds(24)]);

        Assert.AreEqual(100, SkabMetrics.NabScore([perfect], SkabNabProfile.LowFp), 1e-9);
        Assert.AreEqual(0, SkabMetrics.NabScore([none], SkabNabProfile.LowFp), 1e-9);
        ChangePointMatch[] corpus = [perfect, none, mixed];
        foreach (var profile in SkabNabProfile.All)
        {
            Assert.AreEqual(
                SkabMetrics.NabScore(corpus, profile),
                corpus.Sum(f => SkabMetrics.NabContribution(f, corpus, profile)),
                1e-9);
        }
    }

    [TestMethod]
    public void Summarize_PoolsCountsAndAveragesDelays_OverFiles()
    {
        var scores = SkabMetrics.Summarize(
        [
            (new ConfusionCounts(1, 0, 1, 8), new ChangePointMatch(2, 1, 1, [0], [TimeSpan.FromSeconds(4)])),
            (new ConfusionCounts(3, 2, 0, 5), new ChangePointMatch(1, 0, 0, [100], [TimeSpan.FromSeconds(6)])),
        ]);

        Assert.AreEqual(new ConfusionCounts(4, 2, 1, 13), scores.Outliers);
        Assert.AreEqual(3, scores.ChangePoints);
        Assert.AreEqual(1, scores.MissedChangePoints);
        Assert.AreEqual(1, scores.FalsePositiveAlarms);
        Assert.AreEqual(5.0, scores.AverageDelaySeconds);
    }
}
