using System.Text.Json;
using System.Text.RegularExpressions;
using IoTAnomaly.Core.Detection;
using IoTAnomaly.Core.Serialization;

namespace IoTAnomaly.Core.Tests.Detection;

[TestClass]
public sealed partial class PcaDetectorTrainerTests
{
    [TestMethod]
    public void Train_ProducesSaneManifest_OnCorrelatedData()
    {
        var rows = new SyntheticPlant(1).Rows(2000);
        var result = new PcaDetectorTrainer().Train(SyntheticPlant.Request(rows));
        var m = result.Manifest;

        Assert.AreEqual(PcaDetectorTrainer.ModelType, m.ModelType);
        Assert.AreEqual("pump-fleet", m.Name);
        Assert.IsTrue(VersionPattern().IsMatch(m.Version), m.Version);
        Assert.StartsWith("20261122-100000-", m.Version);
        Assert.AreEqual(m.Training.DataSha256[..8], m.Version[^8..]);
        Assert.AreEqual(2000, m.Training.Rows);
        Assert.AreEqual(64, m.Training.DataSha256.Length);

        // Three latent factors explain ~99 % of the variance: the rank must be 2 or 3 at 85 %, never the full 8.
        var rank = int.Parse(m.HyperParameters[PcaManifestKeys.Rank], System.Globalization.CultureInfo.InvariantCulture);
        Assert.IsTrue(rank is >= 2 and <= 3, $"rank {rank}");
        Assert.IsGreaterThan(0.0, m.Thresholds.T2Limit);
        Assert.IsGreaterThan(0.0, m.Thresholds.QLimit);
        Assert.IsLessThan(0.05, m.Metrics["calibrationFalseAlarmRate"]);

        Assert.HasCount(8, m.Sensors);
        for (var i = 0; i < 8; i++)
        {
            var s = m.Sensors[i];
            Assert.AreEqual(SyntheticPlant.SensorNames[i], s.Name);
            Assert.AreEqual(SyntheticPlant.Offset(i), s.Mean, 4 * SyntheticPlant.Sigma(i) / Math.Sqrt(2000));
            Assert.AreEqual(SyntheticPlant.Sigma(i), s.StdDev, 0.1 * SyntheticPlant.Sigma(i));
            Assert.IsTrue(s.PhysicalMin < s.TrainMin && s.TrainMax < s.PhysicalMax);
            Assert.HasCount(65, s.Baseline.BinEdges);
            Assert.AreEqual(2000L, s.Baseline.Counts.Sum());
            Assert.HasCount(s.Baseline.QuantileLevels.Length, s.Baseline.Quantiles);
            CollectionAssert.AreEqual(s.Baseline.Quantiles.Order().ToArray(), s.Baseline.Quantiles);
        }

        Assert.IsGreaterThan(100, result.ModelZip.Length);
    }

    [TestMethod]
    public void Train_HashIsStable_ForSameDataAndDiffersForOtherData()
    {
        var rows = new SyntheticPlant(1).Rows(500);
        var trainer = new PcaDetectorTrainer();
        var a = trainer.Train(SyntheticPlant.Request(rows)).Manifest;
        var b = trainer.Train(SyntheticPlant.Request(rows.Select(r => (double[])r.Clone()).ToArray())).Manifest;
        var other = rows.Select(r => (double[])r.Clone()).ToArray();
        other[250][3] += 1e-9;
        var c = trainer.Train(SyntheticPlant.Request(other)).Manifest;

        Assert.AreEqual(a.Training.DataSha256, b.Training.DataSha256);
        Assert.AreEqual(a.Version, b.Version);
        Assert.AreNotEqual(a.Training.DataSha256, c.Training.DataSha256);
        Assert.AreNotEqual(a.Version, c.Version);
    }

