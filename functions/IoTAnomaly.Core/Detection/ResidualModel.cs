using System.Globalization;
using System.Runtime.Intrinsics;
using System.Text;

namespace IoTAnomaly.Core.Detection;

/// <summary>
/// The trained <c>ridge-residual</c> model: per-sensor trailing-mean smoothing, standardization, one ridge regression
/// per sensor from the other sensors, each residual's out-of-fold standard deviation, and an alarm threshold on
/// the score <c>max over sensors of |residual| / σ</c> taken from the out-of-fold training scores. Training uses
/// only the rows given; no labels. Score rows with a <see cref="ResidualScorer"/> (one per stream).
/// </summary>
public sealed class ResidualModel
{
    private readonly int[] _active;
    private readonly double[] _mean;       // per active sensor, of the smoothed training rows
    private readonly double[] _scale;      // per active sensor, 1 / standard deviation
    private readonly double[] _weights;    // active × active, row t = coefficients of target t (diagonal 0)
    private readonly double[] _intercepts; // per active sensor
    private readonly double[] _inverseSigma; // per active sensor, 1 / out-of-fold residual standard deviation
    private readonly double[] _inverseRawSigma; // per active sensor, 1 / RMS of (raw − trailing mean of the previous window); empty: no spike guard

    private ResidualModel(
        ResidualDetectorOptions options,
        int sensorCount,
        int[] active,
        double[] mean,
        double[] scale,
        double[] weights,
        double[] intercepts,
        double[] inverseSigma,
        double threshold,
        double[] inverseRawSigma)
    {
        Options = options;
        SensorCount = sensorCount;
        _active = active;
        ActiveSensors = Array.AsReadOnly(active);
        _mean = mean;
        _scale = scale;
        _weights = weights;
        _intercepts = intercepts;
        _inverseSigma = inverseSigma;
        Threshold = threshold;
        _inverseRawSigma = inverseRawSigma;

        // Column-major copy of the weights, padded to 8 targets, for the vectorized prediction of up to 8 sensors.
        var m = active.Length;
        if (m <= 8)
        {
            _columns = new double[m * 8];
            _paddedIntercepts = new double[8];
            intercepts.CopyTo(_paddedIntercepts, 0);
            for (var t = 0; t < m; t++)
            {
                for (var j = 0; j < m; j++)
                {
                    _columns[(j * 8) + t] = weights[(t * m) + j];
                }
            }
        }
    }

    /// <summary>Weights by input sensor (8 targets per column, zero padded), when at most 8 sensors are active.</summary>
    private readonly double[]? _columns;

    private readonly double[]? _paddedIntercepts;

    /// <summary>
    /// Every active sensor's prediction from the standardized vector <paramref name="z"/> into
    /// <paramref name="predictions"/> (length ≥ 8 when vectorized): two 4-lane accumulators over the input sensors
    /// (independent lanes, no serial add chain) when at most 8 sensors are active and Vector256 is accelerated; plain
    /// dot products otherwise. Same arithmetic per target (intercept + Σ w·z in input order), so both paths agree.
    /// </summary>
    internal void PredictAll(ReadOnlySpan<double> z, Span<double> predictions)
    {
        var m = _active.Length;
        if (_columns is { } columns && Vector256.IsHardwareAccelerated && predictions.Length >= 8)
        {
            var low = Vector256.Create(_paddedIntercepts.AsSpan(0, 4));
            var high = Vector256.Create(_paddedIntercepts.AsSpan(4, 4));
            for (var j = 0; j < m; j++)
            {
                var zj = Vector256.Create(z[j]);
                var column = columns.AsSpan(j * 8, 8);
                low += Vector256.Create(column[..4]) * zj;
                high += Vector256.Create(column[4..]) * zj;
            }

            low.CopyTo(predictions);
            high.CopyTo(predictions[4..]);
            return;
        }

        for (var t = 0; t < m; t++)
        {
            predictions[t] = Predict(_weights.AsSpan(t * m, m), _intercepts[t], z[..m]);
        }
    }

    /// <summary>The options the model was trained with.</summary>
    public ResidualDetectorOptions Options { get; }

