using System.Globalization;
using System.Text;
using IoTAnomaly.Core.Benchmarking;
using IoTAnomaly.Core.Telemetry;

namespace IoTAnomaly.Core.Tests.Telemetry;

/// <summary>
/// Differential tests of the parser's fast path: every body is parsed with the fast path on and off, and the rows must
/// be the same, field by field and value bit by bit. Canonical bodies must take the fast path (else the comparison
/// would prove nothing), and a body it gives back must leave no row behind.
/// </summary>
[TestClass]
public sealed class TelemetryFastPathTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 22, 12, 0, 0, TimeSpan.Zero);
    private static readonly string[] Sensors = ["temperature", "pressure", "vibration", "Volume Flow RateRMS"];
    private static readonly SensorSchema Schema = new(Sensors, [-1000, -1000, -1000, -1e300], [1000, 1000, 1000, 1e300]);

    private static readonly TelemetryOptions Options = new() { MaxAge = TimeSpan.FromDays(7), MaxFutureSkew = TimeSpan.FromMinutes(5), MaxMessageIdLength = 64, MaxDeviceIdLength = 32 };

    private static readonly TelemetryParser Fast = new(Options);
    private static readonly TelemetryParser Reader = new(Options) { UseFastPath = false };

    private static readonly string Good = "{\"deviceId\":\"pump-001\",\"timestamp\":\"2026-11-22T11:59:59.5Z\",\"messageId\":\"m-1\",\"readings\":{\"temperature\":1.5,\"pressure\":-2,\"vibration\":0.25,\"Volume Flow RateRMS\":32.1}}";

    /// <summary>Hand-picked bodies the fast path must take: canonical shapes, and every rejection it decides like the reader.</summary>
    private static readonly string[] FastCases =
    [
        Good,
        "[" + Good + "]",
        Good + "\n" + Good.Replace("m-1", "m-2", StringComparison.Ordinal) + "\n",
        "[" + Good + "] [" + Good + "]",
        " \t\r\n" + Good + " \t\r\n",
        "{ \"deviceId\" : \"p\" ,\n \"readings\" : { \"temperature\" : 1 , \"pressure\" : 2 , \"vibration\" : 3 , \"Volume Flow RateRMS\" : 4 } , \"timestamp\" : \"2026-11-22T11:00:00Z\" , \"sequence\" : 7 }",
        "{\"readings\":{\"Volume Flow RateRMS\":4,\"vibration\":3,\"pressure\":2,\"temperature\":1},\"sequence\":0,\"timestamp\":\"2026-11-22T11:00:00Z\",\"deviceId\":\"p\"}",
        "{}",
        "[{}]",
        Good.Replace("pump-001", "pump 001", StringComparison.Ordinal),
        Good.Replace("pump-001", "pump/001", StringComparison.Ordinal),
        Good.Replace("pump-001", string.Empty, StringComparison.Ordinal),
        Good.Replace("pump-001", new string('d', 32), StringComparison.Ordinal),
        Good.Replace("pump-001", new string('d', 33), StringComparison.Ordinal),
        Good.Replace("\"deviceId\":\"pump-001\",", string.Empty, StringComparison.Ordinal),
        Good.Replace("m-1", new string('m', 64), StringComparison.Ordinal),
        Good.Replace("\"messageId\":\"m-1\",", string.Empty, StringComparison.Ordinal),
        Good.Replace("\"messageId\":\"m-1\"", "\"sequence\":7", StringComparison.Ordinal),
        Good.Replace("\"messageId\":\"m-1\"", "\"sequence\":0", StringComparison.Ordinal),
        Good.Replace("\"messageId\":\"m-1\"", "\"sequence\":999999999999999999", StringComparison.Ordinal),
        Good.Replace("\"messageId\":\"m-1\"", "\"sequence\":1,\"messageId\":\"m-1\"", StringComparison.Ordinal),
        Good.Replace("2026-11-22T11:59:59.5Z", "2026-11-22T11:59:59Z", StringComparison.Ordinal),
        Good.Replace("2026-11-22T11:59:59.5Z", "2026-11-22T11:59:59.1234567Z", StringComparison.Ordinal),
        Good.Replace("2026-11-22T11:59:59.5Z", "2026-11-22T11:59:59.0000000+00:00", StringComparison.Ordinal),
        Good.Replace("2026-11-22T11:59:59.5Z", "2026-11-22T17:29:59+05:30", StringComparison.Ordinal),
        Good.Replace("2026-11-22T11:59:59.5Z", "2026-11-22T03:59:59-08:00", StringComparison.Ordinal),
        Good.Replace("2026-11-22T11:59:59.5Z", "2024-02-29T11:59:59Z", StringComparison.Ordinal),
        Good.Replace("2026-11-22T11:59:59.5Z", "0001-01-01T00:00:00Z", StringComparison.Ordinal),
        Good.Replace("2026-11-22T11:59:59.5Z", "2026-11-22T13:00:00Z", StringComparison.Ordinal),
        Good.Replace("2026-11-22T11:59:59.5Z", "2026-11-22T12:05:00Z", StringComparison.Ordinal),
        Good.Replace("2026-11-22T11:59:59.5Z", "2026-11-22T12:05:00.0000001Z", StringComparison.Ordinal),
        Good.Replace("2026-11-22T11:59:59.5Z", "2026-11-15T12:00:00Z", StringComparison.Ordinal),
        Good.Replace("2026-11-22T11:59:59.5Z", "2026-11-15T11:59:59.9999999Z", StringComparison.Ordinal),
        Good.Replace("2026-11-22T11:59:59.5Z", "2020-01-01T00:00:00Z", StringComparison.Ordinal),
        Good.Replace("\"timestamp\":\"2026-11-22T11:59:59.5Z\",", string.Empty, StringComparison.Ordinal),
        Good.Replace("1.5", "-0", StringComparison.Ordinal),
        Good.Replace("1.5", "0", StringComparison.Ordinal),
        Good.Replace("1.5", "-0.0", StringComparison.Ordinal),
        Good.Replace("1.5", "1E+2", StringComparison.Ordinal),
        Good.Replace("1.5", "1e-2", StringComparison.Ordinal),
        Good.Replace("1.5", "12345678901234567890", StringComparison.Ordinal),
        Good.Replace("1.5", "0.1000000000000000055511151231257827", StringComparison.Ordinal),
        Good.Replace("1.5", "1.7976931348623157", StringComparison.Ordinal),
        Good.Replace("1.5", "4.9e-324", StringComparison.Ordinal),
        Good.Replace("1.5", "2e-324", StringComparison.Ordinal),
        Good.Replace("1.5", "1e-400", StringComparison.Ordinal),
        Good.Replace("32.1", "1e308", StringComparison.Ordinal),
        Good.Replace("32.1", "1.7976931348623157e308", StringComparison.Ordinal),
        Good.Replace("1.5", "1000", StringComparison.Ordinal),
        Good.Replace("1.5", "1000.0000000000001", StringComparison.Ordinal),
        Good.Replace("1.5", "1000.00000000000001", StringComparison.Ordinal),
        Good.Replace("1.5", "-1000.5", StringComparison.Ordinal),
        Good.Replace("\"temperature\":1.5,", string.Empty, StringComparison.Ordinal),
        Good.Replace("\"readings\":{\"temperature\":1.5,\"pressure\":-2,\"vibration\":0.25,\"Volume Flow RateRMS\":32.1}", "\"readings\":{}", StringComparison.Ordinal),
        Good.Replace(",\"readings\":{\"temperature\":1.5,\"pressure\":-2,\"vibration\":0.25,\"Volume Flow RateRMS\":32.1}", string.Empty, StringComparison.Ordinal),
    ];

    /// <summary>Hand-picked bodies the fast path must give back: escapes, non-ASCII, unexpected shapes, syntax errors.</summary>
    private static readonly string[] GivenBackCases =
    [
        Good + Good,
        "[" + Good + "]" + "[" + Good + "]",
        "[]",
        "[ ]",
        "[42]",
        "[" + Good + ",]",
        "[" + Good + ",42]",
        "[" + Good + " " + Good + "]",
        "42",
        "\"x\"",
        "null",
        "",
        "   ",
        "\uFEFF" + Good,
        "/* c */" + Good,
        Good[..^1],
        Good[..^2],
        Good[..40],
        "[" + Good,
        "[" + Good + ",",
        Good + "x",
        Good + " x",
        Good.Replace("\"pump-001\"", "\"pump\\u002d001\"", StringComparison.Ordinal),
        Good.Replace("\"deviceId\"", "\"device\\u0049d\"", StringComparison.Ordinal),
        Good.Replace("\"temperature\"", "\"temper\\u0061ture\"", StringComparison.Ordinal),
        Good.Replace("m-1", "m\\u00e9", StringComparison.Ordinal),
        Good.Replace("m-1", "m\\\"1", StringComparison.Ordinal),
        Good.Replace("m-1", "m\u00e9", StringComparison.Ordinal),
        Good.Replace("pump-001", "pump-\u00e9", StringComparison.Ordinal),
        Good.Replace("m-1", "m\t1", StringComparison.Ordinal),
        Good.Replace("\"pump-001\"", "\"\\udc00\"", StringComparison.Ordinal),
        Good.Replace("\"temperature\"", "\"\\ud800x\"", StringComparison.Ordinal),
        Good.Replace("\"pump-001\"", "42", StringComparison.Ordinal),
        Good.Replace("\"pump-001\"", "null", StringComparison.Ordinal),
        Good.Replace("\"deviceId\":\"pump-001\",", "\"deviceId\":\"a\",\"deviceId\":\"b\",", StringComparison.Ordinal),
        Good.Replace("m-1", string.Empty, StringComparison.Ordinal),
        Good.Replace("m-1", new string('m', 65), StringComparison.Ordinal),
        Good.Replace("\"m-1\"", "7", StringComparison.Ordinal),
        Good.Replace("\"messageId\":\"m-1\",", "\"messageId\":\"a\",\"messageId\":\"b\",", StringComparison.Ordinal),
        Good.Replace("\"messageId\":\"m-1\"", "\"sequence\":-1", StringComparison.Ordinal),
        Good.Replace("\"messageId\":\"m-1\"", "\"sequence\":-0", StringComparison.Ordinal),
        Good.Replace("\"messageId\":\"m-1\"", "\"sequence\":07", StringComparison.Ordinal),
        Good.Replace("\"messageId\":\"m-1\"", "\"sequence\":7.0", StringComparison.Ordinal),
        Good.Replace("\"messageId\":\"m-1\"", "\"sequence\":7e2", StringComparison.Ordinal),
        Good.Replace("\"messageId\":\"m-1\"", "\"sequence\":9223372036854775807", StringComparison.Ordinal),
        Good.Replace("\"messageId\":\"m-1\"", "\"sequence\":9223372036854775808", StringComparison.Ordinal),
        Good.Replace("\"messageId\":\"m-1\"", "\"sequence\":\"7\"", StringComparison.Ordinal),
        Good.Replace("\"messageId\":\"m-1\"", "\"sequence\":1,\"sequence\":2", StringComparison.Ordinal),
        Good.Replace("2026-11-22T11:59:59.5Z", "2026-11-22T11:59:59.12345678Z", StringComparison.Ordinal),
        Good.Replace("2026-11-22T11:59:59.5Z", "2026-11-22T11:59:59.Z", StringComparison.Ordinal),
        Good.Replace("2026-11-22T11:59:59.5Z", "2026-11-23T01:59:59+14:00", StringComparison.Ordinal),
        Good.Replace("2026-11-22T11:59:59.5Z", "2026-11-22T11:59:59", StringComparison.Ordinal),
        Good.Replace("2026-11-22T11:59:59.5Z", "2026-11-22T11:59:59z", StringComparison.Ordinal),
        Good.Replace("2026-11-22T11:59:59.5Z", "2026-11-22t11:59:59Z", StringComparison.Ordinal),
        Good.Replace("2026-11-22T11:59:59.5Z", "2026-11-22 11:59:59Z", StringComparison.Ordinal),
        Good.Replace("2026-11-22T11:59:59.5Z", "2026-11-22T11:59Z", StringComparison.Ordinal),
        Good.Replace("2026-11-22T11:59:59.5Z", "2026-11-22", StringComparison.Ordinal),
        Good.Replace("2026-11-22T11:59:59.5Z", "2026-02-30T11:59:59Z", StringComparison.Ordinal),
        Good.Replace("2026-11-22T11:59:59.5Z", "2026-11-22T24:00:00Z", StringComparison.Ordinal),
        Good.Replace("2026-11-22T11:59:59.5Z", "2026-11-22T11:59:60Z", StringComparison.Ordinal),
        Good.Replace("2026-11-22T11:59:59.5Z", "0001-01-01T00:00:00+01:00", StringComparison.Ordinal),
        Good.Replace("2026-11-22T11:59:59.5Z", "9999-12-31T23:59:59.9999999-01:00", StringComparison.Ordinal),
        Good.Replace("2026-11-22T11:59:59.5Z", "yesterday", StringComparison.Ordinal),
        Good.Replace("\"2026-11-22T11:59:59.5Z\"", "1700000000", StringComparison.Ordinal),
        Good.Replace("\"timestamp\":\"2026-11-22T11:59:59.5Z\",", "\"timestamp\":\"2026-11-22T11:59:59Z\",\"timestamp\":\"2026-11-22T11:59:58Z\",", StringComparison.Ordinal),
        Good.Replace("1.5", "01", StringComparison.Ordinal),
        Good.Replace("1.5", "-01", StringComparison.Ordinal),
        Good.Replace("1.5", "00", StringComparison.Ordinal),
        Good.Replace("1.5", "1.", StringComparison.Ordinal),
        Good.Replace("1.5", ".5", StringComparison.Ordinal),
        Good.Replace("1.5", "+1", StringComparison.Ordinal),
        Good.Replace("1.5", "1e", StringComparison.Ordinal),
        Good.Replace("1.5", "1e+", StringComparison.Ordinal),
        Good.Replace("1.5", "--1", StringComparison.Ordinal),
        Good.Replace("1.5", "0x1F", StringComparison.Ordinal),
        Good.Replace("1.5", "1.5.3", StringComparison.Ordinal),
        Good.Replace("32.1", "1e309", StringComparison.Ordinal),
        Good.Replace("32.1", "-1e309", StringComparison.Ordinal),
        Good.Replace("1.5", "1e400", StringComparison.Ordinal),
        Good.Replace("1.5", "NaN", StringComparison.Ordinal),
        Good.Replace("1.5", "\"NaN\"", StringComparison.Ordinal),
        Good.Replace("1.5", "\"Infinity\"", StringComparison.Ordinal),
        Good.Replace("1.5", "\"-inf\"", StringComparison.Ordinal),
        Good.Replace("1.5", "\"1.5\"", StringComparison.Ordinal),
        Good.Replace("1.5", "null", StringComparison.Ordinal),
        Good.Replace("1.5", "true", StringComparison.Ordinal),
        Good.Replace("1.5", "{\"v\":1}", StringComparison.Ordinal),
        Good.Replace("1.5", "[1]", StringComparison.Ordinal),
        Good.Replace("\"temperature\":1.5,", "\"temperature\":1.5,\"temperature\":2.5,", StringComparison.Ordinal),
        Good.Replace("\"temperature\":1.5,", "\"temperature\":1.5,\"humidity\":3,", StringComparison.Ordinal),
        Good.Replace("\"temperature\":1.5,", "\"Temperature\":1.5,", StringComparison.Ordinal),
        Good.Replace("\"temperature\":1.5,", "\"\":1.5,", StringComparison.Ordinal),
        Good.Replace("\"temperature\":1.5,", "\"temperature\":1.5,,", StringComparison.Ordinal),
        Good.Replace("32.1}", "32.1,}", StringComparison.Ordinal),
        Good.Replace("\"readings\":{\"temperature\":1.5,\"pressure\":-2,\"vibration\":0.25,\"Volume Flow RateRMS\":32.1}", "\"readings\":[1,2,3]", StringComparison.Ordinal),
        Good.Replace("\"readings\":{\"temperature\":1.5,\"pressure\":-2,\"vibration\":0.25,\"Volume Flow RateRMS\":32.1}", "\"readings\":null", StringComparison.Ordinal),
        Good.Replace("{\"deviceId\"", "{\"extra\":1,\"deviceId\"", StringComparison.Ordinal),
        Good.Replace("{\"deviceId\"", "{\"extra\":{\"nested\":[1,{\"x\":null}]},\"deviceId\"", StringComparison.Ordinal),
        Good.Replace("{\"deviceId\"", "{\"Body\":1,\"deviceId\"", StringComparison.Ordinal),
        Good.Replace("{\"deviceId\"", "{\"UserProperties\":{\"iothub-connection-device-id\":\"x\"},\"deviceId\"", StringComparison.Ordinal),
        Good.Replace("{\"deviceId\"", "{\"deviceID\":\"x\",\"deviceId\"", StringComparison.Ordinal),
        "[{\"Body\":" + System.Text.Json.JsonSerializer.Serialize(Good) + ",\"BrokerProperties\":{\"MessageId\":\"env-1\"}}]",
        "[{\"Body\":" + Good + "},{\"Body\":\"[" + Good.Replace("\"", "\\\"", StringComparison.Ordinal) + "]\"}]",
        "[{\"Body\":" + Good.Replace("\"deviceId\":\"pump-001\",", string.Empty, StringComparison.Ordinal).Replace("\"messageId\":\"m-1\",", string.Empty, StringComparison.Ordinal)
            + ",\"UserProperties\":{\"iothub-connection-device-id\":\"pump-9\"},\"BrokerProperties\":{\"MessageId\":\"env-1\"}}]",
        "[{\"Body\":17}]",
        new string('[', 40) + Good + new string(']', 40),
        "{\"readings\":" + new string('{', 40) + new string('}', 40) + "}",
    ];

    [TestMethod]
    public void Parse_GivesTheSameRowsWithAndWithoutFastPath_ForHandPickedBodies()
    {
        foreach (var body in FastCases)
        {
            Assert.IsTrue(AssertSameRows(Encoding.UTF8.GetBytes(body)), "the fast path should take " + body);
        }

        foreach (var body in GivenBackCases)
        {
            Assert.IsFalse(AssertSameRows(Encoding.UTF8.GetBytes(body)), "the fast path should give back " + body);
        }
    }

    [TestMethod]
    public void Parse_GivesTheSameRowsWithAndWithoutFastPath_ForGeneratedAndMutatedBodies()
    {
        var random = new Random(23);
        var fastBodies = 0;
        const int Bodies = 30_000;
        for (var i = 0; i < Bodies; i++)
        {
            var body = Encoding.UTF8.GetBytes(Body(random, i));
            if (i % 2 == 1)
            {
                body = ParserChecks.Mutate(random, body);
            }

            fastBodies += AssertSameRows(body) ? 1 : 0;
        }

        Assert.IsGreaterThan(Bodies / 2, fastBodies, "the canonical half takes the fast path");
    }

    [TestMethod]
    public void Parse_TakesFastPath_ForCanonicalBodies()
    {
        var random = new Random(5);
        for (var i = 0; i < 2000; i++)
        {
            var body = Body(random, i);
            var batch = new ReadingBatch();
            batch.Reset(Schema.Count);
            Assert.IsTrue(Fast.TryParseFastOnly(new TelemetryEvent(Encoding.UTF8.GetBytes(body)), 0, Schema, new DeviceTable(100), batch, Now.UtcTicks), body);
            Assert.IsGreaterThan(0, batch.Count);
        }
    }

    [TestMethod]
    public void Parse_GivesTheSameRowsWithAndWithoutFastPath_WhenDeviceTableFillsUp()
    {
        var body = "[" + string.Join(",", Enumerable.Range(0, 6).Select(i => Good.Replace("pump-001", "pump-" + i, StringComparison.Ordinal))) + "]";
        Assert.IsTrue(AssertSameRows(Encoding.UTF8.GetBytes(body), maxDevices: 3));
        Assert.IsFalse(AssertSameRows(Encoding.UTF8.GetBytes(body[..^1] + ",42]"), maxDevices: 3), "given back at the last element, after devices were added");
    }

    [TestMethod]
    public void Parse_GivesTheSameRowsWithAndWithoutFastPath_WhenEventCarriesIdsAndPositions()
    {
        var noIds = Good.Replace("\"deviceId\":\"pump-001\",", string.Empty, StringComparison.Ordinal).Replace("\"messageId\":\"m-1\",", string.Empty, StringComparison.Ordinal);
        var body = Encoding.UTF8.GetBytes("[" + noIds + "," + noIds.Replace("1.5", "2.5", StringComparison.Ordinal) + "]");
        Assert.IsTrue(AssertSameRows(body, new TelemetryEvent(body, SystemDeviceId: "hub-device", SequenceNumber: 41, MessageId: "event-1")));
        Assert.IsTrue(AssertSameRows(body, new TelemetryEvent(body, SystemDeviceId: "bad device")));
        Assert.IsTrue(AssertSameRows(body, new TelemetryEvent(body)));
        var withSensorOnly = Encoding.UTF8.GetBytes(noIds);
        Assert.IsTrue(AssertSameRows(withSensorOnly, new TelemetryEvent(withSensorOnly, SystemDeviceId: "hub-device")));
    }

    [TestMethod]
    public void Parse_RejectsOverLargeBody_WithoutFastPath()
    {
        var body = Encoding.UTF8.GetBytes("[" + string.Join(",", Enumerable.Repeat(Good, 1 + (Options.MaxEventBytes / Good.Length))) + "]");
        Assert.IsFalse(AssertSameRows(body));
    }

    /// <summary>
    /// Parses <paramref name="body"/> with the fast path on and off (fresh device table and batch each time), asserts
    /// the same rows and devices, and that a body the fast path gives back leaves no row. True when it took the fast path.
    /// </summary>
    private static bool AssertSameRows(byte[] body, TelemetryEvent? telemetryEvent = null, int maxDevices = 1000)
    {
        var e = telemetryEvent ?? new TelemetryEvent(body);
        var text = Encoding.UTF8.GetString(body);
        var (fastBatch, fastDevices) = Run(Fast, e, maxDevices);
        var (readerBatch, readerDevices) = Run(Reader, e, maxDevices);
        Assert.IsNull(ParserChecks.FirstDifference(readerBatch, fastBatch), "rows of " + text);
        CollectionAssert.AreEqual(readerDevices, fastDevices, "devices of " + text);

        var fastOnly = new ReadingBatch();
        fastOnly.Reset(Schema.Count);
        var handled = Fast.TryParseFastOnly(e, 3, Schema, new DeviceTable(maxDevices), fastOnly, Now.UtcTicks);
        Assert.AreEqual(handled ? readerBatch.Count : 0, fastOnly.Count, "a body given back leaves no row: " + text);
        return handled;
    }

    private static (ReadingBatch Batch, string[] Devices) Run(TelemetryParser parser, TelemetryEvent e, int maxDevices)
    {
        var devices = new DeviceTable(maxDevices);
        var batch = new ReadingBatch(4);
        batch.Reset(Schema.Count);
        parser.Parse(e, 3, Schema, devices, batch, Now.UtcTicks);
        return (batch, devices.Entries.Select(d => d.Id).Order(StringComparer.Ordinal).ToArray());
    }

    /// <summary>A canonical body: one reading, an array or NDJSON, in random property order, whitespace and number forms.</summary>
    private static string Body(Random random, int index)
    {
        var count = random.Next(1, 5);
        var readings = Enumerable.Range(0, count).Select(k => Reading(random, (index * 8) + k)).ToArray();
        return random.Next(3) switch
        {
            0 => readings[0],
            1 => "[" + string.Join(random.Next(2) == 0 ? "," : " ,\n ", readings) + "]",
            _ => string.Join("\n", readings) + (random.Next(2) == 0 ? "\n" : string.Empty),
        };
    }

    private static string Reading(Random random, long index)
    {
        string Blank() => random.Next(4) == 0 ? " \t\r\n"[random.Next(4)].ToString() : string.Empty;
        var fields = new List<string>
        {
            $"\"deviceId\"{Blank()}:{Blank()}\"pump-{random.Next(50).ToString("D3", CultureInfo.InvariantCulture)}\"",
            $"\"timestamp\":\"{Timestamp(random)}\"",
        };
        switch (random.Next(3))
        {
            case 0:
                fields.Add($"\"messageId\":\"m-{index.ToString(CultureInfo.InvariantCulture)}\"");
                break;
            case 1:
                fields.Add($"\"sequence\":{index.ToString(CultureInfo.InvariantCulture)}");
                break;
        }

        var order = Enumerable.Range(0, Sensors.Length).ToArray();
        if (random.Next(3) == 0)
        {
            random.Shuffle(order);
        }

        fields.Add("\"readings\":{" + string.Join("," + Blank(), order.Select(s => $"\"{Sensors[s]}\"{Blank()}:{Blank()}{ParserChecks.NumberText(random)}")) + Blank() + "}");
        var shuffled = fields.ToArray();
        random.Shuffle(shuffled);
        return "{" + Blank() + string.Join("," + Blank(), shuffled) + Blank() + "}";
    }

    /// <summary>Mostly inside the window, sometimes outside; UTC or with an offset; 0 to 7 fraction digits.</summary>
    private static string Timestamp(Random random)
    {
        var instant = Now.AddSeconds(-random.Next(-600, 8 * 86_400)).AddTicks(random.Next(10_000_000));
        var offset = random.Next(3) == 0 ? TimeSpan.FromMinutes(random.Next(-13 * 60, 13 * 60)) : TimeSpan.Zero;
        var local = instant.ToOffset(offset);
        var fraction = random.Next(8);
        var format = "yyyy-MM-ddTHH:mm:ss" + (fraction == 0 ? string.Empty : "." + new string('f', fraction));
        var zone = offset == TimeSpan.Zero && random.Next(2) == 0 ? "Z" : local.ToString("zzz", CultureInfo.InvariantCulture);
        return local.ToString(format, CultureInfo.InvariantCulture) + zone;
    }
}
