using IoTAnomaly.Core.Drift;
using IoTAnomaly.Functions.Diagnostics;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace IoTAnomaly.Functions.Hosting;

/// <summary>
/// Flushes this instance's drift sketches every <see cref="DriftOptions.FlushInterval"/> and once more at shutdown
/// (scale-in). A hosted service, not a timer function: a timer runs on one instance only, but every instance that
/// scores readings holds sketches of its own.
/// </summary>
internal sealed class DriftSketchFlushService(
    DriftSketchFlusher flusher,
    IOptions<DriftOptions> options,
    TimeProvider time,
    ILogger<DriftSketchFlushService> logger) : BackgroundService
{
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
            // Host shutting down; StopAsync does the last flush.
        }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken).ConfigureAwait(false);
        await FlushAsync(cancellationToken).ConfigureAwait(false);
    }

    private async Task FlushAsync(CancellationToken cancellationToken)
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
}