    /// <summary>Values per row (all sensors, including constant ones).</summary>
    public int SensorCount { get; }

    /// <summary>Indices of the sensors that vary in the training rows; the others are ignored.</summary>
    public IReadOnlyList<int> ActiveSensors { get; }

    /// <summary>Alarm threshold on the raw score (the scorer reports score / threshold).</summary>
    public double Threshold { get; }

    internal int Active => _active.Length;

    // The parameters as arrays, for the scorer's loops (read-only by convention).
    internal int[] ActiveArray => _active;

    internal double[] MeanArray => _mean;

    internal double[] ScaleArray => _scale;

    internal double[] InverseSigmaArray => _inverseSigma;

    internal double[] InverseRawSigmaArray => _inverseRawSigma;


    /// <summary>Trains on <paramref name="rows"/> (rows × sensors, time order, finite values).</summary>
    /// <exception cref="ArgumentException">Too few rows, ragged rows, non-finite values, or no varying sensor.</exception>
    public static ResidualModel Train(IReadOnlyList<double[]> rows, ResidualDetectorOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(rows);
        options ??= new ResidualDetectorOptions();
        options.Validate();
        var n = rows.Count;
        if (n < ResidualDetectorOptions.MinimumTrainingRows || n < 2 * options.Folds)
        {
            throw new ArgumentException(
                $"At least {Math.Max(ResidualDetectorOptions.MinimumTrainingRows, 2 * options.Folds)} training rows are needed, got {n}.",
                nameof(rows));
        }

        var d = rows[0].Length;
        for (var r = 0; r < n; r++)
        {
            if (rows[r].Length != d)
            {
                throw new ArgumentException($"Row {r} has {rows[r].Length} values, expected {d}.", nameof(rows));
            }

            for (var j = 0; j < d; j++)
            {
                if (!double.IsFinite(rows[r][j]))
                {
                    throw new ArgumentException($"Row {r}, sensor {j} is not finite.", nameof(rows));
                }
            }
        }

        var smoothed = Smooth(rows, d, options.InputWindow);
        var fullMean = new double[d];
        var fullSd = new double[d];
        for (var j = 0; j < d; j++)
        {
            double sum = 0;
            for (var r = 0; r < n; r++)
            {
                sum += smoothed[(r * d) + j];
            }

            fullMean[j] = sum / n;
            double ss = 0;
            for (var r = 0; r < n; r++)
            {
                var e = smoothed[(r * d) + j] - fullMean[j];
                ss += e * e;
            }

            fullSd[j] = Math.Sqrt(ss / (n - 1));
        }

        var active = Enumerable.Range(0, d).Where(j => fullSd[j] > options.ConstantTolerance).ToArray();
        var m = active.Length;
        if (m == 0)
        {
            throw new ArgumentException("No sensor varies in the training rows.", nameof(rows));
        }

        var mean = active.Select(j => fullMean[j]).ToArray();
        var scale = active.Select(j => 1.0 / fullSd[j]).ToArray();
        var z = new double[n * m];
        for (var r = 0; r < n; r++)
        {
            for (var a = 0; a < m; a++)
            {
                z[(r * m) + a] = (smoothed[(r * d) + active[a]] - mean[a]) * scale[a];
            }
        }

        var weights = new double[m * m];
        var intercepts = new double[m];
        var inverseSigma = new double[m];
        var oof = new double[n * m];
        var foldSize = n / options.Folds;
        var coefficients = new double[m];
        for (var t = 0; t < m; t++)
        {
            var intercept = Fit(z, n, m, t, 0, 0, options.Ridge, coefficients);
            coefficients.CopyTo(weights.AsSpan(t * m, m));
            intercepts[t] = intercept;
            for (var f = 0; f < options.Folds; f++)
            {
                var from = f * foldSize;
                var to = f == options.Folds - 1 ? n : from + foldSize;
                var foldIntercept = Fit(z, n, m, t, from, to, options.Ridge, coefficients);
                for (var r = from; r < to; r++)
                {
                    oof[(r * m) + t] = z[(r * m) + t] - Predict(coefficients, foldIntercept, z.AsSpan(r * m, m));
                }
            }

            double ss = 0;
            for (var r = 0; r < n; r++)
            {
                ss += oof[(r * m) + t] * oof[(r * m) + t];
            }

            inverseSigma[t] = 1.0 / (Math.Sqrt(ss / n) + 1e-6);
        }

        // Threshold: quantile of the out-of-fold training scores (after the smoothing warm-up), times the margin.
        var skip = Math.Min(20, n / 10);
        var scores = new double[n - skip];
        for (var r = skip; r < n; r++)
        {
            scores[r - skip] = MaxScaled(oof.AsSpan(r * m, m), inverseSigma);
        }

        Array.Sort(scores);
        var index = (int)Math.Min(scores.Length - 1, Math.Floor(options.Quantile * scores.Length));
        var threshold = Math.Max(scores[index], 1e-9) * options.Margin;
        return new ResidualModel(options, d, active, mean, scale, weights, intercepts, inverseSigma, threshold, options.SpikeLimit > 0 ? RawDeviationScales(rows, active, options.InputWindow) : []);
    }

