using IoTAnomaly.Core.Drift;
using IoTAnomaly.Infrastructure.Drift;
using IoTAnomaly.Testing;

namespace IoTAnomaly.Infrastructure.Tests.Drift;

[TestClass]
public sealed class BlobDriftStoreTests
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 22, 10, 0, 0, TimeSpan.Zero);

    public TestContext TestContext { get; set; } = null!;

    private static DriftSketchSet Set(string model, DateTimeOffset end, long scored, string? device = null) => new()
    {
        Model = model,
        ModelVersion = "20261101-000000-abcdef12",
        WindowStart = end.AddMinutes(-1),
        WindowEnd = end,
        Sensors = ["Pressure", "Current"],
        Edges = [[0, 1, 2, 3], [10, 20, 30, 40]],
        Fleet = [[scored, 0, 1], [0, scored, 2]],
        Devices = device is null ? new(StringComparer.Ordinal) : new(StringComparer.Ordinal) { [device] = [[scored, 0, 1], [0, scored, 2]] },
        Scored = scored + 3,
        Anomalies = 1,
    };

    private static DriftReport Report(string model, DateTimeOffset checkedAt, string verdict = DriftVerdicts.Stable) => new()
    {
        Model = model,
        ModelVersion = "20261101-000000-abcdef12",
        CheckedAt = checkedAt,
        WindowStart = checkedAt.AddHours(-1),
        WindowEnd = checkedAt,
        Samples = 1000,
        Sensors = [new SensorDrift("Pressure", 1000, 0.3, 0.001, 0.25, 0.1, true)],
        Prediction = new PredictionDrift(1000, 7, 0.007, 0.005, 0.9, false),
        Devices = [new DeviceDrift("pump-001", 100, 0.4, ["Pressure"])],
        Verdict = verdict,
        Action = "retraining-started:retrain-" + model,
    };

    [TestMethod]
    public async Task SketchSave_ThenLoad_RoundTripsGzipJsonAtHourPath()
    {
        var container = await AzuriteFixture.CreateContainerAsync("drift");
        var store = new BlobDriftSketchStore(container, writerId: "w1");
        var end = new DateTimeOffset(2026, 11, 22, 10, 17, 5, 123, TimeSpan.Zero);
        await store.SaveAsync(Set("pumps", end, 40, "pump-001"), TestContext.CancellationToken);

        var loaded = await store.LoadAsync("pumps", T0, T0.AddHours(1), TestContext.CancellationToken);

        Assert.HasCount(1, loaded);
        var set = loaded[0];
        Assert.AreEqual(end, set.WindowEnd);
        Assert.AreEqual(end.AddMinutes(-1), set.WindowStart);
        Assert.AreEqual(43, set.Scored);
        Assert.AreEqual(1, set.Anomalies);
        CollectionAssert.AreEqual(new[] { 10.0, 20, 30, 40 }, set.Edges[1]);
        CollectionAssert.AreEqual(new long[] { 0, 40, 2 }, set.Fleet[1]);
        CollectionAssert.AreEqual(new long[] { 40, 0, 1 }, set.Devices["pump-001"][0]);
        Assert.IsTrue(await container.GetBlobClient("pumps/sketches/2026/11/22/10/20261122T101705123-w1.sketch").ExistsAsync(TestContext.CancellationToken));
    }

    [TestMethod]
    public async Task SketchLoad_JsonSetPlainOrGzip_IsStillRead()
    {
        var container = await AzuriteFixture.CreateContainerAsync("drift");
        var store = new BlobDriftSketchStore(container);
        var json = System.Text.Json.JsonSerializer.SerializeToUtf8Bytes(Set("pumps", T0.AddMinutes(1), 5), Core.Serialization.CoreJsonContext.Default.DriftSketchSet);
        await container.UploadBlobAsync("pumps/sketches/2026/11/22/10/20261122T100100000-old.json", BinaryData.FromBytes(json), TestContext.CancellationToken);
        using var gz = new MemoryStream();
        using (var zip = new System.IO.Compression.GZipStream(gz, System.IO.Compression.CompressionLevel.Fastest, leaveOpen: true))
        {
            zip.Write(json);
        }

        await container.UploadBlobAsync("pumps/sketches/2026/11/22/10/20261122T100200000-old.json", BinaryData.FromBytes(gz.ToArray()), TestContext.CancellationToken);
        await container.UploadBlobAsync("pumps/sketches/2026/11/22/10/20261122T100300000-bad.sketch", BinaryData.FromString("not a sketch"), TestContext.CancellationToken);

        var loaded = await store.LoadAsync("pumps", T0, T0.AddHours(1), TestContext.CancellationToken);

        Assert.HasCount(2, loaded, "both JSON forms are read; the corrupt blob is skipped");
        Assert.IsTrue(loaded.All(s => s.Scored == 8));
    }

    [TestMethod]
    public void SketchCodec_RoundTrip_KeepsEveryCountAndRejectsGarbage()
    {
        var set = Set("pumps", T0, 7, "pump-001");
        set.Devices["pump-002"] = [[0, 0, 0], [1_000_000_000_000, 0, 3]];

        var back = DriftSketchCodec.Decode(DriftSketchCodec.Encode(set));

        Assert.AreEqual(set.ModelVersion, back.ModelVersion);
        Assert.AreEqual(set.WindowStart, back.WindowStart);
        CollectionAssert.AreEqual(set.Sensors, back.Sensors);
        CollectionAssert.AreEqual(set.Edges[0], back.Edges[0]);
        CollectionAssert.AreEqual(set.Fleet[1], back.Fleet[1]);
        CollectionAssert.AreEqual(set.Devices["pump-002"][1], back.Devices["pump-002"][1]);
        CollectionAssert.AreEqual(set.Devices["pump-001"][0], back.Devices["pump-001"][0]);
        Assert.ThrowsExactly<InvalidDataException>(() => DriftSketchCodec.Decode("garbage"u8.ToArray()));
        Assert.ThrowsExactly<InvalidDataException>(() => DriftSketchCodec.Decode(DriftSketchCodec.Encode(set).AsMemory(0, 40)));
        Assert.ThrowsExactly<InvalidDataException>(() => DriftSketchCodec.DecodeRollup(DriftSketchCodec.Encode(set)));
        var (sources, sets) = DriftSketchCodec.DecodeRollup(DriftSketchCodec.EncodeRollup(["a", "b"], [set, back]));
        CollectionAssert.AreEqual(new[] { "a", "b" }, sources.ToArray());
        Assert.HasCount(2, sets);
        CollectionAssert.AreEqual(set.Devices["pump-002"][1], sets[1].Devices["pump-002"][1]);
    }

    [TestMethod]
    public async Task SketchLoad_SetsAcrossHours_ReturnsOnlyWindowEndsInsideInOrder()
    {
        var container = await AzuriteFixture.CreateContainerAsync("drift");
        var store = new BlobDriftSketchStore(container, writeRollups: false);
        foreach (var end in new[] { T0.AddMilliseconds(-1), T0, T0.AddMinutes(59), T0.AddMinutes(90), T0.AddHours(2), T0.AddHours(2).AddMilliseconds(1), T0.AddDays(1) })
        {
            await store.SaveAsync(Set("pumps", end, 1), TestContext.CancellationToken);
        }

        await store.SaveAsync(Set("other", T0.AddMinutes(10), 1), TestContext.CancellationToken);

        var loaded = await store.LoadAsync("pumps", T0, T0.AddHours(2), TestContext.CancellationToken);

        CollectionAssert.AreEqual(
            new[] { T0, T0.AddMinutes(59), T0.AddMinutes(90), T0.AddHours(2) },
            loaded.Select(s => s.WindowEnd).ToArray());
        Assert.IsEmpty(await store.LoadAsync("pumps", T0.AddHours(3), T0.AddHours(4), TestContext.CancellationToken));
        Assert.IsEmpty(await store.LoadAsync("pumps", T0.AddHours(1), T0, TestContext.CancellationToken));
    }

    [TestMethod]
    public async Task SketchSave_TwoWritersSameWindow_NeitherOverwritesTheOther()
    {
        var container = await AzuriteFixture.CreateContainerAsync("drift");
        var first = new BlobDriftSketchStore(container);
        var second = new BlobDriftSketchStore(container);
        var end = T0.AddMinutes(5);

        await Task.WhenAll(
            first.SaveAsync(Set("pumps", end, 10, "pump-001"), TestContext.CancellationToken),
            second.SaveAsync(Set("pumps", end, 20, "pump-002"), TestContext.CancellationToken));
        var loaded = await first.LoadAsync("pumps", T0, T0.AddHours(1), TestContext.CancellationToken);

        Assert.AreNotEqual(first.WriterId, second.WriterId);
        Assert.HasCount(2, loaded);
        var merged = loaded[0];
        merged.Merge(loaded[1]);
        Assert.AreEqual(36, merged.Scored);
        Assert.HasCount(2, merged.Devices);
    }

    [TestMethod]
    public async Task SketchSave_SameWriterSameWindowAgain_ReplacesItself()
    {
        var store = new BlobDriftSketchStore(await AzuriteFixture.CreateContainerAsync("drift"));
        await store.SaveAsync(Set("pumps", T0.AddMinutes(5), 10), TestContext.CancellationToken);
        await store.SaveAsync(Set("pumps", T0.AddMinutes(5), 12), TestContext.CancellationToken);

        var loaded = await store.LoadAsync("pumps", T0, T0.AddHours(1), TestContext.CancellationToken);

        Assert.HasCount(1, loaded);
        Assert.AreEqual(15, loaded[0].Scored);
    }

    [TestMethod]
    public async Task SketchLoad_WholeHoursOfLongWindow_WritesRollupThatLaterLoadsRead()
    {
        var container = await AzuriteFixture.CreateContainerAsync("drift");
        var store = new BlobDriftSketchStore(container, writerId: "w1");
        var minutes = new[] { 1, 20, 59, 61, 90, 119, 121, 124, 130 }; // hours 10, 11, 12
        for (var i = 0; i < minutes.Length; i++)
        {
            await store.SaveAsync(Set("pumps", T0.AddMinutes(minutes[i]), 10 + i, "pump-" + (i % 2).ToString(System.Globalization.CultureInfo.InvariantCulture)), TestContext.CancellationToken);
        }

        var to = T0.AddMinutes(125); // hour 10 whole and over for 65 min; hour 11 whole but over for 5 min only; hour 12 partial
        var expectedScored = Enumerable.Range(0, 8).Sum(i => 10 + i + 3);

        var firstLoad = await store.LoadAsync("pumps", T0, to, TestContext.CancellationToken);

        Assert.AreEqual(expectedScored, firstLoad.Sum(s => s.Scored));
        Assert.HasCount(1 + 3 + 2, firstLoad, "hour 10 merged into one set");
        Assert.IsTrue(await container.GetBlobClient(BlobDriftSketchStore.RollupName("pumps", T0)).ExistsAsync(TestContext.CancellationToken));
        Assert.IsFalse(await container.GetBlobClient(BlobDriftSketchStore.RollupName("pumps", T0.AddHours(1))).ExistsAsync(TestContext.CancellationToken));
        Assert.IsFalse(await container.GetBlobClient(BlobDriftSketchStore.RollupName("pumps", T0.AddHours(2))).ExistsAsync(TestContext.CancellationToken));

        // The roll-up is what later loads read: remove the hour's sets, add a late one it does not cover.
        foreach (var minute in minutes.Take(3))
        {
            await container.DeleteBlobAsync(BlobDriftSketchStore.BlobName(Set("pumps", T0.AddMinutes(minute), 0), "w1"), cancellationToken: TestContext.CancellationToken);
        }

        await new BlobDriftSketchStore(container, writerId: "late").SaveAsync(Set("pumps", T0.AddMinutes(30), 100), TestContext.CancellationToken);
        var secondLoad = await store.LoadAsync("pumps", T0, to, TestContext.CancellationToken);

        Assert.AreEqual(expectedScored + 103, secondLoad.Sum(s => s.Scored));
        var hour10 = secondLoad.Where(s => s.WindowEnd < T0.AddHours(1)).ToArray();
        Assert.HasCount(2, hour10, "the roll-up and the late set");
        Assert.AreEqual(T0.AddMinutes(59), hour10.Max(s => s.WindowEnd));
        CollectionAssert.AreEquivalent(new[] { "pump-0", "pump-1" }, hour10.Single(s => s.Scored != 103).Devices.Keys.ToArray());

        // A window that cuts into hour 10 ignores the roll-up and filters the sets.
        var partial = await store.LoadAsync("pumps", T0.AddMinutes(25), T0.AddMinutes(60), TestContext.CancellationToken);
        CollectionAssert.AreEqual(new[] { T0.AddMinutes(30) }, partial.Select(s => s.WindowEnd).ToArray());
    }

    [TestMethod]
    public async Task SketchLoad_ContainerMissing_ReturnsEmpty()
    {
        var service = await AzuriteFixture.GetServiceClientAsync(TestContext.CancellationToken);
        var store = new BlobDriftSketchStore(service.GetBlobContainerClient(AzuriteFixture.UniqueName("absent")));

        Assert.IsEmpty(await store.LoadAsync("pumps", T0, T0.AddHours(1), TestContext.CancellationToken));
    }

    [TestMethod]
    public void SketchStore_InvalidWriterId_Throws()
    {
        var container = new Azure.Storage.Blobs.BlobContainerClient(new Uri("http://127.0.0.1:1/devstoreaccount1/x"));
        Assert.ThrowsExactly<ArgumentException>(() => new BlobDriftSketchStore(container, writerId: "a/b"));
        Assert.AreEqual(T0.AddMilliseconds(5), BlobDriftSketchStore.TryParseWindowEnd("m/sketches/2026/11/22/10/20261122T100000005-ab.sketch"));
        Assert.IsNull(BlobDriftSketchStore.TryParseWindowEnd("m/sketches/2026/11/22/10/latest.json"));
    }

    [TestMethod]
    public async Task ReportSave_OutOfOrder_LatestStaysNewestAndRecentIsNewestFirst()
    {
        var container = await AzuriteFixture.CreateContainerAsync("drift");
        var store = new BlobDriftReportStore(container);
        var newest = T0.AddDays(2).AddSeconds(5);
        await store.SaveAsync(Report("pumps", T0), TestContext.CancellationToken);
        await store.SaveAsync(Report("pumps", newest, DriftVerdicts.Drifted), TestContext.CancellationToken);
        await store.SaveAsync(Report("pumps", T0.AddDays(1)), TestContext.CancellationToken);
        await store.SaveAsync(Report("pumps", T0.AddHours(1)), TestContext.CancellationToken);
        await store.SaveAsync(Report("other", T0.AddDays(3)), TestContext.CancellationToken);

        var recent = await store.ListRecentAsync("pumps", 3, TestContext.CancellationToken);
        var all = await store.ListRecentAsync("pumps", 10, TestContext.CancellationToken);
        var latest = await store.GetLatestAsync("pumps", TestContext.CancellationToken);

        CollectionAssert.AreEqual(new[] { newest, T0.AddDays(1), T0.AddHours(1) }, recent.Select(r => r.CheckedAt).ToArray());
        Assert.HasCount(4, all);
        Assert.AreEqual(newest, latest?.CheckedAt);
        Assert.AreEqual(DriftVerdicts.Drifted, latest?.Verdict);
        Assert.AreEqual("retraining-started:retrain-pumps", recent[0].Action);
        Assert.AreEqual(0.25, recent[0].Sensors[0].Psi);
        Assert.IsTrue(await container.GetBlobClient("pumps/reports/2026/11/24/100005.json").ExistsAsync(TestContext.CancellationToken));
        Assert.IsEmpty(await store.ListRecentAsync("pumps", 0, TestContext.CancellationToken));
        Assert.IsEmpty(await store.ListRecentAsync("unknown", 5, TestContext.CancellationToken));
        Assert.IsNull(await store.GetLatestAsync("unknown", TestContext.CancellationToken));
    }
}
