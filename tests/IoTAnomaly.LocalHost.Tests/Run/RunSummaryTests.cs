using IoTAnomaly.Core.Simulation;
using IoTAnomaly.LocalHost.Ingest;
using IoTAnomaly.LocalHost.Run;
using Microsoft.Extensions.Logging.Abstractions;

namespace IoTAnomaly.LocalHost.Tests.Run;

[TestClass]
public sealed class RunSummaryTests
{
    [TestMethod]
    public async Task RunSummary_AccountsForEveryReading_WhenSimulatedFleetStreamsThroughIngest()
    {
        await using var factory = new LocalHostFactory(new Dictionary<string, string?>
        {
            ["LocalHost:BootstrapReadings"] = "4000",
            ["Simulator:DeviceCount"] = "5",
        });
        using var client = factory.CreateApiClient();
        var version = await factory.Get<ModelBootstrapper>().EnsureChampionAsync(CancellationToken.None);
        Assert.IsNotNull(version);
        const double rate = 4000;
        var fleet = LocalRunService.FleetForRun(
            new SimulatorOptions { DeviceCount = 5, Seed = 42, FaultRate = 0.01, MalformedRate = 0.01 },
            rate,
            DateTimeOffset.UtcNow);
        var tracker = factory.Get<RunTracker>();
        var streamer = new FleetStreamer(client, tracker, NullLogger.Instance);

        var sent = await streamer.RunAsync(new FleetSimulator(fleet), rate, 100, 4000, CancellationToken.None);

        Assert.AreEqual(4000, sent);
        var stats = await LocalHostFactory.WaitForProcessedAsync(client, sent);
        var summary = tracker.Summarize(factory.Get<IngestStatistics>().Snapshot(), version, TimeSpan.FromSeconds(1));
        Assert.AreEqual(summary.Received, summary.Scored + summary.Rejected);
        Assert.AreEqual(4000, summary.Received);
        Assert.AreEqual(4000, summary.Sent);
        Assert.AreEqual(stats.Anomalies, summary.Anomalies);
        Assert.AreEqual(summary.Anomalies, summary.DetectedFaults + summary.FalseAlarms, "every anomaly is either on an injected fault or a false alarm");
        Assert.IsGreaterThan(0, summary.InjectedFaults, "a fault rate of 1 % over 4,000 readings injects faults");
        Assert.IsGreaterThan(0, summary.DetectedFaults);
        Assert.IsLessThanOrEqualTo(summary.InjectedFaults, summary.DetectedFaults);
        Assert.IsGreaterThan(0, summary.Rejected, "malformed readings are rejected");
        Assert.IsLessThanOrEqualTo(summary.FaultEpisodes, summary.DetectedEpisodes);
        Assert.AreEqual(version, summary.ModelVersion);
    }
}
