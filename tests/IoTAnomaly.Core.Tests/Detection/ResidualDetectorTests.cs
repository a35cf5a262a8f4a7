using IoTAnomaly.Core.Detection;
using IoTAnomaly.Core.Simulation;
using IoTAnomaly.Testing;

namespace IoTAnomaly.Core.Tests.Detection;

/// <summary>The <c>ridge-residual</c> model on the seeded synthetic plant (8 correlated sensors).</summary>
[TestClass]
public sealed class ResidualDetectorTests
{
    private static double[][] Normal(int seed, int rows) => new SyntheticPlant(seed).Rows(rows);

    [TestMethod]
    public void HeldOutNormalData_RarelyAlarms()
    {
        var model = ResidualModel.Train(Normal(1, 400));
        var scorer = model.CreateScorer(Normal(1, 400));
        var alarms = Normal(2, 3000).Count(row => scorer.Score(row) > 1);

        Assert.AreEqual(8, model.ActiveSensors.Count);
        Assert.IsLessThanOrEqualTo(0.02 * 3000, alarms, $"{alarms} alarms on 3000 normal rows");
    }

    [TestMethod]
    public void BrokenCorrelation_Alarms_AndSustainedFaultIsNotAbsorbed()
    {
        var train = Normal(3, 400);
        var model = ResidualModel.Train(train);
        var scorer = model.CreateScorer(train);
        var test = Normal(4, 600);
        var flow = SyntheticPlant.Sensors - 1;
        for (var r = 100; r < 600; r++)
        {
            test[r][flow] += 1.0 * SyntheticPlant.Sigma(flow); // one sensor leaves the others: in range, wrong relation
        }

        var scores = test.Select(row => scorer.Score(row)).ToArray();

        Assert.IsLessThanOrEqualTo(2, scores[20..100].Count(s => s > 1), "alarms before the fault");
        Assert.IsGreaterThanOrEqualTo(0.9 * 480, scores[120..600].Count(s => s > 1), "missed fault rows");
        Assert.IsGreaterThan(1.0, scores[^1], "the adaptation absorbed a sustained fault");
    }

    [TestMethod]
    public void Hysteresis_KeepsAnAlarmOn_UntilTheScoreFallsBelowRelease_WithoutAdapting()
    {
        var train = Normal(3, 400);
        var options = new ResidualDetectorOptions { Release = 0.5 };
        var model = ResidualModel.Train(train, options);
        var latched = model.CreateScorer(train);
        var test = Normal(4, 400);
        var flow = SyntheticPlant.Sensors - 1;
        for (var r = 100; r < 200; r++)
        {
            test[r][flow] += 1.0 * SyntheticPlant.Sigma(flow);
        }

        var scores = new double[test.Length];
        var alarms = new bool[test.Length];
        for (var r = 0; r < test.Length; r++)
        {
            scores[r] = latched.Score(test[r]);
            alarms[r] = latched.IsAlarming;
        }

        var previous = false;
        for (var r = 0; r < test.Length; r++)
        {
            // The decision rule, row by row: on above 1; stays on above Release; off otherwise.
            var expected = scores[r] > 1 || (previous && scores[r] > options.Release);
            Assert.AreEqual(expected, alarms[r], $"row {r}: score {scores[r]:F3}, previous alarm {previous}");
            previous = alarms[r];
        }

        var held = Enumerable.Range(0, test.Length).Count(r => alarms[r] && scores[r] <= 1);
        Assert.IsGreaterThan(0, held, "no row was held in alarm below the threshold");

        // No hysteresis (Release 1): the same readings alarm exactly where the score exceeds 1.
        var plain = ResidualModel.Train(train, options with { Release = 1 }).CreateScorer(train);
        foreach (var row in test)
        {
            Assert.AreEqual(plain.Score(row) > 1, plain.IsAlarming);
        }
    }

