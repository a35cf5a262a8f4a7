using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using IoTAnomaly.Core.Benchmarking;
using IoTAnomaly.Core.Telemetry;

namespace IoTAnomaly.Cli.Benchmarking;

/// <summary>One property violation: the input (base64), which case made it, what was expected and what happened.</summary>
public sealed record FuzzFailure(long Input, string Case, string Property, string Detail, string PayloadBase64);

/// <summary>Figures of a fuzz run.</summary>
public sealed record FuzzReport(
    long Inputs,
    long Rows,
    long Accepted,
    long Rejected,
    double Seconds,
    IReadOnlyDictionary<string, long> RowsByReason,
    IReadOnlyDictionary<string, long> InputsByCase,
    long FailureCount,
    IReadOnlyList<FuzzFailure> Failures)
{
    public double InputsPerSecond => Seconds > 0 ? Inputs / Seconds : 0;
}

/// <summary>
/// A seeded property-based fuzz of <see cref="TelemetryParser"/> (issue 8). Every input is one event body, generated as
/// <list type="bullet">
/// <item><b>valid</b>: one reading, an array, several top-level values (NDJSON), an Event Hubs envelope, or an IoT Hub
/// reading without device id (taken from the system property), with numbers in many textual forms. Oracle: every
/// reading is accepted, with its device id, message id, and each value equal to <see cref="double.Parse(string, IFormatProvider)"/>
/// of its text (a differential test of the parser's fast number path).</item>
/// <item><b>semantic</b>: one reading with exactly one defect (string/NaN/null/1e400 value, missing, unknown or repeated
/// sensor, bad or missing device id, timestamp, message id, sequence or readings, a non-object element, …). Oracle:
/// exactly one row, rejected with that defect's reason code.</item>
/// <item><b>mutated</b>: a valid body with 1–4 byte-level mutations (flips, truncation, deletion, insertion of
/// hostile tokens such as invalid UTF-8, deep nesting, huge numbers, quotes and brackets, duplicated slices).</item>
/// <item><b>noise</b>: random bytes, deep nesting, empty and whitespace bodies; <b>too-large</b>: over the size limit
/// (oracle: one <c>body-too-large</c> row).</item>
/// </list>
/// Properties checked for every input: the parser never throws; it produces at most one row per body byte (plus one);
/// an accepted row has a device, a message id, finite values within the bounds and a timestamp inside the window; a
/// rejected row has a reason code and a detail; parsing the same input again gives the same rows, bit for bit; and
/// the parser without its fast path (<see cref="System.Text.Json.Utf8JsonReader"/> alone) gives the same rows too.
/// </summary>
public static class ParserFuzz
{
    private const double Bound = 1e12;
    private static readonly DateTimeOffset Now = new(2026, 11, 22, 12, 0, 0, TimeSpan.Zero);
    private static readonly string[] Sensors = HotPathBench.Sensors;

    private static readonly TelemetryOptions Options = new()
    {
        MaxEventBytes = 16 * 1024,
        MaxAge = TimeSpan.FromDays(7),
        MaxFutureSkew = TimeSpan.FromMinutes(5),
        MaxDevices = 1_000_000,
    };

    private static readonly (string Name, string Expected)[] SemanticCases =
    [
        ("value-string", "non-numeric-value"),
        ("value-nan-string", "non-finite-value"),
        ("value-null", "non-numeric-value"),
        ("value-bool", "non-numeric-value"),
        ("value-object", "non-numeric-value"),
        ("value-overflow", "non-finite-value"),
        ("sensor-missing", "missing-sensor-value"),
        ("sensor-unknown", "unknown-sensor"),
        ("sensor-repeated", "duplicate-property"),
        ("value-out-of-bounds", "out-of-bounds"),
        ("device-missing", "missing-device-id"),
        ("device-empty", "invalid-device-id"),
        ("device-too-long", "invalid-device-id"),
        ("device-space", "invalid-device-id"),
        ("device-number", "invalid-device-id"),
        ("device-repeated", "duplicate-property"),
        ("timestamp-missing", "missing-timestamp"),
        ("timestamp-text", "invalid-timestamp"),
        ("timestamp-number", "invalid-timestamp"),
        ("timestamp-future", "timestamp-in-future"),
        ("timestamp-old", "timestamp-too-old"),
        ("message-number", "invalid-message-id"),
        ("message-empty", "invalid-message-id"),
        ("message-too-long", "invalid-message-id"),
        ("sequence-negative", "invalid-message-id"),
        ("sequence-text", "invalid-message-id"),
        ("readings-missing", "missing-readings"),
        ("readings-array", "missing-readings"),
        ("element-number", "invalid-shape"),
        ("top-level-string", "invalid-shape"),
        ("envelope-body-number", "invalid-shape"),
        ("truncated", "malformed-json"),
    ];

