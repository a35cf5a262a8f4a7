using IoTAnomaly.Core.Diagnostics;
using IoTAnomaly.Core.Processing;
using IoTAnomaly.Core.Simulation;
using IoTAnomaly.Infrastructure.Models;
using IoTAnomaly.Infrastructure.Sinks;
using IoTAnomaly.Infrastructure.Storage;
using IoTAnomaly.LocalHost.Api;
using IoTAnomaly.LocalHost.Dashboard;
using IoTAnomaly.LocalHost.Ingest;
using IoTAnomaly.LocalHost.Run;
using IoTAnomaly.LocalHost.Security;
using IoTAnomaly.LocalHost.Storage;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace IoTAnomaly.LocalHost.Hosting;

/// <summary>Composition of the local host's own pieces (the core, storage and sinks come from their own <c>Add…</c>).</summary>
public static class LocalHostServiceCollectionExtensions
{
    /// <summary>The Prometheus scrape route (needs the API key like every route but <c>/health</c> and the dashboard shell).</summary>
    public const string MetricsPath = "/metrics";

    /// <summary>
    /// The local stand-ins: storage fallback to Azurite, the champion loader (on <c>Scoring:ModelName</c> unless
    /// <c>ModelLoader:ModelName</c> is set), the partitioned ingest and its workers, predict, the query routes' state,
    /// the API key and rate limits, the request size limit, and the main job (bootstrap model, simulator, run summary).
    /// </summary>
    public static TBuilder AddLocalHost<TBuilder>(this TBuilder builder)
        where TBuilder : IHostApplicationBuilder
    {
        ArgumentNullException.ThrowIfNull(builder);
        var services = builder.Services;
        services.AddOptions<LocalHostOptions>().BindConfiguration(LocalHostOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();

        // Storage: Azurite by default (started here when nothing listens), any account by configuration.
        services.AddSingleton<LocalStorage>();
        services.AddOptions<StorageOptions>().PostConfigure<LocalStorage>((options, local) => local.Apply(options));

        // The champion loader follows Scoring:ModelName unless ModelLoader:ModelName is given explicitly.
        builder.AddIoTAnomalyModelLoader();
        services.AddOptions<ModelLoaderOptions>().PostConfigure<IConfiguration>((options, configuration) =>
        {
            if (string.IsNullOrEmpty(configuration[$"{ModelLoaderOptions.SectionName}:{nameof(ModelLoaderOptions.ModelName)}"])
                && configuration[$"{ScoringOptions.SectionName}:{nameof(ScoringOptions.ModelName)}"] is { Length: > 0 } model)
            {
                options.ModelName = model;
            }
        });

        // Ingest: the Event Hubs stand-in and its trigger.
        services.AddSingleton(sp =>
        {
            var options = sp.GetRequiredService<IOptions<LocalHostOptions>>().Value;
            var settings = EventHubsBatchSettings.Load(options.HostJsonPath);
            return settings with
            {
                MaxEventBatchSize = options.MaxEventBatchSize ?? settings.MaxEventBatchSize,
                MaxWaitTime = options.MaxWaitTime ?? settings.MaxWaitTime,
            };
        });
        services.AddSingleton<PartitionedIngest>();
        services.AddSingleton<IngestStatistics>();
        services.AddSingleton<IngestService>();
        services.AddSingleton(sp => new AnomalyFeed(sp.GetRequiredService<IOptions<LocalHostOptions>>().Value.RecentAnomalies));
        services.AddSingleton<IBatchCompletionObserver>(sp => sp.GetRequiredService<AnomalyFeed>());
        // Anomalies and dead letters: one page per interval instead of one write per batch (PartitionWorkers flushes
        // the buffers); an interval of 0 writes per batch, as the Azure function does.
        AddBufferedSink<IAnomalySink, BufferedAnomalySink, BlobAnomalySink>(
            services,
            o => o.AnomalyFlushInterval,
            (blob, pageSize, o) => new BufferedAnomalySink(blob, pageSize, o.AnomalyBufferLimit, o.AnomalyFlushInterval));
        AddBufferedSink<IDeadLetterSink, BufferedDeadLetterSink, BlobDeadLetterSink>(
            services,
            o => o.DeadLetterFlushInterval,
            (blob, pageSize, o) => new BufferedDeadLetterSink(blob, pageSize, o.DeadLetterBufferBytes, o.DeadLetterFlushInterval));
        services.AddSingleton<PartitionWorkers>();
        services.AddHostedService(sp => sp.GetRequiredService<PartitionWorkers>());
        services.AddSingleton<PredictService>();

        // The main job: bootstrap model, simulated fleet, progress and run summary.
        services.AddOptions<SimulatorOptions>().BindConfiguration(SimulatorOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<ModelBootstrapper>();
        services.AddSingleton<RunTracker>();
        services.AddSingleton<IBatchCompletionObserver>(sp => sp.GetRequiredService<RunTracker>());
        services.AddSingleton<LocalRunService>();
        services.AddHostedService(sp => sp.GetRequiredService<LocalRunService>());

        // Security and limits.
        services.AddLocalHostSecurity();
        services.AddOptions<KestrelServerOptions>().Configure<IOptions<LocalHostOptions>>((kestrel, options) => kestrel.Limits.MaxRequestBodySize = options.Value.MaxRequestBytes);
        services.AddProblemDetails();
        return builder;
    }

    /// <summary>
    /// OpenTelemetry traces and metrics of the <c>IoTAnomaly</c> source and meter plus ASP.NET Core: console exporter when
    /// <c>Telemetry:Console=true</c>, OTLP when <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> is set, and always the Prometheus
    /// exporter behind <c>GET /metrics</c> (mapped by <see cref="MapLocalHost"/>; series <c>iotanomaly_…</c>).
    /// </summary>
    public static TBuilder AddLocalHostTelemetry<TBuilder>(this TBuilder builder)
        where TBuilder : IHostApplicationBuilder
    {
        ArgumentNullException.ThrowIfNull(builder);
        var console = builder.Configuration.GetValue("Telemetry:Console", false);
        var otlp = !string.IsNullOrWhiteSpace(builder.Configuration["OTEL_EXPORTER_OTLP_ENDPOINT"]);
        builder.Services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService("iotanomaly-localhost"))
            .WithTracing(tracing =>
            {
                tracing.AddSource(IoTAnomalyTelemetry.Name).AddAspNetCoreInstrumentation();
                if (console)
                {
                    tracing.AddConsoleExporter();
                }

                if (otlp)
                {
                    tracing.AddOtlpExporter();
                }
            })
            .WithMetrics(metrics =>
            {
                metrics.AddMeter(IoTAnomalyTelemetry.Name).AddAspNetCoreInstrumentation();
                metrics.AddPrometheusExporter(prometheus => prometheus.ScrapeResponseCacheDurationMilliseconds = 0);
                if (console)
                {
                    metrics.AddConsoleExporter();
                }

                if (otlp)
                {
                    metrics.AddOtlpExporter();
                }
            });
        return builder;
    }

    /// <summary>Runs the host; after it stopped, prints a <c>--duration</c> run's summary as the last line of stdout.</summary>
    public static Task RunLocalHostAsync(this WebApplication app) => LocalRunService.RunLocalHostAsync(app);

    /// <summary>Security middleware and every route of the local host: the APIs, <c>/metrics</c> and the dashboard at <c>/</c>.</summary>
    public static WebApplication MapLocalHost(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        app.UseLocalHostSecurity();
        app.MapQueries();
        app.MapIngest();
        PredictService.MapPredict(app);
        app.MapPrometheusScrapingEndpoint(MetricsPath);
        app.MapDashboard();
        DashboardEndpoints.PrintDashboardAddress(app);
        return app;
    }

    /// <summary>
    /// Registers the buffer of a Blob sink (pages of <c>Sinks:MaxPageRecords</c>) and makes it the sink the handler
    /// writes to while its interval is above 0.
    /// </summary>
    private static void AddBufferedSink<TPort, TBuffered, TBlob>(
        IServiceCollection services,
        Func<LocalHostOptions, TimeSpan> interval,
        Func<TBlob, int, LocalHostOptions, TBuffered> create)
        where TPort : class
        where TBuffered : class, TPort
        where TBlob : class, TPort
    {
        services.AddSingleton(sp => create(
            sp.GetRequiredService<TBlob>(),
            sp.GetRequiredService<IOptions<SinkOptions>>().Value.MaxPageRecords,
            sp.GetRequiredService<IOptions<LocalHostOptions>>().Value));
        services.Replace(ServiceDescriptor.Singleton<TPort>(sp => interval(sp.GetRequiredService<IOptions<LocalHostOptions>>().Value) > TimeSpan.Zero
            ? sp.GetRequiredService<TBuffered>()
            : sp.GetRequiredService<TBlob>()));
    }
}
