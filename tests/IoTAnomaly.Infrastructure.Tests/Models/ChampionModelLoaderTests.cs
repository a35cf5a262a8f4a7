using System.Diagnostics.Metrics;
using Azure.Storage.Blobs.Models;
using IoTAnomaly.Core.Detection;
using IoTAnomaly.Core.Models;
using IoTAnomaly.Core.Serialization;
using IoTAnomaly.Infrastructure.Models;
using IoTAnomaly.Infrastructure.Storage;
using IoTAnomaly.Infrastructure.Tests.Fakes;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace IoTAnomaly.Infrastructure.Tests.Models;

[TestClass]
public sealed class ChampionModelLoaderTests
{
    private const string Model = "pump-fleet";
    private static readonly TimeSpan Interval = TimeSpan.FromSeconds(10);
    private static readonly CancellationToken None = CancellationToken.None;

    private sealed class Rig : IDisposable
    {
        public required BlobModelRegistry Registry { get; init; }

        public required FakeTimeProvider Time { get; init; }

        public required FakeDetectorFactory Factory { get; init; }

        public required ModelHolder Holder { get; init; }

        public required ChampionModelLoader Loader { get; init; }

        public static async Task<Rig> CreateAsync(TimeSpan? maxRetry = null)
        {
            var time = new FakeTimeProvider(TestModels.Start);
            var registry = await TestModels.NewRegistryAsync(time);
            var factory = new FakeDetectorFactory();
            var holder = new ModelHolder();
            var options = Options.Create(new ModelLoaderOptions
            {
                ModelName = Model,
                PollInterval = Interval,
                MaxFailedRetryInterval = maxRetry ?? TimeSpan.FromMinutes(5),
            });
            return new Rig
            {
                Registry = registry,
                Time = time,
                Factory = factory,
                Holder = holder,
                Loader = new ChampionModelLoader(registry, factory, holder, time, options),
            };
        }

        public async Task RegisterAndPromoteAsync(string version)
        {
            await TestModels.RegisterAsync(Registry, Model, version);
            await Registry.PromoteAsync(Model, version, "test", "test", null, None);
        }

        /// <summary>Moves the clock one poll interval on and polls.</summary>
        public Task<ModelPollOutcome> NextPollAsync()
        {
            Time.Advance(Interval);
            return Loader.PollOnceAsync(None);
        }

        public void Dispose() => Loader.Dispose();
    }

    [TestMethod]
    public async Task PollOnceAsync_LoadsChampion_WhenFirstPolled()
    {
        using var rig = await Rig.CreateAsync();
        await rig.RegisterAndPromoteAsync("v1");

        var outcome = await rig.Loader.PollOnceAsync(None);

        Assert.AreEqual(ModelPollOutcome.Loaded, outcome);
        Assert.IsTrue(rig.Holder.IsReady);
        Assert.AreEqual("v1", rig.Holder.Current!.Version);
        Assert.AreEqual(await rig.Registry.GetPointerETagAsync(Model, ModelRole.Champion, None), rig.Holder.Current.PointerETag);
        Assert.AreEqual(TestModels.Start, rig.Holder.Current.LoadedAt);
        Assert.IsNull(rig.Holder.LastLoadError);
    }

    [TestMethod]
    public async Task PollOnceAsync_DoesNotDownloadAgain_WhenPointerUnchanged()
    {
        using var rig = await Rig.CreateAsync();
        await rig.RegisterAndPromoteAsync("v1");
        await rig.Loader.PollOnceAsync(None);

        var outcome = await rig.NextPollAsync();

        Assert.AreEqual(ModelPollOutcome.Unchanged, outcome);
        Assert.AreEqual(1, rig.Factory.Created);
    }

    [TestMethod]
    public async Task PollOnceAsync_SwapsToNewChampion_WhenPromoted()
    {
        using var rig = await Rig.CreateAsync();
        await rig.RegisterAndPromoteAsync("v1");
        await rig.Loader.PollOnceAsync(None);
        var first = rig.Holder.Current;
        var swapped = new List<string>();
        rig.Holder.Swapped += (_, m) => swapped.Add(m.Version);

        await rig.RegisterAndPromoteAsync("v2");
        var outcome = await rig.NextPollAsync();

        Assert.AreEqual(ModelPollOutcome.Loaded, outcome);
        Assert.AreEqual("v2", rig.Holder.Current!.Version);
        Assert.AreNotSame(first, rig.Holder.Current);
        CollectionAssert.AreEqual(new[] { "v2" }, swapped);
    }

