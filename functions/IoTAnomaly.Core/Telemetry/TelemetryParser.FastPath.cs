using System.Buffers;
using System.Buffers.Text;

namespace IoTAnomaly.Core.Telemetry;

/// <summary>The fast path of <see cref="TelemetryParser"/>: see <see cref="TryParseFast"/>.</summary>
public sealed partial class TelemetryParser
{
    // Bytes a string may hold and still be its own value: printable ASCII without the quote and the backslash.
    private static readonly SearchValues<byte> PlainStringBytes = SearchValues.Create(BuildPlainStringBytes());

    /// <summary>Whether bodies go through the fast path first (on by default; the differential tests turn it off).</summary>
    internal bool UseFastPath { get; init; } = true;

    /// <summary>
    /// The fast path: a hand-written scanner for bodies made only of canonical readings — one object, an array of
    /// objects, or objects one after another (NDJSON) — whose properties are <c>deviceId</c>, <c>timestamp</c>,
    /// <c>messageId</c> or <c>sequence</c>, and <c>readings</c>, each at most once, in any order, with any insignificant
    /// whitespace; strings of plain printable ASCII (no escapes); a timestamp in the form <see cref="FastTimestamp"/>
    /// reads; a message id of allowed length; known sensors, each once, with finite JSON numbers. What the reader path
    /// decides while reading an object it therefore decides without a doubt; what is decided on the whole reading
    /// (device id, time window, missing fields, bounds, message key) is <see cref="CommitReading"/>, shared by both
    /// paths, so a reading's row is the same by construction. At the first thing it does not expect, the scanner gives
    /// the whole body back — its rows, arena bytes and positions rewound — and the reader parses it as before: the
    /// reader's error messages carry positions relative to the body, so it cannot take over in the middle of one. The
    /// devices the scanner added to the table before giving up are the ones the reader adds again, in the same order.
    /// </summary>
    private bool TryParseFast(ReadOnlySpan<byte> body, ref Context context)
    {
        var batch = context.Batch;
        var rowMark = batch.Count;
        var arenaMark = batch.ArenaMark;
        var positionMark = context.Position;
        if (TryScanValues(body, ref context))
        {
            return true;
        }

        batch.Truncate(rowMark);
        batch.RewindArena(arenaMark);
        context.Position = positionMark;
        return false;
    }

    private bool TryScanValues(ReadOnlySpan<byte> body, ref Context context)
    {
        var i = SkipWhiteSpace(body, 0);
        if (i == body.Length)
        {
            return false; // an empty body is a rejection the reader path words
        }

        while (i < body.Length)
        {
            if (body[i] == (byte)'[')
            {
                i = SkipWhiteSpace(body, i + 1);
                while (true)
                {
                    if (!TryScanReading(body, ref i, ref context))
                    {
                        return false;
                    }

                    i = SkipWhiteSpace(body, i);
                    if (i == body.Length)
                    {
                        return false;
                    }

                    if (body[i] == (byte)']')
                    {
                        i++;
                        break;
                    }

                    if (body[i] != (byte)',')
                    {
                        return false;
                    }

                    i = SkipWhiteSpace(body, i + 1);
                }
            }
            else if (!TryScanReading(body, ref i, ref context))
            {
                return false;
            }

            // Top-level values one after another must be kept apart by whitespace here (NDJSON has a line break).
            var next = SkipWhiteSpace(body, i);
            if (next == i && next < body.Length)
            {
                return false;
            }

            i = next;
        }

        return true;
    }

