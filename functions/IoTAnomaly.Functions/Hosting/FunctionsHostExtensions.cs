using Azure.Identity;
using Azure.Monitor.OpenTelemetry.Exporter;
using IoTAnomaly.Core.Diagnostics;
using IoTAnomaly.Core.Drift;
using IoTAnomaly.Functions.Retraining;
using IoTAnomaly.Infrastructure.Storage;
using Microsoft.Azure.Functions.Worker.OpenTelemetry;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;

namespace IoTAnomaly.Functions.Hosting;

/// <summary>The Functions app's own composition (Core, storage, sinks and retraining come from their own <c>Add…</c>).</summary>
public static class FunctionsHostExtensions
{
    /// <summary>The Application Insights connection string the Functions platform sets (an identifier, not a secret).</summary>
    public const string AppInsightsConnectionStringSetting = "APPLICATIONINSIGHTS_CONNECTION_STRING";

    /// <summary>
    /// The champion loader and its watcher (section <c>ModelLoader</c>: every instance polls the champion pointer itself,
    /// a timer would run on one instance only), the periodic drift sketch flush (<c>Drift:FlushInterval</c>), and
    /// a placeholder <see cref="IRetrainingStarter"/> (runs start through a per-invocation <see cref="DurableRetrainingStarter"/>),
    /// OpenTelemetry: the worker defaults, the <c>IoTAnomaly</c> source and meter, and the Azure Monitor exporter (Entra
    /// ID ingestion with the app's identity, <c>AZURE_CLIENT_ID</c>) when <c>APPLICATIONINSIGHTS_CONNECTION_STRING</c> is set.
    /// </summary>
    public static TBuilder AddFunctionsHost<TBuilder>(this TBuilder builder)
        where TBuilder : IHostApplicationBuilder
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.AddIoTAnomalyModelLoader();
        builder.Services.AddHostedService<DriftSketchFlushService>();

        // Starters are per invocation (Durable client binding); the container's one only satisfies Core's DriftMonitor.
        builder.Services.TryAddSingleton<IRetrainingStarter, UnboundRetrainingStarter>();

        var telemetry = builder.Services.AddOpenTelemetry();
        telemetry.UseFunctionsWorkerDefaults();
        telemetry.WithTracing(tracing => tracing.AddSource(IoTAnomalyTelemetry.Name));
        telemetry.WithMetrics(metrics => metrics.AddMeter(IoTAnomalyTelemetry.Name));
        if (!string.IsNullOrWhiteSpace(builder.Configuration[AppInsightsConnectionStringSetting]))
        {
            // Application Insights has local (key) authentication disabled: ingest with the app's managed identity.
            telemetry.UseAzureMonitorExporter(options => options.Credential = new DefaultAzureCredential());
        }

        return builder;
    }
}
