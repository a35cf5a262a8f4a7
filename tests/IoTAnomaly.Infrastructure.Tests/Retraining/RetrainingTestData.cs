using Azure.Storage.Blobs;
using IoTAnomaly.Core.Capture;
using IoTAnomaly.Core.Detection;
using IoTAnomaly.Core.Processing;
using IoTAnomaly.Core.Retraining;
using IoTAnomaly.Core.Simulation;
using IoTAnomaly.Core.Telemetry;
using IoTAnomaly.Infrastructure.Capture;
using IoTAnomaly.Infrastructure.Models;
using IoTAnomaly.Infrastructure.Retraining;
using IoTAnomaly.Infrastructure.Sinks;
using IoTAnomaly.Testing;

namespace IoTAnomaly.Infrastructure.Tests.Retraining;

/// <summary>
/// One retraining test world on fresh Azurite containers: registry, Avro capture (real writer and reader),
/// anomalies sink and the retraining container, with seeded simulator readings.
/// </summary>
internal sealed class RetrainingWorld
{
    public static readonly DateTimeOffset T0 = new(2026, 11, 20, 8, 0, 0, TimeSpan.Zero);

    private RetrainingWorld(string model, BlobModelRegistry registry, BlobContainerClient capture, BlobContainerClient anomalies, BlobContainerClient retraining)
    {
        Model = model;
        Registry = registry;
        CaptureContainer = capture;
        Anomalies = anomalies;
        RetrainingContainer = retraining;
        CaptureWriter = new AvroCaptureWriter(capture);
        CaptureReader = new AvroCaptureReader(capture);
        AnomalySink = new BlobAnomalySink(anomalies);
    }

    public string Model { get; }

    public BlobModelRegistry Registry { get; }

    public BlobContainerClient CaptureContainer { get; }

    public BlobContainerClient Anomalies { get; }

    public BlobContainerClient RetrainingContainer { get; }

    public AvroCaptureWriter CaptureWriter { get; }

    public ICaptureReader CaptureReader { get; }

    public BlobAnomalySink AnomalySink { get; }

    public static async Task<RetrainingWorld> CreateAsync()
        => new(
            AzuriteFixture.UniqueName("pumps"),
            new BlobModelRegistry(await AzuriteFixture.CreateContainerAsync("models")),
            await AzuriteFixture.CreateContainerAsync("capture"),
            await AzuriteFixture.CreateContainerAsync("anomalies"),
            await AzuriteFixture.CreateContainerAsync("retraining"));

    public RetrainingActivities Activities(double maxAnomalyShare = 0.3, TimeProvider? time = null)
        => new(Registry, CaptureReader, new PcaDetectorFactory(), RetrainingContainer, Anomalies, new RetrainingDataOptions { MaxAnomalyExclusionShare = maxAnomalyShare }, time);

    /// <summary>Fault-free readings of <paramref name="devices"/> devices, one per device per second from <paramref name="start"/>.</summary>
    public static IReadOnlyList<SimulatedReading> Readings(int devices, int steps, int seed, DateTimeOffset start, Action<SimulatorOptions>? configure = null)
    {
        var options = new SimulatorOptions
        {
            DeviceCount = devices,
            Seed = seed,
            RunId = "run" + seed.ToString(System.Globalization.CultureInfo.InvariantCulture),
            StartTime = start,
            FaultRate = 0,
            MalformedRate = 0,
        };
        configure?.Invoke(options);
        return new FleetSimulator(options).NextSteps(steps);
    }

