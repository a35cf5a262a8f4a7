using IoTAnomaly.Core.Diagnostics;
using IoTAnomaly.Core.Drift;
using IoTAnomaly.Core.Retraining;
using Microsoft.DurableTask.Client;

namespace IoTAnomaly.Functions.Retraining;

/// <summary>
/// <see cref="IRetrainingStarter"/> over a <see cref="DurableTaskClient"/>. A client only exists as a function's
/// <c>[DurableClient]</c> binding, so this is created per invocation from that binding (never registered in DI).
/// One run per model: the instance id is <c>retrain-{model}</c>, and a start while that instance is not finished
/// returns <c>Started = false</c> (host.json sets <c>overridableExistingInstanceStates</c> to <c>NonRunningStates</c>,
/// so Durable itself also refuses to replace a running instance).
/// </summary>
public sealed class DurableRetrainingStarter(DurableTaskClient client) : IRetrainingStarter
{
    public async Task<RetrainingStartResult> StartAsync(RetrainingRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var instanceId = request.InstanceId;
        if (await ActiveAsync(instanceId, cancellationToken).ConfigureAwait(false) is { } active)
        {
            return new RetrainingStartResult(false, instanceId, $"Retraining '{instanceId}' is already {active}.");
        }

        try
        {
            await client.ScheduleNewOrchestrationInstanceAsync(
                nameof(RetrainingOrchestrator),
                request,
                new StartOrchestrationOptions(InstanceId: instanceId),
                cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // Lost a race with another start (timer and HTTP at once): report the conflict, rethrow anything else.
            if (await ActiveAsync(instanceId, cancellationToken).ConfigureAwait(false) is { } raced)
            {
                return new RetrainingStartResult(false, instanceId, $"Retraining '{instanceId}' is already {raced}.");
            }

            throw;
        }

        IoTAnomalyTelemetry.RetrainingStarted.Add(1);
        return new RetrainingStartResult(true, instanceId, null);
    }

    public async Task<DateTimeOffset?> LastStartedAsync(string model, CancellationToken cancellationToken)
    {
        var instance = await client.GetInstanceAsync(RetrainingRequest.InstanceIdFor(model), getInputsAndOutputs: false, cancellationToken).ConfigureAwait(false);
        return instance?.CreatedAt;
    }

    /// <summary>The runtime status when the instance exists and has not finished (Pending, Running, Suspended…), else null.</summary>
    private async Task<string?> ActiveAsync(string instanceId, CancellationToken cancellationToken)
    {
        var instance = await client.GetInstanceAsync(instanceId, getInputsAndOutputs: false, cancellationToken).ConfigureAwait(false);
        return instance is null || instance.IsCompleted ? null : instance.RuntimeStatus.ToString();
    }
}
