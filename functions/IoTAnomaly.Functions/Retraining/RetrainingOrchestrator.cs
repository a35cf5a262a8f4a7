using IoTAnomaly.Core.Diagnostics;
using IoTAnomaly.Core.Retraining;
using IoTAnomaly.Functions.Diagnostics;
using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask;

namespace IoTAnomaly.Functions.Retraining;

/// <summary>
/// The Durable orchestrator: runs Core's deterministic <see cref="RetrainingWorkflow"/> over
/// <see cref="DurableRetrainingSteps"/>. Its input is the fully resolved <see cref="RetrainingRequest"/>; its output is
/// the <see cref="RetrainingOutcome"/>. Metrics and logs are written only when not replaying, so each run counts once.
/// </summary>
public sealed class RetrainingOrchestrator
{
    [Function(nameof(RetrainingOrchestrator))]
    public static async Task<RetrainingOutcome> RunAsync([OrchestrationTrigger] TaskOrchestrationContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var logger = context.CreateReplaySafeLogger<RetrainingOrchestrator>();
        var request = context.GetInput<RetrainingRequest>()
            ?? throw new InvalidOperationException($"Orchestration {context.InstanceId} has no {nameof(RetrainingRequest)} input.");
        try
        {
            var outcome = await RetrainingWorkflow.RunAsync(new DurableRetrainingSteps(context), request).ConfigureAwait(true);
            if (!context.IsReplaying)
            {
                IoTAnomalyTelemetry.RecordRetrainingRun(request.Model, outcome.Decision);
            }

            Log.RetrainingCompleted(logger, context.InstanceId, outcome.Decision, outcome.ChallengerVersion, outcome.Reason);
            return outcome;
        }
        catch (Exception ex)
        {
            if (!context.IsReplaying)
            {
                IoTAnomalyTelemetry.RecordRetrainingRun(request.Model, "failed");
            }

            Log.RetrainingFailed(logger, context.InstanceId, ex);
            throw;
        }
    }
}

/// <summary>
/// <see cref="IRetrainingSteps"/> for Durable: each I/O step is an activity call with a retry policy, approval is the
/// external event <c>approval</c> raced against a durable timer (the loser is cancelled, so the instance finishes
/// at once), and stages become the custom status. Deterministic: no clock, ids or I/O of its own.
/// </summary>
public sealed class DurableRetrainingSteps(TaskOrchestrationContext context) : IRetrainingSteps
{
    /// <summary>The external event an approve/reject request raises, carrying an <see cref="ApprovalDecision"/>.</summary>
    public const string ApprovalEventName = "approval";

    /// <summary>Three attempts, 15 s then 30 s apart: rides out a storage blip, not a real fault.</summary>
    private static readonly TaskOptions ActivityRetry = TaskOptions.FromRetryPolicy(new RetryPolicy(
        maxNumberOfAttempts: 3,
        firstRetryInterval: TimeSpan.FromSeconds(15),
        backoffCoefficient: 2.0));

    public Task<TrainingWindowRef> LoadTrainingWindowAsync(RetrainingRequest request)
        => context.CallActivityAsync<TrainingWindowRef>(nameof(RetrainingActivityFunctions.LoadTrainingWindow), request, ActivityRetry);

    public Task<ChallengerRef> TrainChallengerAsync(RetrainingRequest request, TrainingWindowRef window)
        => context.CallActivityAsync<ChallengerRef>(nameof(RetrainingActivityFunctions.TrainChallenger), new TrainChallengerInput(request, window), ActivityRetry);

    public Task<EvaluationResult> EvaluateAsync(RetrainingRequest request, TrainingWindowRef window, ChallengerRef challenger)
        => context.CallActivityAsync<EvaluationResult>(nameof(RetrainingActivityFunctions.EvaluateChallenger), new EvaluateInput(request, window, challenger), ActivityRetry);

    public Task RegisterChallengerAsync(RetrainingRequest request, ChallengerRef challenger, EvaluationResult evaluation)
        => context.CallActivityAsync(nameof(RetrainingActivityFunctions.RegisterChallenger), new RegisterChallengerInput(request, challenger, evaluation), ActivityRetry);

    public Task<string> PromoteAsync(RetrainingRequest request, ChallengerRef challenger, string reason)
        => context.CallActivityAsync<string>(nameof(RetrainingActivityFunctions.PromoteChallenger), new DecisionInput(request, challenger, reason), ActivityRetry);

    public Task RejectAsync(RetrainingRequest request, ChallengerRef challenger, string reason)
        => context.CallActivityAsync(nameof(RetrainingActivityFunctions.RejectChallenger), new DecisionInput(request, challenger, reason), ActivityRetry);

    public async Task<ApprovalDecision?> WaitForApprovalAsync(RetrainingRequest request, TimeSpan timeout)
    {
        using var cancel = new CancellationTokenSource();
        var approval = context.WaitForExternalEvent<ApprovalDecision>(ApprovalEventName, cancel.Token);
        var timer = context.CreateTimer(context.CurrentUtcDateTime.Add(timeout), cancel.Token);
        var winner = await Task.WhenAny(approval, timer).ConfigureAwait(true);

        // Cancel the loser (a pending durable timer would keep the instance Running until it fired). Synchronously:
        // CancelAsync would run the cancellation callbacks off the orchestrator's thread.
        cancel.Cancel();
        return winner == approval ? await approval.ConfigureAwait(true) : null;
    }

    public void ReportStage(string stage, object? detail) => context.SetCustomStatus(new RetrainingStageStatus(stage, detail));
}
