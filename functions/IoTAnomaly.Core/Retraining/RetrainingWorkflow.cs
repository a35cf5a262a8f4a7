namespace IoTAnomaly.Core.Retraining;

/// <summary>
/// The retraining decision, as plain deterministic code over <see cref="IRetrainingSteps"/>: no clock, no random ids,
/// no I/O of its own. The Durable orchestrator and the local runner both run exactly this.
/// </summary>
public static class RetrainingWorkflow
{
    public static async Task<RetrainingOutcome> RunAsync(IRetrainingSteps steps, RetrainingRequest request)
    {
        ArgumentNullException.ThrowIfNull(steps);
        ArgumentNullException.ThrowIfNull(request);

        steps.ReportStage(RetrainingStages.Loading, null);
        var window = await steps.LoadTrainingWindowAsync(request).ConfigureAwait(true);
        if (window.TrainingRows < request.MinTrainingRows)
        {
            var why = $"Only {window.TrainingRows} training rows in the window; at least {request.MinTrainingRows} are needed.";
            steps.ReportStage(RetrainingStages.Done, why);
            return new RetrainingOutcome(request.Model, RetrainingDecisions.InsufficientData, null, window.ChampionVersion, null, window, why);
        }

        steps.ReportStage(RetrainingStages.Training, window);
        var challenger = await steps.TrainChallengerAsync(request, window).ConfigureAwait(true);

        steps.ReportStage(RetrainingStages.Evaluating, challenger);
        var evaluation = await steps.EvaluateAsync(request, window, challenger).ConfigureAwait(true);

        if (request.DryRun)
        {
            steps.ReportStage(RetrainingStages.Done, evaluation);
            return new RetrainingOutcome(request.Model, RetrainingDecisions.DryRun, challenger.Version, challenger.ChampionVersion, evaluation, window, "Dry run: nothing registered or promoted. " + evaluation.Summary);
        }

        steps.ReportStage(RetrainingStages.Registering, evaluation);
        await steps.RegisterChallengerAsync(request, challenger, evaluation).ConfigureAwait(true);

        if (!evaluation.ChallengerBetter)
        {
            return await RejectAsync(steps, request, challenger, evaluation, window, "Challenger not better than the champion: " + evaluation.Summary).ConfigureAwait(true);
        }

        if (string.Equals(request.Mode, PromotionModes.Approval, StringComparison.Ordinal))
        {
            steps.ReportStage(RetrainingStages.WaitingForApproval, evaluation);
            var decision = await steps.WaitForApprovalAsync(request, request.ApprovalTimeout).ConfigureAwait(true);
            if (decision is null)
            {
                return await RejectAsync(steps, request, challenger, evaluation, window, $"No approval within {request.ApprovalTimeout}.").ConfigureAwait(true);
            }

            if (!decision.Approved)
            {
                return await RejectAsync(steps, request, challenger, evaluation, window, $"Rejected by {decision.By}: {decision.Comment}").ConfigureAwait(true);
            }

            return await PromoteAsync(steps, request, challenger, evaluation, window, $"Approved by {decision.By}: {decision.Comment}. {evaluation.Summary}").ConfigureAwait(true);
        }

        return await PromoteAsync(steps, request, challenger, evaluation, window, "Automatic promotion: " + evaluation.Summary).ConfigureAwait(true);
    }

    private static async Task<RetrainingOutcome> PromoteAsync(IRetrainingSteps steps, RetrainingRequest request, ChallengerRef challenger, EvaluationResult evaluation, TrainingWindowRef window, string reason)
    {
        steps.ReportStage(RetrainingStages.Promoting, evaluation);
        var champion = await steps.PromoteAsync(request, challenger, reason).ConfigureAwait(true);
        steps.ReportStage(RetrainingStages.Done, reason);
        return new RetrainingOutcome(request.Model, RetrainingDecisions.Promoted, challenger.Version, champion, evaluation, window, reason);
    }

    private static async Task<RetrainingOutcome> RejectAsync(IRetrainingSteps steps, RetrainingRequest request, ChallengerRef challenger, EvaluationResult evaluation, TrainingWindowRef window, string reason)
    {
        steps.ReportStage(RetrainingStages.Rejecting, reason);
        await steps.RejectAsync(request, challenger, reason).ConfigureAwait(true);
        steps.ReportStage(RetrainingStages.Done, reason);
        return new RetrainingOutcome(request.Model, RetrainingDecisions.Rejected, challenger.Version, challenger.ChampionVersion, evaluation, window, reason);
    }
}
