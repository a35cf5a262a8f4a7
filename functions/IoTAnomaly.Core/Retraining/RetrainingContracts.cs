namespace IoTAnomaly.Core.Retraining;

/// <summary>How a challenger that beats the champion gets promoted.</summary>
public static class PromotionModes
{
    /// <summary>Promote as soon as the evaluation says the challenger is better by the margin.</summary>
    public const string Auto = "auto";

    /// <summary>Wait for an approve/reject event (with a timeout that rejects).</summary>
    public const string Approval = "approval";
}

/// <summary>
/// Everything one retraining run needs, resolved before it starts (the workflow reads no configuration or clock).
/// Serializable: it is the Durable orchestration's input.
/// </summary>
public sealed record RetrainingRequest(
    string Model,
    string Reason,
    string RequestedBy,
    DateTimeOffset RequestedAt,
    bool DryRun,
    string Mode,
    double PromotionMargin,
    double MaxFalseAlarmRate,
    TimeSpan LookBack,
    TimeSpan ApprovalTimeout,
    long MinTrainingRows,
    double HoldoutFraction,
    int Seed)
{
    /// <summary>The one instance id per model: a second start while one runs is a conflict.</summary>
    public string InstanceId => InstanceIdFor(Model);

    public static string InstanceIdFor(string model) => "retrain-" + model;
}

/// <summary>A staged training set (rows stay in storage; only this reference travels through the workflow).</summary>
public sealed record TrainingWindowRef(
    string DatasetId,
    long Rows,
    long TrainingRows,
    long HoldoutRows,
    long ExcludedAnomalies,
    long ExcludedRejected,
    DateTimeOffset? From,
    DateTimeOffset? To,
    string? ChampionVersion,
    string Note);

/// <summary>A trained, not yet registered challenger (its bundle is staged in storage).</summary>
public sealed record ChallengerRef(string Model, string Version, string StagedBundleId, string? ChampionVersion);

/// <summary>One model's figures on the held-out recent window plus injected faults.</summary>
public sealed record ModelEvaluation(
    string Version,
    long HoldoutRows,
    long InjectedFaults,
    double FalseAlarmRate,
    double Recall,
    double ScoreSeparation)
{
    /// <summary>Recall minus false-alarm rate: what promotion compares.</summary>
    public double Utility => Recall - FalseAlarmRate;
}

public sealed record EvaluationResult(ModelEvaluation Challenger, ModelEvaluation? Champion, bool ChallengerBetter, string Summary);

public sealed record ApprovalDecision(bool Approved, string By, string? Comment);

/// <summary>Stages of a run, for status displays.</summary>
public static class RetrainingStages
{
    public const string Loading = "loading-training-window";
    public const string Training = "training-challenger";
    public const string Evaluating = "evaluating";
    public const string Registering = "registering-challenger";
    public const string WaitingForApproval = "waiting-for-approval";
    public const string Promoting = "promoting";
    public const string Rejecting = "rejecting";
    public const string Done = "done";
}

/// <summary>Final decisions.</summary>
public static class RetrainingDecisions
{
    public const string Promoted = "promoted";
    public const string Rejected = "rejected";
    public const string DryRun = "dry-run";
    public const string InsufficientData = "insufficient-data";
}

public sealed record RetrainingOutcome(
    string Model,
    string Decision,
    string? ChallengerVersion,
    string? ChampionVersion,
    EvaluationResult? Evaluation,
    TrainingWindowRef? Window,
    string Reason);

/// <summary>
/// The side effects of a retraining run. The Durable orchestrator implements each call as an activity (and approval as
/// an external event raced against a durable timer); the local runner calls an implementation directly.
/// </summary>
public interface IRetrainingSteps
{
    /// <summary>Loads the look-back window from capture (excluding anomalous and rejected readings) and stages it.</summary>
    Task<TrainingWindowRef> LoadTrainingWindowAsync(RetrainingRequest request);

    /// <summary>Trains a challenger on the window's training part and stages its bundle.</summary>
    Task<ChallengerRef> TrainChallengerAsync(RetrainingRequest request, TrainingWindowRef window);

    /// <summary>Evaluates challenger and champion on the window's held-out part plus injected faults.</summary>
    Task<EvaluationResult> EvaluateAsync(RetrainingRequest request, TrainingWindowRef window, ChallengerRef challenger);

    /// <summary>Registers the challenger's bundle (with its evaluation metrics) and marks it challenger.</summary>
    Task RegisterChallengerAsync(RetrainingRequest request, ChallengerRef challenger, EvaluationResult evaluation);

    /// <summary>Promotes the challenger (conditional on the champion it was compared with); audits; returns the new champion.</summary>
    Task<string> PromoteAsync(RetrainingRequest request, ChallengerRef challenger, string reason);

    /// <summary>Records the rejection in the audit log and empties the challenger slot if it still holds the challenger.</summary>
    Task RejectAsync(RetrainingRequest request, ChallengerRef challenger, string reason);

    /// <summary>Waits for approve/reject; null when <paramref name="timeout"/> passes first.</summary>
    Task<ApprovalDecision?> WaitForApprovalAsync(RetrainingRequest request, TimeSpan timeout);

    /// <summary>Publishes progress (custom status). Must not throw.</summary>
    void ReportStage(string stage, object? detail);
}
