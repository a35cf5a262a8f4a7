using System.Text;
using IoTAnomaly.Core.Evaluation;
using IoTAnomaly.Testing;

namespace IoTAnomaly.Core.Tests.Evaluation;

[TestClass]
public sealed class SkabDatasetTests
{
    private const string Labelled =
        "datetime;Accelerometer1RMS;Current;Volume Flow RateRMS;anomaly;changepoint\n" +
        "2020-03-09 10:14:33;0.0265878;1.3302;32.0;0.0;0.0\n" +
        "2020-03-09 10:14:34;0.0261697;1.35399;32.5;1.0;1.0\n";

    [TestMethod]
    public void Read_ParsesSensorsTimestampsAndLabels_LabelledFile()
    {
        var experiment = SkabDataset.Read(Stream(Labelled), "valve1/0.csv");

        Assert.AreEqual("valve1/0.csv", experiment.Name);
        CollectionAssert.AreEqual(new[] { "Accelerometer1RMS", "Current", "Volume Flow RateRMS" }, experiment.Sensors.ToArray());
        CollectionAssert.AreEqual(new[] { new DateTime(2020, 3, 9, 10, 14, 33), new DateTime(2020, 3, 9, 10, 14, 34) }, experiment.Timestamps);
        CollectionAssert.AreEqual(new[] { 0.0261697, 1.35399, 32.5 }, experiment.Rows[1]);
        CollectionAssert.AreEqual(new[] { false, true }, experiment.Anomaly);
        CollectionAssert.AreEqual(new[] { false, true }, experiment.ChangePoint);
        Assert.IsTrue(experiment.HasLabels);
    }

    [TestMethod]
    public void Read_HasNoLabels_AnomalyFreeFile()
    {
        var experiment = SkabDataset.Read(Stream("datetime;A;B\n2020-02-08 13:30:47;0.2;-0.27\n"), "anomaly-free/anomaly-free.csv");

        Assert.IsFalse(experiment.HasLabels);
        Assert.IsNull(experiment.Anomaly);
        CollectionAssert.AreEqual(new[] { 0.2, -0.27 }, experiment.Rows[0]);
    }

    [TestMethod]
    [DataRow("datetime;A;anomaly;changepoint\n2020-03-09 10:14:33;abc;0;0\n", "bad number 'abc'")]
    [DataRow("datetime;A;anomaly;changepoint\n09.03.2020 10:14;1;0;0\n", "bad datetime")]
    [DataRow("datetime;A;anomaly;changepoint\n2020-03-09 10:14:33;1;0\n", "3 cells, header has 4")]
    [DataRow("time,A\n", "header starting with 'datetime'")]
    [DataRow("datetime;A;anomaly\n", "only one of")]
    public void Read_ThrowsFormatExceptionNamingTheProblem_MalformedCsv(string csv, string expected)
    {
        var error = Assert.ThrowsExactly<FormatException>(() => SkabDataset.Read(Stream(csv), "x.csv"));

        Assert.Contains(expected, error.Message);
    }

    [TestMethod]
    public void Discover_FindsCsvFilesRecursivelyInNaturalOrder_SkippingReferencePredictions()
    {
        var root = Path.Combine(Path.GetTempPath(), "skab-discover-" + Guid.NewGuid().ToString("N"));
        try
        {
            foreach (var name in new[] { "valve1/10.csv", "valve1/2.csv", "valve1/0.csv", "anomaly-free/anomaly-free.csv", "reference-predictions.csv", "valve1/notes.txt" })
            {
                var path = Path.Combine(root, name);
                Directory.CreateDirectory(Path.GetDirectoryName(path)!);
                File.WriteAllText(path, "datetime;A\n");
            }

            var found = SkabDataset.Discover(root).Select(p => SkabDataset.RelativeName(root, p)).ToArray();

            CollectionAssert.AreEqual(new[] { "anomaly-free/anomaly-free.csv", "valve1/0.csv", "valve1/2.csv", "valve1/10.csv" }, found);
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    [TestMethod]
    public void Discover_Throws_WhenFolderIsMissing()
        => Assert.ThrowsExactly<DirectoryNotFoundException>(() => SkabDataset.Discover(Path.Combine(Path.GetTempPath(), Guid.NewGuid().ToString("N"))));

    [TestMethod]
    public void LoadDirectory_ReadsTheDevSplit_AsDocumented()
    {
        var folder = Datasets.TryGet("skab", out var missing) ?? throw new AssertInconclusiveException(missing);

        var experiments = SkabDataset.LoadDirectory(folder).ToArray();

        Assert.HasCount(21, experiments);
        Assert.AreEqual("anomaly-free/anomaly-free.csv", experiments[0].Name);
        Assert.AreEqual("valve1/0.csv", experiments[1].Name);
        Assert.AreEqual("valve2/3.csv", experiments[^1].Name);
        Assert.AreEqual(9405, experiments[0].Rows.Length);
        Assert.IsFalse(experiments[0].HasLabels);
        Assert.AreEqual(18160, experiments.Where(e => e.Name.StartsWith("valve1/", StringComparison.Ordinal)).Sum(e => e.Rows.Length));
        Assert.AreEqual(4312, experiments.Where(e => e.Name.StartsWith("valve2/", StringComparison.Ordinal)).Sum(e => e.Rows.Length));
        Assert.IsTrue(experiments.All(e => e.Sensors.Count == 8));
        Assert.AreEqual(79, experiments.Where(e => e.HasLabels).Sum(e => e.ChangePoint![SkabEvaluator.DefaultTrainRows..].Count(c => c)));
    }

    [TestMethod]
    public void NaturalStringComparer_OrdersNumbersByValue_MixedNames()
    {
        string[] names = ["b10", "a", "b2", "b02x", "b1"];

        var sorted = names.Order(NaturalStringComparer.Instance).ToArray();

        CollectionAssert.AreEqual(new[] { "a", "b1", "b2", "b02x", "b10" }, sorted);
    }

    private static MemoryStream Stream(string text) => new(Encoding.UTF8.GetBytes(text));
}
