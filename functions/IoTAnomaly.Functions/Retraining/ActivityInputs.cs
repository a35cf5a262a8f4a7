using IoTAnomaly.Core.Retraining;

namespace IoTAnomaly.Functions.Retraining;

// An activity takes one input: these carry the arguments of the IRetrainingActivities methods that take several.

public sealed record TrainChallengerInput(RetrainingRequest Request, TrainingWindowRef Window);

public sealed record EvaluateInput(RetrainingRequest Request, TrainingWindowRef Window, ChallengerRef Challenger);

public sealed record RegisterChallengerInput(RetrainingRequest Request, ChallengerRef Challenger, EvaluationResult Evaluation);

public sealed record DecisionInput(RetrainingRequest Request, ChallengerRef Challenger, string Reason);

/// <summary>The orchestration's custom status: the workflow's current stage and its detail.</summary>
public sealed record RetrainingStageStatus(string Stage, object? Detail);
