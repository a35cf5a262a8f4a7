using IoTAnomaly.Core.Detection;

namespace IoTAnomaly.Core.Tests.Detection;

/// <summary>
/// Seeded synthetic "plant": 8 sensors driven by 3 latent factors plus small noise, each with its own offset and
/// scale, so the sensors are strongly correlated and a 3-component PCA explains almost all of the variance.
/// </summary>
internal sealed class SyntheticPlant
{
    public const int Sensors = 8;
    public const double NoiseStd = 0.1;

    public static readonly string[] SensorNames =
        ["accel1", "accel2", "current", "pressure", "temperature", "thermocouple", "voltage", "flow"];

    private static readonly double[] Offsets = [0.2, 0.27, 2.4, 0.1, 90, 27, 230, 125];
    private static readonly double[] Scales = [0.01, 0.012, 0.5, 0.25, 0.3, 0.05, 10, 0.6];

    private static readonly double[,] Mixing =
    {
        { 0.9, 0.3, 0.1 }, { 0.8, -0.4, 0.2 }, { 0.2, 0.9, 0.1 }, { -0.3, 0.8, 0.3 },
        { 0.1, 0.2, 0.95 }, { 0.2, -0.1, 0.9 }, { 0.7, 0.5, -0.2 }, { -0.6, 0.6, 0.4 },
    };

    private readonly Random _random;

    public SyntheticPlant(int seed) => _random = new Random(seed);

    /// <summary>Standard deviation of sensor <paramref name="i"/> in engineering units (approximate).</summary>
    public static double Sigma(int i)
    {
        double v = NoiseStd * NoiseStd;
        for (var f = 0; f < 3; f++)
        {
            v += Mixing[i, f] * Mixing[i, f];
        }

        return Math.Sqrt(v) * Scales[i];
    }

    public static double Offset(int i) => Offsets[i];

    public static double Scale(int i) => Scales[i];

    public double[] Next()
    {
        Span<double> factors = [Gaussian(), Gaussian(), Gaussian()];
        var row = new double[Sensors];
        for (var i = 0; i < Sensors; i++)
        {
            var v = NoiseStd * Gaussian();
            for (var f = 0; f < 3; f++)
            {
                v += Mixing[i, f] * factors[f];
            }

            row[i] = Offsets[i] + (Scales[i] * v);
        }

        return row;
    }

    public double[][] Rows(int count) => Enumerable.Range(0, count).Select(_ => Next()).ToArray();

    public static PcaTrainingRequest Request(double[][] rows, string source = "synthetic:seed=1") => new()
    {
        ModelName = "pump-fleet",
        Sensors = SensorNames,
        Rows = PcaTrainingRequest.Flatten(rows, Sensors),
        CreatedAt = new DateTimeOffset(2026, 11, 22, 10, 0, 0, TimeSpan.Zero),
        Source = source,
    };

    private double Gaussian()
    {
        // Box–Muller.
        var u1 = 1.0 - _random.NextDouble();
        var u2 = _random.NextDouble();
        return Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2.0 * Math.PI * u2);
    }
}
