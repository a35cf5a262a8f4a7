using System.Text;
using IoTAnomaly.Core.Telemetry;
using IoTAnomaly.Testing;
using static IoTAnomaly.Testing.PipelineBuilder;

namespace IoTAnomaly.Core.Tests.Telemetry;

[TestClass]
public sealed class TelemetryContractTests
{
    public TestContext TestContext { get; set; } = null!;

    private static async Task<Processing.BatchResult> Run(params TelemetryEvent[] events)
    {
        var handler = new PipelineBuilder().Build();
        return await handler.HandleAsync(events, "0", CancellationToken.None);
    }

    private static async Task<Processing.BatchResult> RunBody(string body) => await Run(Event(body));

    private static void AssertInvariant(Processing.BatchResult result)
        => Assert.AreEqual(result.Received, result.Scored + result.Rejected, "received = scored + rejected");

    [TestMethod]
    public async Task Parse_ScoresOneReading_WhenBodyIsOneObject()
    {
        var result = await RunBody(Reading());
        Assert.AreEqual(1, result.Received);
        Assert.AreEqual(1, result.Scored);
        Assert.AreEqual("v1", result.ModelVersion);
    }

    [TestMethod]
    public async Task Parse_ScoresEveryElement_WhenBodyIsArray()
    {
        var result = await RunBody("[" + Reading(messageId: "a") + "," + Reading(messageId: "b") + "," + Reading(messageId: "c") + "]");
        Assert.AreEqual(3, result.Scored);
        AssertInvariant(result);
    }

    [TestMethod]
    public async Task Parse_ScoresEveryLine_WhenBodyIsNdjson()
    {
        var result = await RunBody(Reading(messageId: "a") + "\n" + Reading(messageId: "b") + "\n");
        Assert.AreEqual(2, result.Scored);
    }

    [TestMethod]
    public async Task Parse_UnwrapsBodies_WhenEventHubsRestBatch()
    {
        var inner1 = System.Text.Json.JsonSerializer.Serialize(Reading(device: "x", messageId: null));
        var inner2 = System.Text.Json.JsonSerializer.Serialize(Reading(messageId: "b"));
        var body = "[{\"Body\":" + inner1 + ",\"BrokerProperties\":{\"MessageId\":\"env-1\"}},{\"Body\":" + inner2 + ",\"UserProperties\":{\"k\":\"v\"}}]";
        var handler = new PipelineBuilder().Build();
        var result = await handler.HandleAsync([Event(body)], "0", CancellationToken.None);
        Assert.AreEqual(2, result.Scored, string.Join(";", result.DeadLetters.Select(d => d.Detail)));
    }

    [TestMethod]
    public async Task Parse_TakesDeviceIdFromUserProperties_WhenBodyHasNone()
    {
        var inner = "{\"timestamp\":\"" + Now.AddSeconds(-1).ToString("O") + "\",\"messageId\":\"m\",\"readings\":{\"temperature\":1,\"pressure\":1,\"vibration\":1}}";
        var body = "[{\"Body\":" + System.Text.Json.JsonSerializer.Serialize(inner) + ",\"UserProperties\":{\"iothub-connection-device-id\":\"pump-042\"}}]";
        var builder = new PipelineBuilder();
        var handler = builder.Build();
        var result = await handler.HandleAsync([Event(body)], "0", CancellationToken.None);
        Assert.AreEqual(1, result.Scored);
        Assert.IsTrue(handler.Devices.TryGet("pump-042", out _));
    }

    [TestMethod]
    public async Task Parse_TakesDeviceIdFromSystemProperty_WhenBodyHasNone()
    {
        var inner = "{\"timestamp\":\"" + Now.AddSeconds(-1).ToString("O") + "\",\"messageId\":\"m\",\"readings\":{\"temperature\":1,\"pressure\":1,\"vibration\":1}}";
        var handler = new PipelineBuilder().Build();
        var result = await handler.HandleAsync([Event(inner, systemDeviceId: "pump-007")], "0", CancellationToken.None);
        Assert.AreEqual(1, result.Scored);
        Assert.IsTrue(handler.Devices.TryGet("pump-007", out _));
    }

