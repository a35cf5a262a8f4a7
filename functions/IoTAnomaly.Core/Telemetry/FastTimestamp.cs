namespace IoTAnomaly.Core.Telemetry;

/// <summary>
/// Exact fast path for the timestamps senders write: <c>yyyy-MM-ddTHH:mm:ss[.f…]</c> with 1 to 7 fraction digits and
/// <c>Z</c> or a <c>±HH:mm</c> offset (what <c>ToString("O")</c> gives for UTC and for a <see cref="DateTimeOffset"/>).
/// Returns the UTC ticks <see cref="System.Text.Json.Utf8JsonReader.TryGetDateTimeOffset"/> would give. Anything
/// else (another ISO 8601 form, a date that does not exist, a local time without offset, an instant outside
/// <see cref="DateTime"/>'s range) returns false and the caller uses the general parser.
/// </summary>
public static class FastTimestamp
{
    private const int SecondsLength = 19; // yyyy-MM-ddTHH:mm:ss

    // Days before each month (index 0 = January), in common and in leap years.
    private static readonly int[] DaysToMonth = [0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334, 365];
    private static readonly int[] DaysToMonthLeap = [0, 31, 60, 91, 121, 152, 182, 213, 244, 274, 305, 335, 366];

    public static bool TryParse(ReadOnlySpan<byte> text, out long utcTicks)
    {
        utcTicks = 0;
        if (text.Length < SecondsLength + 1
            || text[4] != (byte)'-' || text[7] != (byte)'-' || text[10] != (byte)'T' || text[13] != (byte)':' || text[16] != (byte)':'
            || !TryDigits(text, 0, 4, out var year) || !TryDigits(text, 5, 2, out var month) || !TryDigits(text, 8, 2, out var day)
            || !TryDigits(text, 11, 2, out var hour) || !TryDigits(text, 14, 2, out var minute) || !TryDigits(text, 17, 2, out var second))
        {
            return false;
        }

        if (year == 0 || month is 0 or > 12)
        {
            return false;
        }

        var daysToMonth = DateTime.IsLeapYear(year) ? DaysToMonthLeap : DaysToMonth;
        if (day == 0 || day > daysToMonth[month] - daysToMonth[month - 1] || hour > 23 || minute > 59 || second > 59)
        {
            return false;
        }

        var i = SecondsLength;
        long fraction = 0;
        if (text[i] == (byte)'.')
        {
            var start = ++i;
            while (i < text.Length && (uint)(text[i] - '0') <= 9 && i - start < 7)
            {
                fraction = (fraction * 10) + (text[i] - '0');
                i++;
            }

            var digits = i - start;
            if (digits == 0 || i == text.Length || (uint)(text[i] - '0') <= 9)
            {
                return false;
            }

            for (var d = digits; d < 7; d++)
            {
                fraction *= 10;
            }
        }

        long offsetTicks;
        if (text[i] == (byte)'Z' && i + 1 == text.Length)
        {
            offsetTicks = 0;
        }
        else if ((text[i] == (byte)'+' || text[i] == (byte)'-') && i + 6 == text.Length && text[i + 3] == (byte)':'
            && TryDigits(text, i + 1, 2, out var offsetHours) && TryDigits(text, i + 4, 2, out var offsetMinutes)
            && offsetHours < 14 && offsetMinutes < 60)
        {
            offsetTicks = ((offsetHours * TimeSpan.TicksPerHour) + (offsetMinutes * TimeSpan.TicksPerMinute)) * (text[i] == (byte)'-' ? -1 : 1);
        }
        else
        {
            return false;
        }

        var y = year - 1;
        var days = (y * 365) + (y / 4) - (y / 100) + (y / 400) + daysToMonth[month - 1] + day - 1;
        var local = (((days * 86_400L) + (hour * 3600) + (minute * 60) + second) * TimeSpan.TicksPerSecond) + fraction;
        var utc = local - offsetTicks;
        if (utc < DateTime.MinValue.Ticks || utc > DateTime.MaxValue.Ticks)
        {
            return false;
        }

        utcTicks = utc;
        return true;
    }

    private static bool TryDigits(ReadOnlySpan<byte> text, int start, int count, out int value)
    {
        value = 0;
        for (var i = start; i < start + count; i++)
        {
            var digit = (uint)(text[i] - '0');
            if (digit > 9)
            {
                return false;
            }

            value = (value * 10) + (int)digit;
        }

        return true;
    }
}
