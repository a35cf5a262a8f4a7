using System.Text;
using IoTAnomaly.Core.Telemetry;
using IoTAnomaly.LocalHost.Ingest;

namespace IoTAnomaly.LocalHost.Tests.Ingest;

[TestClass]
public sealed class IngestSplitterTests
{
    private static List<IngestUnit> Split(Action<ReadOnlyMemory<byte>, List<IngestUnit>> split, string body)
    {
        var units = new List<IngestUnit>();
        split(Encoding.UTF8.GetBytes(body), units);
        return units;
    }

    private static string Text(IngestUnit unit) => Encoding.UTF8.GetString(unit.Event.Body.Span);

    [TestMethod]
    public void SplitJson_MakesOneEventPerReadingKeyedByDevice_WhenBodyIsAnArray()
    {
        var units = Split(IngestSplitter.SplitJson, "[{\"deviceId\":\"a\",\"x\":{\"deviceId\":\"inner\"}}, {\"deviceId\":\"b\"} ,{\"deviceId\":\"a\"}]");

        Assert.HasCount(3, units);
        Assert.AreEqual("{\"deviceId\":\"a\",\"x\":{\"deviceId\":\"inner\"}}", Text(units[0]));
        Assert.AreEqual(units[0].PartitionKeyHash, units[2].PartitionKeyHash);
        Assert.AreNotEqual(units[0].PartitionKeyHash, units[1].PartitionKeyHash);
        Assert.AreEqual(IngestSplitter.HashOf("a"), units[0].PartitionKeyHash);
        Assert.IsTrue(units.All(u => u.KnownReason == RejectReason.None));
    }

    [TestMethod]
    public void SplitJson_KeepsTheUnparseableRestAsOneMalformedEvent_WhenJsonBreaksMidway()
    {
        var units = Split(IngestSplitter.SplitJson, "[{\"deviceId\":\"a\"}, 5, {\"deviceId\":\"b\", \"r\": {");

        Assert.HasCount(3, units);
        Assert.AreEqual(RejectReason.None, units[0].KnownReason);
        Assert.AreEqual(RejectReason.InvalidShape, units[1].KnownReason);
        Assert.AreEqual(RejectReason.MalformedJson, units[2].KnownReason);
        Assert.AreEqual("{\"deviceId\":\"b\", \"r\": {", Text(units[2]));
    }

    [TestMethod]
    public void SplitJson_MakesOneMalformedEvent_WhenBodyIsBlank()
    {
        var units = Split(IngestSplitter.SplitJson, "  \n");
        Assert.HasCount(1, units);
        Assert.AreEqual(RejectReason.MalformedJson, units[0].KnownReason);
        Assert.IsEmpty(Split(IngestSplitter.SplitJson, "[]"));
    }

    [TestMethod]
    public void SplitNdjson_IsolatesABrokenLine_WhenLinesFollowIt()
    {
        var units = Split(IngestSplitter.SplitNdjson, "{\"deviceId\":\"a\"}\r\n{\"deviceId\":\"b\",\n\n[{\"deviceId\":\"c\"},{\"deviceId\":\"d\"}]\n");

        Assert.HasCount(4, units);
        Assert.AreEqual(RejectReason.MalformedJson, units[1].KnownReason);
        Assert.AreEqual(IngestSplitter.HashOf("c"), units[2].PartitionKeyHash);
        Assert.AreEqual(IngestSplitter.HashOf("d"), units[3].PartitionKeyHash);
    }

    [TestMethod]
    public void SplitEventHubsBatch_UnescapesBodiesAndReadsBrokerProperties_WhenBatchIsWellFormed()
    {
        var body = "[{\"Body\":\"{\\\"deviceId\\\":\\\"d1\\\"}\",\"UserProperties\":{\"iothub-connection-device-id\":\"hub-1\",\"n\":3},\"BrokerProperties\":{\"PartitionKey\":\"pk\",\"MessageId\":\"m-1\"}},"
            + "{\"Body\":{\"deviceId\":\"d2\"}},"
            + "{\"UserProperties\":{}}]";

        var units = Split(IngestSplitter.SplitEventHubsBatch, body);

        Assert.HasCount(3, units);
        Assert.AreEqual("{\"deviceId\":\"d1\"}", Text(units[0]));
        Assert.AreEqual("hub-1", units[0].Event.SystemDeviceId);
        Assert.AreEqual("m-1", units[0].Event.MessageId);
        Assert.AreEqual(IngestSplitter.HashOf("pk"), units[0].PartitionKeyHash);
        Assert.AreEqual("3", units[0].Properties!["n"]);
        Assert.AreEqual("{\"deviceId\":\"d2\"}", Text(units[1]));
        Assert.AreEqual(IngestSplitter.HashOf("d2"), units[1].PartitionKeyHash);
        Assert.AreEqual(RejectReason.InvalidShape, units[2].KnownReason);
    }

    [TestMethod]
    public void SplitEventHubsBatch_KeepsTheRestAsMalformed_WhenEnvelopeIsTruncated()
    {
        var units = Split(IngestSplitter.SplitEventHubsBatch, "[{\"Body\":\"{}\"},{\"Body\":\"{\\\"dev");
        Assert.HasCount(2, units);
        Assert.AreEqual(RejectReason.MalformedJson, units[1].KnownReason);
    }
}