    [TestMethod]
    [DataRow("{\"deviceId\":\"pump-001\",", "malformed-json", DisplayName = "truncated object")]
    [DataRow("not json", "malformed-json", DisplayName = "not json")]
    [DataRow("", "malformed-json", DisplayName = "empty body")]
    [DataRow("42", "invalid-shape", DisplayName = "a number")]
    [DataRow("[42]", "invalid-shape", DisplayName = "array of numbers")]
    [DataRow("[]", "invalid-shape", DisplayName = "empty array (an empty batch)")]
    [DataRow(" [ ] ", "invalid-shape", DisplayName = "empty array with blanks")]
    [DataRow("{\"timestamp\":\"2026-11-22T11:59:59Z\",\"messageId\":\"m\",\"readings\":{\"temperature\":1,\"pressure\":1,\"vibration\":1}}", "missing-device-id", DisplayName = "no device id")]
    [DataRow("{\"deviceId\":\"\",\"timestamp\":\"2026-11-22T11:59:59Z\",\"readings\":{\"temperature\":1,\"pressure\":1,\"vibration\":1}}", "invalid-device-id", DisplayName = "empty device id")]
    [DataRow("{\"deviceId\":42,\"timestamp\":\"2026-11-22T11:59:59Z\",\"readings\":{\"temperature\":1,\"pressure\":1,\"vibration\":1}}", "invalid-device-id", DisplayName = "numeric device id")]
    [DataRow("{\"deviceId\":\"a b/c\",\"timestamp\":\"2026-11-22T11:59:59Z\",\"readings\":{\"temperature\":1,\"pressure\":1,\"vibration\":1}}", "invalid-device-id", DisplayName = "device id with space and slash")]
    [DataRow("{\"deviceId\":\"p\",\"readings\":{\"temperature\":1,\"pressure\":1,\"vibration\":1}}", "missing-timestamp", DisplayName = "no timestamp")]
    [DataRow("{\"deviceId\":\"p\",\"timestamp\":\"yesterday\",\"readings\":{\"temperature\":1,\"pressure\":1,\"vibration\":1}}", "invalid-timestamp", DisplayName = "bad timestamp")]
    [DataRow("{\"deviceId\":\"p\",\"timestamp\":\"2026-11-22T13:00:00Z\",\"readings\":{\"temperature\":1,\"pressure\":1,\"vibration\":1}}", "timestamp-in-future", DisplayName = "one hour ahead")]
    [DataRow("{\"deviceId\":\"p\",\"timestamp\":\"2020-01-01T00:00:00Z\",\"readings\":{\"temperature\":1,\"pressure\":1,\"vibration\":1}}", "timestamp-too-old", DisplayName = "years old")]
    [DataRow("{\"deviceId\":\"p\",\"timestamp\":\"2026-11-22T11:59:59Z\"}", "missing-readings", DisplayName = "no readings")]
    [DataRow("{\"deviceId\":\"p\",\"timestamp\":\"2026-11-22T11:59:59Z\",\"readings\":[1,2,3]}", "missing-readings", DisplayName = "readings not an object")]
    [DataRow("{\"deviceId\":\"p\",\"timestamp\":\"2026-11-22T11:59:59Z\",\"readings\":{\"temperature\":1,\"pressure\":1}}", "missing-sensor-value", DisplayName = "a sensor missing")]
    [DataRow("{\"deviceId\":\"p\",\"timestamp\":\"2026-11-22T11:59:59Z\",\"readings\":{\"temperature\":\"hot\",\"pressure\":1,\"vibration\":1}}", "non-numeric-value", DisplayName = "string value")]
    [DataRow("{\"deviceId\":\"p\",\"timestamp\":\"2026-11-22T11:59:59Z\",\"readings\":{\"temperature\":null,\"pressure\":1,\"vibration\":1}}", "non-numeric-value", DisplayName = "null value")]
    [DataRow("{\"deviceId\":\"p\",\"timestamp\":\"2026-11-22T11:59:59Z\",\"readings\":{\"temperature\":\"NaN\",\"pressure\":1,\"vibration\":1}}", "non-finite-value", DisplayName = "NaN")]
    [DataRow("{\"deviceId\":\"p\",\"timestamp\":\"2026-11-22T11:59:59Z\",\"readings\":{\"temperature\":\"-Infinity\",\"pressure\":1,\"vibration\":1}}", "non-finite-value", DisplayName = "-Infinity")]
    [DataRow("{\"deviceId\":\"p\",\"timestamp\":\"2026-11-22T11:59:59Z\",\"readings\":{\"temperature\":1e400,\"pressure\":1,\"vibration\":1}}", "non-finite-value", DisplayName = "overflowing number")]
    [DataRow("{\"deviceId\":\"p\",\"timestamp\":\"2026-11-22T11:59:59Z\",\"readings\":{\"temperature\":1,\"pressure\":1,\"vibration\":1,\"humidity\":3}}", "unknown-sensor", DisplayName = "unknown sensor")]
    [DataRow("{\"deviceId\":\"p\",\"timestamp\":\"2026-11-22T11:59:59Z\",\"readings\":{\"temperature\":1000000,\"pressure\":1,\"vibration\":1}}", "out-of-bounds", DisplayName = "beyond physical bounds")]
    [DataRow("{\"deviceId\":\"p\",\"deviceId\":\"q\",\"timestamp\":\"2026-11-22T11:59:59Z\",\"readings\":{\"temperature\":1,\"pressure\":1,\"vibration\":1}}", "duplicate-property", DisplayName = "duplicate key")]
    [DataRow("{\"deviceId\":\"p\",\"timestamp\":\"2026-11-22T11:59:59Z\",\"readings\":{\"temperature\":1,\"temperature\":2,\"pressure\":1,\"vibration\":1}}", "duplicate-property", DisplayName = "duplicate sensor")]
    [DataRow("{\"deviceId\":\"p\",\"messageId\":7,\"timestamp\":\"2026-11-22T11:59:59Z\",\"readings\":{\"temperature\":1,\"pressure\":1,\"vibration\":1}}", "invalid-message-id", DisplayName = "numeric message id")]
    [DataRow("{\"deviceId\":\"p\",\"sequence\":-1,\"timestamp\":\"2026-11-22T11:59:59Z\",\"readings\":{\"temperature\":1,\"pressure\":1,\"vibration\":1}}", "invalid-message-id", DisplayName = "negative sequence")]
    [DataRow("[{\"Body\":17}]", "invalid-shape", DisplayName = "envelope with numeric Body")]
    [DataRow("{\"deviceId\":\"p\",\"timestamp\":\"2026-11-22T11:59:59Z\",\"readings\":{\"\\ud800x\":1,\"pressure\":1,\"vibration\":1}}", "malformed-json", DisplayName = "lone surrogate in a sensor name")]
    [DataRow("{\"deviceId\":\"\\udc00\",\"timestamp\":\"2026-11-22T11:59:59Z\",\"readings\":{\"temperature\":1,\"pressure\":1,\"vibration\":1}}", "malformed-json", DisplayName = "lone surrogate in the device id")]
    [DataRow("[{\"Body\":\"{\\\"deviceId\\\":\"}]", "malformed-json", DisplayName = "envelope with broken Body")]
    public async Task Validate_RejectsWithReason_WhenReadingIsBad(string body, string expectedReason)
    {
        var result = await RunBody(body);
        Assert.AreEqual(1, result.Rejected, "exactly one rejection; details: " + string.Join(" | ", result.DeadLetters.Select(d => d.Reason + ": " + d.Detail)));
        Assert.AreEqual(0, result.Scored);
        Assert.AreEqual(expectedReason, result.DeadLetters[0].Reason, result.DeadLetters[0].Detail);
        Assert.IsFalse(string.IsNullOrWhiteSpace(result.DeadLetters[0].Detail));
        AssertInvariant(result);
    }

