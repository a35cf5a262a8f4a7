using IoTAnomaly.Core.Models;
using IoTAnomaly.Core.Retraining;
using IoTAnomaly.Infrastructure.Retraining;
using IoTAnomaly.Testing;
using Microsoft.Extensions.Logging.Abstractions;

namespace IoTAnomaly.Infrastructure.Tests.Retraining;

/// <summary>
/// Issue 8, faults: a retraining step fails midway (real Blob activities, a challenger that would win). The run ends
/// <c>Failed</c> with the stage it was in and the reason; the champion is unchanged; whatever was registered before the
/// failure is not champion; and a new run can start afterwards.
/// </summary>
[TestClass]
public sealed class RetrainingStepFailureTests
{
    public TestContext TestContext { get; set; } = null!;

    [TestMethod]
    [DataRow(RetrainingStages.Training, false, DisplayName = "training fails: nothing registered")]
    [DataRow(RetrainingStages.Evaluating, false, DisplayName = "evaluation fails: nothing registered")]
    [DataRow(RetrainingStages.Registering, false, DisplayName = "registration fails")]
    [DataRow(RetrainingStages.Promoting, true, DisplayName = "promotion fails after registration: challenger registered, not champion")]
    public async Task Run_EndsFailedWithStageAndReason_ChampionUnchanged_WhenAStepThrows(string failingStage, bool challengerRegistered)
    {
        var world = await RetrainingWorld.CreateAsync();
        var champion = await world.RegisterChampionAsync(shiftSigmas: 4);
        var readings = RetrainingWorld.Readings(10, 300, seed: 31, RetrainingWorld.T0);
        await world.CaptureAsync(readings);
        var store = new BlobRetrainingRunStore(world.RetrainingContainer);
        var failing = new FailingActivities(world.Activities(), failingStage);
        var runner = new LocalRetrainingRunner(store, failing, TimeProvider.System, NullLogger<LocalRetrainingRunner>.Instance);

        var run = await runner.StartAsync(world.Request(readings), TestContext.CancellationToken);
        await runner.GetRunTask(run.InstanceId)!;

        var stored = await store.GetAsync(run.InstanceId, TestContext.CancellationToken);
        Assert.AreEqual(RetrainingRunStatus.Failed, stored!.Status);
        Assert.AreEqual(failingStage, stored.Stage, "the run says which step failed");
        StringAssert.Contains(stored.Failure, "storage went away during " + failingStage);
        var pointer = await world.Registry.GetPointerAsync(world.Model, ModelRole.Champion, TestContext.CancellationToken);
        Assert.AreEqual(champion, pointer!.Version, "the champion is unchanged");
        var versions = await world.Registry.ListVersionsAsync(world.Model, TestContext.CancellationToken);
        Assert.AreEqual(challengerRegistered ? 2 : 1, versions.Count, string.Join(", ", versions.Select(v => v.Version)));
        Assert.IsFalse((await world.Registry.GetAuditLogAsync(world.Model, TestContext.CancellationToken)).Any(a => a.Action == "promote" && a.Version != champion));

        // A failed run does not block the model: the next run (steps healthy again) promotes the challenger.
        failing.Healthy = true;
        var again = await runner.StartAsync(world.Request(readings), TestContext.CancellationToken);
        await runner.GetRunTask(again.InstanceId)!;
        var second = await store.GetAsync(again.InstanceId, TestContext.CancellationToken);
        Assert.AreEqual(RetrainingRunStatus.Completed, second!.Status, second.Failure);
        Assert.AreEqual(RetrainingDecisions.Promoted, second.Output!.Decision, second.Output.Reason);
        Assert.AreNotEqual(champion, (await world.Registry.GetPointerAsync(world.Model, ModelRole.Champion, TestContext.CancellationToken))!.Version);
    }

    /// <summary>The real activities, with the step of one stage throwing after (registration: before) doing nothing.</summary>
    private sealed class FailingActivities(IRetrainingActivities inner, string stage) : DelegatingRetrainingActivities(inner)
    {
        public bool Healthy { get; set; }

        public override async Task<ChallengerRef> TrainChallengerAsync(RetrainingRequest request, TrainingWindowRef window, CancellationToken cancellationToken)
        {
            Fail(RetrainingStages.Training);
            return await base.TrainChallengerAsync(request, window, cancellationToken);
        }

        public override async Task<EvaluationResult> EvaluateAsync(RetrainingRequest request, TrainingWindowRef window, ChallengerRef challenger, CancellationToken cancellationToken)
        {
            Fail(RetrainingStages.Evaluating);
            return await base.EvaluateAsync(request, window, challenger, cancellationToken);
        }

        public override async Task RegisterChallengerAsync(RetrainingRequest request, ChallengerRef challenger, EvaluationResult evaluation, CancellationToken cancellationToken)
        {
            Fail(RetrainingStages.Registering);
            await base.RegisterChallengerAsync(request, challenger, evaluation, cancellationToken);
        }

        public override Task<string> PromoteAsync(RetrainingRequest request, ChallengerRef challenger, string reason, CancellationToken cancellationToken)
        {
            Fail(RetrainingStages.Promoting);
            return base.PromoteAsync(request, challenger, reason, cancellationToken);
        }

        private void Fail(string current)
        {
            if (!Healthy && current == stage)
            {
                throw new IOException("storage went away during " + stage);
            }
        }
    }
}
