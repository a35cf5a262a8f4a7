using IoTAnomaly.Core.Models;

namespace IoTAnomaly.Core.Detection;

/// <summary>Physical bounds of one sensor; readings outside are rejected before scoring.</summary>
public readonly record struct SensorBounds(double Min, double Max);

/// <summary>What to train a <c>pca-t2q</c> model on.</summary>
public sealed class PcaTrainingRequest
{
    /// <summary>Logical model name (lower-case letters, digits, dashes).</summary>
    public required string ModelName { get; init; }

    /// <summary>Sensor names; the column order of <see cref="Rows"/>.</summary>
    public required IReadOnlyList<string> Sensors { get; init; }

    /// <summary>Normal-operation rows in time order, row-major (rows × sensors), flat.</summary>
    public required ReadOnlyMemory<double> Rows { get; init; }

    /// <summary>Creation time written into the version and manifest (the trainer reads no clock).</summary>
    public required DateTimeOffset CreatedAt { get; init; }

    /// <summary>Where the rows came from (file names, capture window, <c>synthetic:seed=42</c>, ...).</summary>
    public string? Source { get; init; }

    public DateTimeOffset? From { get; init; }

    public DateTimeOffset? To { get; init; }

    /// <summary>Optional physical bounds per sensor (same order); when null, a wide range around the training range.</summary>
    public IReadOnlyList<SensorBounds>? PhysicalBounds { get; init; }

    /// <summary>Copies jagged rows into the flat row-major layout.</summary>
    public static ReadOnlyMemory<double> Flatten(IReadOnlyList<double[]> rows, int sensors)
    {
        ArgumentNullException.ThrowIfNull(rows);
        var flat = new double[checked(rows.Count * sensors)];
        for (var r = 0; r < rows.Count; r++)
        {
            if (rows[r] is null || rows[r].Length != sensors)
            {
                throw new ArgumentException($"Row {r} does not have {sensors} values.", nameof(rows));
            }

            rows[r].CopyTo(flat, r * sensors);
        }

        return flat;
    }
}

/// <summary>A trained model: the ML.NET zip and its manifest.</summary>
public sealed record PcaTrainingResult(byte[] ModelZip, ModelManifest Manifest)
{
    public ModelBundle ToBundle() => new(Manifest, ModelZip);
}

/// <summary>Manifest hyper-parameter keys of the <c>pca-t2q</c> model; the scorer needs the ones marked required.</summary>
public static class PcaManifestKeys
{
    /// <summary>Required: variances of the retained PC scores on the fit part, ';'-separated.</summary>
    public const string ComponentVariances = "componentVariances";

    /// <summary>Required: trailing median window.</summary>
    public const string SmoothingWindow = "smoothingWindow";

    /// <summary>Required: readings for a device's own baseline (0 = off).</summary>
    public const string DeviceCalibrationReadings = "deviceCalibrationReadings";

    public const string Rank = "rank";
    public const string ExplainedVariance = "explainedVariance";
    public const string CalibrationFraction = "calibrationFraction";
    public const string LimitMethod = "limitMethod";
    public const string Confidence = "confidence";
    public const string T2Margin = "t2Margin";
    public const string QMargin = "qMargin";

    /// <summary>Optional (default 0): EWMA weight of the device centre after calibration.</summary>
    public const string BaselineAdaptation = "baselineAdaptation";

    /// <summary>Optional (default 0): MEWMA weight λ on the standardized readings.</summary>
    public const string EwmaWeight = "ewmaWeight";

    /// <summary>Optional (default 0): EWMA weight of the device centre for flagged readings after calibration.</summary>
    public const string AlarmAdaptation = "alarmAdaptation";
    public const string Seed = "seed";
    public const string Oversampling = "oversampling";
    public const string ConstantSensors = "constantSensors";
    public const string Eigenvalues = "eigenvalues";
}
