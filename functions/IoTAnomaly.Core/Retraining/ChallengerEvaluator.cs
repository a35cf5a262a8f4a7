using IoTAnomaly.Core.Detection;

namespace IoTAnomaly.Core.Retraining;

/// <summary>
/// Scores a model on held-out recent rows (false alarms: every flag there counts, since training excluded known
/// anomalies) and on copies of those rows with seeded synthetic faults (recall): spikes of one sensor, level shifts of
/// two, and correlation breaks (one sensor's value taken from a distant row). Fault sizes are in units of each
/// sensor's standard deviation on the held-out rows, so champion and challenger face exactly the same faults.
/// Models keep per-device state (smoothing windows, baselines), so rows are scored as a stream: the held-out rows in
/// their order (the retraining dataset groups them by device) through one device state, and every fault as an
/// episode of <see cref="EpisodeRows"/> faulty rows after <see cref="WarmupRows"/> normal rows on a fresh state; an
/// episode counts as detected when any of its rows alarms.
/// </summary>
public static class ChallengerEvaluator
{
    public const double SpikeSigma = 8;
    public const double ShiftSigma = 5;

    /// <summary>Normal rows a fresh device state sees before a fault episode (and rows not counted at the start of the stream).</summary>
    public const int WarmupRows = 80;

    /// <summary>Faulty rows per synthetic fault episode.</summary>
    public const int EpisodeRows = 10;

