using IoTAnomaly.Core.Detection;
using IoTAnomaly.Core.Evaluation;
using IoTAnomaly.Core.Evaluation.Baselines;

namespace IoTAnomaly.Cli;

/// <summary>
/// The detectors <c>evaluate</c> can run, by name. Add a detector with one line in <see cref="Factories"/>.
/// </summary>
public static class ExperimentDetectorCatalog
{
    /// <summary>
    /// The detector used when <c>--detector</c> is not given: the ridge-residual detector of Core/Detection (better
    /// than <c>pca-t2q</c> on SKAB dev F1 and FAR at the same NAB; docs/detection-quality.md).
    /// </summary>
    public const string DefaultName = ResidualExperimentDetector.DetectorName;

    private static readonly Dictionary<string, Func<IExperimentDetector>> Factories = new(StringComparer.OrdinalIgnoreCase)
    {
        [PcaDetectorTrainer.ModelType] = () => new PcaExperimentDetector(),
        [ZScoreBaselineDetector.DetectorName] = () => new ZScoreBaselineDetector(),
        [ResidualExperimentDetector.DetectorName] = () => new ResidualExperimentDetector(),
    };

    /// <summary>Registered names, sorted.</summary>
    public static IReadOnlyList<string> Names { get; } = [.. Factories.Keys.Order(StringComparer.Ordinal)];

    /// <summary>A new detector instance for <paramref name="name"/> (case-insensitive).</summary>
    /// <exception cref="ArgumentException">No detector has that name.</exception>
    public static IExperimentDetector Create(string name)
        => Factories.TryGetValue(name, out var factory)
            ? factory()
            : throw new ArgumentException($"Unknown detector '{name}'. Known: {string.Join(", ", Names)}.", nameof(name));
}
