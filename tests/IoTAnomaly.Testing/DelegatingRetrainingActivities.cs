using IoTAnomaly.Core.Retraining;

namespace IoTAnomaly.Testing;

/// <summary>Forwards every retraining step to <paramref name="inner"/>; a test decorator overrides only the steps it changes.</summary>
public abstract class DelegatingRetrainingActivities(IRetrainingActivities inner) : IRetrainingActivities
{
    public virtual Task<TrainingWindowRef> LoadTrainingWindowAsync(RetrainingRequest request, CancellationToken cancellationToken)
        => inner.LoadTrainingWindowAsync(request, cancellationToken);

    public virtual Task<ChallengerRef> TrainChallengerAsync(RetrainingRequest request, TrainingWindowRef window, CancellationToken cancellationToken)
        => inner.TrainChallengerAsync(request, window, cancellationToken);

    public virtual Task<EvaluationResult> EvaluateAsync(RetrainingRequest request, TrainingWindowRef window, ChallengerRef challenger, CancellationToken cancellationToken)
        => inner.EvaluateAsync(request, window, challenger, cancellationToken);

    public virtual Task RegisterChallengerAsync(RetrainingRequest request, ChallengerRef challenger, EvaluationResult evaluation, CancellationToken cancellationToken)
        => inner.RegisterChallengerAsync(request, challenger, evaluation, cancellationToken);

    public virtual Task<string> PromoteAsync(RetrainingRequest request, ChallengerRef challenger, string reason, CancellationToken cancellationToken)
        => inner.PromoteAsync(request, challenger, reason, cancellationToken);

    public virtual Task RejectAsync(RetrainingRequest request, ChallengerRef challenger, string reason, CancellationToken cancellationToken)
        => inner.RejectAsync(request, challenger, reason, cancellationToken);
}