    [TestMethod]
    public async Task PollOnceAsync_LoadsPreviousChampion_WhenRolledBack()
    {
        using var rig = await Rig.CreateAsync();
        await rig.RegisterAndPromoteAsync("v1");
        await rig.RegisterAndPromoteAsync("v2");
        await rig.Loader.PollOnceAsync(None);

        await rig.Registry.RollbackAsync(Model, "bad", "oncall", None);
        var outcome = await rig.NextPollAsync();

        Assert.AreEqual(ModelPollOutcome.Loaded, outcome);
        Assert.AreEqual("v1", rig.Holder.Current!.Version);
    }

    [TestMethod]
    public async Task PollOnceAsync_ReportsNoChampion_WhenRegistryEmpty()
    {
        using var rig = await Rig.CreateAsync();

        var outcome = await rig.Loader.PollOnceAsync(None);

        Assert.AreEqual(ModelPollOutcome.NoChampion, outcome);
        Assert.IsFalse(rig.Holder.IsReady);
        StringAssert.Contains(rig.Holder.LastLoadError, "no champion");
    }

    [TestMethod]
    public async Task PollOnceAsync_KeepsLastGoodAndRecovers_WhenZipIsCorrupt()
    {
        using var rig = await Rig.CreateAsync();
        await rig.RegisterAndPromoteAsync("v1");
        await rig.Loader.PollOnceAsync(None);
        // A corrupt zip registered as such: the hash matches, the factory cannot read it.
        byte[] garbage = [0x50, 0x4b, 0x03, 0x04, 0xde, 0xad, 0xbe, 0xef];
        await rig.Registry.RegisterAsync(TestModels.Manifest(Model, "v2"), garbage, "test", None);
        await rig.Registry.PromoteAsync(Model, "v2", "test", "test", null, None);

        var failed = await rig.NextPollAsync();

        Assert.AreEqual(ModelPollOutcome.Failed, failed);
        Assert.AreEqual("v1", rig.Holder.Current!.Version);
        StringAssert.Contains(rig.Holder.LastLoadError, "v2");
        StringAssert.Contains(rig.Holder.LastLoadError, "still serving v1");

        // Fixed by promoting a good version: loaded on the next poll.
        await rig.RegisterAndPromoteAsync("v3");
        var recovered = await rig.NextPollAsync();

        Assert.AreEqual(ModelPollOutcome.Loaded, recovered);
        Assert.AreEqual("v3", rig.Holder.Current!.Version);
        Assert.IsNull(rig.Holder.LastLoadError);
    }

    [TestMethod]
    public async Task PollOnceAsync_KeepsLastGoodAndRetriesWithBackoff_WhenHashMismatches()
    {
        using var rig = await Rig.CreateAsync();
        await rig.RegisterAndPromoteAsync("v1");
        await rig.Loader.PollOnceAsync(None);
        await TestModels.RegisterAsync(rig.Registry, Model, "v2");
        var zipBlob = rig.Registry.Container.GetBlobClient("pump-fleet/v2/model.zip");
        var original = (await zipBlob.DownloadContentAsync(None)).Value.Content;
        await zipBlob.UploadAsync(BinaryData.FromBytes(FakeDetectorFactory.CreateZip("v2-tampered")), overwrite: true, None);
        await rig.Registry.PromoteAsync(Model, "v2", "test", "test", null, None);

        var failed = await rig.NextPollAsync();
        var immediate = await rig.Loader.PollOnceAsync(None);

        Assert.AreEqual(ModelPollOutcome.Failed, failed);
        Assert.AreEqual(ModelPollOutcome.RetryDeferred, immediate, "no hot loop on the same bad pointer");
        Assert.AreEqual("v1", rig.Holder.Current!.Version);
        StringAssert.Contains(rig.Holder.LastLoadError, "SHA-256");

        // Next interval: retried, fails again; the pause doubles, so the poll one interval later is skipped.
        Assert.AreEqual(ModelPollOutcome.Failed, await rig.NextPollAsync());
        Assert.AreEqual(ModelPollOutcome.RetryDeferred, await rig.NextPollAsync());

        // The blob is repaired in place; the retry after the pause loads it.
        await zipBlob.UploadAsync(original, overwrite: true, None);
        var recovered = await rig.NextPollAsync();

        Assert.AreEqual(ModelPollOutcome.Loaded, recovered);
        Assert.AreEqual("v2", rig.Holder.Current!.Version);
        Assert.IsNull(rig.Holder.LastLoadError);
    }