    /// <summary>Per active sensor: 1 / RMS of (raw value − mean of the previous <paramref name="window"/> raw values).</summary>
    private static double[] RawDeviationScales(IReadOnlyList<double[]> rows, int[] active, int window)
    {
        var result = new double[active.Length];
        for (var a = 0; a < active.Length; a++)
        {
            var j = active[a];
            double sum = 0, ss = 0;
            var count = 0;
            for (var r = 0; r < rows.Count; r++)
            {
                if (r >= window)
                {
                    var e = rows[r][j] - (sum / window);
                    ss += e * e;
                    count++;
                    sum -= rows[r - window][j];
                }

                sum += rows[r][j];
            }

            result[a] = count == 0 ? 0 : 1.0 / (Math.Sqrt(ss / count) + 1e-9);
        }

        return result;
    }

    /// <summary>
    /// A fresh scorer (smoothing window and residual offsets) for one stream, primed with <paramref name="history"/>;
    /// <paramref name="calibrationReadings"/> &gt; 0 calibrates its offsets as a streaming device does.
    /// </summary>
    public ResidualScorer CreateScorer(IReadOnlyList<double[]>? history = null, int calibrationReadings = 0)
    {
        var scorer = new ResidualScorer(this, calibrationReadings);
        if (history is not null)
        {
            foreach (var row in history)
            {
                scorer.Prime(row);
            }
        }

        return scorer;
    }

    /// <summary>
    /// The fitted parameters as UTF-8 text, one <c>key=v1;v2;…</c> line each (round-trip formatting); read back with
    /// <see cref="Read"/>. Training-only options are not needed to score and are not written.
    /// </summary>
    public byte[] Serialize()
    {
        var text = new StringBuilder();
        Line("format", ["1"]);
        Line("sensorCount", [SensorCount.ToString(CultureInfo.InvariantCulture)]);
        Line("inputWindow", [Options.InputWindow.ToString(CultureInfo.InvariantCulture)]);
        Line("adaptation", [Options.Adaptation.ToString("R", CultureInfo.InvariantCulture)]);
        Line("release", [Options.Release.ToString("R", CultureInfo.InvariantCulture)]);
        Line("rebaselineAfter", [Options.RebaselineAfter.ToString(CultureInfo.InvariantCulture)]);
        Line("excursionLimit", [Options.ExcursionLimit.ToString("R", CultureInfo.InvariantCulture)]);
        Line("deviceCalibration", [Options.DeviceCalibrationReadings.ToString(CultureInfo.InvariantCulture)]);
        Line("threshold", [Threshold.ToString("R", CultureInfo.InvariantCulture)]);
        Line("active", _active.Select(static a => a.ToString(CultureInfo.InvariantCulture)));
        Line("mean", Format(_mean));
        Line("scale", Format(_scale));
        Line("weights", Format(_weights));
        Line("intercepts", Format(_intercepts));
        Line("inverseSigma", Format(_inverseSigma));
        Line("spikeLimit", [Options.SpikeLimit.ToString("R", CultureInfo.InvariantCulture)]);
        Line("inverseRawSigma", Format(_inverseRawSigma));
        return Encoding.UTF8.GetBytes(text.ToString());

        void Line(string key, IEnumerable<string> values) => text.Append(key).Append('=').AppendJoin(';', values).Append('\n');

        static IEnumerable<string> Format(double[] values) => values.Select(static v => v.ToString("R", CultureInfo.InvariantCulture));
    }

