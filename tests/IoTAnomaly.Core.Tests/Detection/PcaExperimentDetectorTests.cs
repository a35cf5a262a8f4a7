using IoTAnomaly.Core.Detection;

namespace IoTAnomaly.Core.Tests.Detection;

[TestClass]
public sealed class PcaExperimentDetectorTests
{
    [TestMethod]
    public void ChangePoints_IgnoreOneRowFlicker_AndMarkSustainedFlips()
    {
        //                 0      1     2     3     4     5     6     7      8      9      10     11
        bool[] alarms = [false, true, false, true, true, true, true, false, false, false, true, false];
        var cp = PcaExperimentDetector.ChangePoints(alarms, 2)!;

        // The single-row alarm at 1 and the single-row gap at 10 are flicker; 3–6 on and 7–9 off hold 2+ rows.
        var flips = Enumerable.Range(0, cp.Length).Where(t => cp[t]).ToArray();
        CollectionAssert.AreEqual(new[] { 4, 8 }, flips);
    }

    [TestMethod]
    public void ChangePoints_AreLeftToTheEvaluator_WhenHoldIsZero()
        => Assert.IsNull(PcaExperimentDetector.ChangePoints([true, false, true], 0));

    [TestMethod]
    public void Run_ReturnsOneDecisionPerTestRow_WithDebouncedChangePoints()
    {
        var plant = new SyntheticPlant(31);
        var train = plant.Rows(400);
        var test = plant.Rows(300);
        for (var r = 150; r < 220; r++)
        {
            test[r][2] += 10 * SyntheticPlant.Sigma(2);
        }

        var result = new PcaExperimentDetector().Run(
            SyntheticPlant.SensorNames, train, test, Enumerable.Range(0, 300).Select(i => DateTime.UnixEpoch.AddSeconds(i)).ToArray());

        Assert.HasCount(300, result.Alarms);
        Assert.HasCount(300, result.Scores);
        Assert.IsTrue(result.Alarms[160..215].All(static a => a), "the fault must alarm");
        Assert.IsLessThan(0.02, result.Alarms[..150].Count(static a => a) / 150.0);
        var flips = Enumerable.Range(0, 300).Where(t => result.ChangePointAlarms![t]).ToArray();
        Assert.IsTrue(flips.Any(static t => t is >= 150 and <= 155), $"onset flip missing: {string.Join(',', flips)}");
        Assert.IsTrue(flips.Any(static t => t is >= 220 and <= 228), $"end flip missing: {string.Join(',', flips)}");
    }
}
