using IoTAnomaly.Core.Detection;
using IoTAnomaly.Core.Drift;
using IoTAnomaly.Core.Processing;
using IoTAnomaly.Core.Retraining;
using IoTAnomaly.Core.Simulation;
using IoTAnomaly.Core.Telemetry;
using IoTAnomaly.Infrastructure.Drift;
using IoTAnomaly.Infrastructure.Models;
using IoTAnomaly.Infrastructure.Retraining;
using IoTAnomaly.Testing;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace IoTAnomaly.Infrastructure.Tests.Retraining;

/// <summary>
/// The whole loop against Azurite: a scorer serving a drifted champion scores the fleet (anomalies to the Blob sink,
/// sketches to the Blob sketch store, events to capture), the drift check finds drift and starts the local runner,
/// the run trains, evaluates and promotes a challenger, and the champion loader swaps it in for the next batch.
/// </summary>
[TestClass]
public sealed class DriftToHotSwapTests
{
    public TestContext TestContext { get; set; } = null!;

    [TestMethod]
    public async Task DriftCheck_DriftedChampion_RetrainsPromotesAndScorerSwapsToNewChampion()
    {
        var ct = TestContext.CancellationToken;
        var world = await RetrainingWorld.CreateAsync();
        var champion = await world.RegisterChampionAsync(shiftSigmas: 4);
        var readings = RetrainingWorld.Readings(10, 150, seed: 31, RetrainingWorld.T0);
        await world.CaptureAsync(readings);
        var time = new FakeTimeProvider(readings.Max(r => r.Timestamp).AddSeconds(5));

        // The scorer: champion loader, batch handler with the Blob anomaly sink and the drift accumulator.
        var holder = new ModelHolder();
        using var loader = new ChampionModelLoader(world.Registry, new PcaDetectorFactory(), holder, time, Options.Create(new ModelLoaderOptions { ModelName = world.Model }));
        Assert.AreEqual(ModelPollOutcome.Loaded, await loader.PollOnceAsync(ct));
        var accumulator = new DriftSketchAccumulator(time);
        var handler = new TelemetryBatchHandler(
            holder,
            new DeviceTable(1000),
            new DuplicateFilter(100_000),
            new TelemetryParser(new TelemetryOptions()),
            world.AnomalySink,
            new RecordingSinks(),
            [accumulator],
            Options.Create(new ScoringOptions { ModelName = world.Model }),
            time,
            NullLogger<TelemetryBatchHandler>.Instance);
        long flagged = 0;
        foreach (var step in readings.GroupBy(r => r.Timestamp).Chunk(30))
        {
            var events = step.Select(g => new TelemetryEvent(SimulatorJson.BuildArray(g.ToArray()))).ToArray();
            var result = await handler.HandleAsync(events, "0", ct);
            Assert.AreEqual(champion, result.ModelVersion);
            flagged += result.Anomalies.Count;
        }

        var sketches = new BlobDriftSketchStore(await AzuriteFixture.CreateContainerAsync("drift"));
        var reports = new BlobDriftReportStore(sketches.Container);
        await new DriftSketchFlusher(accumulator, sketches).FlushOnceAsync(ct);

        // The drift check and the local runner.
        var runs = new BlobRetrainingRunStore(world.RetrainingContainer);
        var runner = new LocalRetrainingRunner(runs, world.Activities(), time, NullLogger<LocalRetrainingRunner>.Instance);
        var ended = new TaskCompletionSource<RetrainingRun>(TaskCreationOptions.RunContinuationsAsynchronously);
        runner.RunCompleted += (_, run) => ended.TrySetResult(run);
        var retraining = new RetrainingOptions { MinTrainingRows = 1000, LookBack = TimeSpan.FromMinutes(10) };
        var monitor = new DriftMonitor(holder, sketches, reports, new LocalRetrainingStarter(runner), Options.Create(new DriftOptions()), Options.Create(retraining), time, NullLogger<DriftMonitor>.Instance);

        var report = await monitor.RunOnceAsync(ct);

        Assert.IsNotNull(report);
        Assert.AreEqual(DriftVerdicts.Drifted, report.Verdict);
        Assert.AreEqual("retraining-started:" + RetrainingRequest.InstanceIdFor(world.Model), report.Action);
        Assert.AreEqual(DriftVerdicts.Drifted, (await reports.GetLatestAsync(world.Model, ct))?.Verdict);
        var finished = await ended.Task.WaitAsync(ct);
        Assert.AreEqual(RetrainingRunStatus.Completed, finished.Status, finished.Failure);
        Assert.AreEqual(RetrainingDecisions.Promoted, finished.Output?.Decision, finished.Output?.Reason);
        var window = finished.Output!.Window!;
        TestContext.WriteLine($"scored {readings.Count}, champion flagged {flagged}; window: {window.Note}");
        Assert.IsGreaterThan(readings.Count * 0.3, (double)flagged, "the drifted champion flags most of the new normal");
        StringAssert.Contains(window.Note, "data-quality", "so the exclusion rule keeps its model-based flags");
        Assert.IsGreaterThanOrEqualTo(1000, window.TrainingRows);

        // Hot swap: the loader sees the new pointer and the next batch is scored by the new champion.
        Assert.AreEqual(ModelPollOutcome.Loaded, await loader.PollOnceAsync(ct));
        var newChampion = finished.Output.ChallengerVersion;
        Assert.AreEqual(newChampion, holder.Current?.Version);
        var next = RetrainingWorld.Readings(10, 10, seed: 32, time.GetUtcNow().AddSeconds(-20));
        var after = await handler.HandleAsync(next.GroupBy(r => r.Timestamp).Select(g => new TelemetryEvent(SimulatorJson.BuildArray(g.ToArray()))).ToArray(), "0", ct);
        Assert.AreEqual(newChampion, after.ModelVersion);
        Assert.IsLessThan(0.2, (double)after.Anomalies.Count / after.Scored, "the new champion accepts the new normal");
    }

