using IoTAnomaly.Core.Models;

namespace IoTAnomaly.Core.Detection;

/// <summary>
/// The <c>pca-t2q</c> scorer: standardize → project on the retained principal components → Hotelling's T² and
/// Q/SPE, each divided by its control limit, smoothed per device by a trailing median, combined by max.
/// Scores with plain loops over the model's flat arrays; immutable and thread-safe, allocation-free per call.
/// </summary>
public sealed class PcaDetector : IAnomalyDetector
{
    private readonly int _d;
    private readonly int _k;
    private readonly double[] _offset;
    private readonly double[] _scale;
    private readonly double[] _mean;
    private readonly double[] _loadings;
    private readonly double[] _inverseVariance;
    private readonly double _invT2Limit;
    private readonly double _invQLimit;
    private readonly double _threshold;
    private readonly double _low;
    private readonly double _medium;
    private readonly double _high;
    private readonly int _window;
    private readonly int _calibrationReadings;
    private readonly double _adaptation;
    private readonly double _alarmAdaptation;
    private readonly double _ewma;
    private readonly double _ewmaScale;
    private readonly string[] _sensors;

    internal PcaDetector(
        ModelManifest manifest, PcaParameters parameters, double[] componentVariances, int smoothingWindow, int calibrationReadings, double adaptation, double alarmAdaptation, double ewmaWeight)
    {
        _ewma = ewmaWeight;
        _ewmaScale = ewmaWeight > 0 ? Math.Sqrt((2 - ewmaWeight) / ewmaWeight) : 1;
        _adaptation = adaptation;
        _alarmAdaptation = alarmAdaptation;
        Manifest = manifest;
        Parameters = parameters;
        _d = parameters.Dimension;
        _k = parameters.Rank;
        _offset = parameters.Offset;
        _scale = parameters.Scale;
        _mean = parameters.Mean;
        _loadings = parameters.Loadings;
        _inverseVariance = componentVariances.Select(static v => 1.0 / v).ToArray();
        _invT2Limit = 1.0 / manifest.Thresholds.T2Limit;
        _invQLimit = 1.0 / manifest.Thresholds.QLimit;
        _threshold = manifest.Thresholds.ScoreThreshold;
        var bands = manifest.Thresholds.SeverityBands;
        (_low, _medium, _high) = (bands[0], bands[1], bands[2]);
        _window = smoothingWindow;
        _calibrationReadings = calibrationReadings;
        _sensors = manifest.Sensors.Select(static s => s.Name).ToArray();
    }

    public ModelManifest Manifest { get; }

    public IReadOnlyList<string> Sensors => _sensors;

    /// <summary>Retained principal components.</summary>
    public int Rank => _k;

    internal PcaParameters Parameters { get; }

    public DeviceDetectorState CreateDeviceState() => new PcaDeviceState(_d, _k, _window, _calibrationReadings);

    public DetectorScore Score(ReadOnlySpan<double> values, DeviceDetectorState state, Span<double> contributions)
    {
        if (state is not PcaDeviceState s || s.Z.Length != _d || s.T.Length != _k || s.T2Window.Length != _window)
        {
            throw new ArgumentException("The state was not created by this detector.", nameof(state));
        }

        if (values.Length != _d || contributions.Length != _d)
        {
            throw new ArgumentException($"Expected {_d} values and contributions.", nameof(values));
        }

        var (t2, q) = Compute(values, s, s.IsCalibrated);
        var rawT2 = t2 * _invT2Limit;
        var rawQ = q * _invQLimit;

        // Trailing windows of the scaled statistics.
        var pos = s.WindowPosition;
        s.T2Window[pos] = rawT2;
        s.QWindow[pos] = rawQ;
        s.WindowPosition = pos + 1 == _window ? 0 : pos + 1;
        if (s.WindowFill < _window)
        {
            s.WindowFill++;
        }

        var fill = s.WindowFill;
        var smoothT2 = Median(s.T2Window.AsSpan(0, fill), s.SortScratch);
        var smoothQ = Median(s.QWindow.AsSpan(0, fill), s.SortScratch);
        var score = Math.Max(smoothT2, smoothQ);
        var isAnomaly = score > _threshold;
        var severity = !isAnomaly ? Severity.None
            : score >= _high ? Severity.High
            : score >= _medium ? Severity.Medium
            : Severity.Low;

        Contributions(s, rawQ > 0 || rawT2 > 0, contributions);

        if (Math.Max(rawT2, rawQ) <= _threshold)
        {
            s.AddToBaseline(values, _adaptation);
        }
        else if (s.IsCalibrated && _alarmAdaptation > 0)
        {
            s.AddToBaseline(values, _alarmAdaptation);
        }

        s.Seen();
        return new DetectorScore(score, t2, q, isAnomaly, severity);
    }