    /// <summary>Scans the reading object at <paramref name="i"/> and commits its row; false when it is not canonical.</summary>
    private bool TryScanReading(ReadOnlySpan<byte> body, ref int i, ref Context context)
    {
        if (i == body.Length || body[i] != (byte)'{')
        {
            return false;
        }

        var start = i;
        var batch = context.Batch;
        var fields = new ReadingFields(batch.Reserve());
        var seenProperties = 0;
        i = SkipWhiteSpace(body, i + 1);
        if (i < body.Length && body[i] == (byte)'}')
        {
            i++;
            CommitReading(ref context, ref fields, body[start..i]);
            return true;
        }

        while (true)
        {
            if (!TryScanString(body, ref i, out var name))
            {
                return false;
            }

            // Only a reading's own properties, each once (the envelope's and unknown ones are the reader's).
            var property = MatchProperty(name);
            if ((uint)property > (uint)Property.Readings || (seenProperties & (1 << (int)property)) != 0)
            {
                return false;
            }

            seenProperties |= 1 << (int)property;
            i = SkipWhiteSpace(body, i);
            if (i == body.Length || body[i] != (byte)':')
            {
                return false;
            }

            i = SkipWhiteSpace(body, i + 1);
            switch (property)
            {
                case Property.DeviceId:
                    if (!TryScanString(body, ref i, out var deviceId))
                    {
                        return false;
                    }

                    fields.DeviceOffset = batch.Store(deviceId);
                    fields.DeviceLength = deviceId.Length;
                    break;
                case Property.Timestamp:
                    if (!TryScanString(body, ref i, out var timestamp) || !FastTimestamp.TryParse(timestamp, out fields.TimestampTicks))
                    {
                        return false;
                    }

                    break;
                case Property.MessageId:
                    if (!TryScanString(body, ref i, out var messageId) || messageId.Length == 0 || messageId.Length > _options.MaxMessageIdLength)
                    {
                        return false;
                    }

                    fields.MessageOffset = batch.Store(messageId);
                    fields.MessageLength = messageId.Length;
                    break;
                case Property.Sequence:
                    if (!TryScanSequence(body, ref i, out fields.Sequence))
                    {
                        return false;
                    }

                    break;
                default: // Property.Readings
                    fields.HasReadings = true;
                    if (!TryScanReadings(body, ref i, context.Schema, batch.GetValues(fields.Row), out fields.SeenSensors))
                    {
                        return false;
                    }

                    break;
            }

            i = SkipWhiteSpace(body, i);
            if (i == body.Length)
            {
                return false;
            }

            if (body[i] == (byte)'}')
            {
                i++;
                break;
            }

            if (body[i] != (byte)',')
            {
                return false;
            }

            i = SkipWhiteSpace(body, i + 1);
        }

        CommitReading(ref context, ref fields, body[start..i]);
        return true;
    }

    /// <summary>The <c>readings</c> object: every name a known sensor given once, every value a finite JSON number.</summary>
    private static bool TryScanReadings(ReadOnlySpan<byte> body, ref int i, SensorSchema schema, Span<double> values, out ulong seen)
    {
        seen = 0;
        if (i == body.Length || body[i] != (byte)'{')
        {
            return false;
        }

        i = SkipWhiteSpace(body, i + 1);
        if (i < body.Length && body[i] == (byte)'}')
        {
            i++;
            return true;
        }

        var expected = 0;
        var names = schema.Utf8Names;
        while (true)
        {
            if (!TryScanString(body, ref i, out var name))
            {
                return false;
            }

            // Senders keep their sensor order, so the next slot is the likely match: one comparison per sensor.
            var slot = expected < names.Length && name.SequenceEqual(names[expected]) ? expected : schema.IndexOf(name);
            if (slot < 0 || (seen & (1UL << slot)) != 0)
            {
                return false;
            }

            seen |= 1UL << slot;
            expected = slot + 1;
            i = SkipWhiteSpace(body, i);
            if (i == body.Length || body[i] != (byte)':')
            {
                return false;
            }

            i = SkipWhiteSpace(body, i + 1);
            if (!TryScanNumber(body, ref i, out values[slot]))
            {
                return false;
            }

            i = SkipWhiteSpace(body, i);
            if (i == body.Length)
            {
                return false;
            }

            if (body[i] == (byte)'}')
            {
                i++;
                return true;
            }

            if (body[i] != (byte)',')
            {
                return false;
            }

            i = SkipWhiteSpace(body, i + 1);
        }
    }

    /// <summary>A string without escapes of printable ASCII; <paramref name="value"/> is its content.</summary>
    private static bool TryScanString(ReadOnlySpan<byte> body, ref int i, out ReadOnlySpan<byte> value)
    {
        value = default;
        if (i == body.Length || body[i] != (byte)'"')
        {
            return false;
        }

        var content = body[(i + 1)..];
        var end = content.IndexOfAnyExcept(PlainStringBytes);
        if (end < 0 || content[end] != (byte)'"')
        {
            return false;
        }

        value = content[..end];
        i += end + 2;
        return true;
    }

