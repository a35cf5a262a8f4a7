using IoTAnomaly.Core.Evaluation;

namespace IoTAnomaly.Testing;

/// <summary>
/// The SKAB dev files (valve1 + valve2, 20 experiments) and the anomaly-free file, read once per test process from
/// <see cref="Datasets"/> (never copied into the repository). Null when the datasets are not on this machine.
/// </summary>
public static class SkabDevSet
{
    private static readonly Lazy<(SkabExperiment[]? Dev, SkabExperiment? AnomalyFree)> Data = new(Load);

    /// <summary>The 20 labelled dev experiments, or null.</summary>
    public static SkabExperiment[]? Dev => Data.Value.Dev;

    /// <summary>The anomaly-free experiment, or null.</summary>
    public static SkabExperiment? AnomalyFree => Data.Value.AnomalyFree;

    /// <summary>What to tell when <see cref="Dev"/> is null.</summary>
    public static string MissingMessage => $"SKAB dev files not found under {Datasets.SkabDirectory} (set {Datasets.EnvironmentVariable}).";

    private static (SkabExperiment[]? Dev, SkabExperiment? AnomalyFree) Load()
    {
        var skab = Datasets.TryGet("skab", out _);
        if (skab is null || !Directory.Exists(Path.Combine(skab, "valve1")))
        {
            return (null, null);
        }

        var dev = SkabDataset.LoadDirectory(Path.Combine(skab, "valve1"))
            .Concat(SkabDataset.LoadDirectory(Path.Combine(skab, "valve2")))
            .ToArray();
        var free = Path.Combine(skab, "anomaly-free", "anomaly-free.csv");
        return (dev, File.Exists(free) ? SkabDataset.Load(free, "anomaly-free/anomaly-free.csv") : null);
    }
}
