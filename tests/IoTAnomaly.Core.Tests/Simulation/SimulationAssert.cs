namespace IoTAnomaly.Core.Tests.Simulation;

internal static class Stats
{
    public static double Mean(IReadOnlyList<double> x) => x.Average();

    public static double Std(IReadOnlyList<double> x)
    {
        var m = x.Average();
        return Math.Sqrt(x.Sum(v => (v - m) * (v - m)) / x.Count);
    }

    public static double Correlation(IReadOnlyList<double> a, IReadOnlyList<double> b)
    {
        double ma = a.Average(), mb = b.Average(), sab = 0, saa = 0, sbb = 0;
        for (var i = 0; i < a.Count; i++)
        {
            sab += (a[i] - ma) * (b[i] - mb);
            saa += (a[i] - ma) * (a[i] - ma);
            sbb += (b[i] - mb) * (b[i] - mb);
        }

        return sab / Math.Sqrt(saa * sbb);
    }
}
