using IoTAnomaly.Core.Drift;
using IoTAnomaly.Core.Retraining;

namespace IoTAnomaly.Functions.Retraining;

/// <summary>
/// The container's <see cref="IRetrainingStarter"/> in the Functions app: a placeholder that refuses. Core registers a
/// singleton <see cref="DriftMonitor"/> that needs a starter (and the host validates the container in Development),
/// but a Durable client exists only as a function's <c>[DurableClient]</c> binding, so the functions that start runs
/// use a <see cref="DurableRetrainingStarter"/> over their binding instead (see <c>DriftMonitorFunction</c>).
/// </summary>
internal sealed class UnboundRetrainingStarter : IRetrainingStarter
{
    public Task<RetrainingStartResult> StartAsync(RetrainingRequest request, CancellationToken cancellationToken)
        => throw new InvalidOperationException(
            "In the Functions app a retraining run is started through a DurableRetrainingStarter over a [DurableClient] binding, not from the container.");

    public Task<DateTimeOffset?> LastStartedAsync(string model, CancellationToken cancellationToken)
        => throw new InvalidOperationException(
            "In the Functions app run history is read through a DurableRetrainingStarter over a [DurableClient] binding, not from the container.");
}