    /// <summary>Runs <paramref name="inputs"/> generated inputs from <paramref name="seed"/>; keeps at most <paramref name="keepFailures"/> failures.</summary>
    /// <param name="expectationOverride">Test seam: expect this reason code for this semantic case instead (proves the oracle can fail).</param>
    public static FuzzReport Run(long inputs, int seed, IProgress<double>? progress = null, int keepFailures = 20, (string Case, string Expected)? expectationOverride = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(inputs, 1);
        var random = new Random(seed);
        var parser = new TelemetryParser(Options);
        var readerOnly = new TelemetryParser(Options) { UseFastPath = false };
        var schema = new SensorSchema(Sensors, Enumerable.Repeat(-Bound, Sensors.Length).ToArray(), Enumerable.Repeat(Bound, Sensors.Length).ToArray());
        var nowTicks = Now.UtcTicks;
        var first = new ReadingBatch();
        var second = new ReadingBatch();
        var third = new ReadingBatch();
        var devices = new DeviceTable(Options.MaxDevices);
        var byReason = new SortedDictionary<string, long>(StringComparer.Ordinal);
        var byCase = new SortedDictionary<string, long>(StringComparer.Ordinal);
        var failures = new List<FuzzFailure>();
        long failureCount = 0, rows = 0, accepted = 0;
        var reportEvery = Math.Max(1, inputs / 100);
        var started = Stopwatch.GetTimestamp();

        for (long i = 0; i < inputs; i++)
        {
            if (i % 100_000 == 0)
            {
                devices = new DeviceTable(Options.MaxDevices); // bounded memory over long runs
            }

            var input = Generate(random, i);
            if (expectationOverride is { } overridden && input.Case == overridden.Case && input.ExpectedReason is not null)
            {
                input = input with { ExpectedReason = overridden.Expected };
            }

            byCase[input.Kind] = byCase.GetValueOrDefault(input.Kind) + 1;
            var telemetryEvent = new TelemetryEvent(input.Body, input.SystemDeviceId);
            void Fail(string property, string detail)
            {
                failureCount++;
                if (failures.Count < keepFailures)
                {
                    failures.Add(new FuzzFailure(i, input.Case, property, detail, Convert.ToBase64String(input.Body)));
                }
            }

            try
            {
                first.Reset(schema.Count);
                parser.Parse(telemetryEvent, 0, schema, devices, first, nowTicks);
                second.Reset(schema.Count);
                parser.Parse(telemetryEvent, 0, schema, devices, second, nowTicks);
                third.Reset(schema.Count);
                readerOnly.Parse(telemetryEvent, 0, schema, devices, third, nowTicks);
            }
            catch (Exception e)
            {
                Fail("no-exception", e.GetType().Name + ": " + e.Message + " " + Where(e));
                continue;
            }

            rows += first.Count;
            if (first.Count > input.Body.Length + 1)
            {
                Fail("rows-bounded", $"{first.Count} rows from {input.Body.Length} bytes");
            }

            for (var row = 0; row < first.Count; row++)
            {
                var reason = first.Reasons[row];
                if (reason == RejectReason.None)
                {
                    accepted++;
                    if (CheckAccepted(first, row, schema, nowTicks) is { } problem)
                    {
                        Fail("accepted-row-valid", problem);
                    }
                }
                else
                {
                    var code = reason.ToCode();
                    byReason[code] = byReason.GetValueOrDefault(code) + 1;
                    if (string.IsNullOrEmpty(code) || string.IsNullOrEmpty(first.Details[row]))
                    {
                        Fail("rejected-row-explained", $"row {row}: reason {reason} without code or detail");
                    }
                }
            }

            if (ParserChecks.FirstDifference(first, second) is { } difference)
            {
                Fail("deterministic", difference);
            }

            if (ParserChecks.FirstDifference(first, third) is { } fastPathDifference)
            {
                Fail("fast-path-same-as-reader", fastPathDifference);
            }

            if (CheckOracle(input, first) is { } wrong)
            {
                Fail("oracle", wrong);
            }

            if (progress is not null && (i + 1) % reportEvery == 0)
            {
                progress.Report((double)(i + 1) / inputs);
            }
        }

        var seconds = Stopwatch.GetElapsedTime(started).TotalSeconds;
        return new FuzzReport(inputs, rows, accepted, rows - accepted, seconds, byReason, byCase, failureCount, failures);
    }

