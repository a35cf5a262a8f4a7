using System.Text;
using Azure.Storage.Blobs.Models;
using IoTAnomaly.Core.Models;
using IoTAnomaly.Infrastructure.Models;
using IoTAnomaly.Infrastructure.Tests.Fakes;
using Microsoft.Extensions.Time.Testing;

namespace IoTAnomaly.Infrastructure.Tests.Models;

[TestClass]
public sealed class BlobModelRegistryTests
{
    private const string Model = "pump-fleet";
    private static readonly CancellationToken None = CancellationToken.None;

    [TestMethod]
    public async Task RegisterAsync_RoundTripsBundleAndManifest_WhenDownloaded()
    {
        var registry = await TestModels.NewRegistryAsync();
        var zip = FakeDetectorFactory.CreateZip("20261122-100000-aaaaaaaa");
        var manifest = TestModels.Manifest(Model, "20261122-100000-aaaaaaaa");

        await registry.RegisterAsync(manifest, zip, "alice", None);
        var bundle = await registry.DownloadAsync(Model, "20261122-100000-aaaaaaaa", None);

        CollectionAssert.AreEqual(zip, bundle.ModelZip.ToArray());
        Assert.AreEqual(BlobModelRegistry.ComputeSha256(zip), bundle.Manifest.ModelSha256);
        Assert.AreEqual(Model, bundle.Manifest.Name);
        Assert.AreEqual(FakeDetectorFactory.ModelType, bundle.Manifest.ModelType);
        Assert.AreEqual(TestModels.Start, bundle.Manifest.CreatedAt);
        Assert.AreEqual("Pressure", bundle.Manifest.Sensors[0].Name);
        Assert.AreEqual(double.PositiveInfinity, bundle.Manifest.Sensors[0].PhysicalMax);
        CollectionAssert.AreEqual(new long[] { 5, 10, 5 }, bundle.Manifest.Sensors[0].Baseline.Counts);
        Assert.AreEqual(3.25, bundle.Manifest.Thresholds.QLimit);
        Assert.AreEqual(0.8, bundle.Manifest.Metrics["f1"]);
    }

    [TestMethod]
    public async Task RegisterAsync_StoresBlobsInDocumentedLayout_WhenRegistered()
    {
        var registry = await TestModels.NewRegistryAsync();
        await TestModels.RegisterAsync(registry, Model, "v1");

        var names = new List<string>();
        await foreach (var blob in registry.Container.GetBlobsAsync(BlobTraits.None, BlobStates.None, prefix: null, None))
        {
            names.Add(blob.Name);
        }

        CollectionAssert.AreEquivalent(new[] { "pump-fleet/audit.ndjson", "pump-fleet/v1/manifest.json", "pump-fleet/v1/model.zip" }, names);
        var audit = await registry.Container.GetBlobClient("pump-fleet/audit.ndjson").GetPropertiesAsync(cancellationToken: None);
        Assert.AreEqual(BlobType.Append, audit.Value.BlobType);
    }

    [TestMethod]
    public async Task ListAsync_ReturnsModelsAndVersionsOldestFirst_WhenSeveralRegistered()
    {
        var registry = await TestModels.NewRegistryAsync();
        await TestModels.RegisterAsync(registry, Model, "v2", minutesAfterStart: 10);
        await TestModels.RegisterAsync(registry, Model, "v1", minutesAfterStart: 0);
        await TestModels.RegisterAsync(registry, "chiller", "v9");

        var models = await registry.ListModelsAsync(None);
        var versions = await registry.ListVersionsAsync(Model, None);

        CollectionAssert.AreEqual(new[] { "chiller", Model }, models.ToArray());
        CollectionAssert.AreEqual(new[] { "v1", "v2" }, versions.Select(v => v.Version).ToArray());
        Assert.IsEmpty(await registry.ListVersionsAsync("unknown-model", None));
    }

    [TestMethod]
    public async Task RegisterAsync_ThrowsConflict_WhenVersionAlreadyRegistered()
    {
        var registry = await TestModels.NewRegistryAsync();
        await TestModels.RegisterAsync(registry, Model, "v1");

        var otherZip = FakeDetectorFactory.CreateZip("v1-other");
        var ex = await Assert.ThrowsExactlyAsync<ModelRegistryConflictException>(
            () => registry.RegisterAsync(TestModels.Manifest(Model, "v1"), otherZip, "bob", None));

        StringAssert.Contains(ex.Message, "already registered");
        var bundle = await registry.DownloadAsync(Model, "v1", None);
        Assert.AreEqual(BlobModelRegistry.ComputeSha256(FakeDetectorFactory.CreateZip("v1")), bundle.Manifest.ModelSha256);
    }

