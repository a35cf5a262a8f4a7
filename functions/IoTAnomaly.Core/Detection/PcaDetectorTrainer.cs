using System.Globalization;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using IoTAnomaly.Core.Models;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace IoTAnomaly.Core.Detection;

/// <summary>
/// Trains the <c>pca-t2q</c> model with ML.NET: mean-variance standardization → randomized PCA (anomaly detection
/// trainer, seeded) on the first part of the normal rows, the rank chosen by explained variance of the standardized
/// covariance; T² and Q control limits from the fit part (textbook) or the held-out last part (quantiles).
/// </summary>
public sealed class PcaDetectorTrainer : IDetectorTrainer
{
    public const string ModelType = "pca-t2q";

    private const int HistogramBins = 64;
    private const double HistogramLowLevel = 0.001;
    private const double HistogramHighLevel = 0.999;
    private const double DefaultBoundsWidthFactor = 10.0;
    private const double MinimumLimit = 1e-9;
    private static readonly double[] BaselineQuantileLevels = [0.01, 0.05, 0.10, 0.25, 0.50, 0.75, 0.90, 0.95, 0.99];

    private readonly PcaDetectorOptions _options;

    public PcaDetectorTrainer(PcaDetectorOptions? options = null)
    {
        _options = options ?? new PcaDetectorOptions();
        _options.Validate();
    }

    public PcaDetectorOptions Options => _options;

    /// <inheritdoc />
    string IDetectorTrainer.ModelType => ModelType;

    /// <summary>Trains a model. Throws <see cref="ArgumentException"/> for unusable training data.</summary>
    public PcaTrainingResult Train(PcaTrainingRequest request, IProgress<double>? progress = null)
        => TrainCore(request, progress).Result;

