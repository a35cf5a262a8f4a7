using IoTAnomaly.Core.Models;

namespace IoTAnomaly.Core.Drift;

/// <summary>
/// Compares recent sketches with a model's training baseline: per sensor KS, PSI and Jensen–Shannon distance, fleet-wide
/// and per device, plus prediction drift (anomaly rate against the expected rate). Pure and deterministic.
/// </summary>
public static class DriftEvaluator
{
    public const int MaxDevicesInReport = 50;

    public static DriftReport Evaluate(ModelManifest manifest, IEnumerable<DriftSketchSet> windows, DriftOptions options, DateTimeOffset checkedAt)
    {
        ArgumentNullException.ThrowIfNull(manifest);
        ArgumentNullException.ThrowIfNull(windows);
        ArgumentNullException.ThrowIfNull(options);
        DriftSketchSet? merged = null;
        foreach (var window in windows)
        {
            if (!string.Equals(window.ModelVersion, manifest.Version, StringComparison.Ordinal))
            {
                continue;
            }

            if (merged is null)
            {
                merged = DriftSketchSet.Empty(manifest, window.Sensors, window.WindowStart);
                merged.WindowEnd = window.WindowEnd;
            }

            merged.Merge(window);
        }

        if (merged is null || merged.Scored < options.MinSamples)
        {
            return new DriftReport
            {
                Model = manifest.Name,
                ModelVersion = manifest.Version,
                CheckedAt = checkedAt,
                WindowStart = merged?.WindowStart ?? checkedAt - options.Window,
                WindowEnd = merged?.WindowEnd ?? checkedAt,
                Samples = merged?.Scored ?? 0,
                Sensors = [],
                Prediction = new PredictionDrift(merged?.Scored ?? 0, merged?.Anomalies ?? 0, 0, manifest.Thresholds.ExpectedAnomalyRate, 0, false),
                Devices = [],
                Verdict = DriftVerdicts.InsufficientData,
            };
        }

        var baselines = merged.Sensors.Select(n => manifest.Sensors.First(s => s.Name == n).Baseline.Counts).ToArray();
        var sensors = new List<SensorDrift>(merged.Sensors.Length);
        for (var s = 0; s < merged.Sensors.Length; s++)
        {
            sensors.Add(Compare(merged.Sensors[s], baselines[s], merged.Fleet[s], options));
        }

        var devices = new List<DeviceDrift>();
        foreach (var (device, counts) in merged.Devices)
        {
            var samples = counts.Length > 0 ? counts[0].Sum() : 0;
            if (samples < options.MinSamples)
            {
                continue;
            }

            var drifted = new List<string>();
            double maxPsi = 0;
            for (var s = 0; s < counts.Length; s++)
            {
                var d = Compare(merged.Sensors[s], baselines[s], counts[s], options);
                maxPsi = Math.Max(maxPsi, d.Psi);
                if (d.Drifted)
                {
                    drifted.Add(d.Sensor);
                }
            }

            if (drifted.Count > 0)
            {
                devices.Add(new DeviceDrift(device, samples, Math.Round(maxPsi, 4), drifted));
            }
        }

        var expected = manifest.Thresholds.ExpectedAnomalyRate;
        var rate = (double)merged.Anomalies / merged.Scored;
        var z = DriftStatistics.AnomalyRateZ(merged.Anomalies, merged.Scored, expected);
        var prediction = new PredictionDrift(merged.Scored, merged.Anomalies, rate, expected, z, rate > options.AnomalyRateFactor * expected && z > 3);
        var isDrifted = prediction.Drifted || sensors.Any(x => x.Drifted);
        return new DriftReport
        {
            Model = manifest.Name,
            ModelVersion = manifest.Version,
            CheckedAt = checkedAt,
            WindowStart = merged.WindowStart,
            WindowEnd = merged.WindowEnd,
            Samples = merged.Scored,
            Sensors = sensors,
            Prediction = prediction,
            Devices = devices.OrderByDescending(d => d.MaxPsi).ThenBy(d => d.DeviceId, StringComparer.Ordinal).Take(MaxDevicesInReport).ToArray(),
            Verdict = isDrifted ? DriftVerdicts.Drifted : DriftVerdicts.Stable,
        };
    }

    private static SensorDrift Compare(string sensor, long[] baseline, long[] recent, DriftOptions options)
    {
        var samples = recent.Sum();
        var (d, p) = DriftStatistics.KolmogorovSmirnov(baseline, recent);
        var psi = DriftStatistics.PopulationStabilityIndex(baseline, recent);
        var jsd = DriftStatistics.JensenShannonDistance(baseline, recent);
        var drifted = samples >= options.MinSamples && (psi >= options.PsiThreshold || (p < options.KsPValue && jsd >= options.JsdThreshold));
        return new SensorDrift(sensor, samples, Math.Round(d, 6), p, Math.Round(psi, 6), Math.Round(jsd, 6), drifted);
    }
}