    [TestMethod]
    public void SpikeGuard_FindsMoreOfTheSimulatorsSpikes_ThanTheSmoothedScore()
    {
        // One simulated pump: normal operation to train on, then a stream with spike faults only (1–3 readings, 6–12 ×
        // the sensor's noise, one sensor).
        var start = new DateTimeOffset(2026, 11, 23, 0, 0, 0, TimeSpan.Zero);
        var normal = new FleetSimulator(new SimulatorOptions { DeviceCount = 1, Seed = 5, StartTime = start, FaultRate = 0, MalformedRate = 0, EnabledFaults = [] });
        var train = normal.NextSteps(2000).Select(r => r.Values).ToArray();
        var live = new FleetSimulator(new SimulatorOptions
        {
            DeviceCount = 1, Seed = 6, StartTime = start.AddHours(1), FaultRate = 0.01, MalformedRate = 0, EnabledFaults = [FaultKind.Spike],
        }).NextSteps(6000).Where(r => r.Fault != FaultKind.Malformed).ToArray();

        (int Episodes, int Detected, int FalseAlarms) Run(ResidualDetectorOptions options)
        {
            var detector = ResidualDetectorFactory.Load(new ResidualDetectorTrainer(options).Train(new PcaTrainingRequest
            {
                ModelName = "pump",
                Sensors = FleetSimulator.SensorNames,
                Rows = PcaTrainingRequest.Flatten(train, FleetSimulator.SensorNames.Count),
                CreatedAt = start,
            }).ToBundle());
            var state = detector.CreateDeviceState();
            var contributions = new double[FleetSimulator.SensorNames.Count];
            int episodes = 0, detected = 0, falseAlarms = 0;
            var inEpisode = false;
            var episodeDetected = false;
            foreach (var reading in live)
            {
                var alarm = detector.Score(reading.Values, state, contributions).IsAnomaly;
                if (reading.Fault == FaultKind.Spike)
                {
                    if (!inEpisode)
                    {
                        episodes++;
                        inEpisode = true;
                        episodeDetected = false;
                    }

                    if (alarm && !episodeDetected)
                    {
                        episodeDetected = true;
                        detected++;
                    }
                }
                else
                {
                    inEpisode = false;
                    falseAlarms += alarm ? 1 : 0;
                }
            }

            return (episodes, detected, falseAlarms);
        }

        var guarded = Run(new ResidualDetectorOptions());
        var unguarded = Run(new ResidualDetectorOptions { SpikeLimit = 0 });

        Assert.IsGreaterThanOrEqualTo(20, guarded.Episodes, "too few spikes to judge");
        Assert.IsGreaterThanOrEqualTo(0.8 * guarded.Episodes, guarded.Detected, $"guarded: {guarded}");
        Assert.IsGreaterThan(unguarded.Detected, guarded.Detected, $"the guard finds spikes the smoothed score misses: guarded {guarded}, unguarded {unguarded}");
        Assert.IsLessThanOrEqualTo(unguarded.FalseAlarms + 60, guarded.FalseAlarms, $"the guard should not add many false alarms: {guarded} vs {unguarded}");
    }

    [TestMethod]
    public void LastingChange_IsRebaselinedAfterRebaselineAfterAlarms_FaultsBeforeThatStillAlarm()
    {
        var train = Normal(3, 400);
        var test = Normal(4, 3000);
        var flow = SyntheticPlant.Sensors - 1;
        for (var r = 200; r < test.Length; r++)
        {
            test[r][flow] += 1.5 * SyntheticPlant.Sigma(flow); // a new normal: it never ends
        }

        (int Alarms, int Rebaselines) Run(int rebaselineAfter)
        {
            var scorer = ResidualModel.Train(train, new ResidualDetectorOptions { RebaselineAfter = rebaselineAfter }).CreateScorer(train);
            var alarms = 0;
            foreach (var row in test)
            {
                scorer.Score(row);
                alarms += scorer.IsAlarming ? 1 : 0;
            }

            return (alarms, scorer.Rebaselines);
        }

        var never = Run(0);
        var after500 = Run(500);

        Assert.IsGreaterThanOrEqualTo(2700, never.Alarms, "without re-baselining the change alarms to the end");
        Assert.AreEqual(0, never.Rebaselines);
        Assert.AreEqual(1, after500.Rebaselines);
        Assert.IsGreaterThanOrEqualTo(480, after500.Alarms, "the change must alarm until the re-baseline");
        Assert.IsLessThanOrEqualTo(600, after500.Alarms, "after the re-baseline the new normal is quiet");
    }

