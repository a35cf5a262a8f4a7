using System.Diagnostics.Metrics;
using IoTAnomaly.Core.Models;
using IoTAnomaly.Core.Retraining;
using IoTAnomaly.Infrastructure.Retraining;
using IoTAnomaly.Testing;
using Microsoft.Extensions.Logging.Abstractions;

namespace IoTAnomaly.Infrastructure.Tests.Retraining;

/// <summary>The local runner through <see cref="RetrainingWorkflow"/> on top of the Blob activities and run store.</summary>
[TestClass]
public sealed class LocalRetrainingRunnerTests
{
    public TestContext TestContext { get; set; } = null!;

    [TestMethod]
    public async Task Start_DriftedChampion_RunEndsPromotedAndSecondStartConflicts()
    {
        var world = await RetrainingWorld.CreateAsync();
        var champion = await world.RegisterChampionAsync(shiftSigmas: 4);
        var readings = RetrainingWorld.Readings(10, 300, seed: 21, RetrainingWorld.T0);
        await world.CaptureAsync(readings);
        var store = new BlobRetrainingRunStore(world.RetrainingContainer);
        var gated = new GatedActivities(world.Activities());
        var runner = new LocalRetrainingRunner(store, gated, TimeProvider.System, NullLogger<LocalRetrainingRunner>.Instance);
        var request = world.Request(readings);

        var run = await runner.StartAsync(request, TestContext.CancellationToken);
        await gated.Entered.Task; // the run is inside its first step

        await Assert.ThrowsExactlyAsync<RetrainingConflictException>(() => runner.StartAsync(request, TestContext.CancellationToken));
        var otherProcess = new LocalRetrainingRunner(new BlobRetrainingRunStore(world.RetrainingContainer), gated, TimeProvider.System, NullLogger<LocalRetrainingRunner>.Instance);
        await Assert.ThrowsExactlyAsync<RetrainingConflictException>(() => otherProcess.StartAsync(request, TestContext.CancellationToken));
        var starter = await new LocalRetrainingStarter(runner).StartAsync(request, TestContext.CancellationToken);
        Assert.IsFalse(starter.Started);
        Assert.AreEqual(LocalRetrainingStarter.AlreadyRunning, starter.Reason);

        var task = runner.GetRunTask(run.InstanceId);
        Assert.IsNotNull(task);
        gated.Release.SetResult();
        await task;

        var stored = await store.GetAsync(run.InstanceId, TestContext.CancellationToken);
        Assert.AreEqual(RetrainingRunStatus.Completed, stored?.Status, stored?.Failure);
        Assert.AreEqual(RetrainingDecisions.Promoted, stored?.Output?.Decision, stored?.Output?.Reason);
        var pointer = await world.Registry.GetPointerAsync(world.Model, ModelRole.Champion, TestContext.CancellationToken);
        Assert.AreEqual(stored?.Output?.ChallengerVersion, pointer?.Version);
        Assert.AreNotEqual(champion, pointer?.Version);
        Assert.AreEqual(champion, stored?.Output?.Window?.ChampionVersion);
        Assert.AreEqual(RetrainingStages.Done, stored?.Stage);
    }

