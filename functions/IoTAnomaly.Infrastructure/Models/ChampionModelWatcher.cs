using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace IoTAnomaly.Infrastructure.Models;

/// <summary>
/// Runs <see cref="ChampionModelLoader.PollOnceAsync"/> once while the host starts (unless
/// <see cref="ModelLoaderOptions.LoadAtStart"/> is off) and then every <see cref="ModelLoaderOptions.PollInterval"/>
/// on a <see cref="PeriodicTimer"/> driven by the injected <see cref="TimeProvider"/>.
/// </summary>
public sealed class ChampionModelWatcher(ChampionModelLoader loader, IOptions<ModelLoaderOptions> options, TimeProvider timeProvider) : BackgroundService
{
    public override async Task StartAsync(CancellationToken cancellationToken)
    {
        if (options.Value.LoadAtStart)
        {
            await loader.PollOnceAsync(cancellationToken);
        }

        await base.StartAsync(cancellationToken);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!options.Value.LoadAtStart)
        {
            await loader.PollOnceAsync(stoppingToken);
        }

        using var timer = new PeriodicTimer(options.Value.PollInterval, timeProvider);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                await loader.PollOnceAsync(stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }
}