    [TestMethod]
    public void Release_RoundTripsThroughTheSerializedModel_AndIsValidated()
    {
        var train = Normal(3, 400);
        var model = ResidualModel.Train(train, new ResidualDetectorOptions { Release = 0.6, SpikeLimit = 7, RebaselineAfter = 321, DeviceCalibrationReadings = 12, ExcursionLimit = 1.7 });
        var read = ResidualModel.Read(model.Serialize()).Options;
        Assert.AreEqual(0.6, read.Release);
        Assert.AreEqual(7.0, read.SpikeLimit);
        Assert.AreEqual(321, read.RebaselineAfter);
        Assert.AreEqual(12, read.DeviceCalibrationReadings);
        Assert.AreEqual(1.7, read.ExcursionLimit);
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => ResidualModel.Train(train, new ResidualDetectorOptions { Release = 0 }));
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => ResidualModel.Train(train, new ResidualDetectorOptions { Release = 1.2 }));

        // A model written before these options existed has none of their lines: it keeps the old behaviour.
        string[] added = ["release=", "spikeLimit=", "inverseRawSigma=", "rebaselineAfter=", "deviceCalibration=", "excursionLimit="];
        var legacy = System.Text.Encoding.UTF8.GetString(model.Serialize()).Split('\n').Where(l => !added.Any(a => l.StartsWith(a, StringComparison.Ordinal)));
        var old = ResidualModel.Read(System.Text.Encoding.UTF8.GetBytes(string.Join('\n', legacy))).Options;
        Assert.AreEqual(1.0, old.Release);
        Assert.AreEqual(0.0, old.SpikeLimit);
        Assert.AreEqual(0, old.RebaselineAfter);
        Assert.AreEqual(0, old.DeviceCalibrationReadings);
        Assert.AreEqual(0.0, old.ExcursionLimit);
    }

    [TestMethod]
    public void Adaptation_FollowsSlowDrift_ThatAFrozenModelAlarmsOn()
    {
        var train = Normal(5, 400);
        var test = Normal(6, 4000);
        for (var r = 0; r < test.Length; r++)
        {
            test[r][4] += 0.6 * SyntheticPlant.Sigma(4) * r / test.Length; // slow temperature-like drift
        }

        int Alarms(double adaptation)
        {
            var options = new ResidualDetectorOptions { Adaptation = adaptation };
            var scorer = ResidualModel.Train(train, options).CreateScorer(train);
            return test.Count(row => scorer.Score(row) > 1);
        }

        var adaptive = Alarms(ResidualDetectorOptions.DefaultAdaptation);
        var frozen = Alarms(0);
        Assert.IsLessThan(frozen, adaptive, $"adaptive {adaptive}, frozen {frozen}");
        Assert.IsLessThanOrEqualTo(0.05 * test.Length, adaptive);
    }

    [TestMethod]
    public void ConstantSensor_IsIgnored()
    {
        var train = Normal(7, 400);
        foreach (var row in train)
        {
            row[2] = 5.0;
        }

        var model = ResidualModel.Train(train);
        var scorer = model.CreateScorer();
        var test = Normal(8, 50);

        Assert.AreEqual(7, model.ActiveSensors.Count);
        Assert.IsFalse(model.ActiveSensors.Contains(2));
        Assert.IsTrue(test.All(row => double.IsFinite(scorer.Score(row))));
    }

    [TestMethod]
    public void Train_Rejects_BadInput()
    {
        Assert.ThrowsExactly<ArgumentException>(() => ResidualModel.Train(Normal(9, 20)));
        var nan = Normal(9, 400);
        nan[17][3] = double.NaN;
        var error = Assert.ThrowsExactly<ArgumentException>(() => ResidualModel.Train(nan));
        Assert.Contains("Row 17", error.Message);
        var ragged = Normal(9, 400);
        ragged[5] = [1.0, 2.0];
        Assert.ThrowsExactly<ArgumentException>(() => ResidualModel.Train(ragged));
        var constant = Enumerable.Range(0, 100).Select(_ => new double[] { 1, 2, 3 }).ToArray();
        Assert.ThrowsExactly<ArgumentException>(() => ResidualModel.Train(constant));
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => ResidualModel.Train(Normal(9, 400), new ResidualDetectorOptions { Quantile = 1 }));
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => ResidualModel.Train(Normal(9, 400), new ResidualDetectorOptions { InputWindow = 0 }));
    }

    [TestMethod]
    public void Score_Throws_ForWrongWidth()
    {
        var scorer = ResidualModel.Train(Normal(10, 400)).CreateScorer();
        Assert.ThrowsExactly<ArgumentException>(() => scorer.Score([1.0, 2.0]));
    }

    [TestMethod]
    public void Score_AllocatesNothing_PerCall()
    {
        var rows = Normal(11, 64);
        var scorer = ResidualModel.Train(Normal(12, 400)).CreateScorer();
        double sink = 0;

        var perCall = Allocations.PerCall(i => sink += scorer.Score(rows[i & 63]), warmup: 300_000);

        Assert.IsLessThan(1.0, perCall, $"allocated {perCall:F3} bytes per call");
        Assert.IsTrue(double.IsFinite(sink));
    }

    [TestMethod]
    public void ExperimentDetector_OneDecisionPerTestRow_WithOnsetChangePoint()
    {
        var train = Normal(13, 400);
        var test = Normal(14, 300);
        for (var r = 150; r < 300; r++)
        {
            test[r][7] += 1.5 * SyntheticPlant.Sigma(7);
        }

        var timestamps = Enumerable.Range(0, 300).Select(i => DateTime.UnixEpoch.AddSeconds(i)).ToArray();
        var detection = new ResidualExperimentDetector().Run(SyntheticPlant.SensorNames, train, test, timestamps);

        Assert.HasCount(300, detection.Alarms);
        Assert.HasCount(300, detection.Scores);
        Assert.AreEqual(1.0, detection.Threshold);
        var changePoints = detection.ChangePointAlarms!;
        var first = Array.IndexOf(changePoints, true);
        Assert.IsTrue(first is >= 150 and <= 165, $"first change-point alarm at {first}");
    }
}
