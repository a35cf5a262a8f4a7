using IoTAnomaly.Core.Detection;
using IoTAnomaly.Core.Models;
using IoTAnomaly.Testing;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace IoTAnomaly.Core.Tests.Detection;

[TestClass]
public sealed class PcaDetectorTests
{
    private static PcaTrainingResult s_result = null!;
    private static PcaDetector s_detector = null!;

    [ClassInitialize]
    public static void Train(TestContext context)
    {
        s_result = new PcaDetectorTrainer(new PcaDetectorOptions { DeviceCalibrationReadings = 0 })
            .Train(SyntheticPlant.Request(new SyntheticPlant(11).Rows(5000)));
        s_detector = new PcaDetectorFactory().Create(s_result.ToBundle());
    }

    [TestMethod]
    public void Score_DoesNotFlag_HeldOutNormalData()
    {
        var rows = new SyntheticPlant(12).Rows(5000);
        var state = s_detector.CreateDeviceState();
        var contributions = new double[8];
        var alarms = rows.Count(r => s_detector.Score(r, state, contributions).IsAnomaly);

        // Calibrated at the 99 % quantile (Q with margin 4) and median-smoothed: well under 1 % on normal data.
        Assert.IsLessThanOrEqualTo(0.01, alarms / 5000.0);
    }

    [TestMethod]
    [DataRow(0)]
    [DataRow(3)]
    [DataRow(5)]
    public void Score_FlagsShiftedSensor_AndContributionsPointAtIt(int sensor)
    {
        var plant = new SyntheticPlant(13);
        var state = s_detector.CreateDeviceState();
        var contributions = new double[8];
        foreach (var r in plant.Rows(20))
        {
            s_detector.Score(r, state, contributions);
        }

        DetectorScore last = default;
        for (var i = 0; i < 10; i++)
        {
            var row = plant.Next();
            row[sensor] += 8 * SyntheticPlant.Sigma(sensor);
            last = s_detector.Score(row, state, contributions);
        }

        Assert.IsTrue(last.IsAnomaly, $"score {last.Score}");
        Assert.AreNotEqual(Severity.None, last.Severity);
        Assert.AreEqual(sensor, Array.IndexOf(contributions, contributions.Max()));
        Assert.AreEqual(1.0, contributions.Sum(), 1e-9);
        Assert.IsTrue(contributions.All(static c => c >= 0));
    }

    [TestMethod]
    public void Score_FlagsBrokenCorrelation_WithEachSensorInItsNormalRange()
    {
        // accel1 and accel2 both load mainly on factor 1; moving them 2 σ in opposite directions keeps each in range.
        var state = s_detector.CreateDeviceState();
        var contributions = new double[8];
        DetectorScore last = default;
        var plant = new SyntheticPlant(14);
        for (var i = 0; i < 10; i++)
        {
            var row = plant.Next();
            row[0] = SyntheticPlant.Offset(0) + (2 * SyntheticPlant.Sigma(0));
            row[1] = SyntheticPlant.Offset(1) - (2 * SyntheticPlant.Sigma(1));
            last = s_detector.Score(row, state, contributions);
        }

        Assert.IsTrue(last.IsAnomaly, $"score {last.Score}");
        var top2 = contributions.Select((c, i) => (c, i)).OrderByDescending(static x => x.c).Take(2).Select(static x => x.i).Order().ToArray();
        CollectionAssert.AreEqual(new[] { 0, 1 }, top2);
    }

    [TestMethod]
    public void Score_SeverityGrowsWithFaultSize()
    {
        Severity SeverityFor(double sigmas)
        {
            var state = s_detector.CreateDeviceState();
            var contributions = new double[8];
            var plant = new SyntheticPlant(15);
            DetectorScore last = default;
            for (var i = 0; i < 10; i++)
            {
                var row = plant.Next();
                row[2] += sigmas * SyntheticPlant.Sigma(2);
                last = s_detector.Score(row, state, contributions);
            }

            return last.Severity;
        }

        Assert.AreEqual(Severity.None, SeverityFor(0));
        Assert.AreEqual(Severity.High, SeverityFor(40));
        Assert.IsTrue(SeverityFor(8) >= Severity.Low);
    }