    [TestMethod]
    public async Task PollOnceAsync_KeepsLastGoodAndRecovers_WhenChampionPointsToMissingVersion()
    {
        using var rig = await Rig.CreateAsync();
        await rig.RegisterAndPromoteAsync("v1");
        await rig.Loader.PollOnceAsync(None);
        // A pointer edited by hand (or by a tool that skipped the registry) naming a version that was never uploaded.
        var pointer = await rig.Registry.GetPointerAsync(Model, ModelRole.Champion, None);
        var edited = new ModelPointer { Model = Model, Version = "v2", History = ["v1"], UpdatedAt = TestModels.Start };
        await rig.Registry.Container.GetBlobClient("pump-fleet/champion.json").UploadAsync(
            BinaryData.FromObjectAsJson(edited, CoreJsonContext.Default.ModelPointer),
            new BlobUploadOptions { Conditions = new BlobRequestConditions { IfMatch = new Azure.ETag(pointer!.ETag!) } },
            None);

        var failed = await rig.NextPollAsync();

        Assert.AreEqual(ModelPollOutcome.Failed, failed);
        Assert.AreEqual("v1", rig.Holder.Current!.Version);
        StringAssert.Contains(rig.Holder.LastLoadError, "ModelNotFoundException");

        // The missing version is uploaded later: the next retry picks it up.
        await TestModels.RegisterAsync(rig.Registry, Model, "v2");
        var recovered = await rig.NextPollAsync();

        Assert.AreEqual(ModelPollOutcome.Loaded, recovered);
        Assert.AreEqual("v2", rig.Holder.Current!.Version);
    }

    [TestMethod]
    public async Task PollOnceAsync_ClearsLoadErrorWithoutReloading_WhenRolledBackToLoadedVersion()
    {
        using var rig = await Rig.CreateAsync();
        await rig.RegisterAndPromoteAsync("v1");
        await rig.Loader.PollOnceAsync(None);
        rig.Factory.FailForVersion = "v2";
        await rig.RegisterAndPromoteAsync("v2");
        Assert.AreEqual(ModelPollOutcome.Failed, await rig.NextPollAsync());
        Assert.IsNotNull(rig.Holder.LastLoadError);

        await rig.Registry.RollbackAsync(Model, "v2 does not load", "oncall", None);
        var outcome = await rig.NextPollAsync();

        Assert.AreEqual(ModelPollOutcome.Unchanged, outcome);
        Assert.AreEqual("v1", rig.Holder.Current!.Version);
        Assert.IsNull(rig.Holder.LastLoadError);
        Assert.AreEqual(1, rig.Factory.Created, "v1 was not built again");
        Assert.AreEqual(ModelPollOutcome.Unchanged, await rig.NextPollAsync());
    }

    [TestMethod]
    public async Task PollOnceAsync_KeepsLastGood_WhenModelBlobDeleted()
    {
        using var rig = await Rig.CreateAsync();
        await rig.RegisterAndPromoteAsync("v1");
        await rig.Loader.PollOnceAsync(None);
        await TestModels.RegisterAsync(rig.Registry, Model, "v2");
        await rig.Registry.Container.GetBlobClient("pump-fleet/v2/model.zip").DeleteAsync(cancellationToken: None);
        await rig.Registry.PromoteAsync(Model, "v2", "test", "test", null, None);

        var outcome = await rig.NextPollAsync();

        Assert.AreEqual(ModelPollOutcome.Failed, outcome);
        Assert.AreEqual("v1", rig.Holder.Current!.Version);
    }

    [TestMethod]
    public void PublicReason_ReducesAStorageErrorToStatusAndCode_AndKeepsOurOwnMessages()
    {
        var storage = new Azure.RequestFailedException(503, "Service unavailable\nStatus: 503\nHeaders:\nx-ms-request-id: 123\nServer: Azurite", "ServerBusy", null);

        var reason = ChampionModelLoader.PublicReason(storage);

        Assert.AreEqual("RequestFailedException: storage answered 503 ServerBusy", reason);
        Assert.AreEqual("InvalidDataException: SHA-256 mismatch", ChampionModelLoader.PublicReason(new InvalidDataException("SHA-256 mismatch")));
    }

    [TestMethod]
    public async Task PollOnceAsync_ReportsFailureWithoutModel_WhenFirstChampionFailsToLoad()
    {
        using var rig = await Rig.CreateAsync();
        rig.Factory.FailForVersion = "v1";
        await rig.RegisterAndPromoteAsync("v1");

        var outcome = await rig.Loader.PollOnceAsync(None);

        Assert.AreEqual(ModelPollOutcome.Failed, outcome);
        Assert.IsFalse(rig.Holder.IsReady);
        StringAssert.Contains(rig.Holder.LastLoadError, "no model is loaded");
    }