    /// <summary>The readings as flat rows, each sensor shifted by <paramref name="shiftSigmas"/> of its standard deviation.</summary>
    public static double[] Rows(IReadOnlyList<SimulatedReading> readings, double shiftSigmas = 0)
    {
        var d = FleetSimulator.SensorNames.Count;
        var rows = PcaTrainingRequest.Flatten(readings.Select(r => r.Values).ToArray(), d).ToArray();
        if (shiftSigmas != 0)
        {
            var n = readings.Count;
            for (var s = 0; s < d; s++)
            {
                double sum = 0, sq = 0;
                for (var r = 0; r < n; r++)
                {
                    sum += rows[(r * d) + s];
                }

                var mean = sum / n;
                for (var r = 0; r < n; r++)
                {
                    sq += Math.Pow(rows[(r * d) + s] - mean, 2);
                }

                var shift = shiftSigmas * Math.Sqrt(sq / (n - 1));
                for (var r = 0; r < n; r++)
                {
                    rows[(r * d) + s] += shift;
                }
            }
        }

        return rows;
    }

    /// <summary>Trains a champion on simulated readings (shifted by <paramref name="shiftSigmas"/> σ for a drifted one), registers and promotes it.</summary>
    public async Task<string> RegisterChampionAsync(double shiftSigmas, int seed = 7, int steps = 400)
    {
        var start = T0.AddDays(-2);
        var rows = Rows(Readings(10, steps, seed, start), shiftSigmas);
        var result = new PcaDetectorTrainer().Train(new PcaTrainingRequest
        {
            ModelName = Model,
            Sensors = FleetSimulator.SensorNames,
            Rows = rows,
            CreatedAt = start.AddMinutes(shiftSigmas == 0 ? 0 : 1),
            Source = "test:simulator",
        });
        await Registry.RegisterAsync(result.Manifest, result.ModelZip, "test", CancellationToken.None);
        await Registry.PromoteAsync(Model, result.Manifest.Version, "bootstrap", "test", null, CancellationToken.None);
        return result.Manifest.Version;
    }

    /// <summary>Captures the readings: one event per step (a JSON array of that step's readings), enqueued half a second later, 30 events per file.</summary>
    public async Task CaptureAsync(IReadOnlyList<SimulatedReading> readings, params byte[][] extraBodies)
    {
        var events = new List<CapturedEvent>();
        long sequence = 0;
        foreach (var step in readings.GroupBy(r => r.Timestamp).OrderBy(g => g.Key))
        {
            events.Add(Event(sequence++, step.Key.AddMilliseconds(500), SimulatorJson.BuildArray(step.ToArray())));
        }

        var at = events[^1].EnqueuedTimeUtc;
        foreach (var body in extraBodies)
        {
            events.Add(Event(sequence++, at, body));
        }

        foreach (var chunk in events.Chunk(30))
        {
            await CaptureWriter.WriteAsync("0", chunk, CancellationToken.None);
        }
    }

    private static CapturedEvent Event(long sequence, DateTimeOffset enqueued, byte[] body)
        => new(sequence, sequence * 1000, enqueued, body, new Dictionary<string, string>(), new Dictionary<string, string>());

    /// <summary>Stores anomaly records for <paramref name="readings"/> (as the scorer's sink would).</summary>
    public Task FlagAsync(IEnumerable<SimulatedReading> readings, QualityFlags quality, string championVersion)
        => AnomalySink.WriteAsync(
            readings.Select(r => new AnomalyRecord(r.DeviceId, r.MessageId, r.Timestamp, championVersion, 5, 1, 1, Severity.High, [], quality, r.Timestamp, "0")).ToArray(),
            CancellationToken.None);

    /// <summary>A request for the window holding all of <paramref name="readings"/>.</summary>
    public RetrainingRequest Request(IReadOnlyList<SimulatedReading> readings, string mode = PromotionModes.Auto, long minTrainingRows = 1000)
    {
        var last = readings.Max(r => r.Timestamp);
        var first = readings.Min(r => r.Timestamp);
        var requestedAt = last.AddSeconds(5);
        return new RetrainingRequest(Model, "test drift", "test", requestedAt, false, mode, 0.02, 0.05, requestedAt - first + TimeSpan.FromSeconds(5), TimeSpan.FromHours(1), minTrainingRows, 0.2, 17);
    }
}
