using System.Net;

namespace IoTAnomaly.LocalHost.Tests.Ingest;

[TestClass]
public sealed class PoisonTests
{
    [TestMethod]
    public async Task Telemetry_DeadLettersReadingsWithLoneSurrogateEscapes_WithoutStallingThePartition()
    {
        await using var factory = new LocalHostFactory(new Dictionary<string, string?> { ["LocalHost:Partitions"] = "1" });
        factory.LoadFakeModel();
        using var client = factory.CreateApiClient();
        var now = DateTimeOffset.UtcNow.ToString("O", System.Globalization.CultureInfo.InvariantCulture);
        var body = "[{\"deviceId\":\"pump-\\ud800\",\"timestamp\":\"" + now + "\",\"messageId\":\"s-1\",\"readings\":{\"temperature\":1,\"pressure\":1,\"vibration\":1}},"
            + "{\"deviceId\":\"pump-1\",\"timestamp\":\"" + now + "\",\"messageId\":\"\\udc00x\",\"readings\":{\"temperature\":1,\"pressure\":1,\"vibration\":1}},"
            + LocalHostFactory.Reading("pump-2", "s-3") + "]";

        using var response = await client.PostAsync(new Uri("/api/telemetry", UriKind.Relative), LocalHostFactory.Json(body));

        Assert.AreEqual(HttpStatusCode.Accepted, response.StatusCode);
        var stats = await LocalHostFactory.WaitForProcessedAsync(client, 3, TimeSpan.FromSeconds(30));
        Assert.AreEqual(stats.Received, stats.Scored + stats.Rejected);
        Assert.AreEqual(0, stats.BatchRetries, "a reading the parser cannot transcode must be dead-lettered, not stall its partition");
        Assert.IsGreaterThanOrEqualTo(1, stats.Scored, "the valid reading after them is still scored");
    }
}
