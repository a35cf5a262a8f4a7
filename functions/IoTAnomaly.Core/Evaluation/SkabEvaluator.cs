namespace IoTAnomaly.Core.Evaluation;

/// <summary>
/// Runs a detector over SKAB experiments with the benchmark protocol (METRICS.md §1): per file, the first
/// <c>trainRows</c> rows train, the rest are scored in time order; outlier counts are pooled over files; change
/// points are scored with SKAB's NAB variant. Unlabelled files are the separate false-alarm check.
/// </summary>
public static class SkabEvaluator
{
    /// <summary>The benchmark's training part: the first 400 rows of each file.</summary>
    public const int DefaultTrainRows = 400;

    /// <summary>Evaluates <paramref name="detector"/> on every experiment.</summary>
    /// <exception cref="ArgumentException">A file has no test rows.</exception>
    /// <exception cref="InvalidOperationException">The detector returned arrays of the wrong length.</exception>
    public static SkabEvaluation Evaluate(
        IEnumerable<SkabExperiment> experiments,
        IExperimentDetector detector,
        int trainRows = DefaultTrainRows,
        IProgress<SkabEvaluationProgress>? progress = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(trainRows, 1);
        var count = experiments.TryGetNonEnumeratedCount(out var c) ? c : (int?)null;
        var labelled = new List<(SkabExperiment Experiment, ConfusionCounts Counts, ChangePointMatch Match)>();
        var anomalyFree = new List<SkabAnomalyFreeReport>();
        var details = new List<SkabFileDetection>();
        var index = 0;
        foreach (var experiment in experiments)
        {
            var detail = Run(experiment, detector, trainRows);
            details.Add(detail);
            if (experiment.HasLabels)
            {
                var counts = SkabMetrics.CountOutliers(detail.Anomaly, detail.Detection.Alarms);
                var match = SkabMetrics.MatchChangePoints(detail.Timestamps, detail.ChangePoint, detail.ChangePointAlarms);
                labelled.Add((experiment, counts, match));
            }
            else
            {
                var alarms = detail.Detection.Alarms.Count(a => a);
                anomalyFree.Add(new SkabAnomalyFreeReport(
                    experiment.Name,
                    detail.Timestamps.Length,
                    alarms,
                    100.0 * alarms / detail.Timestamps.Length,
                    detail.ChangePointAlarms.Count(a => a)));
            }

            progress?.Report(new SkabEvaluationProgress(experiment.Name, ++index, count));
        }

        var scores = SkabMetrics.Summarize(labelled.Select(f => (f.Counts, f.Match)).ToArray());
        var matches = labelled.Select(f => f.Match).ToArray();
        var perFile = labelled.Select(f => new SkabFileReport
        {
            File = f.Experiment.Name,
            Rows = f.Experiment.Rows.Length,
            TestRows = f.Experiment.Rows.Length - trainRows,
            TruePositives = f.Counts.TruePositives,
            FalsePositives = f.Counts.FalsePositives,
            FalseNegatives = f.Counts.FalseNegatives,
            TrueNegatives = f.Counts.TrueNegatives,
            F1 = f.Counts.F1,
            ChangePoints = f.Match.Windows,
            MissedChangePoints = f.Match.Missed,
            FalsePositiveAlarms = f.Match.FalsePositives,
            NabStandard = SkabMetrics.NabContribution(f.Match, matches, SkabNabProfile.Standard),
            NabLowFp = SkabMetrics.NabContribution(f.Match, matches, SkabNabProfile.LowFp),
            NabLowFn = SkabMetrics.NabContribution(f.Match, matches, SkabNabProfile.LowFn),
        }).ToArray();

        var freeRows = anomalyFree.Sum(a => (long)a.TestRows);
        var report = new SkabEvaluationReport
        {
            Detector = detector.Name,
            TrainRows = trainRows,
            Files = labelled.Count,
            TestRows = scores.Outliers.Total,
            F1 = scores.Outliers.F1,
            Far = scores.Outliers.FalseAlarmRate,
            Mar = scores.Outliers.MissedAlarmRate,
            NabStandard = scores.NabStandard,
            NabLowFp = scores.NabLowFp,
            NabLowFn = scores.NabLowFn,
            ChangePoints = scores.ChangePoints,
            MissedChangePoints = scores.MissedChangePoints,
            FalsePositiveAlarms = scores.FalsePositiveAlarms,
            AverageDelaySeconds = scores.AverageDelaySeconds,
            TruePositives = scores.Outliers.TruePositives,
            FalsePositives = scores.Outliers.FalsePositives,
            FalseNegatives = scores.Outliers.FalseNegatives,
            TrueNegatives = scores.Outliers.TrueNegatives,
            AnomalyFreeAlarmRate = freeRows == 0 ? null : 100.0 * anomalyFree.Sum(a => (long)a.Alarms) / freeRows,
            AnomalyFree = anomalyFree,
            PerFile = perFile,
        };
        return new SkabEvaluation(report, details);
    }

    private static SkabFileDetection Run(SkabExperiment experiment, IExperimentDetector detector, int trainRows)
    {
        var rows = experiment.Rows.Length;
        if (rows <= trainRows)
        {
            throw new ArgumentException($"{experiment.Name}: {rows} rows leave no test part after {trainRows} training rows.", nameof(experiment));
        }

        var testRows = rows - trainRows;
        var train = experiment.Rows[..trainRows];
        var test = experiment.Rows[trainRows..];
        var timestamps = experiment.Timestamps[trainRows..];
        var detection = detector.Run(experiment.Sensors, train, test, timestamps);
        Check(detection.Alarms.Length, nameof(ExperimentDetection.Alarms));
        Check(detection.Scores.Length, nameof(ExperimentDetection.Scores));
        if (detection.ChangePointAlarms is { } own)
        {
            Check(own.Length, nameof(ExperimentDetection.ChangePointAlarms));
        }

        return new SkabFileDetection(
            experiment.Name,
            timestamps,
            experiment.Anomaly?[trainRows..] ?? new bool[testRows],
            experiment.ChangePoint?[trainRows..] ?? new bool[testRows],
            detection,
            detection.ChangePointAlarms ?? SkabMetrics.EdgeAlarms(detection.Alarms),
            experiment.HasLabels);

        void Check(int length, string what)
        {
            if (length != testRows)
            {
                throw new InvalidOperationException(
                    $"Detector '{detector.Name}' returned {length} {what} for {testRows} test rows of {experiment.Name}.");
            }
        }
    }
}
