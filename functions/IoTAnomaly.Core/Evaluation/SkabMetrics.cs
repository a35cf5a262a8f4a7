namespace IoTAnomaly.Core.Evaluation;

/// <summary>A closed time interval <c>[Start, End]</c>: one change-point detection window.</summary>
public readonly record struct TimeWindow(DateTime Start, DateTime End);

/// <summary>
/// How the change-point alarms of one file matched its windows under SKAB's NAB variant (METRICS.md §1.2).
/// Profile-independent: <see cref="Score"/> applies a profile.
/// </summary>
/// <param name="Windows">Number of windows (true change points in the scored part).</param>
/// <param name="Missed">Windows without any alarm (FN).</param>
/// <param name="FalsePositives">Alarms outside every window (each one FP).</param>
/// <param name="CreditIndices">Per detected window, the credit-curve point <c>k</c> (0…999) of its first alarm.</param>
/// <param name="Delays">Per detected window, first alarm minus (possibly cut) window start.</param>
public sealed record ChangePointMatch(
    int Windows, int Missed, int FalsePositives, IReadOnlyList<int> CreditIndices, IReadOnlyList<TimeSpan> Delays)
{
    /// <summary>A file without windows and without alarms.</summary>
    public static ChangePointMatch Empty { get; } = new(0, 0, 0, [], []);

    /// <summary>Detected windows (TP).</summary>
    public int Detected => Windows - Missed;

    /// <summary>File score <c>S = A_fp·#FP + A_fn·#FN + Σ_TP y_k</c>.</summary>
    public double Score(SkabNabProfile profile)
    {
        var score = (profile.FalsePositive * FalsePositives) + (profile.FalseNegative * Missed);
        foreach (var k in CreditIndices)
        {
            score += profile.Credit(k);
        }

        return score;
    }

    /// <summary>Null detector's score <c>N = A_fn · #windows</c>.</summary>
    public double NullScore(SkabNabProfile profile) => profile.FalseNegative * Windows;

    /// <summary>Perfect detector's score <c>P = A_tp · #windows</c>.</summary>
    public double PerfectScore(SkabNabProfile profile) => profile.TruePositive * Windows;
}

/// <summary>
/// SKAB's benchmark metrics, exactly as in METRICS.md §1: pointwise F1/FAR/MAR on the <c>anomaly</c> column and
/// SKAB's NAB variant (60 s right windows, "cut right window", tanh credit, binary alarms) on the
/// <c>changepoint</c> column. Not the original NAB (that is <see cref="NabScorer"/>).
/// </summary>
public static class SkabMetrics
{
    /// <summary>Width of the window to the right of each change point.</summary>
    public static TimeSpan WindowWidth { get; } = TimeSpan.FromSeconds(60);

    /// <summary>Pointwise confusion counts of <paramref name="alarms"/> against <paramref name="labels"/>.</summary>
    public static ConfusionCounts CountOutliers(ReadOnlySpan<bool> labels, ReadOnlySpan<bool> alarms)
    {
        if (labels.Length != alarms.Length)
        {
            throw new ArgumentException($"Got {alarms.Length} alarms for {labels.Length} labels.", nameof(alarms));
        }

        long tp = 0, fp = 0, fn = 0, tn = 0;
        for (var i = 0; i < labels.Length; i++)
        {
            switch (labels[i], alarms[i])
            {
                case (true, true): tp++; break;
                case (false, true): fp++; break;
                case (true, false): fn++; break;
                default: tn++; break;
            }
        }

        return new ConfusionCounts(tp, fp, fn, tn);
    }

    /// <summary>
    /// The edge rule: <c>cp[t] = |pred[t] − pred[t−1]|</c> with <c>cp[first] = pred[first]</c>, so every rising and
    /// falling edge of the outlier output is a change-point alarm.
    /// </summary>
    public static bool[] EdgeAlarms(ReadOnlySpan<bool> predictions)
    {
        var edges = new bool[predictions.Length];
        for (var i = 0; i < predictions.Length; i++)
        {
            edges[i] = i == 0 ? predictions[0] : predictions[i] != predictions[i - 1];
        }

        return edges;
    }

