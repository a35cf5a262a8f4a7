namespace IoTAnomaly.Core.Evaluation;

/// <summary>
/// A profile of the original NAB scorer (METRICS.md §2, NAB <c>config/profiles.json</c>). All weights are positive;
/// the signs live in the formulas. Not to be mixed with <see cref="SkabNabProfile"/>.
/// </summary>
public sealed record NabProfile(string Name, double TruePositiveWeight, double FalsePositiveWeight, double FalseNegativeWeight)
{
    /// <summary>standard: A_tp = 1, A_fp = 0.11, A_fn = 1.</summary>
    public static NabProfile Standard { get; } = new("standard", 1.0, 0.11, 1.0);

    /// <summary>reward_low_FP_rate: A_fp = 0.22.</summary>
    public static NabProfile RewardLowFp { get; } = new("reward_low_FP_rate", 1.0, 0.22, 1.0);

    /// <summary>reward_low_FN_rate: A_fn = 2.</summary>
    public static NabProfile RewardLowFn { get; } = new("reward_low_FN_rate", 1.0, 0.11, 2.0);

    /// <summary>The three profiles.</summary>
    public static IReadOnlyList<NabProfile> All { get; } = [Standard, RewardLowFp, RewardLowFn];
}

/// <summary>One NAB data file with an online detector's scores and the file's labelled windows.</summary>
/// <param name="Name">File name (for reports).</param>
/// <param name="Timestamps">Row timestamps, ascending.</param>
/// <param name="Scores">Anomaly score per row, in [0, 1].</param>
/// <param name="Windows">Labelled windows, both ends inclusive, in timestamps.</param>
public sealed record NabFile(string Name, IReadOnlyList<DateTime> Timestamps, IReadOnlyList<double> Scores, IReadOnlyList<TimeWindow> Windows);

/// <summary>NAB's result for one file at one threshold.</summary>
/// <param name="RawScore">Unnormalised score (sum over windows and FP alarms).</param>
/// <param name="TruePositiveRows">Scored alarm rows inside a window.</param>
/// <param name="TrueNegativeRows">Scored quiet rows outside windows.</param>
/// <param name="FalsePositiveRows">Scored alarm rows outside windows.</param>
/// <param name="FalseNegativeRows">Scored quiet rows inside a window.</param>
/// <param name="TotalRows">All rows, probation included.</param>
/// <param name="Windows">Windows that have at least one scored (post-probation) row.</param>
public readonly record struct NabFileScore(
    double RawScore, int TruePositiveRows, int TrueNegativeRows, int FalsePositiveRows, int FalseNegativeRows, int TotalRows, int Windows);

/// <summary>The corpus-wide threshold NAB picks for one detector and profile, and the raw score it reaches.</summary>
public readonly record struct NabThreshold(double Threshold, double RawScore);

/// <summary>
/// The original NAB scorer (METRICS.md §2): probation, sigmoid-weighted windows, distance-weighted FPs, one
/// threshold per corpus and profile, normalisation against the null and perfect detectors.
/// </summary>
public static class NabScorer
{
    /// <summary>Probation length <c>min(⌊0.15·n⌋, 750)</c>: rows before it are not scored.</summary>
    public static int ProbationLength(int rows) => (int)Math.Min(Math.Floor(0.15 * rows), 0.15 * 5000);

    /// <summary>NAB's <c>scaledSigmoid</c>: <c>2/(1 + e^{5x}) − 1</c>, or −1 when x &gt; 3.</summary>
    public static double ScaledSigmoid(double x) => x > 3.0 ? -1.0 : (2.0 / (1.0 + Math.Exp(5.0 * x))) - 1.0;

    /// <summary>
    /// The weight <c>w(i)</c> of an alarm on each row, and the window (index into the scored windows) the row lies in,
    /// or −1. Probation rows get weight 0 and window −1 and must be skipped by callers.
    /// </summary>
    public static (double[] Weights, int[] WindowOfRow, int Probation, int Windows) RowWeights(NabFile file, NabProfile profile)
    {
        var n = file.Timestamps.Count;
        var probation = ProbationLength(n);
        var weights = new double[n];
        var windowOfRow = new int[n];
        Array.Fill(windowOfRow, -1);

        var ranges = new List<(int Left, int Right)>();
        foreach (var window in file.Windows.OrderBy(w => w.Start))
        {
            var left = LowerBound(file.Timestamps, window.Start);
            var right = LowerBound(file.Timestamps, window.End.AddTicks(1)) - 1;
            if (left <= right)
            {
                ranges.Add((left, right));
            }
        }

        var maxTp = ScaledSigmoid(-1.0);
        var unscored = ranges.Count(r => r.Right < probation);
        var next = 0;
        (int Left, int Right)? previous = null;
        for (var i = 0; i < n; i++)
        {
            while (next < ranges.Count && ranges[next].Right < i)
            {
                previous = ranges[next];
                next++;
            }

            if (next < ranges.Count && ranges[next].Left <= i)
            {
                var (left, right) = ranges[next];
                double width = right - left + 1;
                weights[i] = profile.TruePositiveWeight * ScaledSigmoid(-(right - i + 1) / width) / maxTp;
                if (i >= probation)
                {
                    windowOfRow[i] = next - unscored;
                }
            }
            else
            {
                var unweighted = previous is null
                    ? -1.0
                    : ScaledSigmoid(Math.Abs(previous.Value.Right - i) / (double)(previous.Value.Right - previous.Value.Left));
                weights[i] = unweighted * profile.FalsePositiveWeight;
            }

            if (i < probation)
            {
                weights[i] = 0;
            }
        }

        return (weights, windowOfRow, probation, ranges.Count - unscored);
    }