    [TestMethod]
    public async Task Validate_RejectsAsMalformed_WhenStringHoldsInvalidUtf8()
    {
        var good = Encoding.UTF8.GetBytes(Reading(messageId: "a"));
        var bad = Encoding.UTF8.GetBytes("{\"deviceId\":\"p\",\"timestamp\":\"2026-11-22T11:59:59Z\",\"messageId\":\"\xff\xfe\",\"readings\":{\"temperature\":1,\"pressure\":1,\"vibration\":1}}".Replace("\xff\xfe", "XX", StringComparison.Ordinal));
        var index = Array.IndexOf(bad, (byte)'X');
        bad[index] = 0xFF;
        bad[index + 1] = 0xFE;
        var body = new byte[good.Length + 1 + bad.Length];
        good.CopyTo(body, 0);
        body[good.Length] = (byte)'\n';
        bad.CopyTo(body, good.Length + 1);
        var result = await Run(new TelemetryEvent(body));
        Assert.AreEqual(1, result.Scored, "the good line before it is kept");
        Assert.AreEqual("malformed-json", result.DeadLetters.Single().Reason);
        AssertInvariant(result);
    }

    [TestMethod]
    public async Task Validate_RejectsOverLongDeviceId_WhenLongerThanLimit()
    {
        var result = await RunBody(Reading(device: new string('d', 129)));
        Assert.AreEqual("invalid-device-id", result.DeadLetters.Single().Reason);
    }

