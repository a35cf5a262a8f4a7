namespace IoTAnomaly.Core.Drift;

/// <summary>Distribution-shift statistics between a baseline and a recent histogram over the same bins.</summary>
public static class DriftStatistics
{
    /// <summary>Smoothing added to empty bins before PSI and JSD (avoids log 0).</summary>
    public const double Epsilon = 1e-4;

    /// <summary>
    /// Two-sample Kolmogorov–Smirnov statistic D = max |F₁ − F₂| evaluated at the bin edges (exact for data that
    /// only differs between bins; a lower bound otherwise), with its asymptotic p-value.
    /// </summary>
    public static (double D, double PValue) KolmogorovSmirnov(ReadOnlySpan<long> baseline, ReadOnlySpan<long> recent)
    {
        if (baseline.Length != recent.Length)
        {
            throw new ArgumentException("Histograms must have the same bins.");
        }

        double n1 = Sum(baseline), n2 = Sum(recent);
        if (n1 == 0 || n2 == 0)
        {
            return (0, 1);
        }

        double c1 = 0, c2 = 0, d = 0;
        for (var i = 0; i < baseline.Length; i++)
        {
            c1 += baseline[i];
            c2 += recent[i];
            d = Math.Max(d, Math.Abs((c1 / n1) - (c2 / n2)));
        }

        return (d, KolmogorovPValue(d, n1 * n2 / (n1 + n2)));
    }

    /// <summary>Two-sample KS on raw samples (exact D), with the asymptotic p-value.</summary>
    public static (double D, double PValue) KolmogorovSmirnov(double[] a, double[] b)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        if (a.Length == 0 || b.Length == 0)
        {
            return (0, 1);
        }

        var x = (double[])a.Clone();
        var y = (double[])b.Clone();
        Array.Sort(x);
        Array.Sort(y);
        int i = 0, j = 0;
        double d = 0;
        while (i < x.Length && j < y.Length)
        {
            var v = Math.Min(x[i], y[j]);
            while (i < x.Length && x[i] <= v)
            {
                i++;
            }

            while (j < y.Length && y[j] <= v)
            {
                j++;
            }

            d = Math.Max(d, Math.Abs(((double)i / x.Length) - ((double)j / y.Length)));
        }

        double n1 = x.Length, n2 = y.Length;
        return (d, KolmogorovPValue(d, n1 * n2 / (n1 + n2)));
    }

    /// <summary>
    /// P(D ≥ d) under the null for effective sample size <paramref name="effectiveN"/>, with Stephens' small-sample
    /// correction: Q_KS((√nₑ + 0.12 + 0.11/√nₑ)·d), Q_KS(λ) = 2 Σ (−1)^(k−1) e^(−2k²λ²).
    /// </summary>
    public static double KolmogorovPValue(double d, double effectiveN)
    {
        if (effectiveN <= 0 || d <= 0)
        {
            return 1;
        }

        var sqrtN = Math.Sqrt(effectiveN);
        var lambda = (sqrtN + 0.12 + (0.11 / sqrtN)) * d;
        return KolmogorovQ(lambda);
    }

    /// <summary>The Kolmogorov distribution's survival function Q_KS(λ).</summary>
    public static double KolmogorovQ(double lambda)
    {
        if (lambda < 0.2)
        {
            return 1;
        }

        double sum = 0, sign = 1;
        for (var k = 1; k <= 100; k++)
        {
            var term = sign * Math.Exp(-2 * k * k * lambda * lambda);
            sum += term;
            if (Math.Abs(term) < 1e-12 * Math.Abs(sum))
            {
                break;
            }

            sign = -sign;
        }

        return Math.Clamp(2 * sum, 0, 1);
    }

    /// <summary>Population stability index Σ (pᵣ − p_b) ln(pᵣ / p_b) over bins (ε-smoothed proportions).</summary>
    public static double PopulationStabilityIndex(ReadOnlySpan<long> baseline, ReadOnlySpan<long> recent)
    {
        if (baseline.Length != recent.Length)
        {
            throw new ArgumentException("Histograms must have the same bins.");
        }

        double n1 = Sum(baseline), n2 = Sum(recent);
        if (n1 == 0 || n2 == 0)
        {
            return 0;
        }

        double psi = 0;
        for (var i = 0; i < baseline.Length; i++)
        {
            var p = Math.Max(baseline[i] / n1, Epsilon);
            var q = Math.Max(recent[i] / n2, Epsilon);
            psi += (q - p) * Math.Log(q / p);
        }

        return psi;
    }

    /// <summary>Jensen–Shannon distance (square root of the base-2 JS divergence), in [0, 1].</summary>
    public static double JensenShannonDistance(ReadOnlySpan<long> baseline, ReadOnlySpan<long> recent)
    {
        if (baseline.Length != recent.Length)
        {
            throw new ArgumentException("Histograms must have the same bins.");
        }

        double n1 = Sum(baseline), n2 = Sum(recent);
        if (n1 == 0 || n2 == 0)
        {
            return 0;
        }

        double divergence = 0;
        for (var i = 0; i < baseline.Length; i++)
        {
            var p = baseline[i] / n1;
            var q = recent[i] / n2;
            var m = (p + q) / 2;
            if (p > 0)
            {
                divergence += 0.5 * p * Math.Log2(p / m);
            }

            if (q > 0)
            {
                divergence += 0.5 * q * Math.Log2(q / m);
            }
        }

        return Math.Sqrt(Math.Clamp(divergence, 0, 1));
    }

    /// <summary>
    /// One-sided test that an observed anomaly rate exceeds the expected rate (normal approximation to the binomial);
    /// returns the z score.
    /// </summary>
    public static double AnomalyRateZ(long anomalies, long scored, double expectedRate)
    {
        if (scored == 0)
        {
            return 0;
        }

        var p = Math.Clamp(expectedRate, 1e-6, 1 - 1e-6);
        var observed = (double)anomalies / scored;
        return (observed - p) / Math.Sqrt(p * (1 - p) / scored);
    }

    private static double Sum(ReadOnlySpan<long> counts)
    {
        double s = 0;
        foreach (var c in counts)
        {
            s += c;
        }

        return s;
    }
}