    /// <summary>The innermost IoTAnomaly frame of the stack (where to look).</summary>
    private static string Where(Exception e)
        => e.StackTrace?.Split('\n').Select(static l => l.Trim()).FirstOrDefault(static l => l.Contains("IoTAnomaly.", StringComparison.Ordinal)) ?? string.Empty;

    private static string? CheckAccepted(ReadingBatch batch, int row, SensorSchema schema, long nowTicks)
    {
        if (batch.Devices[row] is null)
        {
            return $"row {row} accepted without a device";
        }

        if (string.IsNullOrEmpty(batch.GetMessageId(row)))
        {
            return $"row {row} accepted without a message id";
        }

        var ticks = batch.TimestampTicks[row];
        if (ticks - nowTicks > Options.MaxFutureSkew.Ticks || nowTicks - ticks > Options.MaxAge.Ticks)
        {
            return $"row {row} accepted with timestamp {new DateTime(ticks, DateTimeKind.Utc):O} outside the window";
        }

        var values = batch.GetValues(row);
        for (var s = 0; s < values.Length; s++)
        {
            if (!double.IsFinite(values[s]) || values[s] < schema.Min[s] || values[s] > schema.Max[s])
            {
                return $"row {row} accepted with {schema.Names[s]} = {values[s].ToString("R", CultureInfo.InvariantCulture)}";
            }
        }

        return null;
    }

    private static string? CheckOracle(Input input, ReadingBatch batch)
    {
        if (input.ExpectedReason is { } expected)
        {
            return batch.Count == 1 && batch.Reasons[0].ToCode() == expected
                ? null
                : $"expected one row rejected as {expected}, got {Describe(batch)}";
        }

        if (input.Expected is not { } readings)
        {
            return null;
        }

        if (batch.Count != readings.Count)
        {
            return $"expected {readings.Count} accepted rows, got {Describe(batch)}";
        }

        for (var row = 0; row < readings.Count; row++)
        {
            var want = readings[row];
            if (batch.Reasons[row] != RejectReason.None)
            {
                return $"row {row} ({want.MessageId}) rejected as {batch.Reasons[row].ToCode()}: {batch.Details[row]}";
            }

            if (batch.Devices[row]!.Id != want.DeviceId || batch.GetMessageId(row) != want.MessageId)
            {
                return $"row {row}: device/message {batch.Devices[row]!.Id}/{batch.GetMessageId(row)}, expected {want.DeviceId}/{want.MessageId}";
            }

            var values = batch.GetValues(row);
            for (var s = 0; s < values.Length; s++)
            {
                var expectedValue = double.Parse(want.Texts[s], CultureInfo.InvariantCulture);
                var same = BitConverter.DoubleToInt64Bits(values[s]) == BitConverter.DoubleToInt64Bits(expectedValue) || (values[s] == 0 && expectedValue == 0);
                if (!same)
                {
                    return string.Create(
                        CultureInfo.InvariantCulture,
                        $"row {row} {Sensors[s]}: text '{want.Texts[s]}' parsed as {values[s]:R}, double.Parse gives {expectedValue:R}");
                }
            }
        }

        return null;
    }

