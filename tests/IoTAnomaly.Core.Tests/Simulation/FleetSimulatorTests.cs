using IoTAnomaly.Core.Simulation;

namespace IoTAnomaly.Core.Tests.Simulation;

[TestClass]
public sealed class FleetSimulatorTests
{
    private const int Acc1 = 0, Acc2 = 1, Current = 2, Pressure = 3, Temperature = 4, Thermocouple = 5, Voltage = 6, Flow = 7;

    private static SimulatorOptions Quiet(int devices = 5, int seed = 7) => new()
    {
        DeviceCount = devices,
        Seed = seed,
        FaultRate = 0,
        MalformedRate = 0,
    };

    [TestMethod]
    public void SensorNames_AreSkabColumnsInOrder()
    {
        CollectionAssert.AreEqual(
            new[] { "Accelerometer1RMS", "Accelerometer2RMS", "Current", "Pressure", "Temperature", "Thermocouple", "Voltage", "Volume Flow RateRMS" },
            FleetSimulator.SensorNames.ToArray());
    }

    [TestMethod]
    public void NextStep_ProducesIdenticalReadings_WhenSeedIsTheSame()
    {
        var options = new SimulatorOptions { DeviceCount = 20, Seed = 123, FaultRate = 0.01, MalformedRate = 0.01 };
        var a = new FleetSimulator(options).NextSteps(500);
        var b = new FleetSimulator(options).NextSteps(500);
        var c = new FleetSimulator(new SimulatorOptions { DeviceCount = 20, Seed = 124, FaultRate = 0.01, MalformedRate = 0.01 }).NextSteps(500);

        Assert.HasCount(a.Count, b);
        for (var i = 0; i < a.Count; i++)
        {
            Assert.AreEqual(a[i].DeviceId, b[i].DeviceId);
            Assert.AreEqual(a[i].MessageId, b[i].MessageId);
            Assert.AreEqual(a[i].Timestamp, b[i].Timestamp);
            Assert.AreEqual(a[i].Fault, b[i].Fault);
            Assert.AreEqual(a[i].MalformedPayload, b[i].MalformedPayload);
            CollectionAssert.AreEqual(a[i].Values, b[i].Values);
        }

        Assert.IsFalse(a.Zip(c).All(p => p.First.Values.SequenceEqual(p.Second.Values)), "another seed gives another fleet");
    }

    [TestMethod]
    public void NextStep_GivesOneReadingPerDeviceWithIdsAndTimestamps_WhenNoFaults()
    {
        var sim = new FleetSimulator(new SimulatorOptions { DeviceCount = 3, FaultRate = 0, MalformedRate = 0, StartTime = new DateTimeOffset(2026, 5, 1, 0, 0, 0, TimeSpan.Zero), RunId = "run", ReadingsPerSecond = 4 });

        sim.NextStep();
        var second = sim.NextStep();

        CollectionAssert.AreEqual(new[] { "pump-001", "pump-002", "pump-003" }, second.Select(r => r.DeviceId).ToArray());
        Assert.IsTrue(second.All(r => r.MessageId == "run-1" && r.Timestamp == new DateTimeOffset(2026, 5, 1, 0, 0, 0, 250, TimeSpan.Zero)));
        Assert.IsTrue(second.All(r => r.Fault == FaultKind.None && !r.Malformed && r.Values.Length == 8));
        Assert.AreEqual(2, sim.Step);
        Assert.AreEqual(TimeSpan.FromMilliseconds(250), sim.Options.StepInterval);
    }

    [TestMethod]
    public void NextStep_MatchesSkabMeansAndSpreads_WhenNormal()
    {
        // The daily cycle crosses its mean at 09:00 UTC: an hour around it sees the sensors' mean levels.
        var options = Quiet(devices: 12);
        options.StartTime = new DateTimeOffset(2026, 3, 1, 8, 30, 0, TimeSpan.Zero);
        var sim = new FleetSimulator(options);
        var columns = Columns(sim.NextSteps(3600));

        // SKAB anomaly-free: mean and std per sensor.
        double[] mean = [0.2126, 0.2684, 2.403, 0.1113, 89.47, 28.47, 228.65, 125.24];
        double[] std = [0.0047, 0.0040, 0.486, 0.253, 0.667, 0.731, 10.98, 1.605];
        for (var s = 0; s < 8; s++)
        {
            // Per-device offsets (0.5 std) widen the fleet's spread: expect between 0.6 and 1.6 times SKAB's.
            Assert.AreEqual(mean[s], Stats.Mean(columns[s]), 0.5 * std[s], FleetSimulator.SensorNames[s] + " mean");
            var spread = Stats.Std(columns[s]) / std[s];
            Assert.IsTrue(spread is > 0.6 and < 1.6, $"{FleetSimulator.SensorNames[s]} std ratio {spread:F2}");
        }

        Assert.IsTrue(columns[Current].All(v => v >= 0), "current is never negative");
    }