    [TestMethod]
    public async Task RegisterAsync_CompletesEarlierAttempt_WhenOnlyTheSameZipWasStored()
    {
        var registry = await TestModels.NewRegistryAsync();
        var zip = FakeDetectorFactory.CreateZip("v1");
        await registry.RegisterAsync(TestModels.Manifest(Model, "v1"), zip, "test", None);
        await registry.Container.GetBlobClient("pump-fleet/v1/manifest.json").DeleteAsync(cancellationToken: None);

        await registry.RegisterAsync(TestModels.Manifest(Model, "v1"), zip, "test", None);

        Assert.HasCount(1, await registry.ListVersionsAsync(Model, None));
    }

    [TestMethod]
    public async Task RegisterAsync_Throws_WhenManifestHashDisagreesWithZip()
    {
        var registry = await TestModels.NewRegistryAsync();
        var manifest = TestModels.Manifest(Model, "v1");
        manifest.ModelSha256 = new string('0', 64);

        await Assert.ThrowsExactlyAsync<ArgumentException>(
            () => registry.RegisterAsync(manifest, FakeDetectorFactory.CreateZip("v1"), "test", None));
        Assert.IsEmpty(await registry.ListVersionsAsync(Model, None));
    }

    [TestMethod]
    public async Task DownloadAsync_ThrowsNotFound_WhenVersionMissing()
    {
        var registry = await TestModels.NewRegistryAsync();

        await Assert.ThrowsExactlyAsync<ModelNotFoundException>(() => registry.DownloadAsync(Model, "v404", None));
    }

    [TestMethod]
    public async Task PromoteAsync_SetsChampionAndHistory_WhenVersionsPromotedInTurn()
    {
        var registry = await TestModels.NewRegistryAsync();
        await TestModels.RegisterAsync(registry, Model, "v1");
        await TestModels.RegisterAsync(registry, Model, "v2");
        Assert.IsNull(await registry.GetPointerAsync(Model, ModelRole.Champion, None));

        var first = await registry.PromoteAsync(Model, "v1", "initial", "alice", null, None);
        var second = await registry.PromoteAsync(Model, "v2", "better f1", "bob", first.ETag, None);
        var read = await registry.GetPointerAsync(Model, ModelRole.Champion, None);

        Assert.IsNotNull(read);
        Assert.AreEqual("v2", read.Version);
        CollectionAssert.AreEqual(new[] { "v1" }, read.History.ToArray());
        Assert.AreEqual("better f1", read.Reason);
        Assert.AreEqual("bob", read.Actor);
        Assert.AreEqual(second.ETag, read.ETag);
        Assert.AreNotEqual(first.ETag, second.ETag);
        Assert.AreEqual(read.ETag, await registry.GetPointerETagAsync(Model, ModelRole.Champion, None));
    }

    [TestMethod]
    public async Task PromoteAsync_ThrowsNotFound_WhenVersionNotRegistered()
    {
        var registry = await TestModels.NewRegistryAsync();

        await Assert.ThrowsExactlyAsync<ModelNotFoundException>(() => registry.PromoteAsync(Model, "v1", "r", "a", null, None));
        Assert.IsNull(await registry.GetPointerAsync(Model, ModelRole.Champion, None));
    }

    [TestMethod]
    public async Task PromoteAsync_ThrowsConflict_WhenExpectedETagIsStale()
    {
        var registry = await TestModels.NewRegistryAsync();
        await TestModels.RegisterAsync(registry, Model, "v1");
        await TestModels.RegisterAsync(registry, Model, "v2");
        await TestModels.RegisterAsync(registry, Model, "v3");
        var first = await registry.PromoteAsync(Model, "v1", "initial", "a", null, None);
        await registry.PromoteAsync(Model, "v2", "newer", "a", first.ETag, None);

        var ex = await Assert.ThrowsExactlyAsync<ModelRegistryConflictException>(
            () => registry.PromoteAsync(Model, "v3", "stale", "b", first.ETag, None));

        StringAssert.Contains(ex.Message, first.ETag!);
        Assert.AreEqual("v2", (await registry.GetPointerAsync(Model, ModelRole.Champion, None))!.Version);
    }