    [TestMethod]
    public async Task PollOnceAsync_CapsRetryPause_AtMaxFailedRetryInterval()
    {
        using var rig = await Rig.CreateAsync(maxRetry: Interval * 2);
        rig.Factory.FailForVersion = "v1";
        await rig.RegisterAndPromoteAsync("v1");

        var outcomes = new List<ModelPollOutcome> { await rig.Loader.PollOnceAsync(None) };
        for (var i = 0; i < 7; i++)
        {
            outcomes.Add(await rig.NextPollAsync());
        }

        // Pauses: 1 interval, then 2 (the cap), then 2, ...
        CollectionAssert.AreEqual(
            new[]
            {
                ModelPollOutcome.Failed, ModelPollOutcome.Failed, ModelPollOutcome.RetryDeferred, ModelPollOutcome.Failed,
                ModelPollOutcome.RetryDeferred, ModelPollOutcome.Failed, ModelPollOutcome.RetryDeferred, ModelPollOutcome.Failed,
            },
            outcomes);
    }

    [TestMethod]
    public async Task PollOnceAsync_KeepsServingAndRecovers_WhenStorageStopsAndRestarts()
    {
        // Its own Azurite, so stopping it does not disturb the other tests.
        var azurite = await AzuriteLauncher.StartAsync();
        var (blobPort, queuePort, tablePort) = (azurite.BlobPort, azurite.QueuePort, azurite.TablePort);
        try
        {
            var time = new FakeTimeProvider(TestModels.Start);
            var container = BlobServiceClientFactory.Create(azurite.ConnectionString).GetBlobContainerClient("models");
            var registry = new BlobModelRegistry(container, time);
            var holder = new ModelHolder();
            using var loader = new ChampionModelLoader(
                registry, new FakeDetectorFactory(), holder, time,
                Options.Create(new ModelLoaderOptions { ModelName = Model, PollInterval = Interval }));
            await TestModels.RegisterAsync(registry, Model, "v1");
            await registry.PromoteAsync(Model, "v1", "initial", "test", null, None);
            Assert.AreEqual(ModelPollOutcome.Loaded, await loader.PollOnceAsync(None));

            azurite.Dispose();
            time.Advance(Interval);
            var down = await loader.PollOnceAsync(None);

            Assert.AreEqual(ModelPollOutcome.StorageUnavailable, down);
            Assert.AreEqual("v1", holder.Current!.Version);
            Assert.IsNull(holder.LastLoadError, "an outage is not a bad model");

            // Azurite is back (in-memory, so empty): a new champion is registered and picked up.
            azurite = await AzuriteLauncher.StartAsync(new AzuriteLaunchOptions { BlobPort = blobPort, QueuePort = queuePort, TablePort = tablePort });
            await TestModels.RegisterAsync(registry, Model, "v2");
            await registry.PromoteAsync(Model, "v2", "after outage", "test", null, None);
            time.Advance(Interval);

            Assert.AreEqual(ModelPollOutcome.Loaded, await loader.PollOnceAsync(None));
            Assert.AreEqual("v2", holder.Current!.Version);
        }
        finally
        {
            azurite.Dispose();
        }
    }

    [TestMethod]
    public async Task PollOnceAsync_RecordsLoadAndSwapMetrics_WithOutcomeAndVersion()
    {
        using var rig = await Rig.CreateAsync();
        var model = rig.Registry.Container.Name; // unique per test; versions below are unique with it
        var good = "good-" + model;
        var bad = "bad-" + model;
        var measurements = new List<(string Instrument, long Value, string? Outcome, string? Version)>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == "IoTAnomaly" && instrument.Name.StartsWith("iotanomaly.model.", StringComparison.Ordinal))
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) =>
        {
            string? outcome = null, version = null;
            foreach (var tag in tags)
            {
                outcome = tag.Key == "outcome" ? tag.Value as string : outcome;
                version = tag.Key == "model.version" ? tag.Value as string : version;
            }

            if (version == good || version == bad)
            {
                lock (measurements)
                {
                    measurements.Add((instrument.Name, value, outcome, version));
                }
            }
        });
        listener.Start();

        await rig.RegisterAndPromoteAsync(good);
        await rig.Loader.PollOnceAsync(None);
        rig.Factory.FailForVersion = bad;
        await rig.RegisterAndPromoteAsync(bad);
        await rig.NextPollAsync();

        CollectionAssert.AreEquivalent(
            new[]
            {
                ("iotanomaly.model.loads", 1L, (string?)"success", (string?)good),
                ("iotanomaly.model.swaps", 1L, (string?)null, (string?)good),
                ("iotanomaly.model.loads", 1L, (string?)"failure", (string?)bad),
            },
            measurements);
    }
}
