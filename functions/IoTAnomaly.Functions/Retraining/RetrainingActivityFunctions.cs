using IoTAnomaly.Core.Retraining;
using Microsoft.Azure.Functions.Worker;

namespace IoTAnomaly.Functions.Retraining;

/// <summary>
/// One <c>[ActivityTrigger]</c> per <see cref="IRetrainingActivities"/> method: each unpacks its input and makes the
/// one call into Infrastructure's implementation (the same one the local runner calls directly).
/// </summary>
public sealed class RetrainingActivityFunctions(IRetrainingActivities activities)
{
    [Function(nameof(LoadTrainingWindow))]
    public Task<TrainingWindowRef> LoadTrainingWindow([ActivityTrigger] RetrainingRequest request, CancellationToken cancellationToken)
        => activities.LoadTrainingWindowAsync(request, cancellationToken);

    [Function(nameof(TrainChallenger))]
    public Task<ChallengerRef> TrainChallenger([ActivityTrigger] TrainChallengerInput input, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(input);
        return activities.TrainChallengerAsync(input.Request, input.Window, cancellationToken);
    }

    [Function(nameof(EvaluateChallenger))]
    public Task<EvaluationResult> EvaluateChallenger([ActivityTrigger] EvaluateInput input, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(input);
        return activities.EvaluateAsync(input.Request, input.Window, input.Challenger, cancellationToken);
    }

    [Function(nameof(RegisterChallenger))]
    public Task RegisterChallenger([ActivityTrigger] RegisterChallengerInput input, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(input);
        return activities.RegisterChallengerAsync(input.Request, input.Challenger, input.Evaluation, cancellationToken);
    }

    [Function(nameof(PromoteChallenger))]
    public Task<string> PromoteChallenger([ActivityTrigger] DecisionInput input, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(input);
        return activities.PromoteAsync(input.Request, input.Challenger, input.Reason, cancellationToken);
    }

    [Function(nameof(RejectChallenger))]
    public Task RejectChallenger([ActivityTrigger] DecisionInput input, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(input);
        return activities.RejectAsync(input.Request, input.Challenger, input.Reason, cancellationToken);
    }
}