    /// <summary>
    /// Trailing max over <paramref name="width"/> rows with the first <c>width − 1</c> rows set to false (pandas
    /// <c>rolling(width).max()</c> with NaN filled by 0), as Isolation Forest and ArimaFD apply before the edge rule.
    /// </summary>
    public static bool[] TrailingMax(ReadOnlySpan<bool> predictions, int width)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(width, 1);
        var result = new bool[predictions.Length];
        var lastTrue = -1;
        for (var i = 0; i < predictions.Length; i++)
        {
            if (predictions[i])
            {
                lastTrue = i;
            }

            result[i] = i >= width - 1 && lastTrue >= 0 && i - lastTrue < width;
        }

        return result;
    }

    /// <summary>
    /// Windows <c>[c, c + width]</c> for each change point <c>c</c>, sorted; then for each consecutive pair with
    /// <c>end_i ≥ start_{i+1}</c>, <c>start_{i+1} = end_i</c> ("cut right window"). Touching windows stay unchanged.
    /// </summary>
    public static IReadOnlyList<TimeWindow> ChangePointWindows(IEnumerable<DateTime> changePoints, TimeSpan? width = null)
    {
        var w = width ?? WindowWidth;
        var windows = changePoints.Order().Select(c => new TimeWindow(c, c + w)).ToArray();
        for (var i = 0; i + 1 < windows.Length; i++)
        {
            if (windows[i].End >= windows[i + 1].Start)
            {
                windows[i + 1] = windows[i + 1] with { Start = windows[i].End };
            }
        }

        return windows;
    }

    /// <summary>Windows of the rows flagged in <paramref name="changePoints"/> (see the other overload).</summary>
    public static IReadOnlyList<TimeWindow> ChangePointWindows(IReadOnlyList<DateTime> timestamps, ReadOnlySpan<bool> changePoints)
        => ChangePointWindows(Flagged(timestamps, changePoints));

    /// <summary>
    /// Matches alarm times to windows: per window, the alarms with <c>start ≤ t ≤ end</c> are in it; a window without
    /// one is missed, otherwise its first alarm sets the credit point <c>k = min(999, ⌊1000·(t − s)/(e − s)⌋)</c>.
    /// Every alarm inside no window is one false positive. An alarm on the instant two windows share counts in both.
    /// </summary>
    public static ChangePointMatch MatchChangePoints(IReadOnlyList<TimeWindow> windows, IEnumerable<DateTime> alarmTimes)
    {
        var alarms = alarmTimes.Order().ToArray();
        var missed = 0;
        var credits = new List<int>(windows.Count);
        var delays = new List<TimeSpan>(windows.Count);
        foreach (var window in windows)
        {
            var first = Array.FindIndex(alarms, t => t >= window.Start && t <= window.End);
            if (first < 0)
            {
                missed++;
                continue;
            }

            var offset = (alarms[first] - window.Start).Ticks;
            var length = (window.End - window.Start).Ticks;
            var k = length <= 0 ? 0 : (int)Math.Min(SkabNabProfile.CreditPoints - 1, SkabNabProfile.CreditPoints * offset / length);
            credits.Add(k);
            delays.Add(alarms[first] - window.Start);
        }

        var falsePositives = alarms.Count(t => !windows.Any(w => t >= w.Start && t <= w.End));
        return new ChangePointMatch(windows.Count, missed, falsePositives, credits, delays);
    }

    /// <summary>Matches one file: windows from the <paramref name="changePoints"/> labels, alarms from <paramref name="changePointAlarms"/>.</summary>
    public static ChangePointMatch MatchChangePoints(
        IReadOnlyList<DateTime> timestamps, ReadOnlySpan<bool> changePoints, ReadOnlySpan<bool> changePointAlarms)
    {
        if (timestamps.Count != changePoints.Length || timestamps.Count != changePointAlarms.Length)
        {
            throw new ArgumentException(
                $"Lengths differ: {timestamps.Count} timestamps, {changePoints.Length} labels, {changePointAlarms.Length} alarms.");
        }

        return MatchChangePoints(ChangePointWindows(timestamps, changePoints), Flagged(timestamps, changePointAlarms));
    }

    /// <summary>
    /// The final NAB-variant score of one profile over files: <c>100 · (ΣS − ΣN) / (ΣP − ΣN)</c>; 0 when there are no windows.
    /// </summary>
    public static double NabScore(IEnumerable<ChangePointMatch> files, SkabNabProfile profile)
    {
        double s = 0, n = 0, p = 0;
        foreach (var file in files)
        {
            s += file.Score(profile);
            n += file.NullScore(profile);
            p += file.PerfectScore(profile);
        }

        return p == n ? 0 : 100 * (s - n) / (p - n);
    }

    /// <summary>
    /// One file's share of <see cref="NabScore"/>: <c>100 · (S − N) / (ΣP − ΣN)</c> with the corpus denominator, so the
    /// shares of all files add up to the corpus score.
    /// </summary>
    public static double NabContribution(ChangePointMatch file, IEnumerable<ChangePointMatch> corpus, SkabNabProfile profile)
    {
        double n = 0, p = 0;
        foreach (var f in corpus)
        {
            n += f.NullScore(profile);
            p += f.PerfectScore(profile);
        }

        return p == n ? 0 : 100 * (file.Score(profile) - file.NullScore(profile)) / (p - n);
    }

    /// <summary>All SKAB scores of a set of files, with outlier counts pooled and NAB sums taken over files.</summary>
    public static SkabScores Summarize(IReadOnlyCollection<(ConfusionCounts Outliers, ChangePointMatch ChangePoints)> files)
    {
        var counts = default(ConfusionCounts);
        foreach (var (outliers, _) in files)
        {
            counts += outliers;
        }

        var matches = files.Select(f => f.ChangePoints).ToArray();
        var delays = matches.SelectMany(m => m.Delays).ToArray();
        return new SkabScores(
            counts,
            NabScore(matches, SkabNabProfile.Standard),
            NabScore(matches, SkabNabProfile.LowFp),
            NabScore(matches, SkabNabProfile.LowFn),
            matches.Sum(m => m.Windows),
            matches.Sum(m => m.Missed),
            matches.Sum(m => m.FalsePositives),
            delays.Length == 0 ? null : delays.Average(d => d.TotalSeconds));
    }

    private static List<DateTime> Flagged(IReadOnlyList<DateTime> timestamps, ReadOnlySpan<bool> flags)
    {
        var result = new List<DateTime>();
        for (var i = 0; i < flags.Length; i++)
        {
            if (flags[i])
            {
                result.Add(timestamps[i]);
            }
        }

        return result;
    }
}

/// <summary>SKAB's scores of a set of files.</summary>
/// <param name="Outliers">Pooled pointwise counts (F1, FAR, MAR derive from them).</param>
/// <param name="NabStandard">NAB variant, Standard profile.</param>
/// <param name="NabLowFp">NAB variant, LowFP profile.</param>
/// <param name="NabLowFn">NAB variant, LowFN profile.</param>
/// <param name="ChangePoints">Number of windows (true change points scored).</param>
/// <param name="MissedChangePoints">Windows without an alarm.</param>
/// <param name="FalsePositiveAlarms">Change-point alarms outside every window.</param>
/// <param name="AverageDelaySeconds">Mean over detected windows of first alarm − window start; null if none detected.</param>
public sealed record SkabScores(
    ConfusionCounts Outliers,
    double NabStandard,
    double NabLowFp,
    double NabLowFn,
    int ChangePoints,
    int MissedChangePoints,
    int FalsePositiveAlarms,
    double? AverageDelaySeconds);
