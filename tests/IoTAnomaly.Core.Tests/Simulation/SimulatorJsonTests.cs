using System.Text;
using System.Text.Json;
using IoTAnomaly.Core.Detection;
using IoTAnomaly.Core.Processing;
using IoTAnomaly.Core.Simulation;
using IoTAnomaly.Core.Telemetry;
using IoTAnomaly.Testing;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace IoTAnomaly.Core.Tests.Simulation;

[TestClass]
public sealed class SimulatorJsonTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 22, 12, 0, 0, TimeSpan.Zero);

    public TestContext TestContext { get; set; } = null!;

    /// <summary>A batch handler around a fake detector that knows the 8 SKAB sensors, with wide physical bounds.</summary>
    private static (TelemetryBatchHandler Handler, RecordingSinks Sinks) Pipeline()
    {
        var models = new ModelHolder();
        models.Swap(new LoadedModel(new FakeDetector("v1", FleetSimulator.SensorNames, physicalMin: -1e6, physicalMax: 1e6, threshold: 1e9), "etag", Now));
        var telemetry = new TelemetryOptions();
        var sinks = new RecordingSinks();
        var handler = new TelemetryBatchHandler(
            models,
            new DeviceTable(telemetry.MaxDevices),
            new DuplicateFilter(telemetry.DuplicateWindowSize),
            new TelemetryParser(telemetry),
            sinks,
            sinks,
            [],
            Options.Create(new ScoringOptions()),
            new FakeTimeProvider(Now),
            NullLogger<TelemetryBatchHandler>.Instance);
        return (handler, sinks);
    }

    private static SimulatorOptions SimOptions(double malformedRate = 0, double faultRate = 0) => new()
    {
        DeviceCount = 25,
        Seed = 99,
        StartTime = Now.AddHours(-1),
        FaultRate = faultRate,
        MalformedRate = malformedRate,
    };

    [TestMethod]
    public void ToJson_WritesTheTelemetryContract_WhenNormalReading()
    {
        var reading = new SimulatedReading("pump-007", "r-12", new DateTimeOffset(2026, 11, 22, 10, 0, 0, 500, TimeSpan.Zero), [0.2, 0.27, 2.4, -0.1, 89.5, 28.4, 228.5, 125.25], FaultKind.None);

        var json = Encoding.UTF8.GetString(FleetSimulator.ToJson(reading));

        Assert.AreEqual(
            "{\"deviceId\":\"pump-007\",\"timestamp\":\"2026-11-22T10:00:00.5Z\",\"messageId\":\"r-12\",\"readings\":{\"Accelerometer1RMS\":0.2,\"Accelerometer2RMS\":0.27,"
            + "\"Current\":2.4,\"Pressure\":-0.1,\"Temperature\":89.5,\"Thermocouple\":28.4,\"Voltage\":228.5,\"Volume Flow RateRMS\":125.25}}",
            json);
    }

    [TestMethod]
    public async Task HandleAsync_ScoresEverySimulatedReading_WhenNoneMalformed()
    {
        var (handler, _) = Pipeline();
        var sim = new FleetSimulator(SimOptions(faultRate: 0.01));
        var readings = sim.NextSteps(40);

        var bodies = SimulatorJson.BuildBodies(readings, maxPerBody: 100);
        var result = await handler.HandleAsync(bodies.Select(b => new TelemetryEvent(b)).ToArray(), "0", TestContext.CancellationToken);

        Assert.HasCount(10, bodies);
        Assert.AreEqual(readings.Count, result.Received);
        Assert.AreEqual(readings.Count, result.Scored, string.Join(", ", result.RejectedByReason.Select(kv => kv.Key + "=" + kv.Value)));
    }

    [TestMethod]
    [DataRow(MalformedKind.BrokenJson, "malformed-json")]
    [DataRow(MalformedKind.StringValue, "non-numeric-value")]
    [DataRow(MalformedKind.MissingSensor, "missing-sensor-value")]
    [DataRow(MalformedKind.NaNString, "non-finite-value")]
    public async Task HandleAsync_RejectsMalformedReadingWithItsReason(MalformedKind kind, string reason)
    {
        var (handler, sinks) = Pipeline();
        var normal = new FleetSimulator(SimOptions()).NextStep()[0];
        for (var sensor = 0; sensor < 8; sensor++)
        {
            var reading = normal with { MessageId = "m-" + sensor, Fault = FaultKind.Malformed, MalformedPayload = FleetSimulator.MalformedPayload(normal, kind, sensor) };

            var result = await handler.HandleAsync([new TelemetryEvent(FleetSimulator.ToJson(reading))], "0", TestContext.CancellationToken);

            Assert.AreEqual(1, result.Rejected, reading.MalformedPayload);
            Assert.AreEqual(reason, result.DeadLetters.Single().Reason, reading.MalformedPayload);
            Assert.AreEqual(kind == MalformedKind.BrokenJson, SimulatorJson.IsSyntacticallyBroken(reading));
        }

        Assert.HasCount(8, sinks.DeadLetters);
    }

    [TestMethod]
    public async Task BuildBodies_KeepsValidReadingsScored_WhenMalformedOnesAreMixedIn()
    {
        var (handler, _) = Pipeline();
        var sim = new FleetSimulator(SimOptions(malformedRate: 0.05));
        var readings = sim.NextSteps(80);
        var malformed = readings.Where(r => r.Malformed).ToArray();
        var broken = malformed.Count(SimulatorJson.IsSyntacticallyBroken);
        Assert.IsGreaterThan(5, broken, "the sample holds broken messages");
        Assert.IsGreaterThan(broken, malformed.Length, "and type-broken ones");

        var bodies = SimulatorJson.BuildBodies(readings, maxPerBody: 100);
        var result = await handler.HandleAsync(bodies.Select(b => new TelemetryEvent(b)).ToArray(), "0", TestContext.CancellationToken);

        Assert.AreEqual(readings.Count, result.Received, "one row per reading: a broken message never takes others down");
        Assert.AreEqual(readings.Count - malformed.Length, result.Scored);
        Assert.AreEqual(malformed.Length, result.Rejected);
        Assert.AreEqual(broken, result.RejectedByReason.GetValueOrDefault("malformed-json"));
        CollectionAssert.IsSubsetOf(result.RejectedByReason.Keys.ToArray(), new[] { "malformed-json", "non-numeric-value", "missing-sensor-value", "non-finite-value" });
        Assert.AreEqual(broken + (int)Math.Ceiling((readings.Count - broken) / 100.0), bodies.Count);
    }

    [TestMethod]
    public async Task BuildArray_LosesTheRestOfTheArray_WhenABrokenMessageIsInside()
    {
        // Why broken messages travel alone: inside an array, everything after the syntax error is one unreadable remainder.
        var (handler, _) = Pipeline();
        var readings = new FleetSimulator(SimOptions()).NextStep().Take(6).ToArray();
        readings[2] = readings[2] with { Fault = FaultKind.Malformed, MalformedPayload = FleetSimulator.MalformedPayload(readings[2], MalformedKind.BrokenJson, 3) };

        var result = await handler.HandleAsync([new TelemetryEvent(SimulatorJson.BuildArray(readings))], "0", TestContext.CancellationToken);

        Assert.AreEqual(2, result.Scored);
        Assert.AreEqual(1, result.Rejected);
    }

    [TestMethod]
    public void BuildBodies_SplitsArraysAtTheLimit_AndEachBodyIsValidJson()
    {
        var readings = new FleetSimulator(SimOptions()).NextSteps(10);

        var bodies = SimulatorJson.BuildBodies(readings, maxPerBody: 60);

        CollectionAssert.AreEqual(new[] { 60, 60, 60, 60, 10 }, bodies.Select(b => JsonDocument.Parse(b).RootElement.GetArrayLength()).ToArray());
    }
}
