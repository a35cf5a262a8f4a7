namespace IoTAnomaly.Core.Models;

/// <summary>
/// The manifest stored beside every model bundle (<c>models/{model}/{version}/manifest.json</c>).
/// It is everything a scorer, the drift monitor and an auditor need to know about a model version
/// without opening the ML.NET zip.
/// </summary>
public sealed class ModelManifest
{
    /// <summary>Logical model name, e.g. <c>pump-fleet</c>. Lower-case letters, digits and dashes.</summary>
    public required string Name { get; init; }

    /// <summary>Version, sortable: <c>yyyyMMdd-HHmmss-{hash8}</c>.</summary>
    public required string Version { get; init; }

    /// <summary>Detector type, e.g. <c>pca-t2q</c>; selects the scorer.</summary>
    public required string ModelType { get; init; }

    public required DateTimeOffset CreatedAt { get; init; }

    /// <summary>The sensors in model order, with bounds and the training baseline used for drift.</summary>
    public required IReadOnlyList<SensorSpec> Sensors { get; init; }

    public required DetectorThresholds Thresholds { get; init; }

    public required TrainingWindow Training { get; init; }

    /// <summary>Evaluation metrics recorded at training/evaluation time (name → value).</summary>
    public IDictionary<string, double> Metrics { get; init; } = new Dictionary<string, double>();

    /// <summary>Free-form hyper-parameters used to train (name → value), for reproducibility.</summary>
    public IDictionary<string, string> HyperParameters { get; init; } = new Dictionary<string, string>();

    /// <summary>SHA-256 (hex) of model.zip, checked by the loader.</summary>
    public string? ModelSha256 { get; set; }
}

/// <summary>One sensor of a model: its physical bounds (reject outside), training statistics, drift baseline.</summary>
public sealed class SensorSpec
{
    public required string Name { get; init; }

    /// <summary>Physical lower bound; a value below it is rejected as out of bounds.</summary>
    public double PhysicalMin { get; init; } = double.NegativeInfinity;

    /// <summary>Physical upper bound; a value above it is rejected as out of bounds.</summary>
    public double PhysicalMax { get; init; } = double.PositiveInfinity;

    /// <summary>Observed range in training data (data-quality rule "out of range" works from this).</summary>
    public double TrainMin { get; init; }

    public double TrainMax { get; init; }

    public double Mean { get; init; }

    public double StdDev { get; init; }

    /// <summary>Training distribution for drift checks.</summary>
    public required SensorBaseline Baseline { get; init; }
}

/// <summary>A fixed-bin histogram plus quantiles of one sensor's training data.</summary>
public sealed class SensorBaseline
{
    /// <summary>Bin edges, ascending, length = Counts.Length + 1. Values outside fall into the first/last bin.</summary>
    public required double[] BinEdges { get; init; }

    public required long[] Counts { get; init; }

    /// <summary>Quantiles at <see cref="QuantileLevels"/>.</summary>
    public required double[] Quantiles { get; init; }

    public required double[] QuantileLevels { get; init; }
}

public sealed class DetectorThresholds
{
    /// <summary>Control limit of Hotelling's T² (in-subspace statistic).</summary>
    public required double T2Limit { get; init; }

    /// <summary>Control limit of Q / SPE (residual statistic).</summary>
    public required double QLimit { get; init; }

    /// <summary>
    /// Alarm when the combined score (max of T²/T2Limit and Q/QLimit, after smoothing) exceeds this. 1 by construction.
    /// </summary>
    public double ScoreThreshold { get; init; } = 1.0;

    /// <summary>Severity band lower edges on the combined score: Low, Medium, High.</summary>
    public double[] SeverityBands { get; init; } = [1.0, 2.0, 4.0];

    /// <summary>The anomaly rate the model is expected to produce on normal data (for prediction drift).</summary>
    public double ExpectedAnomalyRate { get; init; } = 0.005;
}

public sealed class TrainingWindow
{
    public DateTimeOffset? From { get; init; }

    public DateTimeOffset? To { get; init; }

    public long Rows { get; init; }

    /// <summary>SHA-256 (hex) over the training rows in model sensor order, as little-endian doubles.</summary>
    public required string DataSha256 { get; init; }

    /// <summary>Where the training data came from (file names, capture window, "synthetic:seed=42", ...).</summary>
    public string? Source { get; init; }
}
