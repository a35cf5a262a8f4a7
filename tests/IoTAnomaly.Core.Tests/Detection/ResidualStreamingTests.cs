using IoTAnomaly.Core.Composition;
using IoTAnomaly.Core.Detection;
using IoTAnomaly.Core.Models;
using IoTAnomaly.Testing;

namespace IoTAnomaly.Core.Tests.Detection;

/// <summary>The <c>ridge-residual</c> streaming model type: trainer → bundle → factory/catalog → allocation-free scorer.</summary>
[TestClass]
public sealed class ResidualStreamingTests
{
    private static readonly DateTimeOffset CreatedAt = new(2026, 11, 23, 12, 0, 0, TimeSpan.Zero);

    private static PcaTrainingResult Train(int seed = 1, ResidualDetectorOptions? options = null)
    {
        var rows = new SyntheticPlant(seed).Rows(400);
        return new ResidualDetectorTrainer(options).Train(new PcaTrainingRequest
        {
            ModelName = "plant",
            Sensors = SyntheticPlant.SensorNames,
            Rows = PcaTrainingRequest.Flatten(rows, SyntheticPlant.Sensors),
            CreatedAt = CreatedAt,
            Source = "synthetic",
        });
    }

    [TestMethod]
    public void Trainer_WritesManifest_WithTypeVersionThresholdsAndBaselines()
    {
        var result = Train();
        var manifest = result.Manifest;

        Assert.AreEqual("ridge-residual", manifest.ModelType);
        Assert.StartsWith("20261123-120000-", manifest.Version);
        Assert.HasCount(8, manifest.Sensors);
        Assert.IsGreaterThan(0.0, manifest.Thresholds.T2Limit);
        Assert.AreEqual(400L, manifest.Training.Rows);
        Assert.AreEqual("10", manifest.HyperParameters["inputWindow"]);
        Assert.IsTrue(manifest.Sensors.All(s => s.Baseline.Counts.Sum() == 400));
        Assert.IsLessThanOrEqualTo(0.05, manifest.Metrics["trainingAlarmRate"]);
    }

    [TestMethod]
    public void Catalog_LoadsBundle_AndScoresLikeTheInProcessScorer()
    {
        // Without device calibration the streaming state is exactly the in-process scorer.
        var result = Train(options: new ResidualDetectorOptions { DeviceCalibrationReadings = 0 });
        var catalog = DetectorCatalog.CreateDefault();
        CollectionAssert.Contains(catalog.ModelTypes.ToArray(), "ridge-residual");
        var detector = catalog.Create(result.ToBundle());
        var state = detector.CreateDeviceState();
        var reference = ResidualModel.Train(new SyntheticPlant(1).Rows(400), new ResidualDetectorOptions { DeviceCalibrationReadings = 0 }).CreateScorer();
        var contributions = new double[8];

        var test = new SyntheticPlant(2).Rows(300);
        for (var r = 150; r < 300; r++)
        {
            test[r][7] += 1.5 * SyntheticPlant.Sigma(7);
        }

        var alarmsAfterFault = 0;
        for (var r = 0; r < test.Length; r++)
        {
            var s = detector.Score(test[r], state, contributions);
            Assert.AreEqual(reference.Score(test[r]), s.Score, 1e-12, $"row {r}");
            Assert.AreEqual(reference.IsAlarming, s.IsAnomaly, $"row {r}: the streaming decision is the scorer's (with hysteresis)");
            if (r >= 170 && s.IsAnomaly)
            {
                alarmsAfterFault++;
                Assert.AreEqual(7, Array.IndexOf(contributions, contributions.Max()), "the flow sensor should dominate");
                Assert.AreEqual(1.0, contributions.Sum(), 1e-9);
            }
        }

        Assert.IsGreaterThanOrEqualTo(120, alarmsAfterFault);
        Assert.IsTrue(state.IsCalibrated);
        Assert.AreEqual(300L, state.Count);
    }

