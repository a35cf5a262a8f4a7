using IoTAnomaly.Core.Composition;
using IoTAnomaly.Core.Processing;
using IoTAnomaly.Infrastructure.Storage;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace IoTAnomaly.Cli.Hosting;

/// <summary>
/// Builds the generic host the verbs resolve Core and storage services from: the same composition
/// (<c>AddIoTAnomalyCore</c>, <c>AddIoTAnomalyStorage</c>) and configuration keys as the Functions app and the local
/// host (<c>Storage__ConnectionString</c>, <c>Storage__BlobServiceUri</c>, <c>Telemetry__MaxAge</c>, …, from the
/// environment or an <c>appsettings.json</c> in the working folder). Storage defaults to Azurite's development
/// connection when neither storage key is set. The host is built, never started: the verbs call services directly.
/// </summary>
public sealed class CliHost
{
    /// <summary>The storage connection used when nothing is configured.</summary>
    public const string DevelopmentStorage = "UseDevelopmentStorage=true";

    private readonly IReadOnlyDictionary<string, string?> _overrides;

    /// <param name="overrides">Configuration applied after every other source (tests point storage at their Azurite with it).</param>
    public CliHost(IReadOnlyDictionary<string, string?>? overrides = null)
    {
        _overrides = overrides ?? new Dictionary<string, string?>();
    }

    /// <summary>Builds a host with Core, and storage when <paramref name="storage"/> is true.</summary>
    /// <param name="settings">Per-command configuration (e.g. <c>Telemetry:MaxAge</c> from <c>--max-age</c>).</param>
    public IHost Build(bool storage, IEnumerable<KeyValuePair<string, string?>>? settings = null, Action<IServiceCollection>? configure = null)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { Args = [], ApplicationName = "iotanomaly" });
        builder.Configuration.AddInMemoryCollection(_overrides);
        if (settings is not null)
        {
            builder.Configuration.AddInMemoryCollection(settings);
        }

        if (storage
            && string.IsNullOrWhiteSpace(builder.Configuration[$"{StorageOptions.SectionName}:{nameof(StorageOptions.ConnectionString)}"])
            && string.IsNullOrWhiteSpace(builder.Configuration[$"{StorageOptions.SectionName}:{nameof(StorageOptions.BlobServiceUri)}"]))
        {
            builder.Configuration.AddInMemoryCollection(
                [new($"{StorageOptions.SectionName}:{nameof(StorageOptions.ConnectionString)}", DevelopmentStorage)]);
        }

        // Standard output belongs to the verb; warnings and errors of the libraries go to standard error.
        builder.Logging.ClearProviders();
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.Logging.AddConsole(options => options.LogToStandardErrorThreshold = LogLevel.Trace);

        builder.AddIoTAnomalyCore();
        if (storage)
        {
            builder.AddIoTAnomalyStorage();
        }

        // The CLI scores without writing anomalies or dead letters anywhere: it prints them.
        builder.Services.TryAddSingleton<IAnomalySink>(NullSinks.Instance);
        builder.Services.TryAddSingleton<IDeadLetterSink>(NullSinks.Instance);
        configure?.Invoke(builder.Services);
        return builder.Build();
    }

    /// <summary>The actor recorded in the registry's audit log for changes made by this CLI.</summary>
    public static string Actor => "cli:" + (string.IsNullOrWhiteSpace(Environment.UserName) ? "unknown" : Environment.UserName);

    private sealed class NullSinks : IAnomalySink, IDeadLetterSink
    {
        public static readonly NullSinks Instance = new();

        public Task WriteAsync(IReadOnlyList<AnomalyRecord> anomalies, CancellationToken cancellationToken) => Task.CompletedTask;

        public Task WriteAsync(IReadOnlyList<DeadLetterRecord> records, CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