    /// <summary>
    /// A JSON number (<c>-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?</c>; what follows it is the caller's to check), read in the
    /// same pass that checks its syntax: exactly by <see cref="FastDouble"/>'s rule when that applies (what the reader
    /// path gets from <see cref="FastDouble.TryParse"/>), else the whole token by <see cref="Utf8Parser"/> as
    /// <see cref="System.Text.Json.Utf8JsonReader.TryGetDouble"/> reads it. False when it is not a finite double.
    /// </summary>
    private static bool TryScanNumber(ReadOnlySpan<byte> body, ref int i, out double value)
    {
        value = 0;
        var start = i;
        var j = i;
        var negative = j < body.Length && body[j] == (byte)'-';
        if (negative)
        {
            j++;
        }

        if (j == body.Length || !IsDigit(body[j]))
        {
            return false;
        }

        // The mantissa takes every digit (it is only used when there are at most 15 significant ones, so it cannot
        // overflow then); leading zeros are not significant.
        ulong mantissa = 0;
        var significant = 0;
        var exponent = 0;
        if (body[j] == (byte)'0')
        {
            j++;
        }
        else
        {
            var integer = j;
            for (; j < body.Length && IsDigit(body[j]); j++)
            {
                mantissa = (mantissa * 10) + (uint)(body[j] - '0');
            }

            significant = j - integer;
        }

        if (j < body.Length && body[j] == (byte)'.')
        {
            var fraction = ++j;
            if (significant == 0)
            {
                while (j < body.Length && body[j] == (byte)'0')
                {
                    j++;
                }
            }

            var counted = j;
            for (; j < body.Length && IsDigit(body[j]); j++)
            {
                mantissa = (mantissa * 10) + (uint)(body[j] - '0');
            }

            if (j == fraction)
            {
                return false;
            }

            significant += j - counted;
            exponent = fraction - j;
        }

        if (j < body.Length && (body[j] | 0x20) == (byte)'e')
        {
            j++;
            var exponentNegative = j < body.Length && body[j] == (byte)'-';
            if (j < body.Length && (body[j] == (byte)'+' || exponentNegative))
            {
                j++;
            }

            var digits = j;
            var power = 0;
            for (; j < body.Length && IsDigit(body[j]); j++)
            {
                power = Math.Min((power * 10) + (body[j] - '0'), 100_000);
            }

            if (j == digits)
            {
                return false;
            }

            exponent += exponentNegative ? -power : power;
        }

        i = j;
        if (FastDouble.TryCompose(mantissa, significant, exponent, negative, out value))
        {
            return true;
        }

        var number = body[start..j];
        return Utf8Parser.TryParse(number, out value, out var consumed) && consumed == number.Length && double.IsFinite(value);
    }

    /// <summary>A non-negative integer of at most 18 digits (so it fits a <see cref="long"/>), without leading zeros.</summary>
    private static bool TryScanSequence(ReadOnlySpan<byte> body, ref int i, out long sequence)
    {
        sequence = long.MinValue;
        var end = SkipDigits(body, i);
        var length = end - i;
        if (length is 0 or > 18 || (body[i] == (byte)'0' && length > 1)
            || (end < body.Length && (body[end] == (byte)'.' || (body[end] | 0x20) == (byte)'e')))
        {
            return false;
        }

        long value = 0;
        for (; i < end; i++)
        {
            value = (value * 10) + (body[i] - '0');
        }

        sequence = value;
        return true;
    }

    private static int SkipWhiteSpace(ReadOnlySpan<byte> body, int i)
    {
        while (i < body.Length && body[i] is (byte)' ' or (byte)'\n' or (byte)'\r' or (byte)'\t')
        {
            i++;
        }

        return i;
    }

    private static int SkipDigits(ReadOnlySpan<byte> body, int i)
    {
        while (i < body.Length && IsDigit(body[i]))
        {
            i++;
        }

        return i;
    }

    private static bool IsDigit(byte b) => (uint)(b - '0') <= 9;

    private static byte[] BuildPlainStringBytes()
    {
        var bytes = new List<byte>(95);
        for (var b = 0x20; b < 0x7F; b++)
        {
            if (b is not '"' and not '\\')
            {
                bytes.Add((byte)b);
            }
        }

        return [.. bytes];
    }
}
