using System.Collections.Concurrent;
using IoTAnomaly.Core.Retraining;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace IoTAnomaly.Core.Tests.Retraining;

[TestClass]
public sealed class RetrainingWorkflowTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 22, 12, 0, 0, TimeSpan.Zero);

    private static RetrainingRequest Request(string mode = PromotionModes.Auto, bool dryRun = false, long minRows = 100)
        => new RetrainingOptions { Mode = mode, MinTrainingRows = minRows, ApprovalTimeout = TimeSpan.FromHours(1) }
            .CreateRequest("pump-fleet", "test", "tester", Now, dryRun);

    /// <summary>Scripted steps: records every call; approval comes from a queue (null = timeout).</summary>
    private sealed class FakeSteps(long rows, bool challengerBetter) : IRetrainingSteps, IRetrainingActivities
    {
        public List<string> Calls { get; } = [];

        public List<string> Stages { get; } = [];

        public Queue<ApprovalDecision?> Approvals { get; } = new();

        public TimeSpan? ApprovalTimeoutSeen { get; private set; }

        public TaskCompletionSource? Gate { get; set; }

        public Exception? FailTraining { get; set; }

        public Task<TrainingWindowRef> LoadTrainingWindowAsync(RetrainingRequest request)
        {
            Calls.Add("load");
            return Task.FromResult(new TrainingWindowRef("ds", rows, (long)(rows * 0.8), (long)(rows * 0.2), 0, 0, null, null, "v1", "note"));
        }

        public async Task<ChallengerRef> TrainChallengerAsync(RetrainingRequest request, TrainingWindowRef window)
        {
            Calls.Add("train");
            if (Gate is not null)
            {
                await Gate.Task;
            }

            if (FailTraining is not null)
            {
                throw FailTraining;
            }

            return new ChallengerRef(request.Model, "v2", "bundle", "v1");
        }

        public Task<EvaluationResult> EvaluateAsync(RetrainingRequest request, TrainingWindowRef window, ChallengerRef challenger)
        {
            Calls.Add("evaluate");
            var c = new ModelEvaluation("v2", 100, 100, 0.01, challengerBetter ? 0.9 : 0.5, 3);
            var champion = new ModelEvaluation("v1", 100, 100, 0.2, 0.7, 2);
            return Task.FromResult(ChallengerEvaluator.Compare(c, champion, request.PromotionMargin, request.MaxFalseAlarmRate));
        }

        public Task RegisterChallengerAsync(RetrainingRequest request, ChallengerRef challenger, EvaluationResult evaluation)
        {
            Calls.Add("register");
            return Task.CompletedTask;
        }

        public Task<string> PromoteAsync(RetrainingRequest request, ChallengerRef challenger, string reason)
        {
            Calls.Add("promote");
            return Task.FromResult(challenger.Version);
        }

        public Task RejectAsync(RetrainingRequest request, ChallengerRef challenger, string reason)
        {
            Calls.Add("reject");
            return Task.CompletedTask;
        }

        public Task<ApprovalDecision?> WaitForApprovalAsync(RetrainingRequest request, TimeSpan timeout)
        {
            Calls.Add("wait");
            ApprovalTimeoutSeen = timeout;
            return Task.FromResult(Approvals.Dequeue());
        }

        public void ReportStage(string stage, object? detail) => Stages.Add(stage);

        Task<TrainingWindowRef> IRetrainingActivities.LoadTrainingWindowAsync(RetrainingRequest request, CancellationToken cancellationToken) => LoadTrainingWindowAsync(request);

        Task<ChallengerRef> IRetrainingActivities.TrainChallengerAsync(RetrainingRequest request, TrainingWindowRef window, CancellationToken cancellationToken) => TrainChallengerAsync(request, window);

        Task<EvaluationResult> IRetrainingActivities.EvaluateAsync(RetrainingRequest request, TrainingWindowRef window, ChallengerRef challenger, CancellationToken cancellationToken) => EvaluateAsync(request, window, challenger);

        Task IRetrainingActivities.RegisterChallengerAsync(RetrainingRequest request, ChallengerRef challenger, EvaluationResult evaluation, CancellationToken cancellationToken) => RegisterChallengerAsync(request, challenger, evaluation);

        Task<string> IRetrainingActivities.PromoteAsync(RetrainingRequest request, ChallengerRef challenger, string reason, CancellationToken cancellationToken) => PromoteAsync(request, challenger, reason);

        Task IRetrainingActivities.RejectAsync(RetrainingRequest request, ChallengerRef challenger, string reason, CancellationToken cancellationToken) => RejectAsync(request, challenger, reason);
    }

    [TestMethod]
    public async Task Run_Promotes_WhenChallengerBeatsChampionInAutoMode()
    {
        var steps = new FakeSteps(10_000, challengerBetter: true);
        var outcome = await RetrainingWorkflow.RunAsync(steps, Request());
        Assert.AreEqual(RetrainingDecisions.Promoted, outcome.Decision);
        Assert.AreEqual("v2", outcome.ChampionVersion);
        CollectionAssert.AreEqual(new[] { "load", "train", "evaluate", "register", "promote" }, steps.Calls);
        Assert.AreEqual(RetrainingStages.Done, steps.Stages[^1]);
    }

    [TestMethod]
    public async Task Run_Rejects_WhenChallengerIsNotBetter()
    {
        var steps = new FakeSteps(10_000, challengerBetter: false);
        var outcome = await RetrainingWorkflow.RunAsync(steps, Request());
        Assert.AreEqual(RetrainingDecisions.Rejected, outcome.Decision);
        Assert.AreEqual("v1", outcome.ChampionVersion);
        CollectionAssert.AreEqual(new[] { "load", "train", "evaluate", "register", "reject" }, steps.Calls);
    }

    [TestMethod]
    public async Task Run_Promotes_WhenApproved()
    {
        var steps = new FakeSteps(10_000, challengerBetter: true);
        steps.Approvals.Enqueue(new ApprovalDecision(true, "oncall", "looks good"));
        var outcome = await RetrainingWorkflow.RunAsync(steps, Request(PromotionModes.Approval));
        Assert.AreEqual(RetrainingDecisions.Promoted, outcome.Decision);
        StringAssert.Contains(outcome.Reason, "oncall");
        CollectionAssert.AreEqual(new[] { "load", "train", "evaluate", "register", "wait", "promote" }, steps.Calls);
        Assert.AreEqual(TimeSpan.FromHours(1), steps.ApprovalTimeoutSeen);
    }

    [TestMethod]
    public async Task Run_Rejects_WhenApproverRejects()
    {
        var steps = new FakeSteps(10_000, challengerBetter: true);
        steps.Approvals.Enqueue(new ApprovalDecision(false, "oncall", "not now"));
        var outcome = await RetrainingWorkflow.RunAsync(steps, Request(PromotionModes.Approval));
        Assert.AreEqual(RetrainingDecisions.Rejected, outcome.Decision);
        Assert.AreEqual("reject", steps.Calls[^1]);
    }

    [TestMethod]
    public async Task Run_Rejects_WhenApprovalTimesOut()
    {
        var steps = new FakeSteps(10_000, challengerBetter: true);
        steps.Approvals.Enqueue(null);
        var outcome = await RetrainingWorkflow.RunAsync(steps, Request(PromotionModes.Approval));
        Assert.AreEqual(RetrainingDecisions.Rejected, outcome.Decision);
        StringAssert.Contains(outcome.Reason, "No approval");
    }

    [TestMethod]
    public async Task Run_NeitherRegistersNorPromotes_WhenDryRun()
    {
        var steps = new FakeSteps(10_000, challengerBetter: true);
        var outcome = await RetrainingWorkflow.RunAsync(steps, Request(dryRun: true));
        Assert.AreEqual(RetrainingDecisions.DryRun, outcome.Decision);
        CollectionAssert.AreEqual(new[] { "load", "train", "evaluate" }, steps.Calls);
    }

    [TestMethod]
    public async Task Run_StopsEarly_WhenWindowHasTooFewRows()
    {
        var steps = new FakeSteps(50, challengerBetter: true);
        var outcome = await RetrainingWorkflow.RunAsync(steps, Request(minRows: 100));
        Assert.AreEqual(RetrainingDecisions.InsufficientData, outcome.Decision);
        CollectionAssert.AreEqual(new[] { "load" }, steps.Calls);
    }

    [TestMethod]
    public void Compare_NeverPromotes_WhenChallengerFalseAlarmRateIsTooHigh()
    {
        var noisy = new ModelEvaluation("v2", 100, 100, 0.3, 1.0, 5);
        var result = ChallengerEvaluator.Compare(noisy, null, 0.02, 0.05);
        Assert.IsFalse(result.ChallengerBetter);
    }

    private sealed class MemoryRunStore : IRetrainingRunStore
    {
        public ConcurrentDictionary<string, RetrainingRun> Runs { get; } = new();

        public Task<RetrainingRun?> GetAsync(string instanceId, CancellationToken cancellationToken)
            => Task.FromResult(Runs.TryGetValue(instanceId, out var r) ? r : null);

        public Task<bool> TryStartAsync(RetrainingRun run, CancellationToken cancellationToken)
        {
            lock (Runs)
            {
                if (Runs.TryGetValue(run.InstanceId, out var existing) && RetrainingRunStatus.IsActive(existing.Status))
                {
                    return Task.FromResult(false);
                }

                Runs[run.InstanceId] = run;
                return Task.FromResult(true);
            }
        }

        public Task SaveAsync(RetrainingRun run, CancellationToken cancellationToken)
        {
            Runs[run.InstanceId] = run;
            return Task.CompletedTask;
        }

        public Task<IReadOnlyList<RetrainingRun>> ListAsync(CancellationToken cancellationToken)
            => Task.FromResult<IReadOnlyList<RetrainingRun>>(Runs.Values.ToList());
    }

    [TestMethod]
    public async Task Runner_RefusesSecondStart_WhileOneRuns_ThenAllowsNext()
    {
        var steps = new FakeSteps(10_000, challengerBetter: true) { Gate = new TaskCompletionSource() };
        var store = new MemoryRunStore();
        var runner = new LocalRetrainingRunner(store, steps, new FakeTimeProvider(Now), NullLogger<LocalRetrainingRunner>.Instance);
        var first = await runner.StartAsync(Request(), CancellationToken.None);
        Assert.AreEqual("retrain-pump-fleet", first.InstanceId);
        await Assert.ThrowsExactlyAsync<RetrainingConflictException>(() => runner.StartAsync(Request(), CancellationToken.None));

        steps.Gate.SetResult();
        await runner.GetRunTask(first.InstanceId)!;
        var done = await runner.GetAsync(first.InstanceId, CancellationToken.None);
        Assert.AreEqual(RetrainingRunStatus.Completed, done!.Status);
        Assert.AreEqual(RetrainingDecisions.Promoted, done.Output!.Decision);

        steps.Gate = null;
        var second = await runner.StartAsync(Request(), CancellationToken.None);
        await runner.GetRunTask(second.InstanceId)!;
    }

    [TestMethod]
    public async Task Runner_DeliversApproval_ToWaitingRun()
    {
        var activities = new FakeSteps(10_000, challengerBetter: true);
        var time = new FakeTimeProvider(Now);
        var store = new MemoryRunStore();
        var runner = new LocalRetrainingRunner(store, activities, time, NullLogger<LocalRetrainingRunner>.Instance);
        var run = await runner.StartAsync(Request(PromotionModes.Approval), CancellationToken.None);
        var task = runner.GetRunTask(run.InstanceId)!;
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while ((await runner.GetAsync(run.InstanceId, CancellationToken.None))!.Stage != RetrainingStages.WaitingForApproval)
        {
            Assert.IsLessThan(deadline, DateTime.UtcNow, "the run never waited for approval");
            await Task.Delay(20);
        }

        Assert.IsTrue(runner.RaiseApproval(run.InstanceId, new ApprovalDecision(true, "oncall", "ok")));
        await task;
        var done = await runner.GetAsync(run.InstanceId, CancellationToken.None);
        Assert.AreEqual(RetrainingDecisions.Promoted, done!.Output!.Decision);
    }

    [TestMethod]
    public async Task Runner_RejectsOnTimeout_WhenNoApprovalArrives()
    {
        var activities = new FakeSteps(10_000, challengerBetter: true);
        var time = new FakeTimeProvider(Now);
        var runner = new LocalRetrainingRunner(new MemoryRunStore(), activities, time, NullLogger<LocalRetrainingRunner>.Instance);
        var run = await runner.StartAsync(Request(PromotionModes.Approval), CancellationToken.None);
        var task = runner.GetRunTask(run.InstanceId)!;
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (!task.IsCompleted)
        {
            Assert.IsLessThan(deadline, DateTime.UtcNow, "the approval timer never fired");
            time.Advance(TimeSpan.FromMinutes(30));
            await Task.Delay(20);
        }

        var done = await runner.GetAsync(run.InstanceId, CancellationToken.None);
        Assert.AreEqual(RetrainingDecisions.Rejected, done!.Output!.Decision);
    }

    [TestMethod]
    public async Task Runner_MarksStaleRunningRecords_Interrupted_OnRecover()
    {
        var store = new MemoryRunStore();
        store.Runs["retrain-x"] = new RetrainingRun
        {
            InstanceId = "retrain-x", Model = "x", Status = RetrainingRunStatus.Running, Request = Request(), CreatedAt = Now,
        };
        var runner = new LocalRetrainingRunner(store, new FakeSteps(1, false), new FakeTimeProvider(Now), NullLogger<LocalRetrainingRunner>.Instance);
        Assert.AreEqual(1, await runner.RecoverAsync(CancellationToken.None));
        Assert.AreEqual(RetrainingRunStatus.Interrupted, store.Runs["retrain-x"].Status);
    }

    [TestMethod]
    public async Task Runner_RecordsFailure_WhenAStepThrows()
    {
        var steps = new FakeSteps(10_000, true) { FailTraining = new InvalidOperationException("trainer exploded") };
        var store = new MemoryRunStore();
        var runner = new LocalRetrainingRunner(store, steps, new FakeTimeProvider(Now), NullLogger<LocalRetrainingRunner>.Instance);
        var run = await runner.StartAsync(Request(), CancellationToken.None);
        await runner.GetRunTask(run.InstanceId)!;
        var done = await runner.GetAsync(run.InstanceId, CancellationToken.None);
        Assert.AreEqual(RetrainingRunStatus.Failed, done!.Status);
        StringAssert.Contains(done.Failure, "trainer exploded");
        Assert.IsFalse(runner.IsRunning(run.InstanceId));
    }
}