    /// <summary>Trains and also returns the ready detector (avoids a save/load round trip in evaluation).</summary>
    internal (PcaTrainingResult Result, PcaDetector Detector) TrainCore(PcaTrainingRequest request, IProgress<double>? progress)
    {
        ArgumentNullException.ThrowIfNull(request);
        var d = request.Sensors.Count;
        Validate(request, d);
        var rows = request.Rows.Span;
        var n = rows.Length / d;
        progress?.Report(0.0);

        var hash = DataSha256(rows);
        var sensors = SensorSpecs(request, rows, n, d);
        progress?.Report(0.2);

        var calibrationRows = Math.Max(1, (int)Math.Round(n * _options.CalibrationFraction));
        var fitRows = n - calibrationRows;
        var fitData = ToFloat(rows[..(fitRows * d)]);

        var ml = new MLContext(_options.Seed);
        var schema = SchemaDefinition.Create(typeof(PcaInputRow));
        schema[nameof(PcaInputRow.Features)].ColumnType = new VectorDataViewType(NumberDataViewType.Single, d);
        var view = ml.Data.LoadFromEnumerable(EnumerateRows(fitData, d), schema);

        var normalizer = ml.Transforms.NormalizeMeanVariance(nameof(PcaInputRow.Features), fixZero: false).Fit(view);
        progress?.Report(0.35);

        // Rank by explained variance of the standardized covariance (own Jacobi eigen-decomposition).
        var norm = normalizer.GetNormalizerModelParameters(0)
            as Microsoft.ML.Transforms.NormalizingTransformer.AffineNormalizerModelParameters<System.Collections.Immutable.ImmutableArray<float>>
            ?? throw new InvalidOperationException("Unexpected normalizer parameters.");
        var scale = norm.Scale.Select(static v => (double)v).ToArray();
        var offset = norm.Offset.Length == 0 ? new double[d] : norm.Offset.Select(static v => (double)v).ToArray();
        var constant = Enumerable.Range(0, d).Where(i => sensors[i].StdDev == 0 || !double.IsFinite(scale[i]) || scale[i] == 0).ToArray();
        var covariance = Covariance(rows[..(fitRows * d)], d, offset, scale);
        var (eigenvalues, _) = PcaMath.SymmetricEigen(covariance, d);
        var rank = ChooseRank(eigenvalues, _options.ExplainedVariance, d);

        var pcaTrainer = ml.AnomalyDetection.Trainers.RandomizedPca(
            nameof(PcaInputRow.Features), rank: rank, oversampling: _options.Oversampling, ensureZeroMean: true, seed: _options.Seed);
        var pca = pcaTrainer.Fit(normalizer.Transform(view));
        var model = normalizer.Append(pca);
        progress?.Report(0.7);

        byte[] zip;
        using (var stream = new MemoryStream())
        {
            ml.Model.Save(model, view.Schema, stream);
            zip = DeterministicZip.Restamp(stream.ToArray(), request.CreatedAt);
        }

        var parameters = PcaParameters.FromTransformer(model, d);
        var variances = ComponentVariances(parameters, rows[..(fitRows * d)]);
        var calibration = rows[(fitRows * d)..];
        var (t2Limit, qLimit) = _options.LimitMethod switch
        {
            ControlLimitMethod.Parametric => ParametricLimits(eigenvalues, rank, fitRows),
            _ => QuantileLimits(parameters, variances, calibration),
        };
        t2Limit = Math.Max(MinimumLimit, t2Limit * _options.T2Margin);
        qLimit = Math.Max(MinimumLimit, qLimit * _options.QMargin);
        progress?.Report(0.85);

        var version = string.Create(CultureInfo.InvariantCulture, $"{request.CreatedAt.UtcDateTime:yyyyMMdd-HHmmss}-{hash[..8]}");
        var hyper = new Dictionary<string, string>
        {
            [PcaManifestKeys.ComponentVariances] = Join(variances),
            [PcaManifestKeys.SmoothingWindow] = _options.SmoothingWindow.ToString(CultureInfo.InvariantCulture),
            [PcaManifestKeys.DeviceCalibrationReadings] = _options.DeviceCalibrationReadings.ToString(CultureInfo.InvariantCulture),
            [PcaManifestKeys.Rank] = rank.ToString(CultureInfo.InvariantCulture),
            [PcaManifestKeys.ExplainedVariance] = _options.ExplainedVariance.ToString("R", CultureInfo.InvariantCulture),
            [PcaManifestKeys.CalibrationFraction] = _options.CalibrationFraction.ToString("R", CultureInfo.InvariantCulture),
            [PcaManifestKeys.LimitMethod] = _options.LimitMethod.ToString(),
            [PcaManifestKeys.Confidence] = _options.Confidence.ToString("R", CultureInfo.InvariantCulture),
            [PcaManifestKeys.T2Margin] = _options.T2Margin.ToString("R", CultureInfo.InvariantCulture),
            [PcaManifestKeys.QMargin] = _options.QMargin.ToString("R", CultureInfo.InvariantCulture),
            [PcaManifestKeys.BaselineAdaptation] = _options.BaselineAdaptation.ToString("R", CultureInfo.InvariantCulture),
            [PcaManifestKeys.AlarmAdaptation] = _options.AlarmAdaptation.ToString("R", CultureInfo.InvariantCulture),
            [PcaManifestKeys.EwmaWeight] = _options.EwmaWeight.ToString("R", CultureInfo.InvariantCulture),
            [PcaManifestKeys.Seed] = _options.Seed.ToString(CultureInfo.InvariantCulture),
            [PcaManifestKeys.Oversampling] = _options.Oversampling.ToString(CultureInfo.InvariantCulture),
            [PcaManifestKeys.ConstantSensors] = string.Join(';', constant.Select(i => request.Sensors[i])),
            [PcaManifestKeys.Eigenvalues] = Join(eigenvalues),
        };

        var explained = eigenvalues.Take(rank).Sum() / Math.Max(double.Epsilon, eigenvalues.Where(static v => v > 0).Sum());
        var draftThresholds = new DetectorThresholds
        {
            T2Limit = t2Limit,
            QLimit = qLimit,
            SeverityBands = [.. _options.SeverityBands],
            ExpectedAnomalyRate = 1 - _options.Confidence,
        };
        var manifest = BuildManifest(request, version, sensors, draftThresholds, hash, n, hyper, []);
        var detector = new PcaDetector(manifest, parameters, variances, _options.SmoothingWindow, 0, 0, 0, _options.EwmaWeight);
        var calibrationRate = AlarmRate(detector, calibration);
        var fitRate = AlarmRate(detector, rows[..(fitRows * d)]);
        var metrics = new Dictionary<string, double>
        {
            ["calibrationFalseAlarmRate"] = calibrationRate,
            ["fitFalseAlarmRate"] = fitRate,
            ["explainedVariance"] = explained,
            ["fitRows"] = fitRows,
            ["calibrationRows"] = calibrationRows,
        };
        var thresholds = new DetectorThresholds
        {
            T2Limit = t2Limit,
            QLimit = qLimit,
            SeverityBands = [.. _options.SeverityBands],
            ExpectedAnomalyRate = Math.Max(1 - _options.Confidence, calibrationRate),
        };
        manifest = BuildManifest(request, version, sensors, thresholds, hash, n, hyper, metrics);
        detector = new PcaDetector(manifest, parameters, variances, _options.SmoothingWindow, _options.DeviceCalibrationReadings, _options.BaselineAdaptation, _options.AlarmAdaptation, _options.EwmaWeight);
        progress?.Report(1.0);
        return (new PcaTrainingResult(zip, manifest), detector);
    }