    [TestMethod]
    public async Task Validate_RejectsBody_WhenOverSizeLimit()
    {
        var builder = new PipelineBuilder();
        builder.Telemetry.MaxEventBytes = 1024;
        var handler = builder.Build();
        var big = "[" + string.Join(",", Enumerable.Range(0, 40).Select(i => Reading(messageId: "m" + i))) + "]";
        var result = await handler.HandleAsync([Event(big)], "0", CancellationToken.None);
        Assert.AreEqual("body-too-large", result.DeadLetters.Single().Reason);
        AssertInvariant(result);
    }

    [TestMethod]
    public async Task Validate_RejectsDuplicate_WhenSameDeviceAndMessageIdSeenBefore()
    {
        var handler = new PipelineBuilder().Build();
        var first = await handler.HandleAsync([Event(Reading(messageId: "dup"))], "0", CancellationToken.None);
        var second = await handler.HandleAsync([Event(Reading(messageId: "dup"))], "0", CancellationToken.None);
        var otherDevice = await handler.HandleAsync([Event(Reading(device: "pump-002", messageId: "dup"))], "0", CancellationToken.None);
        Assert.AreEqual(1, first.Scored);
        Assert.AreEqual("duplicate-message", second.DeadLetters.Single().Reason);
        Assert.AreEqual(1, otherDevice.Scored, "the same message id from another device is not a duplicate");
    }

