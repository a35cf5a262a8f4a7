using Azure.Storage.Blobs;
using IoTAnomaly.Core.Detection;
using IoTAnomaly.Core.Models;
using IoTAnomaly.Infrastructure.Models;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace IoTAnomaly.Infrastructure.Storage;

/// <summary>Composition of the storage adapters; works on any <see cref="IHostApplicationBuilder"/> (ASP.NET Core, Functions, generic host).</summary>
public static class StorageServiceCollectionExtensions
{
    /// <summary>
    /// Binds <see cref="StorageOptions"/> (section <c>Storage</c>), registers the one <see cref="BlobServiceClient"/>
    /// (connection string, or service URI + <c>DefaultAzureCredential</c>), <see cref="StorageContainers"/>, a hosted
    /// service creating the containers at start, and <see cref="IModelRegistry"/> as <see cref="BlobModelRegistry"/>.
    /// </summary>
    public static TBuilder AddIoTAnomalyStorage<TBuilder>(this TBuilder builder)
        where TBuilder : IHostApplicationBuilder
    {
        ArgumentNullException.ThrowIfNull(builder);
        var services = builder.Services;
        services.AddOptions<StorageOptions>()
            .BindConfiguration(StorageOptions.SectionName)
            .ValidateDataAnnotations()
            .ValidateOnStart();

        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton(sp => BlobServiceClientFactory.Create(sp.GetRequiredService<IOptions<StorageOptions>>().Value));
        services.TryAddSingleton<StorageContainers>();
        services.AddHostedService<StorageInitializer>();
        services.TryAddSingleton(sp =>
        {
            var containers = sp.GetRequiredService<StorageContainers>();
            return new BlobModelRegistry(
                containers.Get(containers.Options.ModelsContainer),
                sp.GetRequiredService<TimeProvider>(),
                sp.GetRequiredService<ILogger<BlobModelRegistry>>(),
                containers.Options.CreateContainers);
        });
        services.TryAddSingleton<IModelRegistry>(sp => sp.GetRequiredService<BlobModelRegistry>());
        return builder;
    }

    /// <summary>
    /// Binds <see cref="ModelLoaderOptions"/> (section <c>ModelLoader</c>) and registers <see cref="ModelHolder"/>,
    /// <see cref="ChampionModelLoader"/> and the <see cref="ChampionModelWatcher"/> hosted service. Needs an
    /// <see cref="IModelRegistry"/> (<see cref="AddIoTAnomalyStorage{TBuilder}"/>) and an <see cref="IDetectorFactory"/>.
    /// </summary>
    public static TBuilder AddIoTAnomalyModelLoader<TBuilder>(this TBuilder builder)
        where TBuilder : IHostApplicationBuilder
    {
        ArgumentNullException.ThrowIfNull(builder);
        var services = builder.Services;
        services.AddOptions<ModelLoaderOptions>()
            .BindConfiguration(ModelLoaderOptions.SectionName)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<ModelHolder>();
        services.TryAddSingleton<ChampionModelLoader>();
        services.AddHostedService<ChampionModelWatcher>();
        return builder;
    }
}
