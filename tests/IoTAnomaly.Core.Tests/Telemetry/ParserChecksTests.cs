using System.Text;
using IoTAnomaly.Core.Benchmarking;
using IoTAnomaly.Core.Telemetry;

namespace IoTAnomaly.Core.Tests.Telemetry;

/// <summary>The comparison the fuzz and the fast-path differential tests rely on must see every kind of difference.</summary>
[TestClass]
public sealed class ParserChecksTests
{
    private static readonly SensorSchema Schema = new(["t", "p"], [-1000, -1000], [1000, 1000]);
    private static readonly TelemetryParser Parser = new(new TelemetryOptions { MaxAge = TimeSpan.FromDays(3650) });
    private static readonly long NowTicks = new DateTimeOffset(2026, 11, 22, 12, 0, 0, TimeSpan.Zero).UtcTicks;

    private static ReadingBatch Parse(string body, string? systemDeviceId = null)
    {
        var batch = new ReadingBatch();
        batch.Reset(Schema.Count);
        Parser.Parse(new TelemetryEvent(Encoding.UTF8.GetBytes(body), systemDeviceId), 0, Schema, new DeviceTable(100), batch, NowTicks);
        return batch;
    }

    private static string Reading(string device = "d-1", string id = "m-1", string t = "1.5", string time = "2026-11-22T11:00:00Z")
        => "{\"deviceId\":\"" + device + "\",\"timestamp\":\"" + time + "\",\"messageId\":\"" + id + "\",\"readings\":{\"t\":" + t + ",\"p\":2}}";

    [TestMethod]
    public void FirstDifference_IsNull_ForTheSameBodyParsedTwice()
        => Assert.IsNull(ParserChecks.FirstDifference(Parse("[" + Reading() + "," + Reading(id: "m-2") + "]"), Parse("[" + Reading() + "," + Reading(id: "m-2") + "]")));

    [TestMethod]
    public void FirstDifference_NamesTheRowCountOrRawPayload()
    {
        StringAssert.Contains(ParserChecks.FirstDifference(Parse(Reading()), Parse("[" + Reading() + "," + Reading(id: "m-2") + "]")), "1 rows, then 2");
        StringAssert.Contains(ParserChecks.FirstDifference(Parse("{\"deviceId\":\"d-1\",\"readings\":{}}"), Parse("{\"deviceId\":\"d-1\"}")), "raw payload");
    }

    [TestMethod]
    public void FirstDifference_NamesTheField_ThatDiffers()
    {
        var original = Parse(Reading());
        StringAssert.Contains(ParserChecks.FirstDifference(original, Parse(Reading(t: "bad"))), "reason");
        StringAssert.Contains(ParserChecks.FirstDifference(original, Parse(Reading(device: "d-2"))), "device");
        StringAssert.Contains(ParserChecks.FirstDifference(original, Parse(Reading(id: "m-2"))), "message key");
        StringAssert.Contains(ParserChecks.FirstDifference(original, Parse(Reading(time: "2026-11-22T11:00:01Z"))), "timestamp");
        StringAssert.Contains(ParserChecks.FirstDifference(Parse(Reading(t: "0")), Parse(Reading(t: "-0"))), "values", "bit for bit: -0 is not 0");
    }

    [TestMethod]
    public void Mutate_ChangesTheBody_AndIsSeeded()
    {
        var body = Encoding.UTF8.GetBytes(Reading());
        var first = Enumerable.Range(0, 50).Select(_ => ParserChecks.Mutate(new Random(9), body)).ToArray();
        var random = new Random(4);
        var mutated = Enumerable.Range(0, 200).Select(_ => ParserChecks.Mutate(random, body)).ToArray();

        Assert.IsTrue(first.All(m => m.AsSpan().SequenceEqual(first[0])), "the same seed gives the same edit");
        Assert.IsGreaterThan(150, mutated.Count(m => !m.AsSpan().SequenceEqual(body)), "almost every edit changes the body");
        Assert.HasCount(1, ParserChecks.Mutate(random, []));
    }
}
