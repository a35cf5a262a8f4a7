using System.Runtime.CompilerServices;
using System.Text;
using IoTAnomaly.Core.Detection;

namespace IoTAnomaly.Core.Telemetry;

/// <summary>The sensors a model scores, in model order, with their UTF-8 names and physical bounds.</summary>
public sealed class SensorSchema
{
    private static readonly ConditionalWeakTable<IAnomalyDetector, SensorSchema> Cache = [];

    public SensorSchema(IReadOnlyList<string> names, IReadOnlyList<double>? min = null, IReadOnlyList<double>? max = null)
    {
        ArgumentNullException.ThrowIfNull(names);
        if (names.Count is 0 or > 64)
        {
            throw new ArgumentException("A model has between 1 and 64 sensors.", nameof(names));
        }

        Names = names.ToArray();
        Utf8Names = Names.Select(Encoding.UTF8.GetBytes).ToArray();
        Min = min?.ToArray() ?? Enumerable.Repeat(double.NegativeInfinity, Names.Length).ToArray();
        Max = max?.ToArray() ?? Enumerable.Repeat(double.PositiveInfinity, Names.Length).ToArray();
        if (Min.Length != Names.Length || Max.Length != Names.Length)
        {
            throw new ArgumentException("Bounds must have one entry per sensor.");
        }
    }

    public string[] Names { get; }

    public byte[][] Utf8Names { get; }

    public double[] Min { get; }

    public double[] Max { get; }

    public int Count => Names.Length;

    /// <summary>The schema of a loaded detector (cached per detector instance).</summary>
    public static SensorSchema For(IAnomalyDetector detector)
    {
        ArgumentNullException.ThrowIfNull(detector);
        return Cache.GetValue(detector, static d =>
        {
            var specs = d.Manifest.Sensors;
            var byName = specs.ToDictionary(s => s.Name, StringComparer.Ordinal);
            var min = d.Sensors.Select(n => byName.TryGetValue(n, out var s) ? s.PhysicalMin : double.NegativeInfinity).ToArray();
            var max = d.Sensors.Select(n => byName.TryGetValue(n, out var s) ? s.PhysicalMax : double.PositiveInfinity).ToArray();
            return new SensorSchema(d.Sensors, min, max);
        });
    }

    /// <summary>Slot of a sensor whose UTF-8 name is <paramref name="utf8"/>, or -1.</summary>
    public int IndexOf(ReadOnlySpan<byte> utf8)
    {
        var names = Utf8Names;
        for (var i = 0; i < names.Length; i++)
        {
            if (utf8.SequenceEqual(names[i]))
            {
                return i;
            }
        }

        return -1;
    }
}