    private static ModelManifest BuildManifest(
        PcaTrainingRequest request, string version, SensorSpec[] sensors, DetectorThresholds thresholds, string hash, int n,
        Dictionary<string, string> hyper, Dictionary<string, double> metrics) => new()
        {
            Name = request.ModelName,
            Version = version,
            ModelType = ModelType,
            CreatedAt = request.CreatedAt,
            Sensors = sensors,
            Thresholds = thresholds,
            Training = new TrainingWindow
            {
                From = request.From,
                To = request.To,
                Rows = n,
                DataSha256 = hash,
                Source = request.Source,
            },
            HyperParameters = new Dictionary<string, string>(hyper),
            Metrics = new Dictionary<string, double>(metrics),
        };

    private static void Validate(PcaTrainingRequest request, int d)
    {
        if (string.IsNullOrWhiteSpace(request.ModelName))
        {
            throw new ArgumentException("A model name is required.", nameof(request));
        }

        if (d < 2)
        {
            throw new ArgumentException("At least two sensors are required for a PCA model.", nameof(request));
        }

        if (request.Sensors.Distinct(StringComparer.Ordinal).Count() != d || request.Sensors.Any(string.IsNullOrWhiteSpace))
        {
            throw new ArgumentException("Sensor names must be non-empty and unique.", nameof(request));
        }

        var rows = request.Rows.Span;
        if (rows.Length % d != 0)
        {
            throw new ArgumentException($"The flat row buffer ({rows.Length} values) is not a whole number of {d}-sensor rows.", nameof(request));
        }

        var n = rows.Length / d;
        if (n < PcaDetectorOptions.MinimumTrainingRows)
        {
            throw new ArgumentException(
                $"Too few training rows: {n} (at least {PcaDetectorOptions.MinimumTrainingRows} are required).", nameof(request));
        }

        for (var i = 0; i < rows.Length; i++)
        {
            if (!double.IsFinite(rows[i]))
            {
                throw new ArgumentException(
                    $"Training row {i / d}, sensor '{request.Sensors[i % d]}' is not a finite number ({rows[i]}).", nameof(request));
            }
        }

        if (request.PhysicalBounds is { } bounds && (bounds.Count != d || bounds.Any(static b => !(b.Min < b.Max))))
        {
            throw new ArgumentException($"Physical bounds must be given for all {d} sensors with Min < Max.", nameof(request));
        }

        if (d - ConstantCount(rows, d) < 2)
        {
            throw new ArgumentException("Fewer than two sensors vary in the training data; a PCA model cannot be fitted.", nameof(request));
        }
    }

    private static int ConstantCount(ReadOnlySpan<double> rows, int d)
    {
        var count = 0;
        for (var i = 0; i < d; i++)
        {
            var first = rows[i];
            var same = true;
            for (var r = i + d; r < rows.Length && same; r += d)
            {
                same = rows[r] == first;
            }

            count += same ? 1 : 0;
        }

        return count;
    }