    [TestMethod]
    public async Task Validate_KeysTheFirstReadingByTheEventMessageId_WhenTheReadingHasNoId()
    {
        var handler = new PipelineBuilder().Build();
        var body = Encoding.UTF8.GetBytes(Reading(messageId: null));
        var sent = await handler.HandleAsync([new TelemetryEvent(body, MessageId: "broker-1")], "0", CancellationToken.None);
        var redelivered = await handler.HandleAsync([new TelemetryEvent(body, MessageId: "broker-1")], "0", CancellationToken.None);
        var sameBodyOtherMessage = await handler.HandleAsync([new TelemetryEvent(body, MessageId: "broker-2")], "0", CancellationToken.None);

        Assert.AreEqual(1, sent.Scored);
        Assert.AreEqual("duplicate-message", redelivered.DeadLetters.Single().Reason);
        Assert.AreEqual(1, sameBodyOtherMessage.Scored, "another broker message with the same bytes is another reading");

        var batch = new ReadingBatch();
        var twoReadings = Encoding.UTF8.GetBytes("[" + Reading(messageId: null, t: 1) + "," + Reading(messageId: null, t: 2) + "]");
        handler.Process([new TelemetryEvent(twoReadings, SequenceNumber: 7, MessageId: "broker-3")], batch, updateState: false, deduplicate: false);
        Assert.AreEqual(MessageKeyKind.MessageId, batch.KeyKinds[0]);
        Assert.AreEqual("broker-3", batch.GetMessageId(0));
        Assert.AreEqual(MessageKeyKind.EventPosition, batch.KeyKinds[1], "one id cannot key two readings");
    }

    [TestMethod]
    public async Task Validate_RejectsAsModelNotLoaded_WhenNoModel()
    {
        var builder = new PipelineBuilder { LoadModel = false };
        var handler = builder.Build();
        var result = await handler.HandleAsync([Event("[" + Reading(messageId: "a") + "," + Reading(messageId: "b") + "]")], "0", CancellationToken.None);
        Assert.AreEqual(2, result.Rejected);
        Assert.IsTrue(result.DeadLetters.All(d => d.Reason == "model-not-loaded"));
    }

    [TestMethod]
    public async Task Validate_RejectsNewDevices_WhenDeviceTableIsFull()
    {
        var builder = new PipelineBuilder();
        builder.Telemetry.MaxDevices = 2;
        var handler = builder.Build();
        var result = await handler.HandleAsync([Event("[" + Reading("a") + "," + Reading("b") + "," + Reading("c") + "]")], "0", CancellationToken.None);
        Assert.AreEqual(2, result.Scored);
        Assert.AreEqual("too-many-devices", result.DeadLetters.Single().Reason);
    }

    [TestMethod]
    public async Task Parse_KeepsGoodReadings_WhenArrayIsTruncated()
    {
        var body = "[" + Reading(messageId: "a") + "," + Reading(messageId: "b") + "," + Reading(messageId: "c")[..30];
        var result = await RunBody(body);
        Assert.AreEqual(2, result.Scored);
        Assert.AreEqual(1, result.Rejected);
        Assert.AreEqual("malformed-json", result.DeadLetters.Single().Reason);
        StringAssert.StartsWith(result.DeadLetters.Single().Payload, "{\"deviceId\"", "the dead letter holds the unparsed remainder");
    }

    [TestMethod]
    public async Task Parse_RejectsOnlyTheBadElement_WhenOneReadingInABatchIsInvalid()
    {
        var bad = "{\"deviceId\":\"p\",\"timestamp\":\"2026-11-22T11:59:59Z\",\"readings\":{\"temperature\":\"x\",\"pressure\":1,\"vibration\":1}}";
        var result = await RunBody("[" + Reading(messageId: "a") + "," + bad + "," + Reading(messageId: "c") + "]");
        Assert.AreEqual(2, result.Scored);
        Assert.AreEqual("non-numeric-value", result.DeadLetters.Single().Reason);
        StringAssert.Contains(result.DeadLetters.Single().Payload, "\"temperature\":\"x\"");
    }

    [TestMethod]
    public async Task Parse_HandlesEscapedNames_WhenJsonUsesUnicodeEscapes()
    {
        var body = "{\"device\\u0049d\":\"pump-\\u0031\",\"timestamp\":\"2026-11-22T11:59:59Z\",\"messageId\":\"m\\u00e9\",\"readings\":{\"temper\\u0061ture\":1,\"pressure\":1,\"vibration\":1}}";
        var handler = new PipelineBuilder().Build();
        var result = await handler.HandleAsync([Event(body)], "0", CancellationToken.None);
        Assert.AreEqual(1, result.Scored, string.Join(";", result.DeadLetters.Select(d => d.Detail)));
        Assert.IsTrue(handler.Devices.TryGet("pump-1", out _));
    }