    public static ModelEvaluation Evaluate(IAnomalyDetector detector, ReadOnlyMemory<double> holdout, int sensors, int seed, IReadOnlyList<int>? segments = null)
    {
        ArgumentNullException.ThrowIfNull(detector);
        if (detector.Sensors.Count != sensors)
        {
            throw new ArgumentException($"The model scores {detector.Sensors.Count} sensors, the rows have {sensors}.");
        }

        var rows = holdout.Length / sensors;
        var data = holdout.Span;
        var std = new double[sensors];
        var mean = new double[sensors];
        for (var s = 0; s < sensors; s++)
        {
            double sum = 0, sq = 0;
            for (var r = 0; r < rows; r++)
            {
                sum += data[(r * sensors) + s];
            }

            mean[s] = rows > 0 ? sum / rows : 0;
            for (var r = 0; r < rows; r++)
            {
                var d = data[(r * sensors) + s] - mean[s];
                sq += d * d;
            }

            std[s] = rows > 1 ? Math.Max(Math.Sqrt(sq / (rows - 1)), 1e-9) : 1;
        }

        var row = new double[sensors];
        var contributions = new double[sensors];
        long falseAlarms = 0;
        long counted = 0;
        double normalLogSum = 0, normalLogSq = 0;
        // Without segments every row is its own stream: segments of one row, which makes the warm-up 0 and episodes 1 row.
        IReadOnlyList<int> streams = segments is { Count: > 0 } ? segments : Enumerable.Repeat(1, rows).ToArray();
        var covered = streams.Sum(static l => (long)l);
        if (covered != rows)
        {
            throw new ArgumentException($"The segments cover {covered} rows, the holdout has {rows}.", nameof(segments));
        }

        // Short segments (a small holdout of many devices) get proportionally shorter warm-ups and episodes.
        var longest = streams.Count == 0 ? 1 : streams.Max();
        var warmup = Math.Min(WarmupRows, longest / 3);
        var episode = Math.Clamp(longest / 3, 1, EpisodeRows);
        var starts = new List<int>(); // episode starts: enough rows of their own segment before (warm-up) and after (the episode)
        var at = 0;
        foreach (var length in streams)
        {
            var stream = detector.CreateDeviceState();
            stream.UseFleetBaseline();
            for (var r = at; r < at + length; r++)
            {
                data.Slice(r * sensors, sensors).CopyTo(row);
                var score = detector.Score(row, stream, contributions);
                if (r - at < warmup)
                {
                    continue;
                }

                counted++;
                if (score.IsAnomaly)
                {
                    falseAlarms++;
                }

                var l = Math.Log(Math.Max(score.Score, 1e-12));
                normalLogSum += l;
                normalLogSq += l * l;
            }

            for (var r = at + warmup; r + episode <= at + length; r++)
            {
                starts.Add(r);
            }

            at += length;
        }

        var random = new Random(seed);
        var faults = starts.Count == 0 ? 0 : Math.Min(rows, 600);
        long detected = 0;
        double faultLogSum = 0, faultLogSq = 0;
        for (var f = 0; f < faults; f++)
        {
            var start = starts[random.Next(starts.Count)];
            var sign = random.Next(2) == 0 ? -1 : 1;
            var kind = f % 3;
            var s0 = random.Next(sensors);
            var s1 = (s0 + 1 + random.Next(sensors - 1)) % sensors;
            var state = detector.CreateDeviceState();
            state.UseFleetBaseline();
            for (var r = start - warmup; r < start; r++)
            {
                data.Slice(r * sensors, sensors).CopyTo(row);
                detector.Score(row, state, contributions);
            }

            var alarmed = false;
            var peak = 0.0;
            for (var r = start; r < start + episode; r++)
            {
                data.Slice(r * sensors, sensors).CopyTo(row);
                switch (kind)
                {
                    case 0:
                        row[s0] += sign * SpikeSigma * std[s0];
                        break;
                    case 1:
                        row[s0] += sign * ShiftSigma * std[s0];
                        row[s1] -= sign * ShiftSigma * std[s1];
                        break;
                    default:
                        row[s0] = mean[s0] + ((mean[s0] - row[s0]) * 3) + (sign * 4 * std[s0]);
                        break;
                }

                var score = detector.Score(row, state, contributions);
                alarmed |= score.IsAnomaly;
                peak = Math.Max(peak, score.Score);
            }

            if (alarmed)
            {
                detected++;
            }

            var l = Math.Log(Math.Max(peak, 1e-12));
            faultLogSum += l;
            faultLogSq += l * l;
        }

        var separation = 0.0;
        if (counted > 1 && faults > 1)
        {
            var mn = normalLogSum / counted;
            var mf = faultLogSum / faults;
            var vn = Math.Max((normalLogSq / counted) - (mn * mn), 0);
            var vf = Math.Max((faultLogSq / faults) - (mf * mf), 0);
            separation = (mf - mn) / Math.Sqrt(((vn + vf) / 2) + 1e-12);
        }

        return new ModelEvaluation(
            detector.Manifest.Version,
            rows,
            faults,
            counted == 0 ? 0 : (double)falseAlarms / counted,
            faults == 0 ? 0 : (double)detected / faults,
            Math.Round(separation, 4));
    }

    /// <summary>The promotion rule: the challenger's false-alarm rate is acceptable and its utility beats the champion's by the margin.</summary>
    public static EvaluationResult Compare(ModelEvaluation challenger, ModelEvaluation? champion, double margin, double maxFalseAlarmRate)
    {
        ArgumentNullException.ThrowIfNull(challenger);
        var acceptable = challenger.FalseAlarmRate <= maxFalseAlarmRate;
        var better = acceptable && (champion is null || challenger.Utility >= champion.Utility + margin);
        var summary = champion is null
            ? $"challenger {challenger.Version}: recall {challenger.Recall:P1}, false alarms {challenger.FalseAlarmRate:P2} (no champion)"
            : $"challenger {challenger.Version}: recall {challenger.Recall:P1}, false alarms {challenger.FalseAlarmRate:P2}, utility {challenger.Utility:F3}; "
              + $"champion {champion.Version}: recall {champion.Recall:P1}, false alarms {champion.FalseAlarmRate:P2}, utility {champion.Utility:F3}; margin {margin:F3}";
        if (!acceptable)
        {
            summary += $"; challenger false-alarm rate above the {maxFalseAlarmRate:P1} limit";
        }

        return new EvaluationResult(challenger, champion, better, summary);
    }
}
