using System.Globalization;
using IoTAnomaly.Core.Models;
using Microsoft.ML;

namespace IoTAnomaly.Core.Detection;

/// <summary>
/// Loads a <c>pca-t2q</c> bundle: the ML.NET zip (normalizer → randomized PCA) is read once, its parameters are
/// copied into flat arrays, and a <see cref="PcaDetector"/> scores from those without ML.NET on the hot path.
/// </summary>
public sealed class PcaDetectorFactory : IDetectorFactory
{
    private static readonly string[] Types = [PcaDetectorTrainer.ModelType];
    private readonly MLContext _ml = new(0);
    private readonly Lock _loadLock = new();

    public IReadOnlyCollection<string> ModelTypes => Types;

    IAnomalyDetector IDetectorFactory.Create(ModelBundle bundle) => Create(bundle);

    /// <summary>Builds the detector. Throws <see cref="InvalidDataException"/> for a corrupt or inconsistent bundle.</summary>
    public PcaDetector Create(ModelBundle bundle)
    {
        ArgumentNullException.ThrowIfNull(bundle);
        var manifest = bundle.Manifest ?? throw new InvalidDataException("The bundle has no manifest.");
        if (!string.Equals(manifest.ModelType, PcaDetectorTrainer.ModelType, StringComparison.Ordinal))
        {
            throw new InvalidDataException($"Model type '{manifest.ModelType}' is not '{PcaDetectorTrainer.ModelType}'.");
        }

        if (manifest.Sensors is null || manifest.Sensors.Count < 2 || manifest.Sensors.Any(static s => string.IsNullOrEmpty(s?.Name)))
        {
            throw new InvalidDataException("The manifest's sensor list is missing, has fewer than two sensors or an unnamed sensor.");
        }

        var thresholds = manifest.Thresholds ?? throw new InvalidDataException("The manifest has no thresholds.");
        if (!(thresholds.T2Limit > 0) || !(thresholds.QLimit > 0) || !double.IsFinite(thresholds.T2Limit) || !double.IsFinite(thresholds.QLimit))
        {
            throw new InvalidDataException("The manifest's T2Limit and QLimit must be positive and finite.");
        }

        if (thresholds.SeverityBands is not { Length: 3 } || !double.IsFinite(thresholds.ScoreThreshold))
        {
            throw new InvalidDataException("The manifest's severity bands must hold three values and the score threshold must be finite.");
        }

        var d = manifest.Sensors.Count;
        var variances = ParseDoubles(manifest, PcaManifestKeys.ComponentVariances);
        var window = ParseInt(manifest, PcaManifestKeys.SmoothingWindow, 1, PcaDetectorOptions.MaximumSmoothingWindow);
        var calibration = ParseInt(manifest, PcaManifestKeys.DeviceCalibrationReadings, 0, int.MaxValue);
        var adaptation = OptionalRate(manifest, PcaManifestKeys.BaselineAdaptation);
        var alarmAdaptation = OptionalRate(manifest, PcaManifestKeys.AlarmAdaptation);
        var ewma = OptionalRate(manifest, PcaManifestKeys.EwmaWeight);

        ITransformer model;
        try
        {
            using var stream = new MemoryStream(bundle.ModelZip.ToArray(), writable: false);
            lock (_loadLock)
            {
                model = _ml.Model.Load(stream, out _);
            }
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            throw new InvalidDataException($"model.zip of {manifest.Name}/{manifest.Version} could not be loaded by ML.NET: {e.Message}", e);
        }

        var parameters = PcaParameters.FromTransformer(model, d);
        if (variances.Length != parameters.Rank || variances.Any(static v => !(v > 0) || !double.IsFinite(v)))
        {
            throw new InvalidDataException(
                $"The manifest's '{PcaManifestKeys.ComponentVariances}' holds {variances.Length} values; the model has rank {parameters.Rank} and all must be positive.");
        }

        return new PcaDetector(manifest, parameters, variances, window, calibration, adaptation, alarmAdaptation, ewma);
    }

    private static double OptionalRate(ModelManifest manifest, string key)
        => manifest.HyperParameters?.ContainsKey(key) != true ? 0
            : ParseDoubles(manifest, key) is [var a] && a >= 0 && a < 1 ? a
            : throw new InvalidDataException($"The manifest's '{key}' must be one number in [0, 1).");

    private static string Required(ModelManifest manifest, string key)
        => manifest.HyperParameters is not null && manifest.HyperParameters.TryGetValue(key, out var value) && !string.IsNullOrWhiteSpace(value)
            ? value
            : throw new InvalidDataException($"The manifest is missing the hyper-parameter '{key}'.");

    private static double[] ParseDoubles(ModelManifest manifest, string key)
    {
        var text = Required(manifest, key);
        var parts = text.Split(';');
        var values = new double[parts.Length];
        for (var i = 0; i < parts.Length; i++)
        {
            if (!double.TryParse(parts[i], NumberStyles.Float, CultureInfo.InvariantCulture, out values[i]))
            {
                throw new InvalidDataException($"The manifest's '{key}' value '{text}' is not a ';'-separated list of numbers.");
            }
        }

        return values;
    }

    private static int ParseInt(ModelManifest manifest, string key, int min, int max)
    {
        var text = Required(manifest, key);
        return int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) && value >= min && value <= max
            ? value
            : throw new InvalidDataException($"The manifest's '{key}' value '{text}' is not an integer in {min}..{max}.");
    }
}
