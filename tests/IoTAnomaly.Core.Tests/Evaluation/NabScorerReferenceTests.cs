using System.Globalization;
using System.Text.Json;
using IoTAnomaly.Core.Evaluation;
using IoTAnomaly.Testing;

namespace IoTAnomaly.Core.Tests.Evaluation;

/// <summary>Our NAB scorer against NAB's own per-file raw scores in <c>nab-scorer-check/</c>.</summary>
[TestClass]
public sealed class NabScorerReferenceTests
{
    private static Dictionary<string, Dictionary<string, NabFile>>? filesByDetector;
    private static List<ExpectedRow>? expected;

    [ClassInitialize]
    public static void LoadData(TestContext context)
    {
        var folder = Datasets.TryGet("nab-scorer-check/expected-scores.csv", out _) is { } path ? Path.GetDirectoryName(path)! : null;
        if (folder is null)
        {
            return;
        }

        using var windowsJson = JsonDocument.Parse(File.ReadAllText(Path.Combine(folder, "windows.json")));
        var windows = windowsJson.RootElement.EnumerateObject().ToDictionary(
            p => p.Name,
            p => (IReadOnlyList<TimeWindow>)p.Value.EnumerateArray()
                .Select(w => new TimeWindow(ParseTime(w[0].GetString()!), ParseTime(w[1].GetString()!)))
                .ToArray());

        var lines = File.ReadAllLines(Path.Combine(folder, "detector-scores.csv"));
        var header = lines[0].Split(',');
        filesByDetector = [];
        foreach (var detector in header.Skip(2))
        {
            var column = Array.IndexOf(header, detector);
            filesByDetector[detector] = lines.Skip(1)
                .Select(l => l.Split(','))
                .GroupBy(c => c[0])
                .ToDictionary(
                    g => g.Key,
                    g => new NabFile(
                        g.Key,
                        g.Select(c => ParseTime(c[1])).ToArray(),
                        g.Select(c => double.Parse(c[column], CultureInfo.InvariantCulture)).ToArray(),
                        windows[g.Key]));
        }

        expected = File.ReadAllLines(Path.Combine(folder, "expected-scores.csv")).Skip(1)
            .Select(l => l.Split(','))
            .Select(c => new ExpectedRow(
                c[0], c[1], double.Parse(c[2], CultureInfo.InvariantCulture), c[3], double.Parse(c[4], CultureInfo.InvariantCulture),
                int.Parse(c[5], CultureInfo.InvariantCulture), int.Parse(c[6], CultureInfo.InvariantCulture),
                int.Parse(c[7], CultureInfo.InvariantCulture), int.Parse(c[8], CultureInfo.InvariantCulture),
                int.Parse(c[9], CultureInfo.InvariantCulture)))
            .ToList();
    }

    [TestMethod]
    public void ScoreFile_ReproducesNabRawScoresAndCounts_ForEveryExpectedRow()
    {
        RequireData();
        Assert.HasCount(54, expected!);
        foreach (var row in expected!)
        {
            var file = filesByDetector![row.Detector][row.File];
            var score = NabScorer.ScoreFile(file, row.Threshold, Profile(row.Profile));
            var what = $"{row.Detector} {row.Profile} {row.File}";
            Assert.AreEqual(row.RawScore, score.RawScore, 1e-9, what);
            Assert.AreEqual(row.TruePositiveRows, score.TruePositiveRows, what + " tp");
            Assert.AreEqual(row.TrueNegativeRows, score.TrueNegativeRows, what + " tn");
            Assert.AreEqual(row.FalsePositiveRows, score.FalsePositiveRows, what + " fp");
            Assert.AreEqual(row.FalseNegativeRows, score.FalseNegativeRows, what + " fn");
            Assert.AreEqual(row.TotalRows, score.TotalRows, what + " total");
        }
    }

    // Normalised over the six files at the corpus thresholds (nab-scorer-check/README.md).
    [TestMethod]
    [DataRow("numenta", 70.22, 68.43, 74.59)]
    [DataRow("twitterADVec", 76.70, 57.41, 84.47)]
    [DataRow("null", 0.00, 0.00, 0.00)]
    public void Normalize_ReproducesSubsetScores_AtCorpusThresholds(string detector, double standard, double lowFp, double lowFn)
    {
        RequireData();
        double[] wanted = [standard, lowFp, lowFn];
        for (var p = 0; p < NabProfile.All.Count; p++)
        {
            var profile = NabProfile.All[p];
            var threshold = expected!.First(r => r.Detector == detector && r.Profile == profile.Name).Threshold;
            var scores = filesByDetector![detector].Values.Select(f => NabScorer.ScoreFile(f, threshold, profile)).ToArray();
            var normalized = NabScorer.Normalize(scores.Sum(s => s.RawScore), scores.Sum(s => s.Windows), profile);
            Assert.AreEqual(wanted[p], Math.Round(normalized, 2, MidpointRounding.AwayFromZero), 1e-9, $"{detector} {profile.Name}: {normalized}");
        }
    }

    [TestMethod]
    [DataRow("numenta")]
    [DataRow("twitterADVec")]
    public void OptimizeThreshold_FindsTheBestDistinctScore_ComparedWithBruteForce(string detector)
    {
        RequireData();
        var files = filesByDetector![detector].Values.ToArray();
        var profile = NabProfile.Standard;
        var candidates = files
            .SelectMany(f => f.Scores.Skip(NabScorer.ProbationLength(f.Scores.Count)))
            .Distinct()
            .ToArray();
        var bruteBest = candidates.Max(t => files.Sum(f => NabScorer.ScoreFile(f, t, profile).RawScore));

        var optimized = NabScorer.OptimizeThreshold(files, profile);

        Assert.AreEqual(bruteBest, optimized.RawScore, 1e-9);
        Assert.AreEqual(optimized.RawScore, files.Sum(f => NabScorer.ScoreFile(f, optimized.Threshold, profile).RawScore), 1e-9);
    }

    private static NabProfile Profile(string name) => NabProfile.All.Single(p => p.Name == name);

    private static DateTime ParseTime(string text)
        => DateTime.ParseExact(text.Replace(".000000", string.Empty, StringComparison.Ordinal), "yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture);

    private static void RequireData()
    {
        if (filesByDetector is null || expected is null)
        {
            Datasets.TryGet("nab-scorer-check/expected-scores.csv", out var message);
            Assert.Inconclusive(message);
        }
    }

    private sealed record ExpectedRow(
        string Detector, string Profile, double Threshold, string File, double RawScore,
        int TruePositiveRows, int TrueNegativeRows, int FalsePositiveRows, int FalseNegativeRows, int TotalRows);
}