    private static string Describe(ReadingBatch batch)
        => batch.Count == 0
            ? "no rows"
            : string.Join(", ", Enumerable.Range(0, Math.Min(batch.Count, 5)).Select(r => batch.Reasons[r] == RejectReason.None ? "accepted" : batch.Reasons[r].ToCode() + " (" + batch.Details[r] + ")"))
              + (batch.Count > 5 ? $" … ({batch.Count} rows)" : string.Empty);

    private sealed record ExpectedReading(string DeviceId, string MessageId, string[] Texts);

    private sealed record Input(string Kind, string Case, byte[] Body, string? SystemDeviceId, IReadOnlyList<ExpectedReading>? Expected, string? ExpectedReason);

    private static Input Generate(Random random, long index)
    {
        var roll = random.NextDouble();
        if (roll < 0.20)
        {
            return Valid(random, index);
        }

        if (roll < 0.50)
        {
            return Semantic(random, index);
        }

        if (roll < 0.95)
        {
            var valid = Valid(random, index);
            var body = valid.Body;
            var mutations = random.Next(1, 5);
            for (var m = 0; m < mutations; m++)
            {
                body = ParserChecks.Mutate(random, body);
            }

            return new Input("mutated", valid.Case, body, valid.SystemDeviceId, null, null);
        }

        if (roll < 0.999)
        {
            return Noise(random);
        }

        var large = new StringBuilder("[");
        while (large.Length <= Options.MaxEventBytes)
        {
            large.Append(Reading(random, index, out _)).Append(',');
        }

        large.Length--;
        large.Append(']');
        return new Input("too-large", "too-large", Encoding.UTF8.GetBytes(large.ToString()), null, null, "body-too-large");
    }

    private static Input Valid(Random random, long index)
    {
        var shape = random.Next(5);
        var expected = new List<ExpectedReading>();
        string text;
        string? systemDevice = null;
        switch (shape)
        {
            case 0:
                text = Reading(random, index, out var one);
                expected.Add(one);
                return new Input("valid", "single", Encoding.UTF8.GetBytes(text), null, expected, null);
            case 1:
            {
                var count = random.Next(0, 6);
                var items = new List<string>();
                for (var k = 0; k < count; k++)
                {
                    items.Add(Reading(random, (index * 8) + k, out var reading));
                    expected.Add(reading);
                }

                var body = Encoding.UTF8.GetBytes("[" + string.Join(Separator(random), items) + "]");

                // An empty batch holds no reading: one row, rejected as invalid-shape (never a silently consumed event).
                return count == 0
                    ? new Input("valid", "array-empty", body, null, null, RejectReason.InvalidShape.ToCode())
                    : new Input("valid", "array", body, null, expected, null);
            }

            case 2:
            {
                var count = random.Next(2, 5);
                var lines = new List<string>();
                for (var k = 0; k < count; k++)
                {
                    lines.Add(Reading(random, (index * 8) + k, out var reading));
                    expected.Add(reading);
                }

                return new Input("valid", "ndjson", Encoding.UTF8.GetBytes(string.Join("\n", lines) + "\n"), null, expected, null);
            }

            case 3:
            {
                var count = random.Next(1, 4);
                var events = new List<string>();
                for (var k = 0; k < count; k++)
                {
                    var inner = Reading(random, (index * 8) + k, out var reading);
                    expected.Add(reading);
                    events.Add($"{{\"Body\":\"{JsonEncodedText.Encode(inner, JavaScriptEncoder.UnsafeRelaxedJsonEscaping)}\",\"UserProperties\":{{\"k\":\"v\"}},\"BrokerProperties\":{{\"PartitionKey\":\"{reading.DeviceId}\"}}}}");
                }

                return new Input("valid", "eventhubs-envelope", Encoding.UTF8.GetBytes("[" + string.Join(",", events) + "]"), null, expected, null);
            }

            default:
                text = Reading(random, index, out var fromHub, omitDevice: true);
                systemDevice = fromHub.DeviceId;
                expected.Add(fromHub);
                return new Input("valid", "iothub-system-device", Encoding.UTF8.GetBytes(text), systemDevice, expected, null);
        }
    }

    private static string Separator(Random random) => random.Next(4) switch { 0 => ",", 1 => ", ", 2 => ",\n", _ => " ,\t" };