    [TestMethod]
    public void NextStep_ReproducesSkabCorrelationSigns_WithinOneDevice()
    {
        var sim = new FleetSimulator(Quiet(devices: 6));
        var readings = sim.NextSteps(7200);
        var byDevice = readings.GroupBy(r => r.DeviceId).Select(g => Columns(g.ToList())).ToArray();

        double Avg(int a, int b) => byDevice.Average(c => Stats.Correlation(c[a], c[b]));

        Assert.IsLessThan(-0.5, Avg(Temperature, Thermocouple), "SKAB −0.89");
        Assert.IsGreaterThan(0.5, Avg(Thermocouple, Flow), "SKAB +0.83");
        Assert.IsGreaterThan(0.4, Avg(Acc1, Flow), "SKAB +0.71");
        Assert.IsLessThan(-0.4, Avg(Acc2, Flow), "SKAB −0.71");
        Assert.IsGreaterThan(0.3, Avg(Current, Voltage), "SKAB +0.47");
        Assert.AreEqual(0, Avg(Pressure, Flow), 0.1, "SKAB 0.00");
        Assert.AreEqual(0, Avg(Pressure, Voltage), 0.1, "SKAB 0.01");
    }

    [TestMethod]
    public void NextStep_FlagsExactlyTheInjectedReadings_AndLeavesTheRestUntouched()
    {
        var options = new SimulatorOptions { DeviceCount = 40, Seed = 11, FaultRate = 0.004, MalformedRate = 0 };
        var faulty = new FleetSimulator(options);
        var twin = new FleetSimulator(Quiet(devices: 40, seed: 11));
        var episodes = new List<FaultEpisode>();
        var seenKinds = new HashSet<FaultKind>();
        for (var step = 0; step < 3000; step++)
        {
            var readings = faulty.NextStep();
            episodes.AddRange(faulty.LastStepEpisodes);
            var normal = twin.NextStep().ToDictionary(r => r.DeviceId);
            var active = episodes.Where(e => e.Covers(step)).ToDictionary(e => e.DeviceId);
            foreach (var r in readings)
            {
                var expected = active.TryGetValue(r.DeviceId, out var e) ? e.Kind : FaultKind.None;
                Assert.AreEqual(expected, r.Fault, $"{r.DeviceId} step {step}");
                var baseline = normal[r.DeviceId].Values;
                var changed = Enumerable.Range(0, 8).Where(s => r.Values[s] != baseline[s]).ToArray();
                if (expected == FaultKind.None)
                {
                    Assert.IsEmpty(changed, $"{r.DeviceId} step {step}: a normal reading equals the fault-free twin");
                }
                else
                {
                    seenKinds.Add(expected);
                    Assert.IsTrue(changed.All(e!.Sensors.Contains), $"only the episode's sensors change ({r.DeviceId} step {step})");
                }

                if (expected is FaultKind.Spike or FaultKind.LevelShift)
                {
                    Assert.IsTrue(e!.Sensors.All(s => Math.Abs(r.Values[s] - baseline[s]) >= 2.9 * Scale(s)), "spikes and shifts are at least 3 std");
                }
            }

            foreach (var device in active.Values.Where(e => e.Kind == FaultKind.Dropout))
            {
                Assert.IsFalse(readings.Any(r => r.DeviceId == device.DeviceId), "a device in dropout sends nothing");
            }

            Assert.AreEqual(40 - active.Values.Count(e => e.Kind == FaultKind.Dropout), readings.Count);
        }

        CollectionAssert.AreEquivalent(
            new[] { FaultKind.Spike, FaultKind.LevelShift, FaultKind.StuckSensor, FaultKind.SlowDrift, FaultKind.Dropout },
            episodes.Select(e => e.Kind).Distinct().ToArray());
        CollectionAssert.AreEquivalent(new[] { FaultKind.Spike, FaultKind.LevelShift, FaultKind.StuckSensor, FaultKind.SlowDrift }, seenKinds.ToArray());
    }