    /// <summary>Raw T² and Q of one reading without touching smoothing or calibration (fleet or device centre).</summary>
    internal (double T2, double Q) Compute(ReadOnlySpan<double> values, PcaDeviceState s, bool deviceCentre)
    {
        Span<double> z = s.Z;
        Span<double> t = s.T;
        ReadOnlySpan<double> scale = _scale;
        values = values[..z.Length];
        scale = scale[..z.Length];
        double zz = 0;
        if (deviceCentre)
        {
            ReadOnlySpan<double> centre = s.DeviceMean;
            centre = centre[..z.Length];
            for (var i = 0; i < z.Length; i++)
            {
                var zi = (values[i] - centre[i]) * scale[i];
                z[i] = zi;
                zz += zi * zi;
            }
        }
        else
        {
            ReadOnlySpan<double> offset = _offset;
            ReadOnlySpan<double> mean = _mean;
            offset = offset[..z.Length];
            mean = mean[..z.Length];
            for (var i = 0; i < z.Length; i++)
            {
                var zi = ((values[i] - offset[i]) * scale[i]) - mean[i];
                z[i] = zi;
                zz += zi * zi;
            }
        }

        if (_ewma > 0)
        {
            // MEWMA: e ← λz + (1 − λ)e; z ← e·√((2 − λ)/λ) has the covariance of a single standardized reading.
            Span<double> e = s.Ewma;
            e = e[..z.Length];
            var keep = 1 - _ewma;
            zz = 0;
            for (var i = 0; i < z.Length; i++)
            {
                var ei = (_ewma * z[i]) + (keep * e[i]);
                e[i] = ei;
                var zi = ei * _ewmaScale;
                z[i] = zi;
                zz += zi * zi;
            }
        }

        double t2 = 0, tt = 0;
        ReadOnlySpan<double> inverseVariance = _inverseVariance;
        inverseVariance = inverseVariance[..t.Length];
        for (var j = 0; j < t.Length; j++)
        {
            var row = _loadings.AsSpan(j * z.Length, z.Length);
            double tj = 0;
            for (var i = 0; i < row.Length; i++)
            {
                tj += row[i] * z[i];
            }

            t[j] = tj;
            var sq = tj * tj;
            tt += sq;
            t2 += sq * inverseVariance[j];
        }

        return (t2, Math.Max(0, zz - tt));
    }

    private void Contributions(PcaDeviceState s, bool any, Span<double> contributions)
    {
        if (!any)
        {
            contributions.Clear();
            return;
        }

        ReadOnlySpan<double> z = s.Z;
        ReadOnlySpan<double> t = s.T;
        Span<double> reconstructed = s.Reconstructed;
        Span<double> weighted = s.Weighted;
        contributions = contributions[..z.Length];
        reconstructed = reconstructed[..z.Length];
        weighted = weighted[..z.Length];
        reconstructed.Clear();
        weighted.Clear();
        ReadOnlySpan<double> inverseVariance = _inverseVariance;
        inverseVariance = inverseVariance[..t.Length];
        for (var j = 0; j < t.Length; j++)
        {
            var row = _loadings.AsSpan(j * z.Length, z.Length);
            var tj = t[j];
            var tw = tj * inverseVariance[j];
            for (var i = 0; i < row.Length; i++)
            {
                reconstructed[i] += tj * row[i];
                weighted[i] += tw * row[i];
            }
        }

        double sum = 0;
        for (var i = 0; i < z.Length; i++)
        {
            var residual = z[i] - reconstructed[i];
            var c = (residual * residual * _invQLimit) + (Math.Max(0, z[i] * weighted[i]) * _invT2Limit);
            contributions[i] = c;
            sum += c;
        }

        if (sum > 0)
        {
            var inv = 1.0 / sum;
            for (var i = 0; i < contributions.Length; i++)
            {
                contributions[i] *= inv;
            }
        }
        else
        {
            contributions.Clear();
        }
    }

    private static double Median(ReadOnlySpan<double> window, double[] scratch)
    {
        var n = window.Length;
        if (n == 1)
        {
            return window[0];
        }

        var a = scratch.AsSpan(0, n);
        window.CopyTo(a);
        for (var i = 1; i < n; i++)
        {
            var x = a[i];
            var j = i - 1;
            while (j >= 0 && a[j] > x)
            {
                a[j + 1] = a[j];
                j--;
            }

            a[j + 1] = x;
        }

        return (n & 1) == 1 ? a[n / 2] : 0.5 * (a[(n / 2) - 1] + a[n / 2]);
    }
}
