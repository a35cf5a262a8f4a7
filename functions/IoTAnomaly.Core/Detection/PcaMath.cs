namespace IoTAnomaly.Core.Detection;

/// <summary>Small, dependency-free linear algebra and distribution functions the PCA detector needs at training time.</summary>
internal static class PcaMath
{
    private const int JacobiMaxSweeps = 100;
    private const double JacobiTolerance = 1e-15;

    /// <summary>
    /// Eigen-decomposition of a symmetric matrix (row-major, n×n) by cyclic Jacobi rotations. Returns eigenvalues sorted
    /// descending and the matching eigenvectors as rows of <c>vectors</c> (row-major, n×n).
    /// </summary>
    public static (double[] Values, double[] Vectors) SymmetricEigen(ReadOnlySpan<double> matrix, int n)
    {
        if (matrix.Length != n * n)
        {
            throw new ArgumentException("Matrix must be n×n.", nameof(matrix));
        }

        var a = matrix.ToArray();
        var v = new double[n * n];
        for (var i = 0; i < n; i++)
        {
            v[(i * n) + i] = 1.0;
        }

        for (var sweep = 0; sweep < JacobiMaxSweeps; sweep++)
        {
            double off = 0, total = 0;
            for (var p = 0; p < n; p++)
            {
                for (var q = 0; q < n; q++)
                {
                    var x = a[(p * n) + q] * a[(p * n) + q];
                    total += x;
                    if (p != q)
                    {
                        off += x;
                    }
                }
            }

            if (off <= JacobiTolerance * total || off == 0)
            {
                break;
            }

            for (var p = 0; p < n - 1; p++)
            {
                for (var q = p + 1; q < n; q++)
                {
                    var apq = a[(p * n) + q];
                    if (apq == 0)
                    {
                        continue;
                    }

                    var theta = (a[(q * n) + q] - a[(p * n) + p]) / (2 * apq);
                    var t = Math.Sign(theta) / (Math.Abs(theta) + Math.Sqrt((theta * theta) + 1));
                    if (theta == 0)
                    {
                        t = 1;
                    }

                    var c = 1 / Math.Sqrt((t * t) + 1);
                    var s = t * c;
                    for (var k = 0; k < n; k++)
                    {
                        // Columns p and q of A.
                        var akp = a[(k * n) + p];
                        var akq = a[(k * n) + q];
                        a[(k * n) + p] = (c * akp) - (s * akq);
                        a[(k * n) + q] = (s * akp) + (c * akq);
                    }

                    for (var k = 0; k < n; k++)
                    {
                        // Rows p and q of A.
                        var apk = a[(p * n) + k];
                        var aqk = a[(q * n) + k];
                        a[(p * n) + k] = (c * apk) - (s * aqk);
                        a[(q * n) + k] = (s * apk) + (c * aqk);
                    }

                    for (var k = 0; k < n; k++)
                    {
                        // Columns of V hold the eigenvectors while rotating.
                        var vkp = v[(k * n) + p];
                        var vkq = v[(k * n) + q];
                        v[(k * n) + p] = (c * vkp) - (s * vkq);
                        v[(k * n) + q] = (s * vkp) + (c * vkq);
                    }
                }
            }
        }

        var order = Enumerable.Range(0, n).OrderByDescending(i => a[(i * n) + i]).ToArray();
        var values = new double[n];
        var vectors = new double[n * n];
        for (var r = 0; r < n; r++)
        {
            var col = order[r];
            values[r] = a[(col * n) + col];
            for (var k = 0; k < n; k++)
            {
                vectors[(r * n) + k] = v[(k * n) + col];
            }
        }

        return (values, vectors);
    }

    /// <summary>Standard normal CDF (erfc approximation with fractional error below 1.2e-7).</summary>
    public static double NormalCdf(double x)
    {
        var z = Math.Abs(x) / Math.Sqrt(2);
        var t = 1 / (1 + (0.5 * z));
        ReadOnlySpan<double> c =
        [
            -1.26551223, 1.00002368, 0.37409196, 0.09678418, -0.18628806,
            0.27886807, -1.13520398, 1.48851587, -0.82215223, 0.17087277,
        ];
        var poly = 0.0;
        for (var i = c.Length - 1; i >= 0; i--)
        {
            poly = c[i] + (t * poly);
        }

        var erfc = t * Math.Exp((-z * z) + poly);
        return x >= 0 ? 1 - (0.5 * erfc) : 0.5 * erfc;
    }