    /// <summary>Reads <see cref="Serialize"/>'s output.</summary>
    /// <exception cref="InvalidDataException">Missing keys, unparsable or non-finite numbers, or inconsistent sizes.</exception>
    public static ResidualModel Read(ReadOnlySpan<byte> utf8)
    {
        var lines = new Dictionary<string, string[]>(StringComparer.Ordinal);
        foreach (var line in Encoding.UTF8.GetString(utf8).Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            var eq = line.IndexOf('=', StringComparison.Ordinal);
            if (eq <= 0)
            {
                throw new InvalidDataException($"Malformed residual-model line '{line}'.");
            }

            lines[line[..eq]] = line[(eq + 1)..].Split(';', StringSplitOptions.RemoveEmptyEntries);
        }

        var sensorCount = Int("sensorCount");
        var active = Ints("active");
        var m = active.Length;
        var options = new ResidualDetectorOptions
        {
            InputWindow = Int("inputWindow"),
            Adaptation = Double("adaptation"),
            Release = lines.ContainsKey("release") ? Double("release") : 1.0, // written before hysteresis: none
            DeviceCalibrationReadings = lines.ContainsKey("deviceCalibration") ? Int("deviceCalibration") : 0,
            SpikeLimit = lines.ContainsKey("spikeLimit") ? Double("spikeLimit") : 0, // written before the spike guard: off
            RebaselineAfter = lines.ContainsKey("rebaselineAfter") ? Int("rebaselineAfter") : 0,
            ExcursionLimit = lines.ContainsKey("excursionLimit") ? Double("excursionLimit") : 0,
        };
        try
        {
            options.Validate();
        }
        catch (ArgumentOutOfRangeException e)
        {
            throw new InvalidDataException($"Invalid residual-model option: {e.Message}", e);
        }

        var threshold = Double("threshold");
        var mean = Doubles("mean");
        var scale = Doubles("scale");
        var weights = Doubles("weights");
        var intercepts = Doubles("intercepts");
        var inverseSigma = Doubles("inverseSigma");
        var inverseRawSigma = lines.ContainsKey("inverseRawSigma") ? Doubles("inverseRawSigma") : [];
        if (options.SpikeLimit > 0 && inverseRawSigma.Length != m)
        {
            throw new InvalidDataException("The residual model's spike guard scales are missing or of the wrong size.");
        }

        if (sensorCount < 1 || m < 1 || active.Any(a => a < 0 || a >= sensorCount) || active.Distinct().Count() != m
            || mean.Length != m || scale.Length != m || weights.Length != m * m || intercepts.Length != m || inverseSigma.Length != m
            || !(threshold > 0))
        {
            throw new InvalidDataException("The residual model's parameter sizes or threshold are inconsistent.");
        }

        return new ResidualModel(options, sensorCount, active, mean, scale, weights, intercepts, inverseSigma, threshold, options.SpikeLimit > 0 ? inverseRawSigma : []);

        int Int(string key) => Ints(key) is [var one] ? one : throw new InvalidDataException($"'{key}' must hold one value.");

        double Double(string key) => Doubles(key) is [var one] ? one : throw new InvalidDataException($"'{key}' must hold one value.");

        string[] Values(string key) => lines.TryGetValue(key, out var v) ? v : throw new InvalidDataException($"The residual model has no '{key}'.");

        int[] Ints(string key) => Values(key).Select(v => int.TryParse(v, NumberStyles.Integer, CultureInfo.InvariantCulture, out var i)
            ? i
            : throw new InvalidDataException($"'{key}' holds '{v}', not an integer.")).ToArray();

        double[] Doubles(string key) => Values(key).Select(v => double.TryParse(v, NumberStyles.Float, CultureInfo.InvariantCulture, out var x) && double.IsFinite(x)
            ? x
            : throw new InvalidDataException($"'{key}' holds '{v}', not a finite number.")).ToArray();
    }