    /// <summary>SHA-256 (lower-case hex) of the rows as little-endian doubles in sensor order.</summary>
    internal static string DataSha256(ReadOnlySpan<double> rows)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        if (BitConverter.IsLittleEndian)
        {
            hash.AppendData(MemoryMarshal.AsBytes(rows));
        }
        else
        {
            Span<byte> buffer = stackalloc byte[8];
            foreach (var v in rows)
            {
                System.Buffers.Binary.BinaryPrimitives.WriteDoubleLittleEndian(buffer, v);
                hash.AppendData(buffer);
            }
        }

        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }

    internal static SensorSpec[] SensorSpecs(PcaTrainingRequest request, ReadOnlySpan<double> rows, int n, int d)
    {
        var specs = new SensorSpec[d];
        var column = new double[n];
        for (var i = 0; i < d; i++)
        {
            double sum = 0;
            for (var r = 0; r < n; r++)
            {
                var v = rows[(r * d) + i];
                column[r] = v;
                sum += v;
            }

            var mean = sum / n;
            double ss = 0;
            foreach (var v in column)
            {
                ss += (v - mean) * (v - mean);
            }

            var std = Math.Sqrt(ss / (n - 1));
            Array.Sort(column);
            var min = column[0];
            var max = column[^1];
            var span = Math.Max(max - min, Math.Max(1e-6, Math.Abs(mean) * 1e-3));
            var bounds = request.PhysicalBounds?[i] ?? new SensorBounds(min - (DefaultBoundsWidthFactor * span), max + (DefaultBoundsWidthFactor * span));
            specs[i] = new SensorSpec
            {
                Name = request.Sensors[i],
                PhysicalMin = bounds.Min,
                PhysicalMax = bounds.Max,
                TrainMin = min,
                TrainMax = max,
                Mean = mean,
                StdDev = std,
                Baseline = Baseline(column),
            };
        }

        return specs;
    }

    private static SensorBaseline Baseline(double[] sorted)
    {
        var lo = PcaMath.SortedQuantile(sorted, HistogramLowLevel);
        var hi = PcaMath.SortedQuantile(sorted, HistogramHighLevel);
        if (!(hi > lo))
        {
            var pad = Math.Max(0.5, Math.Abs(lo) * 1e-3);
            (lo, hi) = (lo - pad, hi + pad);
        }

        var edges = new double[HistogramBins + 1];
        for (var b = 0; b <= HistogramBins; b++)
        {
            edges[b] = lo + ((hi - lo) * b / HistogramBins);
        }

        var counts = new long[HistogramBins];
        var width = (hi - lo) / HistogramBins;
        foreach (var v in sorted)
        {
            var bin = (int)Math.Floor((v - lo) / width);
            counts[Math.Clamp(bin, 0, HistogramBins - 1)]++;
        }

        return new SensorBaseline
        {
            BinEdges = edges,
            Counts = counts,
            QuantileLevels = [.. BaselineQuantileLevels],
            Quantiles = BaselineQuantileLevels.Select(l => PcaMath.SortedQuantile(sorted, l)).ToArray(),
        };
    }

    private static double[] Covariance(ReadOnlySpan<double> rows, int d, double[] offset, double[] scale)
    {
        var n = rows.Length / d;
        var mean = new double[d];
        Span<double> z = stackalloc double[d];
        var cov = new double[d * d];
        for (var r = 0; r < n; r++)
        {
            for (var i = 0; i < d; i++)
            {
                mean[i] += Standardize(rows[(r * d) + i], offset[i], scale[i]);
            }
        }

        for (var i = 0; i < d; i++)
        {
            mean[i] /= n;
        }

        for (var r = 0; r < n; r++)
        {
            for (var i = 0; i < d; i++)
            {
                z[i] = Standardize(rows[(r * d) + i], offset[i], scale[i]) - mean[i];
            }

            for (var i = 0; i < d; i++)
            {
                var zi = z[i];
                for (var j = i; j < d; j++)
                {
                    cov[(i * d) + j] += zi * z[j];
                }
            }
        }

        for (var i = 0; i < d; i++)
        {
            for (var j = i; j < d; j++)
            {
                var v = cov[(i * d) + j] / (n - 1);
                cov[(i * d) + j] = v;
                cov[(j * d) + i] = v;
            }
        }

        return cov;
    }

    private static double Standardize(double x, double offset, double scale)
        => double.IsFinite(scale) ? (x - offset) * scale : 0;

    /// <summary>Fewest components reaching the explained-variance share; at least 1, at most d − 1 (Q needs a residual).</summary>
    internal static int ChooseRank(double[] eigenvalues, double share, int d)
    {
        var total = eigenvalues.Where(static v => v > 0).Sum();
        double cumulative = 0;
        var rank = 0;
        while (rank < d && (rank == 0 || cumulative < share * total))
        {
            cumulative += Math.Max(0, eigenvalues[rank]);
            rank++;
        }

        return Math.Clamp(rank, 1, d - 1);
    }

    private static double[] ComponentVariances(PcaParameters p, ReadOnlySpan<double> rows)
    {
        var d = p.Dimension;
        var n = rows.Length / d;
        var sum = new double[p.Rank];
        var sumSq = new double[p.Rank];
        Span<double> z = stackalloc double[d];
        for (var r = 0; r < n; r++)
        {
            for (var i = 0; i < d; i++)
            {
                z[i] = ((rows[(r * d) + i] - p.Offset[i]) * p.Scale[i]) - p.Mean[i];
            }

            for (var j = 0; j < p.Rank; j++)
            {
                double t = 0;
                for (var i = 0; i < d; i++)
                {
                    t += p.Loadings[(j * d) + i] * z[i];
                }

                sum[j] += t;
                sumSq[j] += t * t;
            }
        }

        var result = new double[p.Rank];
        for (var j = 0; j < p.Rank; j++)
        {
            var mean = sum[j] / n;
            result[j] = Math.Max(MinimumLimit, (sumSq[j] - (n * mean * mean)) / (n - 1));
        }

        return result;
    }

    private (double T2, double Q) ParametricLimits(double[] eigenvalues, int rank, int n)
    {
        var alpha = _options.Confidence;
        double m = rank;
        var t2 = m * (n - 1) * (n + 1) / (n * (n - m)) * PcaMath.FQuantile(alpha, m, n - m);

        var residual = eigenvalues.Skip(rank).Where(static v => v > MinimumLimit).ToArray();
        if (residual.Length == 0)
        {
            return (t2, MinimumLimit);
        }

        double theta1 = residual.Sum(), theta2 = residual.Sum(static v => v * v), theta3 = residual.Sum(static v => v * v * v);
        var h0 = 1 - (2 * theta1 * theta3 / (3 * theta2 * theta2));
        var c = PcaMath.NormalQuantile(alpha);
        double q;
        if (h0 > 1e-3)
        {
            var inner = (c * Math.Sqrt(2 * theta2 * h0 * h0) / theta1) + 1 + (theta2 * h0 * (h0 - 1) / (theta1 * theta1));
            q = theta1 * Math.Pow(Math.Max(inner, MinimumLimit), 1 / h0);
        }
        else
        {
            // Degenerate h0: fall back to the scaled chi-square approximation g·χ²(h) via the normal approximation.
            var g = theta2 / theta1;
            var h = theta1 * theta1 / theta2;
            q = g * h * Math.Pow(1 - (2 / (9 * h)) + (c * Math.Sqrt(2 / (9 * h))), 3);
        }

        return (t2, q);
    }

    private (double T2, double Q) QuantileLimits(PcaParameters p, double[] variances, ReadOnlySpan<double> calibration)
    {
        var d = p.Dimension;
        var n = calibration.Length / d;
        var t2 = new double[n];
        var q = new double[n];
        var manifest = PlaceholderManifest(d);
        var detector = new PcaDetector(manifest, p, variances, 1, 0, 0, 0, _options.EwmaWeight);
        var state = (PcaDeviceState)detector.CreateDeviceState();
        for (var r = 0; r < n; r++)
        {
            (t2[r], q[r]) = detector.Compute(calibration.Slice(r * d, d), state, deviceCentre: false);
        }

        Array.Sort(t2);
        Array.Sort(q);
        return (PcaMath.SortedQuantile(t2, _options.Confidence), PcaMath.SortedQuantile(q, _options.Confidence));
    }

    private static double AlarmRate(PcaDetector detector, ReadOnlySpan<double> rows)
    {
        var d = detector.Sensors.Count;
        var n = rows.Length / d;
        var state = detector.CreateDeviceState();
        Span<double> contributions = stackalloc double[d];
        var alarms = 0;
        for (var r = 0; r < n; r++)
        {
            if (detector.Score(rows.Slice(r * d, d), state, contributions).IsAnomaly)
            {
                alarms++;
            }
        }

        return n == 0 ? 0 : (double)alarms / n;
    }

    private static ModelManifest PlaceholderManifest(int d) => new()
    {
        Name = "calibration",
        Version = "0",
        ModelType = ModelType,
        CreatedAt = default,
        Sensors = Enumerable.Range(0, d).Select(i => new SensorSpec
        {
            Name = i.ToString(CultureInfo.InvariantCulture),
            Baseline = new SensorBaseline { BinEdges = [], Counts = [], Quantiles = [], QuantileLevels = [] },
        }).ToArray(),
        Thresholds = new DetectorThresholds { T2Limit = 1, QLimit = 1 },
        Training = new TrainingWindow { DataSha256 = string.Empty },
    };

    private static float[] ToFloat(ReadOnlySpan<double> values)
    {
        var result = new float[values.Length];
        for (var i = 0; i < values.Length; i++)
        {
            result[i] = (float)values[i];
        }

        return result;
    }

    private static IEnumerable<PcaInputRow> EnumerateRows(float[] data, int d)
    {
        for (var offset = 0; offset < data.Length; offset += d)
        {
            yield return new PcaInputRow { Features = data.AsSpan(offset, d).ToArray() };
        }
    }

    private static string Join(IEnumerable<double> values) => string.Join(';', values.Select(static v => v.ToString("R", CultureInfo.InvariantCulture)));
}

/// <summary>One training row for ML.NET (the vector size is set in the schema definition at training time).</summary>
public sealed class PcaInputRow
{
    [VectorType]
    public float[] Features { get; set; } = [];
}
