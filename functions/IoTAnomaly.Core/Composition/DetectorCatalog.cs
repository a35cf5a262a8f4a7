using IoTAnomaly.Core.Detection;
using IoTAnomaly.Core.Models;

namespace IoTAnomaly.Core.Composition;

/// <summary>Dispatches a bundle to the factory registered for its manifest's model type.</summary>
public sealed class DetectorCatalog(IEnumerable<IDetectorFactory> factories) : IDetectorFactory
{
    private readonly IDetectorFactory[] _factories = factories.Where(f => f is not DetectorCatalog).ToArray();

    public IReadOnlyCollection<string> ModelTypes => _factories.SelectMany(f => f.ModelTypes).ToArray();

    /// <summary>Every model type this build can load: <c>pca-t2q</c> (<paramref name="pca"/>, or a new factory) and <c>ridge-residual</c>.</summary>
    public static DetectorCatalog CreateDefault(PcaDetectorFactory? pca = null) => new([pca ?? new PcaDetectorFactory(), new ResidualDetectorFactory()]);

    public IAnomalyDetector Create(ModelBundle bundle)
    {
        ArgumentNullException.ThrowIfNull(bundle);
        var type = bundle.Manifest?.ModelType;
        foreach (var factory in _factories)
        {
            if (factory.ModelTypes.Contains(type, StringComparer.Ordinal))
            {
                return factory.Create(bundle);
            }
        }

        throw new InvalidDataException($"No detector is registered for model type '{type}'. Known: {string.Join(", ", ModelTypes)}.");
    }
}