    /// <summary>Whether the spike guard is on (<see cref="ResidualDetectorOptions.SpikeLimit"/> &gt; 0).</summary>
    internal bool HasSpikeGuard => _inverseRawSigma.Length > 0;

    private static double Predict(ReadOnlySpan<double> coefficients, double intercept, ReadOnlySpan<double> z)
    {
        var p = intercept;
        for (var j = 0; j < z.Length; j++)
        {
            p += coefficients[j] * z[j];
        }

        return p;
    }

    private static double MaxScaled(ReadOnlySpan<double> residuals, double[] inverseSigma)
    {
        double max = 0;
        for (var t = 0; t < residuals.Length; t++)
        {
            max = Math.Max(max, Math.Abs(residuals[t] * inverseSigma[t]));
        }

        return max;
    }

    /// <summary>
    /// Ridge fit of column <paramref name="target"/> on the other columns plus an unpenalized intercept, over the rows
    /// outside [<paramref name="excludeFrom"/>, <paramref name="excludeTo"/>). Writes the coefficients (0 at the target)
    /// and returns the intercept.
    /// </summary>
    private static double Fit(double[] z, int n, int m, int target, int excludeFrom, int excludeTo, double ridge, double[] coefficients)
    {
        var p = m; // m − 1 predictors + intercept (last)
        var a = new double[p * p];
        var b = new double[p];
        var x = new double[p];
        for (var r = 0; r < n; r++)
        {
            if (r >= excludeFrom && r < excludeTo)
            {
                continue;
            }

            var q = 0;
            for (var j = 0; j < m; j++)
            {
                if (j != target)
                {
                    x[q++] = z[(r * m) + j];
                }
            }

            x[p - 1] = 1;
            var y = z[(r * m) + target];
            for (var i = 0; i < p; i++)
            {
                b[i] += x[i] * y;
                for (var k = 0; k < p; k++)
                {
                    a[(i * p) + k] += x[i] * x[k];
                }
            }
        }

        for (var i = 0; i < p - 1; i++)
        {
            a[(i * p) + i] += ridge;
        }

        var solution = Solve(a, b, p);
        var s = 0;
        for (var j = 0; j < m; j++)
        {
            coefficients[j] = j == target ? 0 : solution[s++];
        }

        return solution[p - 1];
    }

    /// <summary>Gaussian elimination with partial pivoting (tiny pivots clamped, so a singular system stays finite).</summary>
    private static double[] Solve(double[] a, double[] b, int p)
    {
        const double Tiny = 1e-12;
        for (var i = 0; i < p; i++)
        {
            var pivot = i;
            for (var r = i + 1; r < p; r++)
            {
                if (Math.Abs(a[(r * p) + i]) > Math.Abs(a[(pivot * p) + i]))
                {
                    pivot = r;
                }
            }

            if (pivot != i)
            {
                for (var c = 0; c < p; c++)
                {
                    (a[(i * p) + c], a[(pivot * p) + c]) = (a[(pivot * p) + c], a[(i * p) + c]);
                }

                (b[i], b[pivot]) = (b[pivot], b[i]);
            }

            var diagonal = Math.Abs(a[(i * p) + i]) < Tiny ? Tiny : a[(i * p) + i];
            for (var r = i + 1; r < p; r++)
            {
                var f = a[(r * p) + i] / diagonal;
                for (var c = i; c < p; c++)
                {
                    a[(r * p) + c] -= f * a[(i * p) + c];
                }

                b[r] -= f * b[i];
            }
        }

        var x = new double[p];
        for (var i = p - 1; i >= 0; i--)
        {
            var s = b[i];
            for (var c = i + 1; c < p; c++)
            {
                s -= a[(i * p) + c] * x[c];
            }

            var diagonal = Math.Abs(a[(i * p) + i]) < Tiny ? Tiny : a[(i * p) + i];
            x[i] = s / diagonal;
        }

        return x;
    }