    [TestMethod]
    public void DeviceCalibration_LearnsADevicesOwnOffset_AndStillSeesALaterFault()
    {
        // A device whose flow reads 1.5 σ above what the fleet relation predicts, from its first reading on.
        var test = new SyntheticPlant(2).Rows(600);
        foreach (var row in test)
        {
            row[7] += 1.5 * SyntheticPlant.Sigma(7);
        }

        for (var r = 400; r < 600; r++)
        {
            test[r][3] += 1.5 * SyntheticPlant.Sigma(3); // then a real fault of another sensor
        }

        int[] Alarms(ResidualDetectorOptions options)
        {
            var detector = new DetectorCatalog([new ResidualDetectorFactory()]).Create(Train(options: options).ToBundle());
            var state = detector.CreateDeviceState();
            var contributions = new double[8];
            return [.. test.Select(row => detector.Score(row, state, contributions).IsAnomaly ? 1 : 0)];
        }

        var fleetOnly = Alarms(new ResidualDetectorOptions { DeviceCalibrationReadings = 0 });
        var calibrated = Alarms(new ResidualDetectorOptions());

        Assert.IsGreaterThanOrEqualTo(250, fleetOnly[100..400].Sum(), $"without calibration the device's own offset alarms ({fleetOnly[100..400].Sum()}, calibrated {calibrated[100..400].Sum()}, fault {calibrated[420..600].Sum()})");
        Assert.IsLessThanOrEqualTo(15, calibrated[100..400].Sum(), "calibrated: the offset is the device's baseline");
        Assert.IsGreaterThanOrEqualTo(150, calibrated[420..600].Sum(), "calibrated: a later fault still alarms");
    }

    [TestMethod]
    public void AbsorbedDriftThatEnds_ReturnsToTheCalibratedBaseline_InsteadOfAlarming()
    {
        // A calibrated device; then flow drifts slowly away from its relation (followed by the offsets, below the
        // threshold) and snaps back at row 2,600 (a slow-drift fault ending). Back at its own baseline, the device is
        // normal again: it must not alarm for the next 1,000 readings until a re-baseline.
        var test = new SyntheticPlant(2).Rows(3200);
        var flow = 7;
        for (var r = 600; r < 2600; r++)
        {
            test[r][flow] += 2.5 * SyntheticPlant.Sigma(flow) * (r - 600) / 2000.0;
        }

        (int AlarmsAfterReturn, int Reanchored, int AlarmsLateInDrift) Run(ResidualDetectorOptions options)
        {
            var late = 0;
            var model = ResidualModel.Train(new SyntheticPlant(1).Rows(400), options);
            var scorer = model.CreateScorer(calibrationReadings: 50);
            var alarms = 0;
            for (var r = 0; r < test.Length; r++)
            {
                scorer.Score(test[r]);
                if (r >= 2600 && scorer.IsAlarming)
                {
                    alarms++;
                }

                if (r is >= 2200 and < 2600 && scorer.IsAlarming)
                {
                    late++;
                }
            }

            return (alarms, scorer.Reanchored, late);
        }

        var options = new ResidualDetectorOptions { Adaptation = 0.05, RebaselineAfter = 0 };
        var anchored = Run(options);
        var noExcursion = Run(options with { ExcursionLimit = 0 });

        Assert.IsGreaterThan(0, anchored.Reanchored, "the return to the baseline was not recognised");
        Assert.IsLessThanOrEqualTo(20, anchored.AlarmsAfterReturn, $"alarms after the drift ended: {anchored}");

        // The excursion check: the offsets followed the drift, but they are now far from the calibrated baseline.
        Assert.IsGreaterThanOrEqualTo(300, anchored.AlarmsLateInDrift, $"the slow drift's late part should alarm: {anchored}");
        Assert.IsLessThanOrEqualTo(20, noExcursion.AlarmsLateInDrift, $"without the excursion check the offsets absorb it: {noExcursion}");
    }

