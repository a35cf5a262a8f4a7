namespace IoTAnomaly.Core.Evaluation;

/// <summary>
/// A detector under evaluation on one labelled experiment (e.g. one SKAB file), following the benchmark protocol:
/// fit on the training rows only, then score the test rows in time order, each decision using only rows up to it.
/// One configuration for every experiment; labels are never passed in.
/// </summary>
public interface IExperimentDetector
{
    /// <summary>Short name shown in reports, e.g. <c>pca-t2q</c>.</summary>
    string Name { get; }

    /// <param name="sensors">Sensor names, the column order of every row.</param>
    /// <param name="train">Training rows (rows × sensors), in time order.</param>
    /// <param name="test">Test rows (rows × sensors), in time order.</param>
    /// <param name="testTimestamps">Timestamps of the test rows (for detectors that use time).</param>
    ExperimentDetection Run(IReadOnlyList<string> sensors, double[][] train, double[][] test, DateTime[] testTimestamps);
}

/// <summary>Per test row: the binary alarm, the score behind it, and the threshold it was compared with.</summary>
/// <param name="Alarms">Outlier alarm per test row.</param>
/// <param name="Scores">Score per test row (any scale; for plots).</param>
/// <param name="Threshold">The alarm threshold on <paramref name="Scores"/> (for plots).</param>
/// <param name="ChangePointAlarms">Optional change-point alarms per test row; when null, the edges of <paramref name="Alarms"/> are used.</param>
public sealed record ExperimentDetection(bool[] Alarms, double[] Scores, double Threshold, bool[]? ChangePointAlarms = null);
