using IoTAnomaly.Core.Drift;
using IoTAnomaly.Core.Retraining;
using IoTAnomaly.Infrastructure.Diagnostics;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace IoTAnomaly.Infrastructure.Retraining;

/// <summary>
/// <see cref="IRetrainingStarter"/> over the <see cref="LocalRetrainingRunner"/> (the local host's stand-in for the
/// Durable client): a conflict (a run of the model is active here or per the run store) becomes Started = false.
/// </summary>
public sealed class LocalRetrainingStarter(LocalRetrainingRunner runner) : IRetrainingStarter
{
    /// <summary>The <see cref="RetrainingStartResult.Reason"/> when a run of the model is already active.</summary>
    public const string AlreadyRunning = "already-running";

    public async Task<RetrainingStartResult> StartAsync(RetrainingRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        try
        {
            var run = await runner.StartAsync(request, cancellationToken);
            return new RetrainingStartResult(true, run.InstanceId, null);
        }
        catch (RetrainingConflictException)
        {
            return new RetrainingStartResult(false, request.InstanceId, AlreadyRunning);
        }
    }

    public async Task<DateTimeOffset?> LastStartedAsync(string model, CancellationToken cancellationToken)
        => (await runner.GetAsync(RetrainingRequest.InstanceIdFor(model), cancellationToken))?.CreatedAt;
}

/// <summary>At host start, marks runs a previous process left Running as Interrupted (<see cref="LocalRetrainingRunner.RecoverAsync"/>).</summary>
internal sealed class LocalRetrainingRecovery(LocalRetrainingRunner runner, ILogger<LocalRetrainingRecovery> logger) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        try
        {
            var marked = await runner.RecoverAsync(cancellationToken);
            if (marked > 0)
            {
                Log.RunsRecovered(logger, marked);
            }
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            Log.RunRecoveryFailed(logger, ex);
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