    [TestMethod]
    [DataRow(false, false, DisplayName = "creating the pointer (If-None-Match: *)")]
    [DataRow(true, false, DisplayName = "replacing the pointer (If-Match on the ETag read)")]
    [DataRow(true, true, DisplayName = "replacing the pointer (If-Match on the caller's expected ETag)")]
    public async Task PromoteAsync_LetsExactlyOneWin_WhenTwoPromotionsRace(bool championExists, bool passExpectedETag)
    {
        var registry = await TestModels.NewRegistryAsync();
        await TestModels.RegisterAsync(registry, Model, "v1");
        await TestModels.RegisterAsync(registry, Model, "v2");
        await TestModels.RegisterAsync(registry, Model, "v3");
        if (championExists)
        {
            await registry.PromoteAsync(Model, "v1", "initial", "a", null, None);
        }

        var expected = passExpectedETag ? (await registry.GetPointerAsync(Model, ModelRole.Champion, None))!.ETag : null;
        // Both promotions read the pointer, then wait for each other, then both write: a true race on the write.
        var bothRead = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var waiting = 2;
        registry.BeforePointerWrite = ct =>
        {
            if (Interlocked.Decrement(ref waiting) == 0)
            {
                bothRead.SetResult();
            }

            return bothRead.Task.WaitAsync(TimeSpan.FromSeconds(30), ct);
        };

        var attempts = new[] { "v2", "v3" }.Select(v => Task.Run(() => registry.PromoteAsync(Model, v, "race", v, expected, None))).ToArray();
        try
        {
            await Task.WhenAll(attempts);
        }
        catch (ModelRegistryConflictException)
        {
        }

        var winners = attempts.Where(t => t.IsCompletedSuccessfully).Select(t => t.Result.Version).ToArray();
        var losers = attempts.Where(t => t.IsFaulted).Select(t => t.Exception!.InnerException!).ToArray();
        Assert.HasCount(1, winners);
        Assert.HasCount(1, losers);
        Assert.IsInstanceOfType<ModelRegistryConflictException>(losers[0]);
        StringAssert.Contains(losers[0].Message, "pointer changed");
        StringAssert.Contains(losers[0].Message, Model);
        var champion = await registry.GetPointerAsync(Model, ModelRole.Champion, None);
        Assert.AreEqual(winners[0], champion!.Version);
        CollectionAssert.AreEqual(championExists ? new[] { "v1" } : Array.Empty<string>(), champion.History.ToArray());
        var promotions = (await registry.GetAuditLogAsync(Model, None)).Where(e => e.Action == "promote" && e.Reason == "race").ToArray();
        Assert.HasCount(1, promotions, "only the winner is audited");
        Assert.AreEqual(winners[0], promotions[0].Version);
    }

    [TestMethod]
    public async Task PromoteAsync_BothSucceedInTurn_WhenSecondReadsAfterFirstWrote()
    {
        var registry = await TestModels.NewRegistryAsync();
        await TestModels.RegisterAsync(registry, Model, "v1");
        await TestModels.RegisterAsync(registry, Model, "v2");

        await registry.PromoteAsync(Model, "v1", "first", "a", null, None);
        var second = await registry.PromoteAsync(Model, "v2", "second", "b", null, None);

        Assert.AreEqual("v2", second.Version);
        CollectionAssert.AreEqual(new[] { "v1" }, second.History.ToArray());
    }

    [TestMethod]
    public async Task PromoteAsync_ThrowsConflict_WhenPointerChangesBetweenReadAndWrite()
    {
        var registry = await TestModels.NewRegistryAsync();
        await TestModels.RegisterAsync(registry, Model, "v1");
        await TestModels.RegisterAsync(registry, Model, "v2");
        await registry.PromoteAsync(Model, "v1", "initial", "a", null, None);
        var stale = await registry.GetPointerAsync(Model, ModelRole.Champion, None);
        await registry.Container.GetBlobClient("pump-fleet/champion.json").SetMetadataAsync(
            new Dictionary<string, string> { ["touched"] = "yes" }, cancellationToken: None);

        await Assert.ThrowsExactlyAsync<ModelRegistryConflictException>(
            () => registry.PromoteAsync(Model, "v2", "late", "b", stale!.ETag, None));
    }

    [TestMethod]
    public async Task RollbackAsync_RestoresPreviousChampion_WhenHistoryExists()
    {
        var registry = await TestModels.NewRegistryAsync();
        foreach (var v in new[] { "v1", "v2", "v3" })
        {
            await TestModels.RegisterAsync(registry, Model, v);
            await registry.PromoteAsync(Model, v, "promote " + v, "a", null, None);
        }

        var once = await registry.RollbackAsync(Model, "v3 alarms too often", "oncall", None);
        var twice = await registry.RollbackAsync(Model, "v2 too", "oncall", None);

        Assert.AreEqual("v2", once.Version);
        CollectionAssert.AreEqual(new[] { "v1" }, once.History.ToArray());
        Assert.AreEqual("v1", twice.Version);
        Assert.IsEmpty(twice.History);
        Assert.AreEqual("v1", (await registry.GetPointerAsync(Model, ModelRole.Champion, None))!.Version);
    }

