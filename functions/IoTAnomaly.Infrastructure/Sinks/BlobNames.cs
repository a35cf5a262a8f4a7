using System.Globalization;
using System.Text;
using IoTAnomaly.Core.Telemetry;

namespace IoTAnomaly.Infrastructure.Sinks;

/// <summary>Blob-name pieces shared by the sinks: date folders, safe path segments and stable hashes.</summary>
internal static class BlobNames
{
    /// <summary><c>yyyy/MM/dd</c> of a UTC instant.</summary>
    public static string Day(DateTimeOffset instant)
        => instant.UtcDateTime.ToString("yyyy'/'MM'/'dd", CultureInfo.InvariantCulture);

    /// <summary><c>yyyy/MM/dd/HH</c> of a UTC instant.</summary>
    public static string Hour(DateTimeOffset instant)
        => instant.UtcDateTime.ToString("yyyy'/'MM'/'dd'/'HH", CultureInfo.InvariantCulture);

    /// <summary>16 lower-case hex digits.</summary>
    public static string Hex(ulong hash) => hash.ToString("x16", CultureInfo.InvariantCulture);

    /// <summary>A stable 64-bit hash (<see cref="Hash64"/>) of UTF-8 text.</summary>
    public static ulong Hash(string text, ulong seed = 0) => Hash64.Compute(Encoding.UTF8.GetBytes(text), seed);

    /// <summary>
    /// One blob-path segment from untrusted text: letters, digits, <c>-</c>, <c>_</c> and <c>.</c> stay; every other
    /// byte becomes <c>%XX</c>; an empty text becomes <c>_</c> and a segment of dots is escaped, so the result never
    /// contains <c>/</c> and never means "this" or "parent" folder.
    /// </summary>
    public static string Segment(string? text)
    {
        if (string.IsNullOrEmpty(text))
        {
            return "_";
        }

        var allDots = text.All(c => c == '.');
        var sb = new StringBuilder(text.Length + 8);
        foreach (var b in Encoding.UTF8.GetBytes(text))
        {
            var c = (char)b;
            if (!allDots && (char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.'))
            {
                sb.Append(c);
            }
            else
            {
                sb.Append('%').Append(b.ToString("X2", CultureInfo.InvariantCulture));
            }
        }

        return sb.ToString();
    }

    public static string Day(DateTime utcDay) => utcDay.ToString("yyyy'/'MM'/'dd", CultureInfo.InvariantCulture);
}
