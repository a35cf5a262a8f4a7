namespace IoTAnomaly.Core.Telemetry;

/// <summary>
/// Exact fast path for the plain decimal numbers sensors send (<c>-12.3456</c>, <c>1.5e-3</c>): when the decimal
/// mantissa has at most 15 significant digits (so it is below 2^53) and the power of ten is within ±22, one IEEE
/// multiplication or division of two exactly representable doubles gives the correctly rounded result
/// (Clinger's fast path). Anything else returns false and the caller uses the general parser.
/// </summary>
public static class FastDouble
{
    private static readonly double[] PowersOfTen =
    [
        1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
    ];

    public static bool TryParse(ReadOnlySpan<byte> text, out double value)
    {
        value = 0;
        var i = 0;
        var negative = false;
        if (i < text.Length && text[i] == (byte)'-')
        {
            negative = true;
            i++;
        }

        ulong mantissa = 0;
        var digits = 0;
        var exponent = 0;
        var start = i;
        while (i < text.Length && (uint)(text[i] - '0') <= 9)
        {
            if (digits > 0 || text[i] != (byte)'0')
            {
                digits++;
            }

            mantissa = (mantissa * 10) + (uint)(text[i] - '0');
            i++;
        }

        if (i == start)
        {
            return false;
        }

        if (i < text.Length && text[i] == (byte)'.')
        {
            i++;
            var fractionStart = i;
            while (i < text.Length && (uint)(text[i] - '0') <= 9)
            {
                if (digits > 0 || text[i] != (byte)'0')
                {
                    digits++;
                }

                mantissa = (mantissa * 10) + (uint)(text[i] - '0');
                exponent--;
                i++;
            }

            if (i == fractionStart)
            {
                return false;
            }
        }

        if (digits > 15)
        {
            return false;
        }

        if (i < text.Length && (text[i] | 0x20) == (byte)'e')
        {
            i++;
            var expNegative = false;
            if (i < text.Length && (text[i] == (byte)'-' || text[i] == (byte)'+'))
            {
                expNegative = text[i] == (byte)'-';
                i++;
            }

            var expStart = i;
            var exp = 0;
            while (i < text.Length && (uint)(text[i] - '0') <= 9)
            {
                exp = (exp * 10) + (text[i] - '0');
                if (exp > 1000)
                {
                    return false;
                }

                i++;
            }

            if (i == expStart)
            {
                return false;
            }

            exponent += expNegative ? -exp : exp;
        }

        return i == text.Length && TryCompose(mantissa, digits, exponent, negative, out value);
    }

    /// <summary>
    /// The exact value of <c>±mantissa × 10^exponent</c> when Clinger's fast path applies (at most 15 significant
    /// digits, power of ten within ±22); for scanners that have already split a number into those parts.
    /// </summary>
    internal static bool TryCompose(ulong mantissa, int significantDigits, int exponent, bool negative, out double value)
    {
        if (significantDigits > 15 || exponent < -22 || exponent > 22)
        {
            value = 0;
            return false;
        }

        double result = mantissa;
        result = exponent < 0 ? result / PowersOfTen[-exponent] : result * PowersOfTen[exponent];
        value = negative ? -result : result;
        return true;
    }
}
