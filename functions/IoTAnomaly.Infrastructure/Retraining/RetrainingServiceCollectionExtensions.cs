using IoTAnomaly.Core.Capture;
using IoTAnomaly.Core.Detection;
using IoTAnomaly.Core.Drift;
using IoTAnomaly.Core.Models;
using IoTAnomaly.Core.Retraining;
using IoTAnomaly.Infrastructure.Drift;
using IoTAnomaly.Infrastructure.Storage;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace IoTAnomaly.Infrastructure.Retraining;

/// <summary>Composition of the drift and retraining storage adapters.</summary>
public static class RetrainingServiceCollectionExtensions
{
    /// <summary>
    /// Binds <see cref="RetrainingDataOptions"/> (section <c>Retraining</c>) and registers <see cref="IDriftSketchStore"/>
    /// (<see cref="BlobDriftSketchStore"/>, one random writer id per process), <see cref="IDriftReportStore"/>
    /// (<see cref="BlobDriftReportStore"/>), <see cref="IRetrainingRunStore"/> (<see cref="BlobRetrainingRunStore"/>) and
    /// <see cref="IRetrainingActivities"/> (<see cref="RetrainingActivities"/>). Needs
    /// <see cref="StorageServiceCollectionExtensions.AddIoTAnomalyStorage{TBuilder}"/> (containers, registry), an
    /// <see cref="ICaptureReader"/> (<c>AddIoTAnomalySinks</c>) and an <see cref="IDetectorFactory"/> (<c>AddIoTAnomalyCore</c>).
    /// The <see cref="IRetrainingStarter"/> comes from the host: <see cref="AddLocalRetrainingRunner{TBuilder}"/> locally,
    /// a Durable starter in the Functions app.
    /// </summary>
    public static TBuilder AddIoTAnomalyRetraining<TBuilder>(this TBuilder builder)
        where TBuilder : IHostApplicationBuilder
    {
        ArgumentNullException.ThrowIfNull(builder);
        var services = builder.Services;
        services.AddOptions<RetrainingDataOptions>()
            .BindConfiguration(RetrainingDataOptions.SectionName)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        services.TryAddSingleton(TimeProvider.System);

        services.TryAddSingleton(sp =>
        {
            var containers = sp.GetRequiredService<StorageContainers>();
            return new BlobDriftSketchStore(
                containers.Get(containers.Options.DriftContainer),
                writerId: null,
                sp.GetRequiredService<ILogger<BlobDriftSketchStore>>(),
                containers.Options.CreateContainers);
        });
        services.TryAddSingleton(sp =>
        {
            var containers = sp.GetRequiredService<StorageContainers>();
            return new BlobDriftReportStore(
                containers.Get(containers.Options.DriftContainer),
                sp.GetRequiredService<ILogger<BlobDriftReportStore>>(),
                containers.Options.CreateContainers);
        });
        services.TryAddSingleton(sp =>
        {
            var containers = sp.GetRequiredService<StorageContainers>();
            return new BlobRetrainingRunStore(
                containers.Get(containers.Options.RetrainingContainer),
                sp.GetRequiredService<ILogger<BlobRetrainingRunStore>>(),
                containers.Options.CreateContainers);
        });
        services.TryAddSingleton(sp =>
        {
            var containers = sp.GetRequiredService<StorageContainers>();
            return new RetrainingActivities(
                sp.GetRequiredService<IModelRegistry>(),
                sp.GetRequiredService<ICaptureReader>(),
                sp.GetRequiredService<IDetectorFactory>(),
                containers.Get(containers.Options.RetrainingContainer),
                containers.Get(containers.Options.AnomaliesContainer),
                sp.GetRequiredService<IOptions<RetrainingDataOptions>>().Value,
                sp.GetRequiredService<TimeProvider>(),
                sp.GetRequiredService<ILogger<RetrainingActivities>>(),
                containers.Options.CreateContainers);
        });
        services.TryAddSingleton<IDriftSketchStore>(sp => sp.GetRequiredService<BlobDriftSketchStore>());
        services.TryAddSingleton<IDriftReportStore>(sp => sp.GetRequiredService<BlobDriftReportStore>());
        services.TryAddSingleton<IRetrainingRunStore>(sp => sp.GetRequiredService<BlobRetrainingRunStore>());
        services.TryAddSingleton<IRetrainingActivities>(sp => sp.GetRequiredService<RetrainingActivities>());
        return builder;
    }

    /// <summary>
    /// The local host's stand-in for Durable Functions: registers <see cref="LocalRetrainingRunner"/>,
    /// <see cref="IRetrainingStarter"/> as <see cref="LocalRetrainingStarter"/>, and a hosted service that marks runs
    /// left Running by a previous process as Interrupted at start. Needs <see cref="AddIoTAnomalyRetraining{TBuilder}"/>.
    /// </summary>
    public static TBuilder AddLocalRetrainingRunner<TBuilder>(this TBuilder builder)
        where TBuilder : IHostApplicationBuilder
    {
        ArgumentNullException.ThrowIfNull(builder);
        var services = builder.Services;
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<LocalRetrainingRunner>();
        services.TryAddSingleton<LocalRetrainingStarter>();
        services.TryAddSingleton<IRetrainingStarter>(sp => sp.GetRequiredService<LocalRetrainingStarter>());
        services.AddHostedService<LocalRetrainingRecovery>();
        return builder;
    }
}