    [TestMethod]
    public async Task Handle_CountsEveryReading_WhenBatchMixesGoodAndBad()
    {
        var events = new[]
        {
            Event("[" + Reading(messageId: "1") + ",42," + Reading(messageId: "2") + "]"),
            Event("{broken"),
            Event(Reading(device: "", messageId: "3")),
            Event(Reading(messageId: "1")),
        };
        var result = await Run(events);
        Assert.AreEqual(6, result.Received);
        Assert.AreEqual(2, result.Scored);
        Assert.AreEqual(4, result.Rejected);
        AssertInvariant(result);
    }

    [TestMethod]
    public async Task Handle_FlagsAnomaly_WithTopContributor_WhenOneSensorIsFarOff()
    {
        var builder = new PipelineBuilder();
        var handler = builder.Build();
        var result = await handler.HandleAsync([Event(Reading(messageId: "x", t: 0, p: 50, v: 0))], "7", CancellationToken.None);
        var anomaly = result.Anomalies.Single();
        Assert.AreEqual("pressure", anomaly.TopContributors[0].Sensor);
        Assert.AreEqual("v1", anomaly.ModelVersion);
        Assert.AreEqual("x", anomaly.MessageId);
        Assert.AreEqual("7", anomaly.PartitionId);
        Assert.AreEqual(1, builder.Sinks.Anomalies.Count);
    }

    [TestMethod]
    public async Task Handle_ForgetsDuplicateKeys_WhenSinksFail()
    {
        var builder = new PipelineBuilder();
        var handler = builder.Build();
        builder.Sinks.FailNextWrites = 3;
        var events = new[] { Event(Reading(messageId: "retry-me", p: 50)) };

        await Assert.ThrowsExactlyAsync<IOException>(() => HandleWhileTimeAdvances(builder, handler, events));
        var retry = await handler.HandleAsync(events, "0", CancellationToken.None);
        Assert.AreEqual(1, retry.Scored, "a redelivered batch after a sink failure is not a duplicate");
        Assert.AreEqual(1, builder.Sinks.Anomalies.Count);
    }

    [TestMethod]
    public async Task Handle_ScoresARedeliveredBatchFromTheSameDeviceState_WhenSinksFailed()
    {
        var builder = new PipelineBuilder();
        builder.Scoring.StuckRunLength = 5;
        var handler = builder.Build();
        var body = StuckTemperature("r", 0, 3);
        var events = new[] { Event(body) };
        builder.Sinks.FailNextWrites = 3;

        await Assert.ThrowsExactlyAsync<IOException>(() => HandleWhileTimeAdvances(builder, handler, events));
        var retry = await handler.HandleAsync(events, "0", CancellationToken.None);

        Assert.AreEqual(3, retry.Scored);
        Assert.IsFalse(
            retry.Anomalies.Any(a => a.Quality.HasFlag(QualityFlags.StuckSensor)),
            "three equal temperatures are not a stuck run of five: the failed attempt's three must not count");
        Assert.IsTrue(handler.Devices.TryGet("pump-001", out var device));
        Assert.AreEqual(3, device!.Scored);
        Assert.AreEqual(3, device.DetectorState!.Count, "the detector state took each reading once");

        var more = StuckTemperature("r", 3, 2);
        var next = await handler.HandleAsync([Event(more)], "0", CancellationToken.None);
        Assert.AreEqual("r4", next.Anomalies.Single(a => a.Quality.HasFlag(QualityFlags.StuckSensor)).MessageId, "the fifth equal value is the stuck one");
    }

