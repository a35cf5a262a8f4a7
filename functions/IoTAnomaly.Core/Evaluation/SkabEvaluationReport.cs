namespace IoTAnomaly.Core.Evaluation;

/// <summary>
/// The result of evaluating one detector on SKAB experiments with the benchmark protocol. The leaderboard numbers
/// (<see cref="F1"/> … <see cref="NabLowFn"/>) pool the labelled files only; the anomaly-free file is reported apart.
/// </summary>
public sealed record SkabEvaluationReport
{
    /// <summary>Detector name.</summary>
    public required string Detector { get; init; }

    /// <summary>Rows per file used for training (the rest is the test part).</summary>
    public required int TrainRows { get; init; }

    /// <summary>Labelled files evaluated.</summary>
    public required int Files { get; init; }

    /// <summary>Scored test rows over all labelled files.</summary>
    public required long TestRows { get; init; }

    /// <summary>Outlier F1, pooled.</summary>
    public required double F1 { get; init; }

    /// <summary>False alarm rate, percent, pooled.</summary>
    public required double Far { get; init; }

    /// <summary>Missed alarm rate, percent, pooled.</summary>
    public required double Mar { get; init; }

    /// <summary>SKAB NAB variant, Standard profile.</summary>
    public required double NabStandard { get; init; }

    /// <summary>SKAB NAB variant, LowFP profile.</summary>
    public required double NabLowFp { get; init; }

    /// <summary>SKAB NAB variant, LowFN profile.</summary>
    public required double NabLowFn { get; init; }

    /// <summary>True change points in the test parts (one window each).</summary>
    public required int ChangePoints { get; init; }

    /// <summary>Change-point windows without an alarm.</summary>
    public required int MissedChangePoints { get; init; }

    /// <summary>Change-point alarms outside every window.</summary>
    public required int FalsePositiveAlarms { get; init; }

    /// <summary>Mean delay of the first alarm after the (cut) window start, seconds; null when nothing was detected.</summary>
    public double? AverageDelaySeconds { get; init; }

    /// <summary>Pooled true positives (rows).</summary>
    public required long TruePositives { get; init; }

    /// <summary>Pooled false positives (rows).</summary>
    public required long FalsePositives { get; init; }

    /// <summary>Pooled false negatives (rows).</summary>
    public required long FalseNegatives { get; init; }

    /// <summary>Pooled true negatives (rows).</summary>
    public required long TrueNegatives { get; init; }

    /// <summary>Percent of the anomaly-free file's test rows with an alarm; null when no such file was evaluated.</summary>
    public double? AnomalyFreeAlarmRate { get; init; }

    /// <summary>The false-alarm check on unlabelled (anomaly-free) files; not part of the numbers above.</summary>
    public IReadOnlyList<SkabAnomalyFreeReport> AnomalyFree { get; init; } = [];

    /// <summary>One row per labelled file.</summary>
    public IReadOnlyList<SkabFileReport> PerFile { get; init; } = [];
}

/// <summary>One labelled file's share of a <see cref="SkabEvaluationReport"/>.</summary>
public sealed record SkabFileReport
{
    /// <summary>File name relative to the dataset folder.</summary>
    public required string File { get; init; }

    /// <summary>All rows of the file.</summary>
    public required int Rows { get; init; }

    /// <summary>Test rows scored.</summary>
    public required int TestRows { get; init; }

    /// <summary>True positives (rows).</summary>
    public required long TruePositives { get; init; }

    /// <summary>False positives (rows).</summary>
    public required long FalsePositives { get; init; }

    /// <summary>False negatives (rows).</summary>
    public required long FalseNegatives { get; init; }

    /// <summary>True negatives (rows).</summary>
    public required long TrueNegatives { get; init; }

    /// <summary>This file's own F1 (the leaderboard pools counts instead).</summary>
    public required double F1 { get; init; }

    /// <summary>Change points in the test part.</summary>
    public required int ChangePoints { get; init; }

    /// <summary>Windows missed.</summary>
    public required int MissedChangePoints { get; init; }

    /// <summary>Change-point alarms outside every window.</summary>
    public required int FalsePositiveAlarms { get; init; }

    /// <summary>This file's additive share of <see cref="SkabEvaluationReport.NabStandard"/>.</summary>
    public required double NabStandard { get; init; }

    /// <summary>This file's additive share of <see cref="SkabEvaluationReport.NabLowFp"/>.</summary>
    public required double NabLowFp { get; init; }

    /// <summary>This file's additive share of <see cref="SkabEvaluationReport.NabLowFn"/>.</summary>
    public required double NabLowFn { get; init; }
}

/// <summary>The false-alarm check on one unlabelled file: every test row is normal, so every alarm is false.</summary>
/// <param name="File">File name relative to the dataset folder.</param>
/// <param name="TestRows">Test rows scored.</param>
/// <param name="Alarms">Test rows with an outlier alarm.</param>
/// <param name="AlarmRate">100 · alarms / test rows.</param>
/// <param name="ChangePointAlarms">Change-point alarms raised (all false).</param>
public sealed record SkabAnomalyFreeReport(string File, int TestRows, int Alarms, double AlarmRate, int ChangePointAlarms);

/// <summary>A detector's output on one file's test part, kept beside the report for plots.</summary>
/// <param name="File">File name relative to the dataset folder.</param>
/// <param name="Timestamps">Test-row timestamps.</param>
/// <param name="Anomaly">Outlier labels of the test rows; all false for unlabelled files.</param>
/// <param name="ChangePoint">Change-point labels of the test rows; all false for unlabelled files.</param>
/// <param name="Detection">The detector's output.</param>
/// <param name="ChangePointAlarms">The change-point alarms scored (the detector's own, or the edges of its alarms).</param>
/// <param name="Labelled">Whether the file has labels (false for the anomaly-free check).</param>
public sealed record SkabFileDetection(
    string File, DateTime[] Timestamps, bool[] Anomaly, bool[] ChangePoint, ExperimentDetection Detection, bool[] ChangePointAlarms, bool Labelled);

/// <summary>A report plus the per-file detector outputs behind it.</summary>
public sealed record SkabEvaluation(SkabEvaluationReport Report, IReadOnlyList<SkabFileDetection> Files);

/// <summary>Progress of an evaluation: file <paramref name="Index"/> (1-based) of <paramref name="Count"/> finished, if known.</summary>
public readonly record struct SkabEvaluationProgress(string File, int Index, int? Count);
