using System.Diagnostics.Metrics;
using IoTAnomaly.Core.Detection;
using IoTAnomaly.Core.Drift;
using IoTAnomaly.Core.Retraining;
using IoTAnomaly.Testing;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace IoTAnomaly.Core.Tests.Drift;

[TestClass]
public sealed class DriftMonitorTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 22, 12, 0, 0, TimeSpan.Zero);

    private sealed class Stores : IDriftSketchStore, IDriftReportStore, IRetrainingStarter
    {
        public List<DriftSketchSet> Sets { get; } = [];

        public List<DriftReport> Reports { get; } = [];

        public DateTimeOffset? LastStarted { get; set; }

        public int Starts { get; private set; }

        public Task SaveAsync(DriftSketchSet set, CancellationToken cancellationToken) => Task.CompletedTask;

        public Task<IReadOnlyList<DriftSketchSet>> LoadAsync(string model, DateTimeOffset from, DateTimeOffset to, CancellationToken cancellationToken)
            => Task.FromResult<IReadOnlyList<DriftSketchSet>>(Sets);

        public Task SaveAsync(DriftReport report, CancellationToken cancellationToken)
        {
            Reports.Add(report);
            return Task.CompletedTask;
        }

        public Task<IReadOnlyList<DriftReport>> ListRecentAsync(string model, int max, CancellationToken cancellationToken)
            => Task.FromResult<IReadOnlyList<DriftReport>>(Reports);

        public Task<RetrainingStartResult> StartAsync(RetrainingRequest request, CancellationToken cancellationToken)
        {
            Starts++;
            return Task.FromResult(new RetrainingStartResult(true, request.InstanceId, null));
        }

        public Task<DateTimeOffset?> LastStartedAsync(string model, CancellationToken cancellationToken) => Task.FromResult(LastStarted);
    }

    private static (DriftMonitor Monitor, Stores Stores) Create()
    {
        var detector = new FakeDetector("v1", ["a"]);
        var holder = new ModelHolder();
        holder.Swap(new LoadedModel(detector, null, Now));
        var stores = new Stores();
        var drifted = DriftSketchSet.Empty(detector.Manifest, ["a"], Now.AddMinutes(-5));
        drifted.Fleet[0][1] = 5000; // the baseline splits 1:1 over two bins; all recent mass sits in the upper one
        drifted.Scored = 5000;
        drifted.WindowEnd = Now;
        stores.Sets.Add(drifted);
        var monitor = new DriftMonitor(
            holder,
            stores,
            stores,
            stores,
            Options.Create(new DriftOptions { MinSamples = 100, RetrainCooldown = TimeSpan.FromMinutes(30) }),
            Options.Create(new RetrainingOptions()),
            new FakeTimeProvider(Now),
            NullLogger<DriftMonitor>.Instance);
        return (monitor, stores);
    }

    [TestMethod]
    public async Task RunOnce_RecordsPerSensorDriftStatistics_AsMetrics()
    {
        var (monitor, _) = Create();
        var recorded = new List<(string Instrument, double Value, string? Sensor, string? Drifted)>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == "IoTAnomaly" && instrument.Name.StartsWith("iotanomaly.drift.", StringComparison.Ordinal))
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        void OnMeasurement(Instrument instrument, double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
        {
            string? sensor = null, drifted = null, version = null;
            foreach (var tag in tags)
            {
                sensor = tag.Key == "sensor" ? tag.Value as string : sensor;
                drifted = tag.Key == "drifted" ? tag.Value as string : drifted;
                version = tag.Key == "model.version" ? tag.Value as string : version;
            }

            if (version == "v1" && sensor == "a")
            {
                lock (recorded)
                {
                    recorded.Add((instrument.Name, value, sensor, drifted));
                }
            }
        }

        listener.SetMeasurementEventCallback<double>((instrument, value, tags, _) => OnMeasurement(instrument, value, tags));
        listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) => OnMeasurement(instrument, value, tags));
        listener.Start();

        var report = await monitor.RunOnceAsync(CancellationToken.None);

        var sensor = report!.Sensors.Single();
        lock (recorded)
        {
            CollectionAssert.AreEquivalent(
                new[]
                {
                    ("iotanomaly.drift.psi", sensor.Psi, (string?)"a", (string?)null),
                    ("iotanomaly.drift.ks", sensor.Ks, (string?)"a", (string?)null),
                    ("iotanomaly.drift.jsd", sensor.Jsd, (string?)"a", (string?)null),
                    ("iotanomaly.drift.sensor.checks", 1d, (string?)"a", (string?)"true"),
                },
                recorded);
        }
    }

    [TestMethod]
    public async Task RunOnce_StartsRetraining_WhenDriftedAndNoRecentRun()
    {
        var (monitor, stores) = Create();
        stores.LastStarted = Now.AddHours(-2);
        var report = await monitor.RunOnceAsync(CancellationToken.None);
        Assert.IsTrue(report!.IsDrifted);
        Assert.AreEqual(1, stores.Starts);
        StringAssert.StartsWith(report.Action, "retraining-started:");
    }

    [TestMethod]
    public async Task RunOnce_WaitsForCooldown_WhenARunStartedRecently_EvenInAFreshMonitor()
    {
        // A new DriftMonitor per timer invocation (as in the Functions app) must still honour the cooldown.
        var (monitor, stores) = Create();
        stores.LastStarted = Now.AddMinutes(-10);
        var report = await monitor.RunOnceAsync(CancellationToken.None);
        Assert.IsTrue(report!.IsDrifted);
        Assert.AreEqual(0, stores.Starts);
        StringAssert.StartsWith(report.Action, "retraining-cooldown:");
    }
}