    [TestMethod]
    public void VectorizedScore_AgreesWithMlNetRandomizedPcaScore()
    {
        var rows = new SyntheticPlant(16).Rows(300);
        for (var r = 0; r < 300; r += 7)
        {
            rows[r][r % 8] += 6 * SyntheticPlant.Sigma(r % 8); // Include clearly abnormal rows.
        }

        var ml = new MLContext(1);
        var model = ml.Model.Load(new MemoryStream(s_result.ModelZip), out _);
        var schema = SchemaDefinition.Create(typeof(PcaInputRow));
        schema[nameof(PcaInputRow.Features)].ColumnType = new VectorDataViewType(NumberDataViewType.Single, 8);
        var input = rows.Select(r => new PcaInputRow { Features = r.Select(static v => (float)v).ToArray() });
        var scored = model.Transform(ml.Data.LoadFromEnumerable(input, schema));
        var mlScores = scored.GetColumn<float>("Score").ToArray();
        Assert.HasCount(300, mlScores);

        var p = s_detector.Parameters;
        var state = (PcaDeviceState)s_detector.CreateDeviceState();
        for (var r = 0; r < 300; r++)
        {
            var (_, q) = s_detector.Compute(rows[r], state, deviceCentre: false);
            var zz = state.Z.Sum(static z => z * z);
            var ours = Math.Sqrt(q / zz);
            Assert.AreEqual(mlScores[r], ours, 1e-4, $"row {r}: ML.NET {mlScores[r]}, ours {ours}");
        }

        Assert.AreEqual(8, p.Dimension);
    }

    [TestMethod]
    public void Factory_RoundTrip_GivesSameScoresAsTrainedDetector()
    {
        var trainer = new PcaDetectorTrainer();
        var (result, trained) = trainer.TrainCore(SyntheticPlant.Request(new SyntheticPlant(17).Rows(800)), null);
        var loaded = new PcaDetectorFactory().Create(result.ToBundle());
        CollectionAssert.AreEqual(trained.Sensors.ToArray(), loaded.Sensors.ToArray());
        var s1 = trained.CreateDeviceState();
        var s2 = loaded.CreateDeviceState();
        var c1 = new double[8];
        var c2 = new double[8];
        foreach (var row in new SyntheticPlant(18).Rows(200))
        {
            var a = trained.Score(row, s1, c1);
            var b = loaded.Score(row, s2, c2);
            Assert.AreEqual(a, b);
            CollectionAssert.AreEqual(c1, c2);
        }
    }

    [TestMethod]
    public void Factory_Throws_OnCorruptZip()
    {
        var zip = (byte[])s_result.ModelZip.Clone();
        Array.Fill(zip, (byte)0x5A, 0, zip.Length / 2);
        var ex = Assert.ThrowsExactly<InvalidDataException>(() => new PcaDetectorFactory().Create(new ModelBundle(s_result.Manifest, zip)));
        Assert.Contains("could not be loaded", ex.Message);
    }

    [TestMethod]
    public void Factory_Throws_OnMissingManifestField()
    {
        var hyper = new Dictionary<string, string>(s_result.Manifest.HyperParameters);
        hyper.Remove(PcaManifestKeys.ComponentVariances);
        var manifest = Copy(s_result.Manifest, hyper: hyper);
        var ex = Assert.ThrowsExactly<InvalidDataException>(() => new PcaDetectorFactory().Create(new ModelBundle(manifest, s_result.ModelZip)));
        Assert.Contains(PcaManifestKeys.ComponentVariances, ex.Message);
    }

    [TestMethod]
    public void Factory_Throws_WhenSensorListDoesNotMatchModel()
    {
        var manifest = Copy(s_result.Manifest, sensors: s_result.Manifest.Sensors.Take(7).ToArray());
        var ex = Assert.ThrowsExactly<InvalidDataException>(() => new PcaDetectorFactory().Create(new ModelBundle(manifest, s_result.ModelZip)));
        Assert.Contains("feature size", ex.Message);
    }

    [TestMethod]
    public void Factory_Throws_OnOtherModelType()
    {
        var manifest = Copy(s_result.Manifest, modelType: "other");
        Assert.ThrowsExactly<InvalidDataException>(() => new PcaDetectorFactory().Create(new ModelBundle(manifest, s_result.ModelZip)));
    }

