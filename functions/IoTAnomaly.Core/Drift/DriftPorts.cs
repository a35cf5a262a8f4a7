using IoTAnomaly.Core.Retraining;

namespace IoTAnomaly.Core.Drift;

/// <summary>Stores flushed sketch sets (<c>drift/{model}/sketches/{yyyy}/{MM}/{dd}/{HH}/{windowEnd}-{writer}.sketch</c>, hourly roll-ups beside them).</summary>
public interface IDriftSketchStore
{
    Task SaveAsync(DriftSketchSet set, CancellationToken cancellationToken);

    /// <summary>Sets whose window ends within [from, to].</summary>
    Task<IReadOnlyList<DriftSketchSet>> LoadAsync(string model, DateTimeOffset from, DateTimeOffset to, CancellationToken cancellationToken);
}

/// <summary>Stores drift reports.</summary>
public interface IDriftReportStore
{
    Task SaveAsync(DriftReport report, CancellationToken cancellationToken);

    Task<IReadOnlyList<DriftReport>> ListRecentAsync(string model, int max, CancellationToken cancellationToken);
}

/// <summary>Starts a retraining run: the local runner here, the Durable client in Azure.</summary>
public interface IRetrainingStarter
{
    /// <summary>Starts unless one is running for the model; then returns Started = false with the reason.</summary>
    Task<RetrainingStartResult> StartAsync(RetrainingRequest request, CancellationToken cancellationToken);

    /// <summary>
    /// When the model's latest run (<c>retrain-{model}</c>) was created, or null when it never ran. Read from the
    /// durable record (Durable instance metadata, or the local run store), so every instance and every invocation sees
    /// the same answer.
    /// </summary>
    Task<DateTimeOffset?> LastStartedAsync(string model, CancellationToken cancellationToken);
}

public sealed record RetrainingStartResult(bool Started, string InstanceId, string? Reason);