    /// <summary>Standard normal quantile by bisection on <see cref="NormalCdf"/>.</summary>
    public static double NormalQuantile(double p)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(p, 0);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(p, 1);
        return Bisect(NormalCdf, p, -40, 40);
    }

    /// <summary>Quantile of the F distribution with (<paramref name="d1"/>, <paramref name="d2"/>) degrees of freedom.</summary>
    public static double FQuantile(double p, double d1, double d2)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(p, 0);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(p, 1);
        double Cdf(double f) => f <= 0 ? 0 : RegularizedIncompleteBeta(d1 / 2, d2 / 2, d1 * f / ((d1 * f) + d2));
        var hi = 1.0;
        while (Cdf(hi) < p && hi < 1e12)
        {
            hi *= 2;
        }

        return Bisect(Cdf, p, 0, hi);
    }

    /// <summary>Regularized incomplete beta I_x(a, b) (continued fraction, modified Lentz).</summary>
    public static double RegularizedIncompleteBeta(double a, double b, double x)
    {
        if (x <= 0)
        {
            return 0;
        }

        if (x >= 1)
        {
            return 1;
        }

        var lnFront = LogGamma(a + b) - LogGamma(a) - LogGamma(b) + (a * Math.Log(x)) + (b * Math.Log(1 - x));
        if (x < (a + 1) / (a + b + 2))
        {
            return Math.Exp(lnFront) * BetaContinuedFraction(a, b, x) / a;
        }

        return 1 - (Math.Exp(lnFront) * BetaContinuedFraction(b, a, 1 - x) / b);
    }

    /// <summary>log Γ(x) for x &gt; 0 (Lanczos, g = 7).</summary>
    public static double LogGamma(double x)
    {
        ReadOnlySpan<double> c =
        [
            0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313,
            -176.61502916214059, 12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6,
            1.5056327351493116e-7,
        ];
        if (x < 0.5)
        {
            return Math.Log(Math.PI / Math.Sin(Math.PI * x)) - LogGamma(1 - x);
        }

        x -= 1;
        var sum = c[0];
        for (var i = 1; i < c.Length; i++)
        {
            sum += c[i] / (x + i);
        }

        var t = x + 7.5;
        return (0.5 * Math.Log(2 * Math.PI)) + ((x + 0.5) * Math.Log(t)) - t + Math.Log(sum);
    }

    /// <summary>Quantile (linear interpolation between order statistics) of a sorted span.</summary>
    public static double SortedQuantile(ReadOnlySpan<double> sorted, double level)
    {
        if (sorted.IsEmpty)
        {
            return double.NaN;
        }

        var pos = level * (sorted.Length - 1);
        var lo = (int)Math.Floor(pos);
        var hi = Math.Min(lo + 1, sorted.Length - 1);
        var frac = pos - lo;
        return sorted[lo] + ((sorted[hi] - sorted[lo]) * frac);
    }

    private static double BetaContinuedFraction(double a, double b, double x)
    {
        const double Tiny = 1e-300;
        const double Eps = 1e-15;
        var qab = a + b;
        var qap = a + 1;
        var qam = a - 1;
        var c = 1.0;
        var d = 1 - (qab * x / qap);
        d = Math.Abs(d) < Tiny ? Tiny : d;
        d = 1 / d;
        var h = d;
        for (var m = 1; m <= 1000; m++)
        {
            var m2 = 2 * m;
            var aa = m * (b - m) * x / ((qam + m2) * (a + m2));
            d = 1 + (aa * d);
            d = Math.Abs(d) < Tiny ? Tiny : d;
            c = 1 + (aa / c);
            c = Math.Abs(c) < Tiny ? Tiny : c;
            d = 1 / d;
            h *= d * c;
            aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2));
            d = 1 + (aa * d);
            d = Math.Abs(d) < Tiny ? Tiny : d;
            c = 1 + (aa / c);
            c = Math.Abs(c) < Tiny ? Tiny : c;
            d = 1 / d;
            var del = d * c;
            h *= del;
            if (Math.Abs(del - 1) < Eps)
            {
                break;
            }
        }

        return h;
    }

    private static double Bisect(Func<double, double> cdf, double p, double lo, double hi)
    {
        for (var i = 0; i < 200 && hi - lo > 1e-12 * Math.Max(1, Math.Abs(hi)); i++)
        {
            var mid = 0.5 * (lo + hi);
            if (cdf(mid) < p)
            {
                lo = mid;
            }
            else
            {
                hi = mid;
            }
        }

        return 0.5 * (lo + hi);
    }
}