    [TestMethod]
    public async Task RollbackAsync_ThrowsClearError_WhenNoPreviousChampion()
    {
        var registry = await TestModels.NewRegistryAsync();
        await TestModels.RegisterAsync(registry, Model, "v1");

        var noChampion = await Assert.ThrowsExactlyAsync<InvalidOperationException>(() => registry.RollbackAsync(Model, "r", "a", None));
        await registry.PromoteAsync(Model, "v1", "initial", "a", null, None);
        var noHistory = await Assert.ThrowsExactlyAsync<InvalidOperationException>(() => registry.RollbackAsync(Model, "r", "a", None));

        StringAssert.Contains(noChampion.Message, "has no champion");
        StringAssert.Contains(noHistory.Message, "no previous champion");
        StringAssert.Contains(noHistory.Message, "v1");
        Assert.AreEqual("v1", (await registry.GetPointerAsync(Model, ModelRole.Champion, None))!.Version);
    }

    [TestMethod]
    public async Task ClearChallengerAsync_EmptiesTheSlotOnlyWhileItHoldsThatVersion_AndAuditsIt()
    {
        var registry = await TestModels.NewRegistryAsync();
        await TestModels.RegisterAsync(registry, Model, "v1");
        await TestModels.RegisterAsync(registry, Model, "v2");
        await TestModels.RegisterAsync(registry, Model, "v3");
        await registry.PromoteAsync(Model, "v1", "initial", "a", null, None);
        await registry.SetChallengerAsync(Model, "v2", "retrained", "workflow", None);

        Assert.IsFalse(await registry.ClearChallengerAsync(Model, "v3", "rejected", "workflow", None), "another version holds the slot");
        Assert.AreEqual("v2", (await registry.GetPointerAsync(Model, ModelRole.Challenger, None))!.Version);

        Assert.IsTrue(await registry.ClearChallengerAsync(Model, "v2", "rejected: not better", "workflow", None));
        Assert.IsNull(await registry.GetPointerAsync(Model, ModelRole.Challenger, None));
        Assert.IsFalse(await registry.ClearChallengerAsync(Model, "v2", "rejected: not better", "workflow", None), "already empty");
        Assert.AreEqual("v1", (await registry.GetPointerAsync(Model, ModelRole.Champion, None))!.Version);

        var cleared = (await registry.GetAuditLogAsync(Model, None)).Where(e => e.Action == "clear-challenger").ToArray();
        Assert.HasCount(1, cleared);
        Assert.AreEqual("v2", cleared[0].Version);
        Assert.AreEqual("rejected: not better", cleared[0].Reason);

        await registry.SetChallengerAsync(Model, "v3", "retrained again", "workflow", None);
        Assert.AreEqual("v3", (await registry.GetPointerAsync(Model, ModelRole.Challenger, None))!.Version, "the slot takes a new challenger");
    }

    [TestMethod]
    public async Task SetChallengerAsync_WritesChallengerPointer_WithoutTouchingChampion()
    {
        var registry = await TestModels.NewRegistryAsync();
        await TestModels.RegisterAsync(registry, Model, "v1");
        await TestModels.RegisterAsync(registry, Model, "v2");
        await registry.PromoteAsync(Model, "v1", "initial", "a", null, None);

        var challenger = await registry.SetChallengerAsync(Model, "v2", "retrained", "workflow", None);

        Assert.AreEqual("v2", challenger.Version);
        Assert.AreEqual("v2", (await registry.GetPointerAsync(Model, ModelRole.Challenger, None))!.Version);
        Assert.AreEqual("v1", (await registry.GetPointerAsync(Model, ModelRole.Champion, None))!.Version);
    }