    [TestMethod]
    [DataRow(true, RetrainingDecisions.Promoted)]
    [DataRow(false, RetrainingDecisions.Rejected)]
    public async Task Start_ApprovalMode_DecisionDeliveredAfterRegistration_EndsAsDecided(bool approved, string decision)
    {
        var world = await RetrainingWorld.CreateAsync();
        var champion = await world.RegisterChampionAsync(shiftSigmas: 4);
        var readings = RetrainingWorld.Readings(10, 300, seed: 22, RetrainingWorld.T0);
        await world.CaptureAsync(readings);
        var store = new BlobRetrainingRunStore(world.RetrainingContainer);
        var gated = new GatedActivities(world.Activities());
        gated.Release.SetResult();
        var runner = new LocalRetrainingRunner(store, gated, TimeProvider.System, NullLogger<LocalRetrainingRunner>.Instance);
        var outcomes = new List<(string Instrument, long Value, string? Outcome)>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == "IoTAnomaly" && instrument.Name.StartsWith("iotanomaly.retraining.", StringComparison.Ordinal))
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) =>
        {
            string? outcome = null, model = null;
            foreach (var tag in tags)
            {
                outcome = tag.Key == "outcome" ? tag.Value as string : outcome;
                model = tag.Key == "model.name" ? tag.Value as string : model;
            }

            if (model == world.Model)
            {
                lock (outcomes)
                {
                    outcomes.Add((instrument.Name, value, outcome));
                }
            }
        });
        listener.Start();

        var run = await runner.StartAsync(world.Request(readings, PromotionModes.Approval), TestContext.CancellationToken);
        var task = runner.GetRunTask(run.InstanceId);
        Assert.IsNotNull(task);
        await gated.Registered.Task.WaitAsync(TestContext.CancellationToken);
        Assert.IsTrue(runner.RaiseApproval(run.InstanceId, new ApprovalDecision(approved, "on-call", "checked the evaluation")));
        await task;

        var stored = await store.GetAsync(run.InstanceId, TestContext.CancellationToken);
        Assert.AreEqual(decision, stored?.Output?.Decision, stored?.Failure ?? stored?.Output?.Reason);
        StringAssert.Contains(stored?.Output?.Reason, "on-call");
        var pointer = await world.Registry.GetPointerAsync(world.Model, ModelRole.Champion, TestContext.CancellationToken);
        Assert.AreEqual(approved ? stored?.Output?.ChallengerVersion : champion, pointer?.Version);
        var audit = await world.Registry.GetAuditLogAsync(world.Model, TestContext.CancellationToken);
        Assert.AreEqual(approved ? 0 : 1, audit.Count(e => e.Action == "reject" && e.Version == stored?.Output?.ChallengerVersion));
        Assert.IsFalse(runner.RaiseApproval(run.InstanceId, new ApprovalDecision(true, "late", null)), "no run is waiting any more");
        lock (outcomes)
        {
            // One increment per run, carrying its outcome: summing iotanomaly.retraining.runs over outcomes counts runs.
            CollectionAssert.AreEqual(new[] { ("iotanomaly.retraining.runs", 1L, (string?)decision) }, outcomes);
        }
    }

    [TestMethod]
    public async Task Start_AfterCompletedRun_StartsAgain()
    {
        var world = await RetrainingWorld.CreateAsync();
        var store = new BlobRetrainingRunStore(world.RetrainingContainer);
        var runner = new LocalRetrainingRunner(store, world.Activities(), TimeProvider.System, NullLogger<LocalRetrainingRunner>.Instance);
        var readings = RetrainingWorld.Readings(1, 5, seed: 1, RetrainingWorld.T0);
        var starter = new LocalRetrainingStarter(runner);
        var ended = new TaskCompletionSource<RetrainingRun>(TaskCreationOptions.RunContinuationsAsynchronously);
        runner.RunCompleted += (_, r) => ended.TrySetResult(r);

        var first = await starter.StartAsync(world.Request(readings), TestContext.CancellationToken);
        await ended.Task.WaitAsync(TestContext.CancellationToken);
        var firstRun = await store.GetAsync(first.InstanceId, TestContext.CancellationToken);
        var second = await starter.StartAsync(world.Request(readings), TestContext.CancellationToken);

        Assert.IsTrue(first.Started);
        Assert.AreEqual(RetrainingDecisions.InsufficientData, firstRun?.Output?.Decision, firstRun?.Failure); // no champion, no capture
        Assert.IsTrue(second.Started, second.Reason);
        await (runner.GetRunTask(second.InstanceId) ?? Task.CompletedTask);
    }

    [TestMethod]
    public async Task Recover_StaleRunningRecord_MarkedInterrupted()
    {
        var store = new BlobRetrainingRunStore(await AzuriteFixture.CreateContainerAsync("retraining"));
        var stale = BlobRetrainingRunStoreTests.NewRun("pumps", RetrainingWorld.T0);
        Assert.IsTrue(await store.TryStartAsync(stale, TestContext.CancellationToken));
        await store.SaveAsync(BlobRetrainingRunStoreTests.NewRun("done", RetrainingWorld.T0, RetrainingRunStatus.Completed), TestContext.CancellationToken);
        var runner = new LocalRetrainingRunner(store, new GatedActivities(null!), TimeProvider.System, NullLogger<LocalRetrainingRunner>.Instance);

        var marked = await runner.RecoverAsync(TestContext.CancellationToken);

        Assert.AreEqual(1, marked);
        var recovered = await store.GetAsync(stale.InstanceId, TestContext.CancellationToken);
        Assert.AreEqual(RetrainingRunStatus.Interrupted, recovered?.Status);
        Assert.IsNotNull(recovered?.Failure);
        Assert.AreEqual(RetrainingRunStatus.Completed, (await store.GetAsync("retrain-done", TestContext.CancellationToken))?.Status);
        Assert.HasCount(1, await store.ListHistoryAsync(stale.InstanceId, 10, TestContext.CancellationToken), "the interrupted run went to the history");
    }

    /// <summary>Holds the first step until released, so a test can act while a run is certainly active.</summary>
    private sealed class GatedActivities(IRetrainingActivities inner) : DelegatingRetrainingActivities(inner)
    {
        public TaskCompletionSource Entered { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public TaskCompletionSource Release { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public TaskCompletionSource Registered { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public override async Task<TrainingWindowRef> LoadTrainingWindowAsync(RetrainingRequest request, CancellationToken cancellationToken)
        {
            Entered.TrySetResult();
            await Release.Task;
            return await base.LoadTrainingWindowAsync(request, cancellationToken);
        }

        public override async Task RegisterChallengerAsync(RetrainingRequest request, ChallengerRef challenger, EvaluationResult evaluation, CancellationToken cancellationToken)
        {
            await base.RegisterChallengerAsync(request, challenger, evaluation, cancellationToken);
            Registered.TrySetResult();
        }
    }
}