    /// <summary>A valid reading with numbers in a random textual form; <paramref name="reading"/> is what the parser must report.</summary>
    private static string Reading(Random random, long index, out ExpectedReading reading, bool omitDevice = false)
    {
        var device = "pump-" + random.Next(1000).ToString("D3", CultureInfo.InvariantCulture);
        var message = "m-" + index.ToString(CultureInfo.InvariantCulture);
        var texts = new string[Sensors.Length];
        var order = Enumerable.Range(0, Sensors.Length).ToArray();
        if (random.Next(4) == 0)
        {
            random.Shuffle(order);
        }

        var sb = new StringBuilder(400).Append('{');
        var fields = new List<string>();
        if (!omitDevice)
        {
            fields.Add($"\"deviceId\":\"{device}\"");
        }

        fields.Add($"\"timestamp\":\"{Now.AddSeconds(-random.Next(0, 86_400)).AddMilliseconds(random.Next(1000)).ToString(random.Next(2) == 0 ? "O" : "yyyy-MM-ddTHH:mm:ss.fffZ", CultureInfo.InvariantCulture)}\"");
        fields.Add($"\"messageId\":\"{message}\"");
        var readings = new StringBuilder("\"readings\":{");
        for (var k = 0; k < order.Length; k++)
        {
            var s = order[k];
            texts[s] = ParserChecks.NumberText(random);
            if (k > 0)
            {
                readings.Append(',');
            }

            readings.Append('"').Append(Sensors[s]).Append("\":").Append(texts[s]);
        }

        fields.Add(readings.Append('}').ToString());
        if (random.Next(3) == 0)
        {
            fields.Add("\"extra\":{\"nested\":[1,2,{\"x\":null}],\"s\":\"\\u00e9\\n\"}");
        }

        random.Shuffle(CollectionsMarshalSpan(fields));
        sb.Append(string.Join(random.Next(2) == 0 ? "," : ", ", fields)).Append('}');
        reading = new ExpectedReading(device, message, texts);
        return sb.ToString();
    }

    private static Span<string> CollectionsMarshalSpan(List<string> list) => System.Runtime.InteropServices.CollectionsMarshal.AsSpan(list);