    [TestMethod]
    public void Score_AllocatesNothing_PerCall()
    {
        var rows = new SyntheticPlant(19).Rows(64);
        var state = s_detector.CreateDeviceState();
        var contributions = new double[8];
        var detector = s_detector;
        double sink = 0;

        var perCall = Allocations.PerCall(i => sink += detector.Score(rows[i & 63], state, contributions).Score);

        Assert.IsLessThan(1.0, perCall, $"allocated {perCall:F3} bytes per call");
        Assert.IsTrue(double.IsFinite(sink));
    }

    [TestMethod]
    public void TryCopyTo_GivesAStateThatScoresLikeTheOriginal()
    {
        // A detector with per-device calibration (50 readings), so the device baseline is part of the state.
        var detector = new PcaDetectorFactory().Create(
            new PcaDetectorTrainer(new PcaDetectorOptions { DeviceCalibrationReadings = 50 })
                .Train(SyntheticPlant.Request(new SyntheticPlant(24).Rows(1000))).ToBundle());
        var rows = new SyntheticPlant(21).Rows(160);
        var contributions = new double[8];
        var original = detector.CreateDeviceState();
        var copy = detector.CreateDeviceState();
        for (var i = 0; i < 103; i++)
        {
            detector.Score(rows[i], original, contributions);
        }

        for (var i = 103; i < 130; i++)
        {
            // A used copy, as the batch handler's undo slot is; counts that differ modulo the smoothing window.
            detector.Score(rows[i], copy, contributions);
        }

        Assert.IsTrue(original.IsCalibrated);
        Assert.IsFalse(copy.IsCalibrated);

        Assert.IsTrue(original.TryCopyTo(copy));

        Assert.AreEqual(original.Count, copy.Count);
        Assert.IsTrue(copy.IsCalibrated);
        CollectionAssert.AreEqual(((PcaDeviceState)original).DeviceBaseline.ToArray(), ((PcaDeviceState)copy).DeviceBaseline.ToArray());
        var copyContributions = new double[8];
        for (var i = 103; i < 160; i++)
        {
            var expected = detector.Score(rows[i], original, contributions);
            var actual = detector.Score(rows[i], copy, copyContributions);
            Assert.AreEqual(expected, actual, $"row {i}");
            CollectionAssert.AreEqual(contributions, copyContributions, $"row {i}");
        }
    }

    [TestMethod]
    public void TryCopyTo_RefusesAStateOfAnotherShape()
    {
        var other = new PcaDetectorTrainer(new PcaDetectorOptions { SmoothingWindow = 3 })
            .Train(SyntheticPlant.Request(new SyntheticPlant(22).Rows(300)));
        var otherState = new PcaDetectorFactory().Create(other.ToBundle()).CreateDeviceState();
        var state = s_detector.CreateDeviceState();
        s_detector.Score(new SyntheticPlant(23).Rows(1)[0], state, new double[8]);

        Assert.IsFalse(state.TryCopyTo(otherState));
        Assert.AreEqual(0L, otherState.Count);
    }

    [TestMethod]
    public void Score_Throws_ForStateOfAnotherDetector()
    {
        var other = new PcaDetectorTrainer(new PcaDetectorOptions { SmoothingWindow = 3 })
            .Train(SyntheticPlant.Request(new SyntheticPlant(20).Rows(300)));
        var otherState = new PcaDetectorFactory().Create(other.ToBundle()).CreateDeviceState();
        Assert.ThrowsExactly<ArgumentException>(() => s_detector.Score(new double[8], otherState, new double[8]));
    }

    private static ModelManifest Copy(
        ModelManifest m, IDictionary<string, string>? hyper = null, IReadOnlyList<SensorSpec>? sensors = null, string? modelType = null) => new()
        {
            Name = m.Name,
            Version = m.Version,
            ModelType = modelType ?? m.ModelType,
            CreatedAt = m.CreatedAt,
            Sensors = sensors ?? m.Sensors,
            Thresholds = m.Thresholds,
            Training = m.Training,
            Metrics = m.Metrics,
            HyperParameters = hyper ?? m.HyperParameters,
        };
}
