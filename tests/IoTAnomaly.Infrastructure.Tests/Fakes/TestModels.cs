using IoTAnomaly.Core.Models;
using IoTAnomaly.Infrastructure.Models;
using IoTAnomaly.Testing;

namespace IoTAnomaly.Infrastructure.Tests.Fakes;

/// <summary>Builders of manifests, bundles and registries on a fresh container.</summary>
internal static class TestModels
{
    public static readonly DateTimeOffset Start = new(2026, 11, 22, 10, 0, 0, TimeSpan.Zero);

    public static ModelManifest Manifest(string model, string version, int minutesAfterStart = 0) => new()
    {
        Name = model,
        Version = version,
        ModelType = FakeDetectorFactory.ModelType,
        CreatedAt = Start.AddMinutes(minutesAfterStart),
        Sensors =
        [
            new SensorSpec
            {
                Name = "Pressure",
                PhysicalMin = 0,
                TrainMin = 0.1,
                TrainMax = 2.5,
                Mean = 1.2,
                StdDev = 0.3,
                Baseline = new SensorBaseline { BinEdges = [0, 1, 2, 3], Counts = [5, 10, 5], Quantiles = [0.5, 1.2, 2.0], QuantileLevels = [0.05, 0.5, 0.95] },
            },
        ],
        Thresholds = new DetectorThresholds { T2Limit = 12.5, QLimit = 3.25 },
        Training = new TrainingWindow { Rows = 400, DataSha256 = new string('a', 64), Source = "test" },
        Metrics = new Dictionary<string, double> { ["f1"] = 0.8 },
    };

    /// <summary>Registers <paramref name="version"/> with a valid fake zip.</summary>
    public static Task RegisterAsync(IModelRegistry registry, string model, string version, int minutesAfterStart = 0)
        => registry.RegisterAsync(Manifest(model, version, minutesAfterStart), FakeDetectorFactory.CreateZip(version), "test", CancellationToken.None);

    public static async Task<BlobModelRegistry> NewRegistryAsync(TimeProvider? timeProvider = null)
    {
        var container = await AzuriteFixture.CreateContainerAsync("models");
        return new BlobModelRegistry(container, timeProvider);
    }
}
