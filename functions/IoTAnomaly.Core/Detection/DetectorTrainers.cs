using System.Globalization;
using IoTAnomaly.Core.Models;

namespace IoTAnomaly.Core.Detection;

/// <summary>Trains one model type into a bundle (model zip + manifest).</summary>
public interface IDetectorTrainer
{
    /// <summary>The manifest model type this trainer writes.</summary>
    string ModelType { get; }

    /// <summary>Trains on <paramref name="request"/>'s rows (time order); reports progress 0 → 1 when asked.</summary>
    /// <exception cref="ArgumentException">Unusable training data.</exception>
    PcaTrainingResult Train(PcaTrainingRequest request, IProgress<double>? progress = null);
}

/// <summary>
/// The trainable model types by name: <c>ridge-residual</c> (the default: issue 6, docs/detection-quality.md) and
/// <c>pca-t2q</c>. Every host that trains (the CLI, the local host's bootstrap, retraining) picks its trainer here.
/// </summary>
public static class DetectorTrainers
{
    /// <summary>The model type trained when none is named.</summary>
    public const string DefaultModelType = ResidualDetectorTrainer.ModelType;

    /// <summary>Every trainable model type, the default first.</summary>
    public static IReadOnlyList<string> ModelTypes { get; } = [ResidualDetectorTrainer.ModelType, PcaDetectorTrainer.ModelType];

    /// <summary>A trainer with default settings for <paramref name="modelType"/> (null or empty: <see cref="DefaultModelType"/>).</summary>
    /// <exception cref="ArgumentException">An unknown model type.</exception>
    public static IDetectorTrainer Create(string? modelType) => (string.IsNullOrEmpty(modelType) ? DefaultModelType : modelType) switch
    {
        ResidualDetectorTrainer.ModelType => new ResidualDetectorTrainer(),
        PcaDetectorTrainer.ModelType => new PcaDetectorTrainer(),
        _ => throw new ArgumentException($"Unknown model type '{modelType}'. Known: {string.Join(", ", ModelTypes)}.", nameof(modelType)),
    };

    /// <summary>
    /// A trainer of the champion's model type with the champion's hyper-parameters (so a challenger differs from it by
    /// its data only). No champion: <paramref name="fallbackType"/> (default <see cref="DefaultModelType"/>) with
    /// defaults. A champion of an unknown type, or whose settings no longer validate, gets that type's defaults, or
    /// the fallback type's when the type itself is unknown.
    /// </summary>
    public static IDetectorTrainer For(ModelManifest? champion, string? fallbackType = null)
    {
        if (champion is null || !ModelTypes.Contains(champion.ModelType, StringComparer.Ordinal))
        {
            return Create(fallbackType);
        }

        var h = champion.HyperParameters;
        double D(string key, double fallback) => h.TryGetValue(key, out var v) && double.TryParse(v, NumberStyles.Float, CultureInfo.InvariantCulture, out var x) ? x : fallback;
        int I(string key, int fallback) => h.TryGetValue(key, out var v) && int.TryParse(v, NumberStyles.Integer, CultureInfo.InvariantCulture, out var x) ? x : fallback;
        try
        {
            return champion.ModelType == PcaDetectorTrainer.ModelType ? PcaLike(champion, D, I) : ResidualLike(D, I);
        }
        catch (ArgumentException)
        {
            return Create(champion.ModelType);
        }
    }

    private static ResidualDetectorTrainer ResidualLike(Func<string, double, double> d, Func<string, int, int> i)
    {
        var defaults = new ResidualDetectorOptions();
        return new ResidualDetectorTrainer(new ResidualDetectorOptions
        {
            InputWindow = i(ResidualManifestKeys.InputWindow, defaults.InputWindow),
            Ridge = d(ResidualManifestKeys.Ridge, defaults.Ridge),
            Folds = i(ResidualManifestKeys.Folds, defaults.Folds),
            Quantile = d(ResidualManifestKeys.Quantile, defaults.Quantile),
            Margin = d(ResidualManifestKeys.Margin, defaults.Margin),
            Adaptation = d(ResidualManifestKeys.Adaptation, defaults.Adaptation),
            Release = d(ResidualManifestKeys.Release, defaults.Release),
            ChangePointHold = i(ResidualManifestKeys.ChangePointHold, defaults.ChangePointHold),
            DeviceCalibrationReadings = i(ResidualManifestKeys.DeviceCalibrationReadings, defaults.DeviceCalibrationReadings),
            SpikeLimit = d(ResidualManifestKeys.SpikeLimit, defaults.SpikeLimit),
            RebaselineAfter = i(ResidualManifestKeys.RebaselineAfter, defaults.RebaselineAfter),
            ExcursionLimit = d(ResidualManifestKeys.ExcursionLimit, defaults.ExcursionLimit),
        });
    }

    private static PcaDetectorTrainer PcaLike(ModelManifest champion, Func<string, double, double> d, Func<string, int, int> i)
    {
        var h = champion.HyperParameters;
        var defaults = new PcaDetectorOptions();
        return new PcaDetectorTrainer(new PcaDetectorOptions
        {
            ExplainedVariance = d(PcaManifestKeys.ExplainedVariance, defaults.ExplainedVariance),
            CalibrationFraction = d(PcaManifestKeys.CalibrationFraction, defaults.CalibrationFraction),
            LimitMethod = h.TryGetValue(PcaManifestKeys.LimitMethod, out var method) && Enum.TryParse<ControlLimitMethod>(method, out var m) ? m : defaults.LimitMethod,
            Confidence = d(PcaManifestKeys.Confidence, defaults.Confidence),
            T2Margin = d(PcaManifestKeys.T2Margin, defaults.T2Margin),
            QMargin = d(PcaManifestKeys.QMargin, defaults.QMargin),
            BaselineAdaptation = d(PcaManifestKeys.BaselineAdaptation, defaults.BaselineAdaptation),
            AlarmAdaptation = d(PcaManifestKeys.AlarmAdaptation, defaults.AlarmAdaptation),
            SmoothingWindow = i(PcaManifestKeys.SmoothingWindow, defaults.SmoothingWindow),
            DeviceCalibrationReadings = i(PcaManifestKeys.DeviceCalibrationReadings, defaults.DeviceCalibrationReadings),
            Seed = i(PcaManifestKeys.Seed, defaults.Seed),
            Oversampling = i(PcaManifestKeys.Oversampling, defaults.Oversampling),
            SeverityBands = champion.Thresholds.SeverityBands is { Length: 3 } bands ? bands : defaults.SeverityBands,
        });
    }
}