    [TestMethod]
    public void LastStepEpisodes_StaysUnchanged_AfterLaterSteps()
    {
        var sim = new FleetSimulator(new SimulatorOptions { DeviceCount = 50, Seed = 2, FaultRate = 0.05, MalformedRate = 0 });
        IReadOnlyList<FaultEpisode> held = [];
        for (var i = 0; i < 100 && held.Count == 0; i++)
        {
            sim.NextStep();
            held = sim.LastStepEpisodes;
        }

        var copy = held.ToArray();
        Assert.IsNotEmpty(copy);
        sim.NextSteps(50);

        CollectionAssert.AreEqual(copy, held.ToArray());
    }

    [TestMethod]
    public void NextStep_RepeatsTheValueExactly_DuringStuckSensorEpisode()
    {
        var sim = new FleetSimulator(new SimulatorOptions { DeviceCount = 20, Seed = 5, FaultRate = 0.01, MalformedRate = 0, EnabledFaults = [FaultKind.StuckSensor] });
        var episodes = new List<FaultEpisode>();
        var readings = new List<(long Step, SimulatedReading Reading)>();
        for (var step = 0; step < 2000; step++)
        {
            readings.AddRange(sim.NextStep().Select(r => ((long)step, r)));
            episodes.AddRange(sim.LastStepEpisodes);
        }

        var complete = episodes.Where(e => e.EndStep <= 2000).ToArray();
        Assert.IsNotEmpty(complete);
        foreach (var episode in complete)
        {
            var values = readings.Where(x => x.Reading.DeviceId == episode.DeviceId && episode.Covers(x.Step)).Select(x => x.Reading.Values[episode.Sensors[0]]).ToArray();
            Assert.HasCount(episode.Length, values);
            Assert.IsGreaterThanOrEqualTo(60, values.Length, "long enough for the stuck-sensor rule (30 readings)");
            Assert.IsTrue(values.All(v => v == values[0]), $"{episode.DeviceId} from step {episode.StartStep}");
        }
    }

    [TestMethod]
    public void NextStep_InjectsOnlyEnabledFaults_AndMalformedAtItsRate()
    {
        var sim = new FleetSimulator(new SimulatorOptions { DeviceCount = 50, Seed = 3, FaultRate = 0.01, MalformedRate = 0.02, EnabledFaults = [FaultKind.Spike, FaultKind.Malformed] });

        var readings = sim.NextSteps(1000);

        var kinds = readings.Select(r => r.Fault).Distinct().ToHashSet();
        CollectionAssert.IsSubsetOf(kinds.ToArray(), new[] { FaultKind.None, FaultKind.Spike, FaultKind.Malformed });
        var malformedShare = readings.Count(r => r.Malformed) / (double)readings.Count;
        Assert.AreEqual(0.02, malformedShare, 0.004);
        Assert.IsTrue(readings.Where(r => r.Malformed).All(r => r.Fault == FaultKind.Malformed));
    }

    [TestMethod]
    public void NextStep_ShiftsOperatingPointGradually_OnlyForDriftingDevicesAfterDriftStart()
    {
        var start = new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
        var drifting = Quiet(devices: 10);
        drifting.DriftStart = start.AddSeconds(100);
        drifting.DriftRamp = TimeSpan.FromSeconds(200);
        drifting.DriftFraction = 0.3;
        drifting.DriftMagnitude = 3;
        var sim = new FleetSimulator(drifting);
        var twin = new FleetSimulator(Quiet(devices: 10));

        var drifted = Enumerable.Range(0, 10).Where(sim.IsDrifting).ToArray();
        Assert.HasCount(3, drifted);
        for (var step = 0; step < 400; step++)
        {
            var a = sim.NextStep();
            var b = twin.NextStep();
            for (var d = 0; d < 10; d++)
            {
                var delta = a[d].Values[Flow] - b[d].Values[Flow];
                var expected = !drifted.Contains(d) || step < 100 ? 0 : 3 * 1.605 * Math.Min(1, (step - 100) / 200.0);
                Assert.AreEqual(expected, delta, 0.002, $"device {d} step {step}");
                Assert.AreEqual(FaultKind.None, a[d].Fault, "drift is the new normal, not a fault");
            }
        }
    }

    private static double Scale(int sensor) => new[] { 0.0047, 0.0040, 0.486, 0.253, 0.667, 0.731, 10.98, 1.605 }[sensor];

    private static List<double>[] Columns(IReadOnlyList<SimulatedReading> readings)
    {
        var columns = Enumerable.Range(0, 8).Select(_ => new List<double>(readings.Count)).ToArray();
        foreach (var r in readings)
        {
            for (var s = 0; s < 8; s++)
            {
                columns[s].Add(r.Values[s]);
            }
        }

        return columns;
    }
}