    private static Input Semantic(Random random, long index)
    {
        var (name, expected) = SemanticCases[random.Next(SemanticCases.Length)];
        var text = Reading(random, index, out var reading);
        var sensor = Sensors[random.Next(Sensors.Length)];
        var valueText = $"\"{sensor}\":{reading.Texts[Array.IndexOf(Sensors, sensor)]}";
        var device = $"\"deviceId\":\"{reading.DeviceId}\"";
        var message = $"\"messageId\":\"{reading.MessageId}\"";
        var timestampStart = text.IndexOf("\"timestamp\":\"", StringComparison.Ordinal);
        var timestampEnd = text.IndexOf('"', timestampStart + 13) + 1;
        var timestamp = text[timestampStart..timestampEnd];
        var readingsStart = text.IndexOf("\"readings\":{", StringComparison.Ordinal);
        var readingsEnd = text.IndexOf('}', readingsStart) + 1;
        var readings = text[readingsStart..readingsEnd];
        string body = name switch
        {
            "value-string" => text.Replace(valueText, $"\"{sensor}\":\"12.5\"", StringComparison.Ordinal),
            "value-nan-string" => text.Replace(valueText, $"\"{sensor}\":\"NaN\"", StringComparison.Ordinal),
            "value-null" => text.Replace(valueText, $"\"{sensor}\":null", StringComparison.Ordinal),
            "value-bool" => text.Replace(valueText, $"\"{sensor}\":true", StringComparison.Ordinal),
            "value-object" => text.Replace(valueText, $"\"{sensor}\":{{\"v\":1}}", StringComparison.Ordinal),
            "value-overflow" => text.Replace(valueText, $"\"{sensor}\":1e400", StringComparison.Ordinal),
            "value-out-of-bounds" => text.Replace(valueText, $"\"{sensor}\":-1.5e15", StringComparison.Ordinal),
            "sensor-missing" => RemoveSensor(text, valueText),
            "sensor-unknown" => text.Replace(valueText, valueText + ",\"Humidity\":40", StringComparison.Ordinal),
            "sensor-repeated" => text.Replace(valueText, valueText + "," + valueText, StringComparison.Ordinal),
            "device-missing" => RemoveField(text, device),
            "device-empty" => text.Replace(device, "\"deviceId\":\"\"", StringComparison.Ordinal),
            "device-too-long" => text.Replace(device, $"\"deviceId\":\"{new string('d', 200)}\"", StringComparison.Ordinal),
            "device-space" => text.Replace(device, "\"deviceId\":\"pump 1\"", StringComparison.Ordinal),
            "device-number" => text.Replace(device, "\"deviceId\":42", StringComparison.Ordinal),
            "device-repeated" => text.Replace(device, device + "," + device, StringComparison.Ordinal),
            "timestamp-missing" => RemoveField(text, timestamp),
            "timestamp-text" => text.Replace(timestamp, "\"timestamp\":\"yesterday\"", StringComparison.Ordinal),
            "timestamp-number" => text.Replace(timestamp, "\"timestamp\":1700000000", StringComparison.Ordinal),
            "timestamp-future" => text.Replace(timestamp, $"\"timestamp\":\"{Now.AddHours(1):O}\"", StringComparison.Ordinal),
            "timestamp-old" => text.Replace(timestamp, $"\"timestamp\":\"{Now.AddDays(-30):O}\"", StringComparison.Ordinal),
            "message-number" => text.Replace(message, "\"messageId\":42", StringComparison.Ordinal),
            "message-empty" => text.Replace(message, "\"messageId\":\"\"", StringComparison.Ordinal),
            "message-too-long" => text.Replace(message, $"\"messageId\":\"{new string('m', 200)}\"", StringComparison.Ordinal),
            "sequence-negative" => text.Replace(message, "\"sequence\":-1", StringComparison.Ordinal),
            "sequence-text" => text.Replace(message, "\"sequence\":\"7\"", StringComparison.Ordinal),
            "readings-missing" => RemoveField(text, readings),
            "readings-array" => text.Replace(readings, "\"readings\":[1,2]", StringComparison.Ordinal),
            "element-number" => "[5]",
            "top-level-string" => "\"hello\"",
            "envelope-body-number" => "[{\"Body\":42,\"UserProperties\":{}}]",
            _ => text[..random.Next(1, text.Length - 1)],
        };
        return new Input("semantic", name, Encoding.UTF8.GetBytes(body), null, null, expected);
    }

    private static string RemoveSensor(string text, string valueText)
        => text.Replace(valueText + ",", string.Empty, StringComparison.Ordinal) is var removed && removed.Length != text.Length
            ? removed
            : text.Replace("," + valueText, string.Empty, StringComparison.Ordinal);

    private static string RemoveField(string text, string field)
    {
        foreach (var variant in new[] { field + ", ", field + ",", ", " + field, "," + field })
        {
            var removed = text.Replace(variant, string.Empty, StringComparison.Ordinal);
            if (removed.Length != text.Length)
            {
                return removed;
            }
        }

        return text.Replace(field, string.Empty, StringComparison.Ordinal);
    }

    private static Input Noise(Random random)
    {
        switch (random.Next(5))
        {
            case 0:
                var bytes = new byte[random.Next(0, 200)];
                random.NextBytes(bytes);
                return new Input("noise", "random-bytes", bytes, null, null, null);
            case 1:
                var depth = random.Next(10, 2000);
                return new Input("noise", "deep-nesting", Encoding.UTF8.GetBytes(new string('[', depth) + new string(']', depth)), null, null, null);
            case 2:
                return new Input("noise", "empty", random.Next(2) == 0 ? [] : " \r\n\t "u8.ToArray(), null, null, "malformed-json");
            case 3:
                return new Input("noise", "empty-containers", Encoding.UTF8.GetBytes(random.Next(3) switch { 0 => "[]", 1 => "[[]]", _ => "{}" }), null, null, null);
            default:
                var nested = random.Next(10, 200);
                return new Input("noise", "deep-objects", Encoding.UTF8.GetBytes(string.Concat(Enumerable.Repeat("{\"a\":", nested)) + "1" + new string('}', nested)), null, null, null);
        }
    }
}
