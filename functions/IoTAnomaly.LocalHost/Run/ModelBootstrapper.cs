using System.Diagnostics;
using IoTAnomaly.Core.Detection;
using IoTAnomaly.Core.Models;
using IoTAnomaly.Core.Processing;
using IoTAnomaly.Core.Simulation;
using IoTAnomaly.Infrastructure.Models;
using IoTAnomaly.LocalHost.Diagnostics;
using IoTAnomaly.LocalHost.Hosting;
using Microsoft.Extensions.Options;

namespace IoTAnomaly.LocalHost.Run;

/// <summary>
/// Makes sure the registry has a champion for <c>Scoring:ModelName</c>: when it has none, trains a model of
/// <c>LocalHost:BootstrapModelType</c> (default <c>ridge-residual</c>)
/// on simulated normal data (the configured fleet with every fault off), registers and promotes it as
/// <c>localhost-bootstrap</c>, and has the champion loader load it at once. A concurrent bootstrap by another process
/// loses the promotion race harmlessly and the winner's champion is used.
/// </summary>
public sealed class ModelBootstrapper(
    IModelRegistry registry,
    ChampionModelLoader loader,
    ModelHolder models,
    IOptions<ScoringOptions> scoring,
    IOptions<LocalHostOptions> options,
    IOptions<SimulatorOptions> fleet,
    TimeProvider time,
    ILogger<ModelBootstrapper> logger)
{
    public const string Actor = "localhost-bootstrap";

    /// <summary>Ensures a champion exists (training one if needed) and is loaded. Returns the loaded version, or null if loading failed.</summary>
    public async Task<string?> EnsureChampionAsync(CancellationToken cancellationToken)
    {
        var model = scoring.Value.ModelName;
        if (await registry.GetPointerAsync(model, ModelRole.Champion, cancellationToken) is null)
        {
            var readings = options.Value.BootstrapReadings;
            Log.BootstrapTraining(logger, model, readings);
            var started = Stopwatch.GetTimestamp();
            // Simulate normal data on the same time step as the live fleet, so the baseline covers the same dynamics.
            var now = time.GetUtcNow();
            var result = Train(model, readings, LocalRunService.FleetForRun(fleet.Value, options.Value.SimulatorReadingsPerSecond, now), now, options.Value.BootstrapModelType);
            await registry.RegisterAsync(result.Manifest, result.ModelZip, Actor, cancellationToken);
            try
            {
                await registry.PromoteAsync(model, result.Manifest.Version, "initial model trained on simulated normal data", Actor, null, cancellationToken);
                var elapsedMs = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
                Log.BootstrapPromoted(logger, model, result.Manifest.Version, elapsedMs);
            }
            catch (ModelRegistryConflictException)
            {
                Log.BootstrapLostRace(logger, model);
            }
        }

        await loader.PollOnceAsync(cancellationToken);
        return models.Current?.Version;
    }

    /// <summary>Trains a <paramref name="modelType"/> model (null: the default type) on <paramref name="readings"/> fault-free readings of the fleet described by <paramref name="fleet"/>.</summary>
    public static PcaTrainingResult Train(string model, int readings, SimulatorOptions fleet, DateTimeOffset now, string? modelType = null)
    {
        ArgumentNullException.ThrowIfNull(fleet);
        var sensors = FleetSimulator.SensorNames;
        var rows = NormalTrainingRows.ByDevice(fleet, readings, now, "bootstrap", out var from);
        return DetectorTrainers.Create(modelType).Train(new PcaTrainingRequest
        {
            ModelName = model,
            Sensors = sensors,
            Rows = PcaTrainingRequest.Flatten(rows, sensors.Count),
            CreatedAt = now,
            From = from,
            To = now,
            Source = $"synthetic:fleet-simulator devices={fleet.DeviceCount} seed={fleet.Seed} faults=off",
        });
    }
}