    /// <summary>Causal trailing mean of each column over <paramref name="window"/> rows (partial windows at the start).</summary>
    private static double[] Smooth(IReadOnlyList<double[]> rows, int d, int window)
    {
        var n = rows.Count;
        var output = new double[n * d];
        var sum = new double[d];
        for (var r = 0; r < n; r++)
        {
            var count = Math.Min(r + 1, window);
            for (var j = 0; j < d; j++)
            {
                sum[j] += rows[r][j];
                if (r >= window)
                {
                    sum[j] -= rows[r - window][j];
                }

                output[(r * d) + j] = sum[j] / count;
            }
        }

        return output;
    }
}

/// <summary>
/// Per-stream state of a <see cref="ResidualModel"/>: the trailing-mean window and the residual offsets. Scores one
/// reading at a time in time order, without allocating. Not thread-safe.
/// </summary>
public sealed class ResidualScorer
{
    private readonly ResidualModel _model;
    private readonly double[] _window;   // ring buffer, InputWindow × SensorCount
    private readonly double[] _sum;      // per sensor
    private readonly double[] _z;        // per active sensor (scratch)
    private readonly double[] _offset;   // per active sensor
    private readonly double[] _anchor;   // per active sensor: the offsets at the end of the last calibration
    private bool _anchored;              // a calibration finished (streaming devices; never in the benchmark protocol)
    private readonly double[] _residual; // per active sensor (scratch)
    private readonly int _width;
    private long _seen;
    private bool _alarming;
    private int _calibrationTarget;
    private int _calibrated;
    private int _alarmRun;
    private bool _noCalibration;
    private int _slot; // next ring-buffer row

    internal ResidualScorer(ResidualModel model, int calibrationReadings = 0)
    {
        _calibrationTarget = calibrationReadings;
        _model = model;
        _width = model.Options.InputWindow;
        _window = new double[_width * model.SensorCount];
        _sum = new double[model.SensorCount];
        _z = new double[model.Active];
        _offset = new double[model.Active];
        _anchor = new double[model.Active];
        _residual = new double[model.Active];
    }

    /// <summary>Residuals the offsets are calibrated from (0: the fleet's offsets, adapted only).</summary>
    internal int CalibrationTarget => _calibrationTarget;

    /// <summary>Score (÷ threshold) of the current residuals against the calibrated baseline instead of the offsets.</summary>
    private double AnchorScore(ReadOnlySpan<double> residual, ReadOnlySpan<double> inverseSigma)
    {
        double max = 0;
        for (var t = 0; t < residual.Length; t++)
        {
            max = Math.Max(max, Math.Abs((residual[t] - _anchor[t]) * inverseSigma[t]));
        }

        return max / _model.Threshold;
    }

    /// <summary>No calibration from now on, not even after a re-baseline (model evaluation: <see cref="DeviceDetectorState.UseFleetBaseline"/>).</summary>
    internal void DisableCalibration()
    {
        _calibrationTarget = 0;
        _noCalibration = true;
    }

    /// <summary>An independent copy of this scorer's state (smoothing window, offsets, calibration, alarm).</summary>
    internal ResidualScorer Copy()
    {
        var copy = new ResidualScorer(_model, _calibrationTarget);
        CopyTo(copy);
        return copy;
    }

    /// <summary>Overwrites <paramref name="copy"/>, a scorer of the same model, with this scorer's state; allocates nothing.</summary>
    internal void CopyTo(ResidualScorer copy)
    {
        if (!ReferenceEquals(copy._model, _model))
        {
            throw new ArgumentException("The copy belongs to another model.", nameof(copy));
        }

        copy._calibrationTarget = _calibrationTarget;
        copy._seen = _seen;
        copy._alarming = _alarming;
        copy._calibrated = _calibrated;
        copy._alarmRun = _alarmRun;
        copy._noCalibration = _noCalibration;
        copy._slot = _slot;
        copy._anchored = _anchored;
        copy.Rebaselines = Rebaselines;
        copy.Reanchored = Reanchored;
        _window.AsSpan().CopyTo(copy._window);
        _sum.AsSpan().CopyTo(copy._sum);
        _offset.AsSpan().CopyTo(copy._offset);
        _anchor.AsSpan().CopyTo(copy._anchor);
    }

    /// <summary>Readings seen (including priming history).</summary>
    public long Count => _seen;

