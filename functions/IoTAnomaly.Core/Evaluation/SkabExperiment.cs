namespace IoTAnomaly.Core.Evaluation;

/// <summary>One SKAB experiment (one CSV file): sensor rows in time order and, for labelled files, the labels.</summary>
/// <param name="Name">Name relative to the dataset folder with '/' separators, e.g. <c>valve1/0.csv</c>.</param>
/// <param name="Sensors">Sensor column names, the column order of every row.</param>
/// <param name="Timestamps">Row timestamps (the <c>datetime</c> column, unspecified kind).</param>
/// <param name="Rows">Sensor values, rows × sensors.</param>
/// <param name="Anomaly">The <c>anomaly</c> column (outlier labels); null for the anomaly-free file.</param>
/// <param name="ChangePoint">The <c>changepoint</c> column; null for the anomaly-free file.</param>
public sealed record SkabExperiment(
    string Name,
    IReadOnlyList<string> Sensors,
    DateTime[] Timestamps,
    double[][] Rows,
    bool[]? Anomaly,
    bool[]? ChangePoint)
{
    /// <summary>Whether the file carries <c>anomaly</c> and <c>changepoint</c> labels.</summary>
    public bool HasLabels => Anomaly is not null && ChangePoint is not null;
}