    [TestMethod]
    public void Factory_Rejects_CorruptOrForeignBundles()
    {
        var result = Train();
        IDetectorFactory factory = new ResidualDetectorFactory();

        Assert.ThrowsExactly<InvalidDataException>(() => factory.Create(new ModelBundle(result.Manifest, new byte[] { 1, 2, 3 })));
        var emptyZip = new ResidualDetectorTrainer().Train(new PcaTrainingRequest
        {
            ModelName = "x",
            Sensors = ["a", "b", "c"],
            Rows = PcaTrainingRequest.Flatten(new SyntheticPlant(3).Rows(100).Select(r => r[..3]).ToArray(), 3),
            CreatedAt = CreatedAt,
        });
        Assert.ThrowsExactly<InvalidDataException>(() => factory.Create(new ModelBundle(result.Manifest, emptyZip.ModelZip)), "3-sensor model, 8-sensor manifest");
        var pca = new PcaDetectorTrainer().Train(new PcaTrainingRequest
        {
            ModelName = "pca",
            Sensors = SyntheticPlant.SensorNames,
            Rows = PcaTrainingRequest.Flatten(new SyntheticPlant(4).Rows(400), 8),
            CreatedAt = CreatedAt,
        });
        Assert.ThrowsExactly<InvalidDataException>(() => factory.Create(pca.ToBundle()));
    }

    [TestMethod]
    public void Model_SerializationRoundTrip_GivesIdenticalScores()
    {
        var model = ResidualModel.Train(new SyntheticPlant(5).Rows(400));
        var copy = ResidualModel.Read(model.Serialize());
        var a = model.CreateScorer();
        var b = copy.CreateScorer();
        foreach (var row in new SyntheticPlant(6).Rows(200))
        {
            Assert.AreEqual(a.Score(row), b.Score(row));
        }

        Assert.ThrowsExactly<InvalidDataException>(() => ResidualModel.Read("format=1\nsensorCount=8\n"u8));
    }

    [TestMethod]
    public void TryCopyTo_GivesAStateThatScoresLikeTheOriginal()
    {
        var detector = ResidualDetectorFactory.Load(Train().ToBundle());
        var rows = new SyntheticPlant(8).Rows(200);
        for (var r = 120; r < 200; r++)
        {
            rows[r][2] += 0.5; // a level shift: offsets adapt, alarms run, so every part of the state moves
        }

        var contributions = new double[8];
        var original = detector.CreateDeviceState();
        var copy = detector.CreateDeviceState();
        for (var i = 0; i < 133; i++)
        {
            detector.Score(rows[i], original, contributions);
        }

        for (var i = 0; i < 17; i++)
        {
            // A used copy, as the batch handler's undo slot is; counts that differ modulo the input window.
            detector.Score(rows[199 - i], copy, contributions);
        }

        Assert.IsTrue(original.TryCopyTo(copy));

        Assert.AreEqual(original.Count, copy.Count);
        Assert.AreEqual(original.IsCalibrated, copy.IsCalibrated);
        var copyContributions = new double[8];
        for (var i = 133; i < 200; i++)
        {
            var expected = detector.Score(rows[i], original, contributions);
            var actual = detector.Score(rows[i], copy, copyContributions);
            Assert.AreEqual(expected, actual, $"row {i}");
            CollectionAssert.AreEqual(contributions, copyContributions, $"row {i}");
        }

        Assert.IsFalse(original.TryCopyTo(ResidualDetectorFactory.Load(Train(2).ToBundle()).CreateDeviceState()), "a state of another model");
    }

    [TestMethod]
    public void Score_AllocatesNothing_ThroughTheDetectorInterface()
    {
        var detector = ResidualDetectorFactory.Load(Train().ToBundle());
        var state = detector.CreateDeviceState();
        var rows = new SyntheticPlant(7).Rows(64);
        var contributions = new double[8];
        double sink = 0;

        var perCall = Allocations.PerCall(i => sink += detector.Score(rows[i & 63], state, contributions).Score, warmup: 300_000);

        Assert.IsLessThan(1.0, perCall, $"allocated {perCall:F3} bytes per call");
        Assert.IsTrue(double.IsFinite(sink));
        var other = ResidualDetectorFactory.Load(Train(2).ToBundle());
        Assert.ThrowsExactly<ArgumentException>(() => detector.Score(rows[0], other.CreateDeviceState(), contributions));
    }
}
