using System.Diagnostics;
using System.Globalization;
using IoTAnomaly.Core.Drift;
using IoTAnomaly.Infrastructure.Drift;
using IoTAnomaly.Testing;

namespace IoTAnomaly.Infrastructure.Tests.Drift;

/// <summary>How long loading one hour of per-minute sketch sets of 1,000 devices × 8 sensors takes: a printed figure, not an assertion.</summary>
[TestClass]
public sealed class BlobDriftSketchLoadTimeTests
{
    public TestContext TestContext { get; set; } = null!;

    [TestMethod]
    [TestCategory("Benchmark")]
    public async Task SketchLoad_OneHourOfThousandDevices_PrintsElapsedTime()
    {
        const int Devices = 1000;
        const int Sensors = 8;
        const int Bins = 64;
        const int Sets = 60;
        var start = new DateTimeOffset(2026, 11, 22, 10, 0, 0, TimeSpan.Zero);
        var store = new BlobDriftSketchStore(await AzuriteFixture.CreateContainerAsync("drift"));
        var random = new Random(3);
        long bytes = 0;
        for (var m = 1; m <= Sets; m++)
        {
            var set = new DriftSketchSet
            {
                Model = "pumps",
                ModelVersion = "v1",
                WindowStart = start.AddMinutes(m - 1),
                WindowEnd = start.AddMinutes(m),
                Sensors = Enumerable.Range(0, Sensors).Select(s => "s" + s.ToString(CultureInfo.InvariantCulture)).ToArray(),
                Edges = Enumerable.Range(0, Sensors).Select(_ => Enumerable.Range(0, Bins + 1).Select(b => (double)b).ToArray()).ToArray(),
                Fleet = Enumerable.Range(0, Sensors).Select(_ => new long[Bins]).ToArray(),
            };
            for (var d = 0; d < Devices; d++)
            {
                var counts = new long[Sensors][];
                for (var s = 0; s < Sensors; s++)
                {
                    counts[s] = new long[Bins];
                    for (var r = 0; r < 60; r++)
                    {
                        var bin = Math.Clamp((int)((Bins / 2) + (8 * (random.NextDouble() - 0.5) * 2)), 0, Bins - 1);
                        counts[s][bin]++;
                        set.Fleet[s][bin]++;
                    }
                }

                set.Devices["pump-" + d.ToString("D4", CultureInfo.InvariantCulture)] = counts;
            }

            set.Scored = Devices * 60;
            await store.SaveAsync(set, TestContext.CancellationToken);
        }

        await foreach (var blob in store.Container.GetBlobsAsync(cancellationToken: TestContext.CancellationToken))
        {
            bytes += blob.Properties.ContentLength ?? 0;
        }

        var stopwatch = Stopwatch.StartNew();
        var loaded = await store.LoadAsync("pumps", start, start.AddHours(1), TestContext.CancellationToken);
        var merged = loaded[0];
        foreach (var set in loaded.Skip(1))
        {
            merged.Merge(set);
        }

        stopwatch.Stop();

        // A window holding the whole hour, ten minutes after it ended: the first load writes the roll-up, the next reads it.
        var rollupWindow = (From: start, To: start.AddHours(1).AddMinutes(10));
        var writing = Stopwatch.StartNew();
        await store.LoadAsync("pumps", rollupWindow.From, rollupWindow.To, TestContext.CancellationToken);
        writing.Stop();
        var reading = Stopwatch.StartNew();
        var rolled = await store.LoadAsync("pumps", rollupWindow.From, rollupWindow.To, TestContext.CancellationToken);
        reading.Stop();

        var line = string.Create(
            CultureInfo.InvariantCulture,
            $"BlobDriftSketchStore: loaded and merged {Sets} sets of {Devices} devices x {Sensors} sensors x {Bins} bins ({bytes / 1024.0 / 1024.0:F1} MiB) in {stopwatch.Elapsed.TotalSeconds:F2} s; " +
            $"the same hour as a roll-up: written in {writing.Elapsed.TotalSeconds:F2} s, read in {reading.Elapsed.TotalSeconds:F2} s");
        Console.WriteLine(line);
        TestContext.WriteLine(line);
        Assert.HasCount(2, rolled, "the 10:00 hour as one roll-up, and the set that ended at 11:00");
        Assert.AreEqual((long)Sets * Devices * 60, rolled.Sum(s => s.Scored));
        Assert.HasCount(Sets, loaded);
        Assert.AreEqual((long)Sets * Devices * 60, merged.Scored);
    }
}
