namespace IoTAnomaly.Core.Retraining;

/// <summary>
/// The I/O steps of a run (the Durable activities). Infrastructure implements them over capture, the trainer, the
/// evaluator and the registry; the local runner and the Durable activity functions both call that one implementation.
/// </summary>
public interface IRetrainingActivities
{
    Task<TrainingWindowRef> LoadTrainingWindowAsync(RetrainingRequest request, CancellationToken cancellationToken);

    Task<ChallengerRef> TrainChallengerAsync(RetrainingRequest request, TrainingWindowRef window, CancellationToken cancellationToken);

    Task<EvaluationResult> EvaluateAsync(RetrainingRequest request, TrainingWindowRef window, ChallengerRef challenger, CancellationToken cancellationToken);

    Task RegisterChallengerAsync(RetrainingRequest request, ChallengerRef challenger, EvaluationResult evaluation, CancellationToken cancellationToken);

    Task<string> PromoteAsync(RetrainingRequest request, ChallengerRef challenger, string reason, CancellationToken cancellationToken);

    Task RejectAsync(RetrainingRequest request, ChallengerRef challenger, string reason, CancellationToken cancellationToken);
}

/// <summary>Run states (the same names Durable uses for its runtime status, plus Interrupted).</summary>
public static class RetrainingRunStatus
{
    public const string Pending = "Pending";
    public const string Running = "Running";
    public const string Completed = "Completed";
    public const string Failed = "Failed";

    /// <summary>The host stopped while the run was in progress (local runner only).</summary>
    public const string Interrupted = "Interrupted";

    public static bool IsActive(string status) => status is Pending or Running;
}

/// <summary>A run's record, kept in storage by the local runner (<c>retraining/runs/{instanceId}.json</c>, with a history copy per finished run).</summary>
public sealed class RetrainingRun
{
    public required string InstanceId { get; init; }

    public required string Model { get; init; }

    public required string Status { get; set; }

    public string? Stage { get; set; }

    /// <summary>JSON of the latest stage detail (window, challenger, evaluation...).</summary>
    public string? StageDetail { get; set; }

    public required RetrainingRequest Request { get; init; }

    public required DateTimeOffset CreatedAt { get; init; }

    public DateTimeOffset LastUpdatedAt { get; set; }

    public RetrainingOutcome? Output { get; set; }

    public string? Failure { get; set; }

    /// <summary>Storage ETag at read time; not serialized.</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public string? ETag { get; set; }
}

/// <summary>Keeps run records. <see cref="TryStartAsync"/> is the singleton guard across processes.</summary>
public interface IRetrainingRunStore
{
    Task<RetrainingRun?> GetAsync(string instanceId, CancellationToken cancellationToken);

    /// <summary>
    /// Stores <paramref name="run"/> as the instance's current run unless a stored run of that instance is still
    /// Pending/Running (then returns false). Conditional on the ETag read, so two concurrent starts cannot both win.
    /// </summary>
    Task<bool> TryStartAsync(RetrainingRun run, CancellationToken cancellationToken);

    Task SaveAsync(RetrainingRun run, CancellationToken cancellationToken);

    Task<IReadOnlyList<RetrainingRun>> ListAsync(CancellationToken cancellationToken);
}

/// <summary>A second start while a run of the same model is active.</summary>
public sealed class RetrainingConflictException : Exception
{
    public RetrainingConflictException()
    {
    }

    public RetrainingConflictException(string message)
        : base(message)
    {
    }

    public RetrainingConflictException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
