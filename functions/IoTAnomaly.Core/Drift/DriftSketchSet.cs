using IoTAnomaly.Core.Models;

namespace IoTAnomaly.Core.Drift;

/// <summary>
/// The drift sketches of one flush window for one model version: per sensor a fleet-wide histogram and one per
/// device, over the bin edges of the model's training baseline, plus how many readings were scored and flagged.
/// Sets of the same model version merge exactly.
/// </summary>
public sealed class DriftSketchSet
{
    public required string Model { get; init; }

    public required string ModelVersion { get; init; }

    public required DateTimeOffset WindowStart { get; set; }

    public required DateTimeOffset WindowEnd { get; set; }

    public required string[] Sensors { get; init; }

    /// <summary>Bin edges per sensor (from the model's baseline).</summary>
    public required double[][] Edges { get; init; }

    /// <summary>Fleet counts per sensor.</summary>
    public required long[][] Fleet { get; init; }

    /// <summary>Per device: counts per sensor.</summary>
    public Dictionary<string, long[][]> Devices { get; init; } = new(StringComparer.Ordinal);

    public long Scored { get; set; }

    public long Anomalies { get; set; }

    public static DriftSketchSet Empty(ModelManifest manifest, IReadOnlyList<string> sensorOrder, DateTimeOffset start)
    {
        ArgumentNullException.ThrowIfNull(manifest);
        ArgumentNullException.ThrowIfNull(sensorOrder);
        var specs = sensorOrder.Select(n => manifest.Sensors.First(s => s.Name == n)).ToArray();
        return new DriftSketchSet
        {
            Model = manifest.Name,
            ModelVersion = manifest.Version,
            WindowStart = start,
            WindowEnd = start,
            Sensors = sensorOrder.ToArray(),
            Edges = specs.Select(s => s.Baseline.BinEdges).ToArray(),
            Fleet = specs.Select(s => new long[s.Baseline.BinEdges.Length - 1]).ToArray(),
        };
    }

    /// <summary>Adds <paramref name="other"/> (same model version and sensors) into this set.</summary>
    public void Merge(DriftSketchSet other)
    {
        ArgumentNullException.ThrowIfNull(other);
        if (!string.Equals(other.ModelVersion, ModelVersion, StringComparison.Ordinal) || !other.Sensors.AsSpan().SequenceEqual(Sensors))
        {
            throw new InvalidOperationException("Only sketch sets of the same model version merge.");
        }

        for (var s = 0; s < Sensors.Length; s++)
        {
            AddInto(Fleet[s], other.Fleet[s]);
        }

        foreach (var (device, counts) in other.Devices)
        {
            if (!Devices.TryGetValue(device, out var mine))
            {
                Devices[device] = counts.Select(c => (long[])c.Clone()).ToArray();
                continue;
            }

            for (var s = 0; s < Sensors.Length; s++)
            {
                AddInto(mine[s], counts[s]);
            }
        }

        Scored += other.Scored;
        Anomalies += other.Anomalies;
        if (other.WindowStart < WindowStart)
        {
            WindowStart = other.WindowStart;
        }

        if (other.WindowEnd > WindowEnd)
        {
            WindowEnd = other.WindowEnd;
        }
    }

    private static void AddInto(long[] target, long[] source)
    {
        if (target.Length != source.Length)
        {
            throw new InvalidOperationException("Sketches with different bins cannot merge.");
        }

        for (var i = 0; i < target.Length; i++)
        {
            target[i] += source[i];
        }
    }
}