    /// <summary>Readings that alarmed against the drift-following offsets but not against the calibrated baseline, which the offsets then returned to.</summary>
    public int Reanchored { get; private set; }

    /// <summary>Times this stream was re-baselined after <see cref="ResidualDetectorOptions.RebaselineAfter"/> consecutive alarms.</summary>
    public int Rebaselines { get; private set; }

    /// <summary>The last scored reading's decision: its score exceeded 1, or an alarm was on and it stayed above <see cref="ResidualDetectorOptions.Release"/>.</summary>
    public bool IsAlarming => _alarming;

    /// <summary>Feeds a past reading into the smoothing window without scoring it.</summary>
    public void Prime(ReadOnlySpan<double> values)
    {
        CheckWidth(values);
        Push(values);
    }

    /// <summary>
    /// Scores one reading: returns score / threshold (alarm when &gt; 1). Readings that do not alarm move the residual
    /// offsets by <see cref="ResidualDetectorOptions.Adaptation"/>.
    /// </summary>
    public double Score(ReadOnlySpan<double> values) => Score(values, [], out _, out _);

    /// <summary>
    /// Scores one reading like <see cref="Score(ReadOnlySpan{double})"/>; also returns the largest scaled residual, the
    /// sum of squared scaled residuals, and (when <paramref name="contributions"/> is not empty; length =
    /// <see cref="ResidualModel.SensorCount"/>) each sensor's share of that sum (ignored sensors 0).
    /// </summary>
    [System.Runtime.CompilerServices.SkipLocalsInit] // predictions are written (PredictAll) before they are read
    internal double Score(ReadOnlySpan<double> values, Span<double> contributions, out double maxScaled, out double sumSquares)
    {
        CheckWidth(values);
        var model = _model;
        var active = model.ActiveArray;
        var m = active.Length;
        var sum = _sum.AsSpan();

        // Spike guard: each raw value against the trailing mean of the previous readings (before this one joins it).
        double spike = 0;
        var spikeSensor = -1;
        if (model.HasSpikeGuard && _seen > 0)
        {
            var inverseRaw = model.InverseRawSigmaArray.AsSpan(0, m);
            var previous = 1.0 / Math.Min(_seen, _width);
            for (var a = 0; a < inverseRaw.Length; a++)
            {
                var j = active[a];
                var deviation = Math.Abs(values[j] - (sum[j] * previous)) * inverseRaw[a];
                if (deviation > spike)
                {
                    spike = deviation;
                    spikeSensor = j;
                }
            }

            spike /= model.Options.SpikeLimit;
        }

        Push(values);
        var inverseCount = 1.0 / Math.Min(_seen, _width);
        var z = _z.AsSpan(0, m);
        var mean = model.MeanArray.AsSpan(0, m);
        var scale = model.ScaleArray.AsSpan(0, m);
        for (var a = 0; a < z.Length; a++)
        {
            z[a] = ((sum[active[a]] * inverseCount) - mean[a]) * scale[a];
        }

        Span<double> predictions = stackalloc double[Math.Max(m, 8)];
        model.PredictAll(z, predictions);
        var inverseSigma = model.InverseSigmaArray.AsSpan(0, m);
        var offset = _offset.AsSpan(0, m);
        var residual = _residual.AsSpan(0, m);
        for (var t = 0; t < z.Length; t++)
        {
            residual[t] = z[t] - predictions[t];
        }

        var (max, squares) = ScaledErrors(residual, offset, inverseSigma, active, contributions);
        var score = max / _model.Threshold;
        if (score > 1 && _anchored && AnchorScore(residual, inverseSigma) is var anchored and <= 1)
        {
            // Normal against the device's calibrated baseline: the drift-following offsets had followed a change that
            // has now been undone (a slow drift that ended, a sensor put back). Back to the baseline, no alarm.
            _anchor.AsSpan(0, m).CopyTo(offset);
            (max, squares) = ScaledErrors(residual, offset, inverseSigma, active, contributions);
            score = anchored;
            Reanchored++;
        }

        var excursionLimit = _model.Options.ExcursionLimit;
        if (_anchored && excursionLimit > 0)
        {
            // Slow drift: the drift-following offsets have wandered far from the device's calibrated baseline.
            double excursion = 0;
            for (var t = 0; t < m; t++)
            {
                excursion = Math.Max(excursion, Math.Abs((offset[t] - _anchor[t]) * inverseSigma[t]));
            }

            excursion /= _model.Threshold * excursionLimit;
            if (excursion > score)
            {
                score = excursion;
            }
        }

        if (spike > score)
        {
            // A spike drove the score: it is that one sensor's.
            score = spike;
            if (!contributions.IsEmpty)
            {
                contributions.Clear();
                contributions[spikeSensor] = 1;
            }
        }

        _alarming = score > 1 || (_alarming && score > _model.Options.Release);
        var adaptation = _model.Options.Adaptation;
        if (_calibrated < _calibrationTarget && _seen >= _width)
        {
            // Calibration (once the smoothing window is full): the offsets are the running mean of this device's residuals.
            _calibrated++;
            for (var t = 0; t < _offset.Length; t++)
            {
                _offset[t] += (_residual[t] - _offset[t]) / _calibrated;
            }

            if (_calibrated == _calibrationTarget)
            {
                _offset.CopyTo(_anchor, 0);
                _anchored = true;
            }
        }
        else if (!_alarming && adaptation > 0)
        {
            for (var t = 0; t < _offset.Length; t++)
            {
                _offset[t] += adaptation * (_residual[t] - _offset[t]);
            }
        }

        _alarmRun = _alarming ? _alarmRun + 1 : 0;
        var rebaseline = _model.Options.RebaselineAfter;
        if (rebaseline > 0 && _alarmRun >= rebaseline)
        {
            // A lasting change, not a fault episode: calibrate this device's offsets again from its next residuals.
            _calibrationTarget = _noCalibration ? 0 : Math.Max(_model.Options.DeviceCalibrationReadings, ResidualDetectorOptions.DefaultDeviceCalibrationReadings);
            _calibrated = 0;
            _alarmRun = 0;
            Rebaselines++;
        }

        maxScaled = max;
        sumSquares = squares;
        return score;
    }

