using IoTAnomaly.Core.Detection;
using IoTAnomaly.Core.Drift;
using IoTAnomaly.Core.Processing;
using IoTAnomaly.Core.Retraining;
using IoTAnomaly.Core.Telemetry;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace IoTAnomaly.Core.Composition;

/// <summary>Composition of Core; works on any <see cref="IHostApplicationBuilder"/> (ASP.NET Core, Functions, generic host).</summary>
public static class CoreServiceCollectionExtensions
{
    /// <summary>
    /// Binds <see cref="TelemetryOptions"/> and <see cref="ScoringOptions"/>, and registers the champion
    /// <see cref="ModelHolder"/>, the detector factories (<see cref="IDetectorFactory"/> resolves to the
    /// <see cref="DetectorCatalog"/>), the device table, the duplicate window, the parser and the
    /// <see cref="TelemetryBatchHandler"/>. Sinks (<see cref="IAnomalySink"/>, <see cref="IDeadLetterSink"/>) come from
    /// the storage composition or the host.
    /// </summary>
    public static TBuilder AddIoTAnomalyCore<TBuilder>(this TBuilder builder)
        where TBuilder : IHostApplicationBuilder
    {
        ArgumentNullException.ThrowIfNull(builder);
        var services = builder.Services;
        services.AddOptions<TelemetryOptions>().BindConfiguration(TelemetryOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<ScoringOptions>().BindConfiguration(ScoringOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<DriftOptions>().BindConfiguration(DriftOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<RetrainingOptions>().BindConfiguration(RetrainingOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();

        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<ModelHolder>();
        // Every model type this build can load; IDetectorFactory is the catalog that picks by manifest modelType.
        services.TryAddSingleton<PcaDetectorFactory>();
        services.TryAddSingleton(sp => DetectorCatalog.CreateDefault(sp.GetRequiredService<PcaDetectorFactory>()));
        services.TryAddSingleton<IDetectorFactory>(sp => sp.GetRequiredService<DetectorCatalog>());
        services.TryAddSingleton(sp => new DeviceTable(sp.GetRequiredService<IOptions<TelemetryOptions>>().Value.MaxDevices));
        services.TryAddSingleton(sp => new DuplicateFilter(sp.GetRequiredService<IOptions<TelemetryOptions>>().Value.DuplicateWindowSize));
        services.TryAddSingleton(sp => new TelemetryParser(sp.GetRequiredService<IOptions<TelemetryOptions>>().Value));
        services.TryAddSingleton<TelemetryBatchHandler>();

        // Drift: the scoring path feeds the accumulator; the flusher and the monitor need the stores from storage.
        services.TryAddSingleton<DriftSketchAccumulator>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IScoredBatchObserver, DriftSketchAccumulator>(sp => sp.GetRequiredService<DriftSketchAccumulator>()));
        services.TryAddSingleton<DriftSketchFlusher>();
        services.TryAddSingleton<DriftMonitor>();
        return builder;
    }
}
