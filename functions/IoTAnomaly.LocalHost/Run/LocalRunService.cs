using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using IoTAnomaly.Core.Detection;
using IoTAnomaly.Core.Processing;
using IoTAnomaly.Core.Simulation;
using IoTAnomaly.Infrastructure.Models;
using IoTAnomaly.LocalHost.Diagnostics;
using IoTAnomaly.LocalHost.Hosting;
using IoTAnomaly.LocalHost.Ingest;
using IoTAnomaly.LocalHost.Retraining;
using IoTAnomaly.LocalHost.Security;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Options;


namespace IoTAnomaly.LocalHost.Run;

/// <summary>
/// The main job: once the host listens, bootstrap a champion if the registry has none, stream the simulated fleet into
/// the host's own <c>/api/telemetry</c> over loopback HTTP (at the address actually bound, with the API key), print
/// progress, and with <c>--duration</c> stop by itself: stop the simulator, drain the ingest, keep the
/// <see cref="RunSummary"/> (printed by <see cref="RunLocalHostAsync"/> as the last stdout line) and stop the host.
/// </summary>
public sealed class LocalRunService(
    IServiceProvider services,
    IHostApplicationLifetime lifetime,
    IOptions<LocalHostOptions> options,
    IOptions<SimulatorOptions> fleet,
    ILogger<LocalRunService> logger) : BackgroundService
{
    private static readonly JsonSerializerOptions SummaryJson = new(JsonSerializerDefaults.Web);

    /// <summary>The summary of a <c>--duration</c> run once it finished.</summary>
    public RunSummary? Summary { get; private set; }

    /// <summary>Runs the app; after it stopped, prints the run summary (if any) as the last line of stdout.</summary>
    public static async Task RunLocalHostAsync(WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        var run = app.Services.GetRequiredService<LocalRunService>();
        await app.RunAsync();
        if (run.Summary is { } summary)
        {
            await Console.Out.WriteLineAsync(JsonSerializer.Serialize(summary, SummaryJson));
            await Console.Out.FlushAsync();
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var settings = options.Value;
        if (!await WaitForStartAsync(stoppingToken))
        {
            return;
        }

        var models = services.GetRequiredService<ModelHolder>();
        var version = await EnsureModelAsync(settings, models, stoppingToken);
        var started = Stopwatch.GetTimestamp();
        using var run = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
        if (settings.DurationSeconds is { } seconds)
        {
            run.CancelAfter(TimeSpan.FromSeconds(seconds));
        }

        var tracker = services.GetRequiredService<RunTracker>();
        Task<long> streaming = Task.FromResult(0L);
        HttpClient? client = null;
        if (settings.Simulator)
        {
            client = CreateSelfClient();
            var now = DateTimeOffset.UtcNow;
            var fleetOptions = FleetForRun(fleet.Value, settings.SimulatorReadingsPerSecond, now);
            if (settings.DemoDrift && fleetOptions.DriftStart is null && settings.DurationSeconds is { } runSeconds)
            {
                fleetOptions.DriftStart = now + TimeSpan.FromSeconds(runSeconds / 3);
            }

            var simulator = new FleetSimulator(fleetOptions);
            var target = client.BaseAddress!.ToString();
            Log.SimulatorStarted(logger, simulator.Options.DeviceCount, settings.SimulatorReadingsPerSecond, target);
            var streamer = new FleetStreamer(client, tracker, logger);
            streaming = Task.Run(() => streamer.RunAsync(simulator, settings.SimulatorReadingsPerSecond, settings.SimulatorBatchSize, null, run.Token), CancellationToken.None);
        }

        try
        {
            if (settings.Simulator || settings.DurationSeconds is not null)
            {
                await PrintProgressAsync(settings.ProgressInterval, started, run.Token);
            }
        }
        finally
        {
            await streaming;
            client?.Dispose();
        }

        if (settings.DurationSeconds is null || stoppingToken.IsCancellationRequested)
        {
            return;
        }

        var elapsed = Stopwatch.GetElapsedTime(started).TotalSeconds;
        Log.RunFinished(logger, elapsed);
        var ingest = services.GetRequiredService<PartitionedIngest>();
        while (ingest.Pending > 0 && !stoppingToken.IsCancellationRequested)
        {
            await Task.Delay(20, CancellationToken.None);
        }

        var stats = services.GetRequiredService<IngestStatistics>().Snapshot(ingest.Pending);
        var retraining = services.GetRequiredService<RetrainingActivityLog>();
        await retraining.WaitForActiveRunsAsync(TimeSpan.FromSeconds(30), CancellationToken.None);

        // A promotion at the very end of the run is otherwise only picked up at the loader's next poll.
        await services.GetRequiredService<ChampionModelLoader>().PollOnceAsync(CancellationToken.None);
        Summary = tracker.Summarize(stats, version, Stopwatch.GetElapsedTime(started)) with
        {
            Drained = stats.PendingEvents == 0,
            DriftDetected = retraining.DriftDetected > 0,
            DriftChecks = retraining.DriftChecks,
            Retrainings = retraining.Completed,
            Promoted = retraining.Promoted,
            ChampionVersion = models.Current?.Version,
        };
        lifetime.StopApplication();
    }

    /// <summary>The fleet of the demo: the configured one, stepping in real time at the configured send rate.</summary>
    public static SimulatorOptions FleetForRun(SimulatorOptions configured, double readingsPerSecond, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(configured);
        return new SimulatorOptions
        {
            DeviceCount = configured.DeviceCount,
            DeviceIdPrefix = configured.DeviceIdPrefix,
            StepInterval = TimeSpan.FromTicks(Math.Max(1, (long)(TimeSpan.TicksPerSecond * configured.DeviceCount / readingsPerSecond))),
            Seed = configured.Seed,
            StartTime = now,
            RunId = configured.RunId ?? "run-" + now.ToString("yyyyMMddTHHmmss", CultureInfo.InvariantCulture),
            FaultRate = configured.FaultRate,
            MalformedRate = configured.MalformedRate,
            EnabledFaults = configured.EnabledFaults,
            DeviceOffsetScale = configured.DeviceOffsetScale,
            DriftStart = configured.DriftStart,
            DriftFraction = configured.DriftFraction,
            DriftMagnitude = configured.DriftMagnitude,
            DriftRamp = configured.DriftRamp,
        };
    }

    private async Task<bool> WaitForStartAsync(CancellationToken stoppingToken)
    {
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var registration = lifetime.ApplicationStarted.Register(() => started.TrySetResult());
        try
        {
            await started.Task.WaitAsync(stoppingToken);
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    private async Task<string?> EnsureModelAsync(LocalHostOptions settings, ModelHolder models, CancellationToken stoppingToken)
    {
        if (!settings.BootstrapModel)
        {
            return models.Current?.Version;
        }

        var bootstrapper = services.GetRequiredService<ModelBootstrapper>();
        var model = services.GetRequiredService<IOptions<ScoringOptions>>().Value.ModelName;
        for (var attempt = 1; !stoppingToken.IsCancellationRequested; attempt++)
        {
            try
            {
                if (await bootstrapper.EnsureChampionAsync(stoppingToken) is { } version)
                {
                    return version;
                }
            }
            catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
            {
                Log.BootstrapFailed(logger, model, ex);
            }

            await Task.Delay(TimeSpan.FromSeconds(Math.Min(30, attempt * 2)), stoppingToken).ContinueWith(static _ => { }, TaskScheduler.Default);
        }

        return models.Current?.Version;
    }

    private HttpClient CreateSelfClient()
    {
        var addresses = services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses ?? [];
        var address = addresses.FirstOrDefault(a => a.StartsWith("http://", StringComparison.OrdinalIgnoreCase)) ?? addresses.FirstOrDefault()
            ?? throw new InvalidOperationException("The host has no bound address to stream the simulator to.");
        var uri = new UriBuilder(address.Replace("://+", "://localhost", StringComparison.Ordinal).Replace("://*", "://localhost", StringComparison.Ordinal));
        if (uri.Host is "0.0.0.0" or "[::]" or "::")
        {
            uri.Host = "127.0.0.1";
        }

        var handler = new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(5) };
        var client = new HttpClient(handler) { BaseAddress = uri.Uri, Timeout = TimeSpan.FromSeconds(100) };
        client.DefaultRequestHeaders.Add(SecurityOptions.ApiKeyHeader, services.GetRequiredService<ApiKeyValidator>().Key);
        return client;
    }

    private async Task PrintProgressAsync(TimeSpan interval, long started, CancellationToken cancellationToken)
    {
        var statistics = services.GetRequiredService<IngestStatistics>();
        var ingest = services.GetRequiredService<PartitionedIngest>();
        var handler = services.GetRequiredService<TelemetryBatchHandler>();
        using var timer = new PeriodicTimer(interval);
        try
        {
            while (await timer.WaitForNextTickAsync(cancellationToken))
            {
                var s = statistics.Snapshot(ingest.Pending);
                var top = handler.Devices.Entries.Where(d => d.Anomalies > 0).OrderByDescending(d => d.Anomalies).Take(5)
                    .Select(d => string.Create(CultureInfo.InvariantCulture, $"{d.Id} {d.Anomalies}"));
                var line = new StringBuilder()
                    .Append(CultureInfo.InvariantCulture, $"[{Stopwatch.GetElapsedTime(started).TotalSeconds,6:0.0}s] ")
                    .Append(CultureInfo.InvariantCulture, $"{s.ReadingsPerSecond,9:N0} readings/s | received {s.Received:N0} scored {s.Scored:N0} rejected {s.Rejected:N0} ")
                    .Append(CultureInfo.InvariantCulture, $"| anomalies {s.Anomalies:N0} | pending {s.PendingEvents:N0} | model {handler.Models.Current?.Version ?? "(none)"}")
                    .Append(" | top: ").Append(string.Join(", ", top));
                await Console.Out.WriteLineAsync(line.ToString());
            }
        }
        catch (OperationCanceledException)
        {
            // Run over.
        }
    }
}
