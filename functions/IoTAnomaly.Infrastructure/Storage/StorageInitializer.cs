using IoTAnomaly.Infrastructure.Diagnostics;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace IoTAnomaly.Infrastructure.Storage;

/// <summary>
/// Creates the configured containers when the host starts. A failure (storage not up yet) is logged, not fatal:
/// <see cref="StorageContainers.GetEnsuredAsync"/> creates them on first use.
/// </summary>
internal sealed class StorageInitializer(StorageContainers containers, ILogger<StorageInitializer> logger) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (!containers.Options.CreateContainers)
        {
            return;
        }

        try
        {
            await containers.EnsureAllAsync(cancellationToken);
            var names = string.Join(", ", containers.Options.AllContainers);
            Log.ContainersReady(logger, names);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            Log.ContainersNotCreated(logger, ex);
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
