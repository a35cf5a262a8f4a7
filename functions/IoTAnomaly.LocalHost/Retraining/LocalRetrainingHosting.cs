using Cronos;
using IoTAnomaly.Core.Drift;
using IoTAnomaly.Core.Processing;
using IoTAnomaly.Core.Retraining;
using IoTAnomaly.Infrastructure.Retraining;
using Microsoft.Extensions.Options;

namespace IoTAnomaly.LocalHost.Retraining;

/// <summary>The local stand-ins for the DriftMonitor timer, the sketch flush, and Durable Functions.</summary>
public static class LocalRetrainingHosting
{
    /// <summary>
    /// Adds the drift and retraining stores and activities (the same ones the Functions app uses), the local runner
    /// (instead of Durable), a hosted service that flushes drift sketches every <c>Drift:FlushInterval</c>, and one that
    /// runs the drift check on the <c>Drift:Schedule</c> cron — the TimerTrigger's own setting.
    /// </summary>
    public static TBuilder AddLocalRetraining<TBuilder>(this TBuilder builder)
        where TBuilder : IHostApplicationBuilder
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.AddIoTAnomalyRetraining();
        builder.AddLocalRetrainingRunner();
        builder.Services.AddSingleton<RetrainingActivityLog>();
        builder.Services.AddHostedService<DriftSketchFlushService>();
        builder.Services.AddHostedService<DriftMonitorService>();
        return builder;
    }
}

/// <summary>Runs the drift check on the six-field cron of <c>Drift:Schedule</c> (the TimerTrigger's schedule in Azure).</summary>
internal sealed partial class DriftMonitorService(DriftMonitor monitor, RetrainingActivityLog activity, IOptions<DriftOptions> options, TimeProvider time, ILogger<DriftMonitorService> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var cron = CronExpression.Parse(options.Value.Schedule, CronFormat.IncludeSeconds);
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                var now = time.GetUtcNow();
                var next = cron.GetNextOccurrence(now.UtcDateTime, TimeZoneInfo.Utc);
                if (next is null)
                {
                    return;
                }

                await Task.Delay(next.Value - now.UtcDateTime, time, stoppingToken).ConfigureAwait(false);
                try
                {
                    activity.OnDriftCheck(await monitor.RunOnceAsync(stoppingToken).ConfigureAwait(false));
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    LogCheckFailed(logger, ex);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    [LoggerMessage(EventId = 3602, Level = LogLevel.Error, Message = "The drift check failed; it runs again on schedule")]
    private static partial void LogCheckFailed(ILogger logger, Exception exception);
}

/// <summary>What drift and retraining did during this process's life, for the run summary.</summary>
public sealed class RetrainingActivityLog
{
    private readonly LocalRetrainingRunner _runner;
    private readonly string _instanceId;
    private int _checks;
    private int _drifted;
    private int _completed;
    private int _promoted;

    public RetrainingActivityLog(LocalRetrainingRunner runner, IOptions<ScoringOptions> scoring)
    {
        ArgumentNullException.ThrowIfNull(runner);
        ArgumentNullException.ThrowIfNull(scoring);
        _runner = runner;
        _instanceId = RetrainingRequest.InstanceIdFor(scoring.Value.ModelName);
        runner.RunCompleted += (_, run) =>
        {
            Interlocked.Increment(ref _completed);
            if (run.Output?.Decision == RetrainingDecisions.Promoted)
            {
                Interlocked.Increment(ref _promoted);
            }
        };
    }

    public int DriftChecks => Volatile.Read(ref _checks);

    public int DriftDetected => Volatile.Read(ref _drifted);

    public int Completed => Volatile.Read(ref _completed);

    public int Promoted => Volatile.Read(ref _promoted);

    public void OnDriftCheck(DriftReport? report)
    {
        if (report is null)
        {
            return;
        }

        Interlocked.Increment(ref _checks);
        if (report.IsDrifted)
        {
            Interlocked.Increment(ref _drifted);
        }
    }

    /// <summary>Waits (bounded) for a retraining of the served model that is still running, so the summary sees its outcome.</summary>
    public async Task WaitForActiveRunsAsync(TimeSpan max, CancellationToken cancellationToken)
    {
        if (_runner.GetRunTask(_instanceId) is { } task)
        {
            try
            {
                await task.WaitAsync(max, cancellationToken).ConfigureAwait(false);
            }
            catch (TimeoutException)
            {
                // Still running: the summary reports what finished.
            }
        }
    }
}
