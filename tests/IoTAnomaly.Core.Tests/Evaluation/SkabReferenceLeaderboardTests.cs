using System.Globalization;
using IoTAnomaly.Core.Evaluation;
using IoTAnomaly.Testing;

namespace IoTAnomaly.Core.Tests.Evaluation;

/// <summary>
/// Our SKAB metric code against the published detectors' predictions on the dev files
/// (<c>skab/reference-predictions.csv</c>) and the dev scores in <c>skab/README.md</c>.
/// </summary>
[TestClass]
public sealed class SkabReferenceLeaderboardTests
{
    private static Dictionary<string, (DateTime[] Timestamps, bool[] Anomaly, bool[] ChangePoint)>? labels;
    private static ReferenceTable? reference;

    [ClassInitialize]
    public static void LoadData(TestContext context)
    {
        var skab = Datasets.TryGet("skab/reference-predictions.csv", out _);
        if (skab is null)
        {
            return;
        }

        var folder = Path.GetDirectoryName(skab)!;
        labels = SkabDataset.LoadDirectory(folder)
            .Where(e => e.HasLabels)
            .ToDictionary(
                e => e.Name,
                e => (e.Timestamps[SkabEvaluator.DefaultTrainRows..],
                      e.Anomaly![SkabEvaluator.DefaultTrainRows..],
                      e.ChangePoint![SkabEvaluator.DefaultTrainRows..]));
        reference = ReferenceTable.Load(skab);
    }

    // detector, F1, FAR %, MAR %, NAB standard, NAB LowFP, NAB LowFN, missed CPs, FPs (skab/README.md, dev files).
    [TestMethod]
    [DataRow("ConvAE", 0.76, 14.94, 31.33, 19.71, 17.64, 23.26, 55, 16)]
    [DataRow("MSET", 0.77, 40.72, 14.96, 15.94, 11.93, 19.91, 57, 45)]
    [DataRow("T2Q_PCA", 0.75, 26.83, 26.19, 27.80, 15.00, 34.99, 40, 170)]
    [DataRow("LSTMAE", 0.70, 30.09, 31.92, 24.87, 21.50, 27.55, 53, 41)]
    [DataRow("T2", 0.61, 19.20, 48.76, 17.99, 7.73, 23.39, 52, 138)]
    [DataRow("VanillaLSTM", 0.42, 10.10, 71.47, 8.92, -8.70, 16.07, 55, 247)]
    [DataRow("MSCRED", 0.24, 57.65, 80.42, 36.58, 20.64, 45.06, 30, 214)]
    [DataRow("VanillaAE", 0.14, 0.33, 92.54, 2.65, -4.12, 5.56, 70, 94)]
    [DataRow("IsolationForest", 0.20, 1.17, 88.61, 25.83, 19.30, 30.30, 48, 83)]
    [DataRow("ArimaFD", 0.00, 0.02, 100.00, -0.14, -0.28, -0.09, 79, 2)]
    public void Summarize_ReproducesPublishedDevScores_ForReferencePredictions(
        string detector, double f1, double far, double mar, double nabStandard, double nabLowFp, double nabLowFn, int missed, int fps)
    {
        var scores = ScoreReference(detector, cpColumn: detector + "_cp");

        AssertRounded(f1, scores.Outliers.F1, "F1");
        AssertRounded(far, scores.Outliers.FalseAlarmRate, "FAR");
        AssertRounded(mar, scores.Outliers.MissedAlarmRate, "MAR");
        AssertRounded(nabStandard, scores.NabStandard, "NAB standard");
        AssertRounded(nabLowFp, scores.NabLowFp, "NAB LowFP");
        AssertRounded(nabLowFn, scores.NabLowFn, "NAB LowFN");
        Assert.AreEqual(missed, scores.MissedChangePoints, "missed CPs");
        Assert.AreEqual(fps, scores.FalsePositiveAlarms, "FPs");
        Assert.AreEqual(79, scores.ChangePoints, "test-part change points in the dev files");
    }