    [TestMethod]
    public async Task Activities_HalfTheFleetDriftedByThreeSigma_ChallengerTrainedOnTheNewNormalWins()
    {
        var ct = TestContext.CancellationToken;
        var world = await RetrainingWorld.CreateAsync();
        var champion = await world.RegisterChampionAsync(shiftSigmas: 0);
        var readings = RetrainingWorld.Readings(10, 600, seed: 51, RetrainingWorld.T0, o =>
        {
            o.DriftStart = RetrainingWorld.T0.AddSeconds(-120);
            o.DriftRamp = TimeSpan.FromSeconds(60);
            o.DriftFraction = 0.5;
            o.DriftMagnitude = 3;
        });
        await world.CaptureAsync(readings);
        var time = new FakeTimeProvider(readings.Max(r => r.Timestamp).AddSeconds(5));
        var holder = new ModelHolder();
        using var loader = new ChampionModelLoader(world.Registry, new PcaDetectorFactory(), holder, time, Options.Create(new ModelLoaderOptions { ModelName = world.Model }));
        await loader.PollOnceAsync(ct);
        var handler = new TelemetryBatchHandler(holder, new DeviceTable(1000), new DuplicateFilter(100_000), new TelemetryParser(new TelemetryOptions()), world.AnomalySink, new RecordingSinks(), [], Options.Create(new ScoringOptions { ModelName = world.Model }), time, NullLogger<TelemetryBatchHandler>.Instance);
        long flagged = 0;
        foreach (var step in readings.GroupBy(r => r.Timestamp).Chunk(30))
        {
            flagged += (await handler.HandleAsync(step.Select(g => new TelemetryEvent(SimulatorJson.BuildArray(g.ToArray()))).ToArray(), "0", ct)).Anomalies.Count;
        }

        var request = world.Request(readings);
        var activities = world.Activities();
        var window = await activities.LoadTrainingWindowAsync(request, ct);
        var challenger = await activities.TrainChallengerAsync(request, window, ct);
        var evaluation = await activities.EvaluateAsync(request, window, challenger, ct);

        // The scorer's per-device baselines absorb part of the drift, so it flags few readings: all are excluded,
        // the drifted devices' other readings stay, and the challenger learns their new operating point.
        TestContext.WriteLine($"flagged {flagged} of {readings.Count}; {evaluation.Summary}");
        Assert.AreEqual(flagged, window.ExcludedAnomalies, window.Note);
        Assert.AreEqual(champion, window.ChampionVersion);
        Assert.IsTrue(evaluation.ChallengerBetter, evaluation.Summary);
        Assert.IsGreaterThan(evaluation.Challenger.FalseAlarmRate, evaluation.Champion!.FalseAlarmRate);
    }
}