    [TestMethod]
    public void DataSha256_HashesLittleEndianDoubles_InRowOrder()
    {
        double[] values = [1.5, -2.25, 3.0];
        var bytes = values.SelectMany(BitConverter.GetBytes).ToArray();
        var expected = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(bytes));
        Assert.AreEqual(expected, PcaDetectorTrainer.DataSha256(values));
    }

    [TestMethod]
    public void Train_UsesGivenBoundsAndWindow_WhenSupplied()
    {
        var rows = new SyntheticPlant(2).Rows(300);
        var from = new DateTimeOffset(2026, 11, 1, 0, 0, 0, TimeSpan.Zero);
        var request = new PcaTrainingRequest
        {
            ModelName = "pump-fleet",
            Sensors = SyntheticPlant.SensorNames,
            Rows = PcaTrainingRequest.Flatten(rows, 8),
            CreatedAt = from.AddDays(1),
            From = from,
            To = from.AddHours(1),
            PhysicalBounds = Enumerable.Range(0, 8).Select(i => new SensorBounds(-1000 - i, 1000 + i)).ToArray(),
        };
        var m = new PcaDetectorTrainer().Train(request).Manifest;
        Assert.AreEqual(-1003, m.Sensors[3].PhysicalMin);
        Assert.AreEqual(1003, m.Sensors[3].PhysicalMax);
        Assert.AreEqual(from, m.Training.From);
        Assert.AreEqual(from.AddHours(1), m.Training.To);
    }

    [TestMethod]
    public void Train_ReportsProgress_FromZeroToOne()
    {
        var reports = new List<double>();
        new PcaDetectorTrainer().Train(SyntheticPlant.Request(new SyntheticPlant(3).Rows(300)), new SynchronousProgress(reports.Add));
        Assert.AreEqual(0.0, reports[0]);
        Assert.AreEqual(1.0, reports[^1]);
        CollectionAssert.AreEqual(reports.Order().ToArray(), reports);
    }

    [TestMethod]
    public void Train_Throws_WhenTooFewRows()
    {
        var ex = Assert.ThrowsExactly<ArgumentException>(() => new PcaDetectorTrainer().Train(SyntheticPlant.Request(new SyntheticPlant(1).Rows(10))));
        Assert.Contains("Too few training rows", ex.Message);
    }

    [TestMethod]
    public void Train_Throws_WhenValueIsNotFinite()
    {
        var rows = new SyntheticPlant(1).Rows(200);
        rows[17][5] = double.NaN;
        var ex = Assert.ThrowsExactly<ArgumentException>(() => new PcaDetectorTrainer().Train(SyntheticPlant.Request(rows)));
        Assert.Contains("row 17", ex.Message);
        Assert.Contains("thermocouple", ex.Message);
    }

    [TestMethod]
    public void Train_Throws_WhenFewerThanTwoSensorsVary()
    {
        var rows = new SyntheticPlant(1).Rows(200);
        foreach (var r in rows)
        {
            for (var i = 1; i < 8; i++)
            {
                r[i] = 5;
            }
        }

        Assert.ThrowsExactly<ArgumentException>(() => new PcaDetectorTrainer().Train(SyntheticPlant.Request(rows)));
    }

    [TestMethod]
    public void Train_DropsConstantSensor_AndStillScores()
    {
        var rows = new SyntheticPlant(4).Rows(600);
        foreach (var r in rows)
        {
            r[6] = 230;
        }

        var result = new PcaDetectorTrainer().Train(SyntheticPlant.Request(rows));
        Assert.AreEqual("voltage", result.Manifest.HyperParameters[PcaManifestKeys.ConstantSensors]);
        var detector = new PcaDetectorFactory().Create(result.ToBundle());
        var state = detector.CreateDeviceState();
        var contributions = new double[8];
        var score = detector.Score(rows[0], state, contributions);
        Assert.IsTrue(double.IsFinite(score.Score));
        Assert.IsTrue(contributions.All(double.IsFinite));
    }

    [TestMethod]
    public void Manifest_SurvivesJsonRoundTrip_AndStillLoads()
    {
        var result = new PcaDetectorTrainer().Train(SyntheticPlant.Request(new SyntheticPlant(5).Rows(400)));
        var json = JsonSerializer.Serialize(result.Manifest, CoreJsonContext.Default.ModelManifest);
        var manifest = JsonSerializer.Deserialize(json, CoreJsonContext.Default.ModelManifest)!;
        var detector = new PcaDetectorFactory().Create(new Models.ModelBundle(manifest, result.ModelZip));
        Assert.AreEqual(result.Manifest.Version, detector.Manifest.Version);
        Assert.AreEqual(result.Manifest.Thresholds.QLimit, detector.Manifest.Thresholds.QLimit);
    }

    [GeneratedRegex(@"^\d{8}-\d{6}-[0-9a-f]{8}$")]
    private static partial Regex VersionPattern();

    private sealed class SynchronousProgress(Action<double> report) : IProgress<double>
    {
        public void Report(double value) => report(value);
    }
}