    [TestMethod]
    [DataRow("ConvAE")]
    [DataRow("T2Q_PCA")]
    [DataRow("MSET")]
    public void EdgeAlarms_MatchReferenceChangePointColumn_ForEdgeRuleDetectors(string detector)
    {
        RequireData();
        foreach (var file in reference!.Files)
        {
            var predictions = reference.Column(file, detector).Select(v => v == true).ToArray();
            var expected = reference.Column(file, detector + "_cp").Select(v => v == true).ToArray();
            CollectionAssert.AreEqual(expected, SkabMetrics.EdgeAlarms(predictions), $"{detector} {file}");
        }
    }

    [TestMethod]
    [DataRow("IsolationForest")]
    [DataRow("ArimaFD")]
    public void TrailingMaxThenEdges_MatchReferenceChangePointColumn_ForForestAndArima(string detector)
    {
        RequireData();
        foreach (var file in reference!.Files)
        {
            var predictions = reference.Column(file, detector).Select(v => v == true).ToArray();
            var expected = reference.Column(file, detector + "_cp").Select(v => v == true).ToArray();
            CollectionAssert.AreEqual(expected, SkabMetrics.EdgeAlarms(SkabMetrics.TrailingMax(predictions, 30)), $"{detector} {file}");
        }
    }

    private static SkabScores ScoreReference(string detector, string cpColumn)
    {
        RequireData();
        var files = new List<(ConfusionCounts, ChangePointMatch)>();
        foreach (var file in reference!.Files)
        {
            var (timestamps, anomaly, changePoint) = labels![file];
            CollectionAssert.AreEqual(timestamps, reference.Timestamps(file), $"{file}: reference rows are the test part");
            var predictions = reference.Column(file, detector);
            var scored = Enumerable.Range(0, predictions.Length).Where(i => predictions[i] is not null).ToArray();
            var counts = SkabMetrics.CountOutliers(
                scored.Select(i => anomaly[i]).ToArray(), scored.Select(i => predictions[i]!.Value).ToArray());
            var cpAlarms = reference.Column(file, cpColumn).Select(v => v == true).ToArray();
            files.Add((counts, SkabMetrics.MatchChangePoints(timestamps, changePoint, cpAlarms)));
        }

        return SkabMetrics.Summarize(files);
    }

    private static void RequireData()
    {
        if (reference is null || labels is null)
        {
            Datasets.TryGet("skab/reference-predictions.csv", out var message);
            Assert.Inconclusive(message);
        }
    }

    private static void AssertRounded(double expected, double actual, string what)
        => Assert.AreEqual(expected, Math.Round(actual, 2, MidpointRounding.AwayFromZero), 1e-9, $"{what}: {actual}");

    private sealed class ReferenceTable
    {
        private readonly string[] header;
        private readonly Dictionary<string, List<string[]>> rowsByFile;

        private ReferenceTable(string[] header, Dictionary<string, List<string[]>> rowsByFile, List<string> files)
        {
            this.header = header;
            this.rowsByFile = rowsByFile;
            Files = files;
        }

        public IReadOnlyList<string> Files { get; }

        public static ReferenceTable Load(string path)
        {
            using var reader = new StreamReader(path);
            var header = reader.ReadLine()!.Split(',');
            var rows = new Dictionary<string, List<string[]>>();
            var files = new List<string>();
            while (reader.ReadLine() is { Length: > 0 } line)
            {
                var cells = line.Split(',');
                if (!rows.TryGetValue(cells[0], out var list))
                {
                    rows[cells[0]] = list = [];
                    files.Add(cells[0]);
                }

                list.Add(cells);
            }

            return new ReferenceTable(header, rows, files);
        }

        public DateTime[] Timestamps(string file) => rowsByFile[file]
            .Select(r => DateTime.ParseExact(r[1], "yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture))
            .ToArray();

        public bool?[] Column(string file, string column)
        {
            var index = Array.IndexOf(header, column);
            Assert.IsGreaterThanOrEqualTo(0, index, $"column {column}");
            return rowsByFile[file].Select(r => r[index].Length == 0 ? (bool?)null : r[index] == "1").ToArray();
        }
    }
}