    /// <summary>
    /// The largest scaled residual |residual − offset| / σ and the sum of their squares; when
    /// <paramref name="contributions"/> is not empty (one slot per sensor), each active sensor's share of that sum.
    /// </summary>
    private static (double Max, double Squares) ScaledErrors(
        ReadOnlySpan<double> residual, ReadOnlySpan<double> offset, ReadOnlySpan<double> inverseSigma, int[] active, Span<double> contributions)
    {
        double max = 0;
        double squares = 0;
        var share = !contributions.IsEmpty;
        if (share)
        {
            contributions.Clear();
        }

        for (var t = 0; t < residual.Length; t++)
        {
            var e = (residual[t] - offset[t]) * inverseSigma[t];
            var e2 = e * e;
            squares += e2;
            max = Math.Max(max, Math.Abs(e));
            if (share)
            {
                contributions[active[t]] = e2;
            }
        }

        if (share && squares > 0)
        {
            var inverseSquares = 1.0 / squares;
            for (var j = 0; j < contributions.Length; j++)
            {
                contributions[j] *= inverseSquares;
            }
        }

        return (max, squares);
    }

    private void CheckWidth(ReadOnlySpan<double> values)
    {
        if (values.Length != _model.SensorCount)
        {
            throw new ArgumentException($"Expected {_model.SensorCount} values, got {values.Length}.", nameof(values));
        }
    }

    private void Push(ReadOnlySpan<double> values)
    {
        var d = _model.SensorCount;

        var slot = _slot * d;
        var window = _window.AsSpan(slot, d);
        var sum = _sum.AsSpan(0, d);
        if (_seen >= _width)
        {
            for (var j = 0; j < sum.Length; j++)
            {
                sum[j] += values[j] - window[j];
            }
        }
        else
        {
            for (var j = 0; j < sum.Length; j++)
            {
                sum[j] += values[j];
            }
        }

        values.CopyTo(window);
        _slot = _slot + 1 == _width ? 0 : _slot + 1;
        _seen++;
    }
}
