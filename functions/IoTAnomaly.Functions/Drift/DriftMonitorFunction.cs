using IoTAnomaly.Core.Drift;
using IoTAnomaly.Functions.Diagnostics;
using IoTAnomaly.Functions.Retraining;
using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace IoTAnomaly.Functions.Drift;

/// <summary>
/// The drift timer: one <see cref="DriftMonitor.RunOnceAsync"/> per tick; drift starts the orchestration
/// <c>RetrainingOrchestrator</c> as <c>retrain-{model}</c> (a start while one runs is reported in the drift report's
/// action, not an error). Core's <see cref="DriftMonitor"/> takes its <see cref="IRetrainingStarter"/> in the
/// constructor, and a Durable client exists only as this invocation's binding, so the monitor is built per invocation
/// with a <see cref="DurableRetrainingStarter"/> over that client (everything else comes from the container).
/// </summary>
public sealed class DriftMonitorFunction(IServiceProvider services, ILogger<DriftMonitorFunction> logger)
{
    /// <summary>The function's name (the class is not called DriftMonitor, which is Core's service).</summary>
    public const string FunctionName = "DriftMonitor";

    [Function(FunctionName)]
    public async Task RunAsync(
        [TimerTrigger("%DriftSchedule%")] TimerInfo timer,
        [DurableClient] DurableTaskClient client,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(timer);
        var monitor = ActivatorUtilities.CreateInstance<DriftMonitor>(services, new DurableRetrainingStarter(client));
        var report = await monitor.RunOnceAsync(cancellationToken).ConfigureAwait(false);
        if (report is null)
        {
            Log.DriftSkippedNoModel(logger, timer.IsPastDue);
        }
    }
}
