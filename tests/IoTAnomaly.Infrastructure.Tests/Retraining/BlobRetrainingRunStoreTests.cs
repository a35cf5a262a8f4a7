using IoTAnomaly.Core.Retraining;
using IoTAnomaly.Infrastructure.Retraining;
using IoTAnomaly.Testing;

namespace IoTAnomaly.Infrastructure.Tests.Retraining;

[TestClass]
public sealed class BlobRetrainingRunStoreTests
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 22, 9, 0, 0, TimeSpan.Zero);

    public TestContext TestContext { get; set; } = null!;

    internal static RetrainingRun NewRun(string model, DateTimeOffset createdAt, string status = RetrainingRunStatus.Running)
        => new()
        {
            InstanceId = RetrainingRequest.InstanceIdFor(model),
            Model = model,
            Status = status,
            Request = new RetrainingOptions().CreateRequest(model, "test", "test", createdAt),
            CreatedAt = createdAt,
            LastUpdatedAt = createdAt,
        };

    [TestMethod]
    public async Task TryStart_TwoConcurrentStarts_ExactlyOneWins()
    {
        var container = await AzuriteFixture.CreateContainerAsync("retraining");
        var first = new BlobRetrainingRunStore(container);
        var second = new BlobRetrainingRunStore(container); // another process
        var bothRead = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var arrived = 0;
        Func<CancellationToken, Task> hook = async _ =>
        {
            if (Interlocked.Increment(ref arrived) == 2)
            {
                bothRead.SetResult();
            }

            await bothRead.Task;
        };
        first.BeforeStartWrite = hook;
        second.BeforeStartWrite = hook;

        var results = await Task.WhenAll(
            first.TryStartAsync(NewRun("pumps", T0), TestContext.CancellationToken),
            second.TryStartAsync(NewRun("pumps", T0.AddSeconds(1)), TestContext.CancellationToken));

        Assert.AreEqual(2, arrived, "both starts read the record before either wrote");
        Assert.AreEqual(1, results.Count(r => r), "exactly one start wins");
        var stored = await first.GetAsync("retrain-pumps", TestContext.CancellationToken);
        Assert.AreEqual(results[0] ? T0 : T0.AddSeconds(1), stored?.CreatedAt);
    }

    [TestMethod]
    public async Task TryStart_WhileRunning_ReturnsFalse_AfterCompleted_ReturnsTrue()
    {
        var store = new BlobRetrainingRunStore(await AzuriteFixture.CreateContainerAsync("retraining"));
        var run = NewRun("pumps", T0);
        Assert.IsTrue(await store.TryStartAsync(run, TestContext.CancellationToken));

        Assert.IsFalse(await store.TryStartAsync(NewRun("pumps", T0.AddMinutes(1)), TestContext.CancellationToken));

        run.Status = RetrainingRunStatus.Completed;
        run.Stage = RetrainingStages.Done;
        await store.SaveAsync(run, TestContext.CancellationToken);
        var next = NewRun("pumps", T0.AddMinutes(2));
        Assert.IsTrue(await store.TryStartAsync(next, TestContext.CancellationToken));

        var current = await store.GetAsync("retrain-pumps", TestContext.CancellationToken);
        Assert.AreEqual(T0.AddMinutes(2), current?.CreatedAt);
        Assert.AreEqual(RetrainingRunStatus.Running, current?.Status);
        Assert.IsNotNull(current?.ETag);
        var history = await store.ListHistoryAsync("retrain-pumps", 10, TestContext.CancellationToken);
        Assert.HasCount(1, history);
        Assert.AreEqual(RetrainingRunStatus.Completed, history[0].Status);
        Assert.AreEqual(T0, history[0].CreatedAt);
        Assert.IsTrue(await store.Container.GetBlobClient("history/retrain-pumps/20261122T090000.json").ExistsAsync(TestContext.CancellationToken));
    }

    [TestMethod]
    public async Task TryStart_AfterInterrupted_ReturnsTrue()
    {
        var store = new BlobRetrainingRunStore(await AzuriteFixture.CreateContainerAsync("retraining"));
        await store.SaveAsync(NewRun("pumps", T0, RetrainingRunStatus.Interrupted), TestContext.CancellationToken);

        Assert.IsTrue(await store.TryStartAsync(NewRun("pumps", T0.AddMinutes(1)), TestContext.CancellationToken));
    }

    [TestMethod]
    public async Task ListAndGet_SeveralModels_ReturnsEveryCurrentRunAndNullForUnknown()
    {
        var store = new BlobRetrainingRunStore(await AzuriteFixture.CreateContainerAsync("retraining"));
        await store.SaveAsync(NewRun("b-model", T0), TestContext.CancellationToken);
        await store.SaveAsync(NewRun("a-model", T0, RetrainingRunStatus.Failed), TestContext.CancellationToken);

        var runs = await store.ListAsync(TestContext.CancellationToken);

        CollectionAssert.AreEqual(new[] { "retrain-a-model", "retrain-b-model" }, runs.Select(r => r.InstanceId).ToArray());
        Assert.AreEqual(RetrainingRunStatus.Failed, runs[0].Status);
        Assert.AreEqual("a-model", runs[0].Request.Model);
        Assert.IsNull(await store.GetAsync("retrain-nothing", TestContext.CancellationToken));
    }

    [TestMethod]
    public async Task ListAsync_ContainerMissing_ReturnsEmpty()
    {
        var service = await AzuriteFixture.GetServiceClientAsync(TestContext.CancellationToken);
        var store = new BlobRetrainingRunStore(service.GetBlobContainerClient(AzuriteFixture.UniqueName("absent")));

        Assert.IsEmpty(await store.ListAsync(TestContext.CancellationToken));
        Assert.IsNull(await store.GetAsync("retrain-x", TestContext.CancellationToken));
    }

    [TestMethod]
    public void RunPath_InvalidInstanceId_Throws()
    {
        Assert.AreEqual("runs/retrain-pumps.json", BlobRetrainingRunStore.RunPath("retrain-pumps"));
        Assert.ThrowsExactly<ArgumentException>(() => BlobRetrainingRunStore.RunPath("../x"));
        Assert.ThrowsExactly<ArgumentException>(() => BlobRetrainingRunStore.RunPath("a/b"));
    }
}