    /// <summary>Scores one file with alarms <c>score ≥ threshold</c> on the rows after probation.</summary>
    public static NabFileScore ScoreFile(NabFile file, double threshold, NabProfile profile)
    {
        if (file.Scores.Count != file.Timestamps.Count)
        {
            throw new ArgumentException($"{file.Name}: {file.Scores.Count} scores for {file.Timestamps.Count} rows.", nameof(file));
        }

        var (weights, windowOfRow, probation, windows) = RowWeights(file, profile);
        var best = new double?[windows];
        double fpSum = 0;
        int tp = 0, tn = 0, fp = 0, fn = 0;
        for (var i = probation; i < weights.Length; i++)
        {
            var alarm = file.Scores[i] >= threshold;
            var window = windowOfRow[i];
            if (window >= 0)
            {
                if (alarm)
                {
                    tp++;
                    best[window] = Math.Max(best[window] ?? double.NegativeInfinity, weights[i]);
                }
                else
                {
                    fn++;
                }
            }
            else if (alarm)
            {
                fp++;
                fpSum += weights[i];
            }
            else
            {
                tn++;
            }
        }

        var raw = fpSum + best.Sum(b => b ?? -profile.FalseNegativeWeight);
        return new NabFileScore(raw, tp, tn, fp, fn, weights.Length, windows);
    }

    /// <summary>
    /// NAB's threshold sweep: tries every distinct score (after probation) as the threshold and keeps the one with the
    /// highest raw score summed over all <paramref name="files"/> (the first, i.e. highest, threshold on ties).
    /// </summary>
    public static NabThreshold OptimizeThreshold(IReadOnlyList<NabFile> files, NabProfile profile)
    {
        var points = new List<(double Score, int File, int Window, double Weight)>();
        var windowCounts = new int[files.Count];
        for (var f = 0; f < files.Count; f++)
        {
            var (weights, windowOfRow, probation, windows) = RowWeights(files[f], profile);
            windowCounts[f] = windows;
            for (var i = probation; i < weights.Length; i++)
            {
                points.Add((files[f].Scores[i], f, windowOfRow[i], weights[i]));
            }
        }

        points.Sort((a, b) => b.Score.CompareTo(a.Score));
        var best = files.Select((_, f) => new double?[windowCounts[f]]).ToArray();
        var totalWindows = windowCounts.Sum();
        double fpSum = 0, tpSum = 0;
        var detected = 0;
        var result = new NabThreshold(double.PositiveInfinity, -profile.FalseNegativeWeight * totalWindows);
        for (var p = 0; p < points.Count; p++)
        {
            var (score, file, window, weight) = points[p];
            if (window < 0)
            {
                fpSum += weight;
            }
            else if (best[file][window] is { } current)
            {
                if (weight > current)
                {
                    tpSum += weight - current;
                    best[file][window] = weight;
                }
            }
            else
            {
                best[file][window] = weight;
                tpSum += weight;
                detected++;
            }

            if (p + 1 < points.Count && points[p + 1].Score == score)
            {
                continue;
            }

            var raw = fpSum + tpSum - (profile.FalseNegativeWeight * (totalWindows - detected));
            if (raw > result.RawScore)
            {
                result = new NabThreshold(score, raw);
            }
        }

        return result;
    }

    /// <summary>
    /// <c>100 · (S − S_null) / (S_perfect − S_null)</c> with <c>S_null = −A_fn · windows</c> and <c>S_perfect = A_tp · windows</c>.
    /// </summary>
    public static double Normalize(double rawScore, int windows, NabProfile profile)
    {
        var perfect = profile.TruePositiveWeight * windows;
        var nullScore = -profile.FalseNegativeWeight * windows;
        return perfect == nullScore ? 0 : 100 * (rawScore - nullScore) / (perfect - nullScore);
    }

    private static int LowerBound(IReadOnlyList<DateTime> timestamps, DateTime value)
    {
        int lo = 0, hi = timestamps.Count;
        while (lo < hi)
        {
            var mid = (lo + hi) >>> 1;
            if (timestamps[mid] < value)
            {
                lo = mid + 1;
            }
            else
            {
                hi = mid;
            }
        }

        return lo;
    }
}
