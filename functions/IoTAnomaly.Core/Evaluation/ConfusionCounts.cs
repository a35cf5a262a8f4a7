namespace IoTAnomaly.Core.Evaluation;

/// <summary>Pointwise confusion counts of a binary outlier detector against the <c>anomaly</c> labels.</summary>
/// <param name="TruePositives">Label 1, alarm 1.</param>
/// <param name="FalsePositives">Label 0, alarm 1.</param>
/// <param name="FalseNegatives">Label 1, alarm 0.</param>
/// <param name="TrueNegatives">Label 0, alarm 0.</param>
public readonly record struct ConfusionCounts(long TruePositives, long FalsePositives, long FalseNegatives, long TrueNegatives)
{
    /// <summary>Number of rows counted.</summary>
    public long Total => TruePositives + FalsePositives + FalseNegatives + TrueNegatives;

    /// <summary><c>TP / (TP + (FP + FN) / 2)</c>; 0 when there is nothing to find and nothing was flagged.</summary>
    public double F1
    {
        get
        {
            var denominator = TruePositives + ((FalsePositives + FalseNegatives) / 2.0);
            return denominator == 0 ? 0 : TruePositives / denominator;
        }
    }

    /// <summary>False alarm rate in percent: <c>100 · FP / (FP + TN)</c>; 0 without negatives.</summary>
    public double FalseAlarmRate
    {
        get
        {
            var negatives = FalsePositives + TrueNegatives;
            return negatives == 0 ? 0 : 100.0 * FalsePositives / negatives;
        }
    }

    /// <summary>Missed alarm rate in percent: <c>100 · FN / (FN + TP)</c>; 0 without positives.</summary>
    public double MissedAlarmRate
    {
        get
        {
            var positives = FalseNegatives + TruePositives;
            return positives == 0 ? 0 : 100.0 * FalseNegatives / positives;
        }
    }

    /// <summary>Component-wise sum (pooling over files).</summary>
    public static ConfusionCounts operator +(ConfusionCounts left, ConfusionCounts right) => new(
        left.TruePositives + right.TruePositives,
        left.FalsePositives + right.FalsePositives,
        left.FalseNegatives + right.FalseNegatives,
        left.TrueNegatives + right.TrueNegatives);

    /// <summary>Component-wise sum (pooling over files).</summary>
    public static ConfusionCounts Add(ConfusionCounts left, ConfusionCounts right) => left + right;

    /// <summary>Counts one row.</summary>
    public ConfusionCounts Count(bool label, bool alarm) => (label, alarm) switch
    {
        (true, true) => this with { TruePositives = TruePositives + 1 },
        (false, true) => this with { FalsePositives = FalsePositives + 1 },
        (true, false) => this with { FalseNegatives = FalseNegatives + 1 },
        _ => this with { TrueNegatives = TrueNegatives + 1 },
    };
}