    [TestMethod]
    public async Task GetAuditLogAsync_ReturnsEveryChangeInOrder_WithContent()
    {
        var time = new FakeTimeProvider(TestModels.Start);
        var registry = await TestModels.NewRegistryAsync(time);
        await TestModels.RegisterAsync(registry, Model, "v1");
        time.Advance(TimeSpan.FromMinutes(1));
        await TestModels.RegisterAsync(registry, Model, "v2");
        time.Advance(TimeSpan.FromMinutes(1));
        await registry.PromoteAsync(Model, "v1", "initial", "alice", null, None);
        time.Advance(TimeSpan.FromMinutes(1));
        await registry.SetChallengerAsync(Model, "v2", "retrained", "workflow", None);
        time.Advance(TimeSpan.FromMinutes(1));
        await registry.PromoteAsync(Model, "v2", "challenger won", "workflow", null, None);
        time.Advance(TimeSpan.FromMinutes(1));
        await registry.RollbackAsync(Model, "false alarms", "oncall", None);
        time.Advance(TimeSpan.FromMinutes(1));
        await registry.AppendAuditAsync(
            new AuditEntry { At = time.GetUtcNow(), Model = Model, Action = "reject", Version = "v2", Reason = "worse recall", Actor = "workflow" }, None);

        var log = await registry.GetAuditLogAsync(Model, None);

        var expected = new (string Action, string Version, string? Previous, string? Actor)[]
        {
            ("register", "v1", null, "test"),
            ("register", "v2", null, "test"),
            ("promote", "v1", null, "alice"),
            ("challenger", "v2", null, "workflow"),
            ("promote", "v2", "v1", "workflow"),
            ("rollback", "v1", "v2", "oncall"),
            ("reject", "v2", null, "workflow"),
        };
        Assert.HasCount(expected.Length, log);
        for (var i = 0; i < expected.Length; i++)
        {
            Assert.AreEqual(expected[i].Action, log[i].Action, $"entry {i}");
            Assert.AreEqual(expected[i].Version, log[i].Version, $"entry {i}");
            Assert.AreEqual(expected[i].Previous, log[i].PreviousVersion, $"entry {i}");
            Assert.AreEqual(expected[i].Actor, log[i].Actor, $"entry {i}");
            Assert.AreEqual(TestModels.Start.AddMinutes(i), log[i].At, $"entry {i}");
            Assert.AreEqual(Model, log[i].Model);
        }

        Assert.AreEqual("false alarms", log[5].Reason);
        var raw = (await registry.Container.GetBlobClient("pump-fleet/audit.ndjson").DownloadContentAsync(None)).Value.Content.ToString();
        var lines = raw.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.HasCount(expected.Length, lines, "one JSON object per line");
        StringAssert.StartsWith(lines[0], "{\"at\":");
    }

    [TestMethod]
    public async Task AppendAuditAsync_KeepsEveryEntry_WhenWritersAppendConcurrently()
    {
        var registry = await TestModels.NewRegistryAsync();

        await Task.WhenAll(Enumerable.Range(0, 20).Select(i => registry.AppendAuditAsync(
            new AuditEntry { At = TestModels.Start, Model = Model, Action = "reject", Version = "v" + i }, None)));

        var log = await registry.GetAuditLogAsync(Model, None);
        CollectionAssert.AreEquivalent(Enumerable.Range(0, 20).Select(i => "v" + i).ToArray(), log.Select(e => e.Version).ToArray());
    }

    [TestMethod]
    [DataRow("Pump")]
    [DataRow("../etc")]
    [DataRow("a/b")]
    [DataRow("a..b")]
    [DataRow("-lead")]
    [DataRow("trail-")]
    [DataRow("")]
    [DataRow("with space")]
    [DataRow("ünïcode")]
    public async Task Operations_RejectName_WhenInvalid(string name)
    {
        var registry = await TestModels.NewRegistryAsync();
        await TestModels.RegisterAsync(registry, Model, "v1");

        await Assert.ThrowsAsync<ArgumentException>(() => registry.RegisterAsync(TestModels.Manifest(name, "v1"), FakeDetectorFactory.CreateZip("v1"), "t", None));
        await Assert.ThrowsAsync<ArgumentException>(() => registry.RegisterAsync(TestModels.Manifest(Model, name), FakeDetectorFactory.CreateZip("v1"), "t", None));
        await Assert.ThrowsAsync<ArgumentException>(() => registry.PromoteAsync(Model, name, "r", "a", null, None));
        await Assert.ThrowsAsync<ArgumentException>(() => registry.DownloadAsync(name, "v1", None));
        await Assert.ThrowsAsync<ArgumentException>(() => registry.GetPointerAsync(name, ModelRole.Champion, None));
        Assert.HasCount(1, await registry.ListVersionsAsync(Model, None));
    }

    [TestMethod]
    public async Task GetPointerAsync_ThrowsInvalidData_WhenPointerBlobIsGarbage()
    {
        var registry = await TestModels.NewRegistryAsync();
        await registry.Container.GetBlobClient("pump-fleet/champion.json").UploadAsync(BinaryData.FromBytes(Encoding.UTF8.GetBytes("{not json")), None);

        await Assert.ThrowsExactlyAsync<InvalidDataException>(() => registry.GetPointerAsync(Model, ModelRole.Champion, None));
    }
}
