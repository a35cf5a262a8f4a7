using System.Diagnostics;
using IoTAnomaly.Core.Drift;
using IoTAnomaly.Core.Models;
using IoTAnomaly.Infrastructure.Drift;

namespace IoTAnomaly.Cli.Benchmarking;

/// <summary>Figures of one drift-check benchmark.</summary>
public sealed record DriftBenchResult(
    int Devices,
    int Sensors,
    int Bins,
    int Hours,
    long Readings,
    long EncodedBytes,
    double DecodeSeconds,
    double EvaluateSeconds,
    double TotalSeconds,
    string Verdict,
    int DriftedDevices);

/// <summary>
/// A drift check over <c>devices × 8 sensors × hours</c> of sketches, as the drift monitor runs it on hourly roll-ups:
/// decode the stored (gzip, sparse) sketch sets, merge them and compute KS, PSI and Jensen–Shannon per sensor, fleet
/// and per device. Storage I/O is left out (the sets are encoded in memory first); every hour holds one reading per
/// device per second. Half the devices drift by two standard deviations on one sensor in the last quarter of the hours,
/// so the check has real work and a known answer.
/// </summary>
public static class DriftBench
{
    private static readonly string[] SensorNames =
    [
        "Accelerometer1RMS", "Accelerometer2RMS", "Current", "Pressure", "Temperature", "Thermocouple", "Voltage", "Volume Flow RateRMS",
    ];

    public static DriftBenchResult Run(int devices = 1000, int hours = 24, int bins = 64, int seed = 5)
    {
        var start = new DateTimeOffset(2026, 11, 22, 0, 0, 0, TimeSpan.Zero);
        var edges = Enumerable.Range(0, bins + 1).Select(i => -4.0 + (8.0 * i / bins)).ToArray();
        var manifest = Manifest(edges, bins);
        var random = new Random(seed);
        var perHour = 3600L;

        var encoded = new List<byte[]>(hours);
        for (var h = 0; h < hours; h++)
        {
            var set = DriftSketchSet.Empty(manifest, SensorNames, start.AddHours(h));
            set.WindowEnd = start.AddHours(h + 1);
            var drifting = h >= hours - (hours / 4);
            for (var d = 0; d < devices; d++)
            {
                var counts = new long[SensorNames.Length][];
                for (var s = 0; s < SensorNames.Length; s++)
                {
                    var shift = (random.NextDouble() - 0.5) * 0.2;
                    if (drifting && d % 2 == 0 && s == 5)
                    {
                        shift += 2.0;
                    }

                    counts[s] = Histogram(edges, shift, perHour);
                    for (var b = 0; b < bins; b++)
                    {
                        set.Fleet[s][b] += counts[s][b];
                    }
                }

                set.Devices["pump-" + d.ToString("D5", System.Globalization.CultureInfo.InvariantCulture)] = counts;
            }

            set.Scored = devices * perHour;
            set.Anomalies = set.Scored / 200;
            encoded.Add(DriftSketchCodec.Encode(set));
        }

        var options = new DriftOptions { Window = TimeSpan.FromHours(hours) };
        var total = Stopwatch.StartNew();
        var decoded = encoded.Select(bytes => DriftSketchCodec.Decode(bytes)).ToList();
        var decodeSeconds = total.Elapsed.TotalSeconds;
        var report = DriftEvaluator.Evaluate(manifest, decoded, options, start.AddHours(hours));
        var totalSeconds = total.Elapsed.TotalSeconds;
        return new DriftBenchResult(
            devices,
            SensorNames.Length,
            bins,
            hours,
            report.Samples,
            encoded.Sum(b => (long)b.Length),
            decodeSeconds,
            totalSeconds - decodeSeconds,
            totalSeconds,
            report.Verdict,
            report.Devices.Count);
    }

    /// <summary>Counts of <paramref name="n"/> standard-normal readings shifted by <paramref name="shift"/>, binned by expectation.</summary>
    private static long[] Histogram(double[] edges, double shift, long n)
    {
        var counts = new long[edges.Length - 1];
        for (var b = 0; b < counts.Length; b++)
        {
            var lo = b == 0 ? double.NegativeInfinity : edges[b];
            var hi = b == counts.Length - 1 ? double.PositiveInfinity : edges[b + 1];
            counts[b] = (long)Math.Round(n * (Phi(hi - shift) - Phi(lo - shift)));
        }

        return counts;
    }

    private static double Phi(double x)
    {
        if (double.IsNegativeInfinity(x))
        {
            return 0;
        }

        if (double.IsPositiveInfinity(x))
        {
            return 1;
        }

        // Abramowitz–Stegun 7.1.26 erf approximation (|error| < 1.5e-7), enough for synthetic counts.
        var z = Math.Abs(x) / Math.Sqrt(2);
        var t = 1 / (1 + (0.3275911 * z));
        var erf = 1 - ((((((1.061405429 * t) - 1.453152027) * t) + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t * Math.Exp(-z * z);
        return 0.5 * (1 + (x >= 0 ? erf : -erf));
    }

    private static ModelManifest Manifest(double[] edges, int bins)
    {
        var baseline = Histogram(edges, 0, 100_000);
        return new ModelManifest
        {
            Name = "bench",
            Version = "v1",
            ModelType = "pca-t2q",
            CreatedAt = new DateTimeOffset(2026, 11, 1, 0, 0, 0, TimeSpan.Zero),
            Sensors = SensorNames.Select(n => new SensorSpec
            {
                Name = n,
                Baseline = new SensorBaseline { BinEdges = edges, Counts = baseline, Quantiles = [0], QuantileLevels = [0.5] },
            }).ToArray(),
            Thresholds = new DetectorThresholds { T2Limit = 1, QLimit = 1, ExpectedAnomalyRate = 0.005 },
            Training = new TrainingWindow { Rows = 100_000, DataSha256 = "bench" },
        };
    }
}
