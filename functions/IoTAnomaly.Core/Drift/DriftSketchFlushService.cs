using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace IoTAnomaly.Core.Drift;

/// <summary>
/// Flushes this process's drift sketches every <see cref="DriftOptions.FlushInterval"/> and once more at shutdown.
/// Every host that scores readings runs it (the Functions app on each instance — a timer function would run on one
/// instance only, but every instance holds sketches of its own — and the local host).
/// </summary>
public sealed class DriftSketchFlushService(
    DriftSketchFlusher flusher,
    IOptions<DriftOptions> options,
    TimeProvider time,
    ILogger<DriftSketchFlushService> logger) : BackgroundService
{
    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken).ConfigureAwait(false);
        await FlushAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>One flush; a storage error is logged and the window is kept for the next flush.</summary>
    public async Task FlushAsync(CancellationToken cancellationToken)
    {
        try
        {
            await flusher.FlushOnceAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            Log.DriftFlushFailed(logger, ex);
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.FlushInterval, time);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
            {
                await FlushAsync(stoppingToken).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Shutting down; StopAsync does the last flush.
        }
    }
}
