using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using IoTAnomaly.Core.Telemetry;

namespace IoTAnomaly.Core.Benchmarking;

/// <summary>
/// What the parser's fuzz (<c>iotanomaly bench parser-fuzz</c>) and its differential tests share: a field-by-field
/// comparison of two parses, random edits of a JSON body, and numbers in many textual forms.
/// </summary>
public static class ParserChecks
{
    private static readonly string[] HostileTokens =
    [
        "\"", "\\", "{", "}", "[", "]", ",", ":", " ", "\n", "null", "true", "1e400", "-1e400", "-0", "NaN", "Infinity",
        "\"\\u0000\"", "\"\\ud800\"", "\\u0041", "\\n", "\u00e9", "0x1F", "01", "1.", ".5", "+1", "1e", "--1",
        "\"deviceId\":\"x\",", "\"readings\":{},", "\"sequence\":1,", "\"timestamp\":\"2026-11-22T11:00:00Z\",", "{\"Body\":1}",
        "99999999999999999999999999999999999999", "0.00000000000000000000000000000000000000001",
    ];

    private static readonly byte[][] HostileBytes =
    [
        [0xC3, 0x28], [0xED, 0xA0, 0x80], [0xFF], [0xF0, 0x9F, 0x98], [0xEF, 0xBB, 0xBF], [0x00], [0x1B], [0xE2, 0x80, 0xA8],
    ];

    private static readonly byte[] JsonBytes = " \"\\{}[],:.-+eE0123456789"u8.ToArray();

    /// <summary>
    /// The first field in which the rows of two parses differ, or null when they are the same: count, reason, detail,
    /// raw payload, device (entry and id), message key and id, sequence, timestamp, event index, position, and for an
    /// accepted row every value bit for bit (a rejected row's values are scratch, not compared).
    /// </summary>
    public static string? FirstDifference(ReadingBatch a, ReadingBatch b)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        if (a.Count != b.Count)
        {
            return $"{a.Count} rows, then {b.Count}";
        }

        for (var row = 0; row < a.Count; row++)
        {
            var field =
                a.Reasons[row] != b.Reasons[row] ? "reason" :
                a.Details[row] != b.Details[row] ? "detail" :
                a.RawPayloads[row] != b.RawPayloads[row] ? "raw payload" :
                a.GetDeviceId(row) != b.GetDeviceId(row) || a.Devices[row]?.Id != b.Devices[row]?.Id ? "device" :
                a.KeyKinds[row] != b.KeyKinds[row] || a.MessageKeys[row] != b.MessageKeys[row] || a.GetMessageId(row) != b.GetMessageId(row) ? "message key" :
                a.Sequences[row] != b.Sequences[row] ? "sequence" :
                a.TimestampTicks[row] != b.TimestampTicks[row] ? "timestamp" :
                a.EventIndexes[row] != b.EventIndexes[row] || a.PositionsInEvent[row] != b.PositionsInEvent[row] ? "position" :
                a.Reasons[row] == RejectReason.None && !MemoryMarshal.AsBytes(a.GetValues(row)).SequenceEqual(MemoryMarshal.AsBytes(b.GetValues(row))) ? "values" :
                null;
            if (field is not null)
            {
                return $"row {row}: {field} differs ({a.Reasons[row]}: {a.Details[row]} / {b.Reasons[row]}: {b.Details[row]})";
            }
        }

        return null;
    }

    /// <summary>
    /// One random edit of <paramref name="body"/>: a flipped byte (random, or one that means something in JSON), a
    /// truncation, a deleted run, an inserted hostile token or invalid UTF-8 sequence, deep nesting, or a duplicated slice.
    /// </summary>
    public static byte[] Mutate(Random random, byte[] body)
    {
        ArgumentNullException.ThrowIfNull(random);
        ArgumentNullException.ThrowIfNull(body);
        if (body.Length == 0)
        {
            return [(byte)random.Next(256)];
        }

        var at = random.Next(body.Length);
        switch (random.Next(7))
        {
            case 0:
                var flipped = (byte[])body.Clone();
                flipped[at] = random.Next(2) == 0 ? (byte)random.Next(256) : JsonBytes[random.Next(JsonBytes.Length)];
                return flipped;
            case 1:
                return body[..at];
            case 2:
                var length = Math.Min(random.Next(1, 16), body.Length - at);
                return [.. body[..at], .. body[(at + length)..]];
            case 3:
                return [.. body[..at], .. Encoding.UTF8.GetBytes(HostileTokens[random.Next(HostileTokens.Length)]), .. body[at..]];
            case 4:
                return [.. body[..at], .. HostileBytes[random.Next(HostileBytes.Length)], .. body[at..]];
            case 5:
                var depth = random.Next(2, 80);
                return [.. body[..at], .. Enumerable.Repeat((byte)(random.Next(2) == 0 ? '[' : '{'), depth), .. body[at..]];
            default:
                var sliceLength = Math.Min(random.Next(1, 40), body.Length - at);
                var insertAt = random.Next(body.Length);
                return [.. body[..insertAt], .. body[at..(at + sliceLength)], .. body[insertAt..]];
        }
    }

    /// <summary>
    /// A finite number of magnitude at most 1e12, in one of many textual forms: round-trip, 17 digits, exponent forms,
    /// fixed with up to 24 decimals, long digit strings, tiny subnormals.
    /// </summary>
    public static string NumberText(Random random)
    {
        var v = random.Next(8) switch
        {
            0 => (random.NextDouble() * 400) - 100,
            1 => random.NextDouble() * Math.Pow(10, random.Next(-300, 0)),
            2 => -random.NextDouble() * Math.Pow(10, random.Next(0, 12)),
            3 => random.Next(-1000, 1000),
            4 => 0.0,
            5 => double.Epsilon * random.Next(1, 1000),
            6 => Math.Round(random.NextDouble() * 1000, random.Next(0, 6)),
            _ => random.NextDouble(),
        };
        return random.Next(9) switch
        {
            0 => v.ToString("R", CultureInfo.InvariantCulture),
            1 => v.ToString("G17", CultureInfo.InvariantCulture),
            2 => v.ToString("E" + random.Next(0, 20).ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture),
            3 => v.ToString("e3", CultureInfo.InvariantCulture),
            4 => v.ToString("F" + random.Next(0, 25).ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture),
            5 => v.ToString("G6", CultureInfo.InvariantCulture),
            6 => "0." + new string('0', random.Next(0, 30)) + random.NextInt64(1, long.MaxValue).ToString(CultureInfo.InvariantCulture),
            7 => random.Next(1000).ToString(CultureInfo.InvariantCulture) + "." + random.NextInt64(0, long.MaxValue).ToString(CultureInfo.InvariantCulture) + random.Next(1000).ToString(CultureInfo.InvariantCulture),
            _ => (random.Next(2) == 0 ? "-" : string.Empty) + random.Next(1, 99999).ToString(CultureInfo.InvariantCulture) + "E" + (random.Next(2) == 0 ? "-" : "+") + random.Next(0, 7).ToString(CultureInfo.InvariantCulture),
        };
    }
}
