using IoTAnomaly.Core.Capture;
using IoTAnomaly.Core.Processing;
using IoTAnomaly.Infrastructure.Capture;
using IoTAnomaly.Infrastructure.Storage;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace IoTAnomaly.Infrastructure.Sinks;

/// <summary>Composition of the Blob output adapters.</summary>
public static class SinksServiceCollectionExtensions
{
    /// <summary>
    /// Binds <see cref="SinkOptions"/> (section <c>Sinks</c>) and <see cref="CaptureOptions"/> (section <c>Capture</c>) and
    /// registers <see cref="IAnomalySink"/> (<see cref="BlobAnomalySink"/>), <see cref="IDeadLetterSink"/>
    /// (<see cref="BlobDeadLetterSink"/>), <see cref="ICaptureWriter"/> (<see cref="AvroCaptureWriter"/>) and
    /// <see cref="ICaptureReader"/> (<see cref="AvroCaptureReader"/>) on the containers of <see cref="StorageContainers"/>.
    /// Needs <see cref="StorageServiceCollectionExtensions.AddIoTAnomalyStorage{TBuilder}"/>.
    /// </summary>
    public static TBuilder AddIoTAnomalySinks<TBuilder>(this TBuilder builder)
        where TBuilder : IHostApplicationBuilder
    {
        ArgumentNullException.ThrowIfNull(builder);
        var services = builder.Services;
        services.AddOptions<SinkOptions>()
            .BindConfiguration(SinkOptions.SectionName)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        services.AddOptions<CaptureOptions>()
            .BindConfiguration(CaptureOptions.SectionName)
            .ValidateDataAnnotations()
            .ValidateOnStart();

        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton(sp =>
        {
            var containers = sp.GetRequiredService<StorageContainers>();
            return new BlobAnomalySink(
                containers.Get(containers.Options.AnomaliesContainer),
                sp.GetRequiredService<IOptions<SinkOptions>>().Value,
                sp.GetRequiredService<ILogger<BlobAnomalySink>>(),
                containers.Options.CreateContainers);
        });
        services.TryAddSingleton(sp =>
        {
            var containers = sp.GetRequiredService<StorageContainers>();
            return new BlobDeadLetterSink(
                containers.Get(containers.Options.DeadLettersContainer),
                sp.GetRequiredService<IOptions<SinkOptions>>().Value,
                sp.GetRequiredService<ILogger<BlobDeadLetterSink>>(),
                containers.Options.CreateContainers);
        });
        services.TryAddSingleton(sp =>
        {
            var containers = sp.GetRequiredService<StorageContainers>();
            return new AvroCaptureWriter(
                containers.Get(containers.Options.CaptureContainer),
                sp.GetRequiredService<IOptions<CaptureOptions>>().Value,
                sp.GetRequiredService<ILogger<AvroCaptureWriter>>(),
                containers.Options.CreateContainers);
        });
        services.TryAddSingleton(sp =>
        {
            var containers = sp.GetRequiredService<StorageContainers>();
            return new AvroCaptureReader(
                containers.Get(containers.Options.CaptureContainer),
                sp.GetRequiredService<IOptions<CaptureOptions>>().Value,
                sp.GetRequiredService<ILogger<AvroCaptureReader>>());
        });
        services.TryAddSingleton<IAnomalySink>(sp => sp.GetRequiredService<BlobAnomalySink>());
        services.TryAddSingleton<IDeadLetterSink>(sp => sp.GetRequiredService<BlobDeadLetterSink>());
        services.TryAddSingleton<ICaptureWriter>(sp => sp.GetRequiredService<AvroCaptureWriter>());
        services.TryAddSingleton<ICaptureReader>(sp => sp.GetRequiredService<AvroCaptureReader>());
        return builder;
    }
}
