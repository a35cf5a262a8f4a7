using IoTAnomaly.Core.Detection;

namespace IoTAnomaly.Core.Retraining;

/// <summary>
/// Scores a model on held-out recent rows (false alarms: every flag there counts, since training excluded known
/// anomalies) and on copies of those rows with seeded synthetic faults (recall): spikes of one sensor, level shifts of
/// two, and correlation breaks (one sensor's value taken from a distant row). Fault sizes are in units of each
/// sensor's standard deviation on the held-out rows, so champion and challenger face exactly the same faults.
/// </summary>
public static class ChallengerEvaluator
{
    public const double SpikeSigma = 8;
    public const double ShiftSigma = 5;

    public static ModelEvaluation Evaluate(IAnomalyDetector detector, ReadOnlyMemory<double> holdout, int sensors, int seed)
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
        double normalLogSum = 0, normalLogSq = 0;
        for (var r = 0; r < rows; r++)
        {
            data.Slice(r * sensors, sensors).CopyTo(row);
            var score = detector.Score(row, detector.CreateDeviceState(), contributions);
            if (score.IsAnomaly)
            {
                falseAlarms++;
            }

            var l = Math.Log(Math.Max(score.Score, 1e-12));
            normalLogSum += l;
            normalLogSq += l * l;
        }

        var random = new Random(seed);
        var faults = Math.Min(rows, 600);
        long detected = 0;
        double faultLogSum = 0, faultLogSq = 0;
        for (var f = 0; f < faults; f++)
        {
            var r = random.Next(rows);
            data.Slice(r * sensors, sensors).CopyTo(row);
            var sign = random.Next(2) == 0 ? -1 : 1;
            switch (f % 3)
            {
                case 0:
                    var s0 = random.Next(sensors);
                    row[s0] += sign * SpikeSigma * std[s0];
                    break;
                case 1:
                    var s1 = random.Next(sensors);
                    var s2 = (s1 + 1 + random.Next(sensors - 1)) % sensors;
                    row[s1] += sign * ShiftSigma * std[s1];
                    row[s2] -= sign * ShiftSigma * std[s2];
                    break;
                default:
                    var s3 = random.Next(sensors);
                    row[s3] = mean[s3] + ((mean[s3] - row[s3]) * 3) + (sign * 4 * std[s3]);
                    break;
            }

            var score = detector.Score(row, detector.CreateDeviceState(), contributions);
            if (score.IsAnomaly)
            {
                detected++;
            }

            var l = Math.Log(Math.Max(score.Score, 1e-12));
            faultLogSum += l;
            faultLogSq += l * l;
        }

        var separation = 0.0;
        if (rows > 1 && faults > 1)
        {
            var mn = normalLogSum / rows;
            var mf = faultLogSum / faults;
            var vn = Math.Max((normalLogSq / rows) - (mn * mn), 0);
            var vf = Math.Max((faultLogSq / faults) - (mf * mf), 0);
            separation = (mf - mn) / Math.Sqrt(((vn + vf) / 2) + 1e-12);
        }

        return new ModelEvaluation(
            detector.Manifest.Version,
            rows,
            faults,
            rows == 0 ? 0 : (double)falseAlarms / rows,
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