    [TestMethod]
    public async Task Handle_KeepsDeviceState_WhenTheBatchWasStored()
    {
        var builder = new PipelineBuilder();
        var handler = builder.Build();
        await handler.HandleAsync([Event(Reading(messageId: "a"))], "0", CancellationToken.None);
        builder.Sinks.FailNextWrites = 3;

        await Assert.ThrowsExactlyAsync<IOException>(() => HandleWhileTimeAdvances(builder, handler, [Event(Reading(messageId: "b"))]));

        Assert.IsTrue(handler.Devices.TryGet("pump-001", out var device));
        Assert.AreEqual(1, device!.Scored, "the stored batch stays, the failed one is undone");
        Assert.AreEqual(1, device.DetectorState!.Count);
    }

    /// <summary>A JSON array of readings <c>{prefix}{from}</c>… whose temperature stays at 0.5 while the other sensors move.</summary>
    private static string StuckTemperature(string prefix, int from, int count)
        => "[" + string.Join(",", Enumerable.Range(from, count).Select(i => Reading(messageId: prefix + i, t: 0.5, p: 0.1 * i, v: -0.1 * i))) + "]";

    /// <summary>Handles <paramref name="events"/> while the fake clock moves on, so the sink retries' delays pass.</summary>
    private async Task<Processing.BatchResult> HandleWhileTimeAdvances(PipelineBuilder builder, Processing.TelemetryBatchHandler handler, TelemetryEvent[] events)
    {
        var write = handler.HandleAsync(events, "0", CancellationToken.None);
        for (var i = 0; i < 10 && !write.IsCompleted; i++)
        {
            await Task.Yield();
            builder.Time.Advance(TimeSpan.FromSeconds(1));
            await Task.Delay(10, TestContext.CancellationToken);
        }

        return await write;
    }

    [TestMethod]
    public async Task Quality_FlagsStuckSensor_WhenValueRepeats()
    {
        var builder = new PipelineBuilder();
        builder.Scoring.StuckRunLength = 5;
        var handler = builder.Build();
        var body = StuckTemperature("s", 0, 6);
        var result = await handler.HandleAsync([Event(body)], "0", CancellationToken.None);
        Assert.AreEqual(6, result.Scored);
        Assert.IsTrue(result.Anomalies.Any(a => a.Quality.HasFlag(QualityFlags.StuckSensor)));
        Assert.IsFalse(result.Anomalies.Any(a => a.MessageId == "s0"), "the first readings are not stuck yet");
    }

    [TestMethod]
    public async Task Quality_FlagsGap_WhenDeviceWasSilent()
    {
        var handler = new PipelineBuilder().Build();
        var body = "[" + Reading(messageId: "g1", timestamp: Now.AddHours(-2).ToString("O")) + "," + Reading(messageId: "g2", p: 5, timestamp: Now.AddHours(-1).ToString("O")) + "]";
        var result = await handler.HandleAsync([Event(body)], "0", CancellationToken.None);
        Assert.AreEqual(2, result.Scored);
        Assert.IsTrue(result.Anomalies.Single(a => a.MessageId == "g2").Quality.HasFlag(QualityFlags.Gap));
    }

    [TestMethod]
    public void Process_AllocatesNothingPerReading_OnSteadyPath()
    {
        var builder = new PipelineBuilder();
        var handler = builder.Build();
        var body = Encoding.UTF8.GetBytes("[" + string.Join(",", Enumerable.Range(0, 100).Select(i => Reading(device: "pump-" + (i % 10), messageId: null, t: i % 3, p: 1, v: 2))) + "]");
        var events = new[] { new TelemetryEvent(body) };
        var batch = new ReadingBatch();

        var perReading = Allocations.PerCall(_ => handler.Process(events, batch, updateState: true, deduplicate: false), calls: 100, warmup: 20) / 100;

        Assert.AreEqual(100, batch.ScoredCount);
        Assert.IsLessThan(1.0, perReading, $"allocated {perReading:F2} bytes per reading");
    }
}
