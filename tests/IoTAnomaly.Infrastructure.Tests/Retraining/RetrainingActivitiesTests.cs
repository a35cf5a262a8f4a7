using IoTAnomaly.Core.Models;
using IoTAnomaly.Core.Retraining;
using IoTAnomaly.Core.Simulation;
using IoTAnomaly.Core.Telemetry;
using IoTAnomaly.Infrastructure.Retraining;

namespace IoTAnomaly.Infrastructure.Tests.Retraining;

[TestClass]
public sealed class RetrainingActivitiesTests
{
    public TestContext TestContext { get; set; } = null!;

    [TestMethod]
    public async Task LoadTrainingWindow_NormalCapture_StagesTimeOrderedRowsAndSplitsHoldout()
    {
        var world = await RetrainingWorld.CreateAsync();
        var champion = await world.RegisterChampionAsync(shiftSigmas: 0);
        var readings = RetrainingWorld.Readings(10, 300, seed: 11, RetrainingWorld.T0);
        var duplicate = SimulatorJson.BuildArray([readings[0]]);
        var outOfBounds = SimulatorJson.BuildArray([readings[5] with { MessageId = "bad-1", Values = [1e9, .. readings[5].Values[1..]] }]);
        await world.CaptureAsync(readings, duplicate, outOfBounds, "{not json"u8.ToArray());
        var request = world.Request(readings);
        var activities = world.Activities();

        var window = await activities.LoadTrainingWindowAsync(request, TestContext.CancellationToken);

        Assert.AreEqual(3000, window.Rows);
        Assert.AreEqual(600, window.HoldoutRows);
        Assert.AreEqual(2400, window.TrainingRows);
        Assert.AreEqual(0, window.ExcludedAnomalies);
        Assert.AreEqual(3, window.ExcludedRejected, window.Note); // one duplicate, one out of bounds, one malformed body
        Assert.AreEqual(champion, window.ChampionVersion);
        Assert.AreEqual(RetrainingActivities.DatasetName(request), window.DatasetId);
        StringAssert.StartsWith(window.DatasetId, "datasets/retrain-" + world.Model + "-");

        var dataset = await activities.LoadDatasetAsync(window.DatasetId, TestContext.CancellationToken);
        CollectionAssert.AreEqual(FleetSimulator.SensorNames.ToArray(), dataset.Sensors.ToArray());
        var expected = RetrainingWorld.Rows(DeviceGroupedParts(readings.OrderBy(r => r.Timestamp).ToArray(), 2400));
        CollectionAssert.AreEqual(expected, dataset.Values, "training before holdout by time, each part grouped by device in time order, values as sent");
        Assert.AreEqual(600, dataset.Holdout.Length / 8);
        Assert.HasCount(20, dataset.Segments, "one segment per device in each part");
        Assert.AreEqual(3000, dataset.Segments.Sum());
        Assert.AreEqual(600, dataset.HoldoutSegments.Sum());
    }

    [TestMethod]
    public async Task LoadTrainingWindow_NoChampion_ReturnsNoRows()
    {
        var world = await RetrainingWorld.CreateAsync();
        var readings = RetrainingWorld.Readings(2, 20, seed: 3, RetrainingWorld.T0);
        await world.CaptureAsync(readings);

        var window = await world.Activities().LoadTrainingWindowAsync(world.Request(readings), TestContext.CancellationToken);

        Assert.AreEqual(0, window.Rows);
        Assert.IsNull(window.ChampionVersion);
        StringAssert.Contains(window.Note, "no champion");
    }

    [TestMethod]
    public async Task LoadTrainingWindow_FewAnomalies_ExcludesEveryFlaggedReading()
    {
        var world = await RetrainingWorld.CreateAsync();
        var champion = await world.RegisterChampionAsync(shiftSigmas: 0);
        var readings = RetrainingWorld.Readings(10, 100, seed: 12, RetrainingWorld.T0);
        await world.CaptureAsync(readings);
        var flagged = readings.Where((_, i) => i % 10 == 3).ToArray(); // 10 %
        await world.FlagAsync(flagged.Take(20), QualityFlags.StuckSensor, champion);
        await world.FlagAsync(flagged.Skip(20), QualityFlags.None, champion);

        var window = await world.Activities().LoadTrainingWindowAsync(world.Request(readings), TestContext.CancellationToken);

        Assert.AreEqual(flagged.Length, window.ExcludedAnomalies);
        Assert.AreEqual(readings.Count - flagged.Length, window.Rows);
        StringAssert.Contains(window.Note, "recorded as anomalies");
        var dataset = await world.Activities().LoadDatasetAsync(window.DatasetId, TestContext.CancellationToken);
        var kept = readings.Except(flagged).OrderBy(r => r.Timestamp).ToArray();
        var expected = RetrainingWorld.Rows(DeviceGroupedParts(kept, (int)window.TrainingRows));
        CollectionAssert.AreEqual(expected, dataset.Values);
    }

    /// <summary>The staged order: the first <paramref name="training"/> readings (time order) then the rest, each part grouped by device, time order within a device.</summary>
    private static SimulatedReading[] DeviceGroupedParts(SimulatedReading[] timeOrdered, int training)
        => [.. timeOrdered.Take(training).OrderBy(r => r.DeviceId, StringComparer.Ordinal),
            .. timeOrdered.Skip(training).OrderBy(r => r.DeviceId, StringComparer.Ordinal)];

    [TestMethod]
    public async Task LoadTrainingWindow_ChampionFlagsTooMuch_ExcludesOnlyDataQualityFlags()
    {
        var world = await RetrainingWorld.CreateAsync();
        var champion = await world.RegisterChampionAsync(shiftSigmas: 0);
        var readings = RetrainingWorld.Readings(10, 100, seed: 13, RetrainingWorld.T0);
        await world.CaptureAsync(readings);
        var flagged = readings.Where((_, i) => i % 2 == 0).ToArray(); // 50 % > 30 %
        var stuck = flagged.Take(30).ToArray();
        var outOfRange = flagged.Skip(30).Take(20).ToArray();
        await world.FlagAsync(stuck, QualityFlags.StuckSensor, champion);
        await world.FlagAsync(outOfRange, QualityFlags.OutOfRange | QualityFlags.Gap, champion);
        await world.FlagAsync(flagged.Skip(50), QualityFlags.Gap, champion);

        var window = await world.Activities(maxAnomalyShare: 0.3).LoadTrainingWindowAsync(world.Request(readings), TestContext.CancellationToken);

        Assert.AreEqual(50, window.ExcludedAnomalies, window.Note);
        Assert.AreEqual(readings.Count - 50, window.Rows);
        StringAssert.Contains(window.Note, "data-quality");
        StringAssert.Contains(window.Note, "drift");

        // With a higher limit the same window excludes every flagged reading.
        var lenient = await world.Activities(maxAnomalyShare: 0.6).LoadTrainingWindowAsync(world.Request(readings), TestContext.CancellationToken);
        Assert.AreEqual(flagged.Length, lenient.ExcludedAnomalies);
    }

    [TestMethod]
    public async Task LoadTrainingWindow_ChampionFlagsMostAsOutOfRange_KeepsThemAsTheDriftItself()
    {
        var world = await RetrainingWorld.CreateAsync();
        var champion = await world.RegisterChampionAsync(shiftSigmas: 0);
        var readings = RetrainingWorld.Readings(10, 100, seed: 16, RetrainingWorld.T0);
        await world.CaptureAsync(readings);
        var flagged = readings.Where((_, i) => i % 5 != 0).ToArray(); // 80 %
        await world.FlagAsync(flagged.Take(10), QualityFlags.StuckSensor | QualityFlags.OutOfRange, champion);
        await world.FlagAsync(flagged.Skip(10).Take(500), QualityFlags.OutOfRange, champion); // 50 % of the window
        await world.FlagAsync(flagged.Skip(510), QualityFlags.None, champion);

        var window = await world.Activities(maxAnomalyShare: 0.3).LoadTrainingWindowAsync(world.Request(readings), TestContext.CancellationToken);

        Assert.AreEqual(10, window.ExcludedAnomalies, window.Note);
        Assert.AreEqual(readings.Count - 10, window.Rows);
        StringAssert.Contains(window.Note, "outside the champion's training range were kept");
    }

    [TestMethod]
    public async Task TrainChallenger_NormalWindow_StagesBundleVersionedByRequestTime()
    {
        var world = await RetrainingWorld.CreateAsync();
        var champion = await world.RegisterChampionAsync(shiftSigmas: 0);
        var readings = RetrainingWorld.Readings(10, 300, seed: 14, RetrainingWorld.T0);
        await world.CaptureAsync(readings);
        var request = world.Request(readings);
        var activities = world.Activities();
        var window = await activities.LoadTrainingWindowAsync(request, TestContext.CancellationToken);

        var challenger = await activities.TrainChallengerAsync(request, window, TestContext.CancellationToken);

        Assert.AreEqual(champion, challenger.ChampionVersion);
        StringAssert.StartsWith(challenger.Version, request.RequestedAt.UtcDateTime.ToString("yyyyMMdd-HHmmss", System.Globalization.CultureInfo.InvariantCulture) + "-");
        Assert.AreEqual("bundles/" + challenger.Version, challenger.StagedBundleId);
        var bundle = await activities.LoadStagedBundleAsync(challenger.StagedBundleId, TestContext.CancellationToken);
        Assert.AreEqual(window.TrainingRows, bundle.Manifest.Training.Rows);
        Assert.AreEqual(request.RequestedAt, bundle.Manifest.CreatedAt);
        var championManifest = (await world.Registry.DownloadAsync(world.Model, champion, TestContext.CancellationToken)).Manifest;
        CollectionAssert.AreEqual(
            championManifest.Sensors.Select(s => (s.PhysicalMin, s.PhysicalMax)).ToArray(),
            bundle.Manifest.Sensors.Select(s => (s.PhysicalMin, s.PhysicalMax)).ToArray(),
            "physical bounds come from the champion");

        // Retried: same data and request time → same version.
        var again = await activities.TrainChallengerAsync(request, window, TestContext.CancellationToken);
        Assert.AreEqual(challenger.Version, again.Version);
    }

    [TestMethod]
    public async Task EvaluateAndPromote_DriftedChampion_ChallengerWinsAndBecomesChampion()
    {
        var world = await RetrainingWorld.CreateAsync();
        var champion = await world.RegisterChampionAsync(shiftSigmas: 4);
        var readings = RetrainingWorld.Readings(10, 300, seed: 15, RetrainingWorld.T0);
        await world.CaptureAsync(readings);
        var request = world.Request(readings);
        var activities = world.Activities();
        var window = await activities.LoadTrainingWindowAsync(request, TestContext.CancellationToken);
        var challenger = await activities.TrainChallengerAsync(request, window, TestContext.CancellationToken);

        var evaluation = await activities.EvaluateAsync(request, window, challenger, TestContext.CancellationToken);

        TestContext.WriteLine(evaluation.Summary);
        Assert.IsTrue(evaluation.ChallengerBetter, evaluation.Summary);
        Assert.IsNotNull(evaluation.Champion);
        Assert.IsGreaterThan(0.5, evaluation.Champion.FalseAlarmRate, "the drifted champion flags most of the new normal");
        Assert.IsLessThanOrEqualTo(0.05, evaluation.Challenger.FalseAlarmRate);

        await activities.RegisterChallengerAsync(request, challenger, evaluation, TestContext.CancellationToken);
        await activities.RegisterChallengerAsync(request, challenger, evaluation, TestContext.CancellationToken); // retried activity
        var challengerPointer = await world.Registry.GetPointerAsync(world.Model, ModelRole.Challenger, TestContext.CancellationToken);
        Assert.AreEqual(challenger.Version, challengerPointer?.Version);
        var registered = (await world.Registry.DownloadAsync(world.Model, challenger.Version, TestContext.CancellationToken)).Manifest;
        Assert.AreEqual(evaluation.Challenger.Recall, registered.Metrics["evaluation.recall"]);
        Assert.AreEqual(evaluation.Champion.FalseAlarmRate, registered.Metrics["evaluation.champion.falseAlarmRate"]);

        var promoted = await activities.PromoteAsync(request, challenger, "better", TestContext.CancellationToken);
        var auditAfterFirst = (await world.Registry.GetAuditLogAsync(world.Model, TestContext.CancellationToken)).Count;
        var promotedAgain = await activities.PromoteAsync(request, challenger, "better", TestContext.CancellationToken); // retried activity

        Assert.AreEqual(challenger.Version, promoted);
        Assert.AreEqual(challenger.Version, promotedAgain);
        var pointer = await world.Registry.GetPointerAsync(world.Model, ModelRole.Champion, TestContext.CancellationToken);
        Assert.AreEqual(challenger.Version, pointer?.Version);
        Assert.AreEqual(champion, pointer?.History[0]);
        var audit = await world.Registry.GetAuditLogAsync(world.Model, TestContext.CancellationToken);
        Assert.HasCount(auditAfterFirst, audit, "a retried promotion audits nothing twice");
        Assert.AreEqual(1, audit.Count(e => e.Action == "promote" && e.Version == challenger.Version && e.Actor == "retraining:" + request.InstanceId));
    }

    [TestMethod]
    public async Task Promote_ChampionChangedSinceEvaluation_ThrowsConflict()
    {
        var world = await RetrainingWorld.CreateAsync();
        var champion = await world.RegisterChampionAsync(shiftSigmas: 0);
        var other = await world.RegisterChampionAsync(shiftSigmas: 4); // promoted after the evaluation's champion
        var challenger = new ChallengerRef(world.Model, other, "bundles/" + other, champion);
        var readings = RetrainingWorld.Readings(1, 5, seed: 1, RetrainingWorld.T0);

        var error = await Assert.ThrowsExactlyAsync<ModelRegistryConflictException>(
            () => world.Activities().PromoteAsync(world.Request(readings), challenger with { Version = champion + "x" }, "x", TestContext.CancellationToken));

        StringAssert.Contains(error.Message, "the champion is now '" + other + "'");
    }

    [TestMethod]
    public async Task Reject_RetriedActivity_AuditsOnce()
    {
        var world = await RetrainingWorld.CreateAsync();
        var champion = await world.RegisterChampionAsync(shiftSigmas: 0);
        var readings = RetrainingWorld.Readings(1, 5, seed: 1, RetrainingWorld.T0);
        var request = world.Request(readings);
        var challenger = new ChallengerRef(world.Model, "20261120-080000-abcdef12", "bundles/20261120-080000-abcdef12", champion);
        var activities = world.Activities();

        await activities.RejectAsync(request, challenger, "not better", TestContext.CancellationToken);
        await activities.RejectAsync(request, challenger, "not better", TestContext.CancellationToken);

        var rejects = (await world.Registry.GetAuditLogAsync(world.Model, TestContext.CancellationToken)).Where(e => e.Action == "reject").ToArray();
        Assert.HasCount(1, rejects);
        Assert.AreEqual(challenger.Version, rejects[0].Version);
        Assert.AreEqual(champion, rejects[0].PreviousVersion);
        Assert.AreEqual("not better", rejects[0].Reason);
    }

    [TestMethod]
    public async Task Reject_EmptiesTheChallengerSlot_WhenItStillHoldsTheRejectedChallenger()
    {
        var world = await RetrainingWorld.CreateAsync();
        var champion = await world.RegisterChampionAsync(shiftSigmas: 0);
        var rejected = await world.RegisterChampionAsync(shiftSigmas: 1, seed: 8);
        await world.Registry.PromoteAsync(world.Model, champion, "back to the first", "test", null, TestContext.CancellationToken);
        await world.Registry.SetChallengerAsync(world.Model, rejected, "retrained", "test", TestContext.CancellationToken);
        var request = world.Request(RetrainingWorld.Readings(1, 5, seed: 1, RetrainingWorld.T0));
        var challenger = new ChallengerRef(world.Model, rejected, "bundles/" + rejected, champion);

        await world.Activities().RejectAsync(request, challenger, "not better", TestContext.CancellationToken);

        Assert.IsNull(await world.Registry.GetPointerAsync(world.Model, ModelRole.Challenger, TestContext.CancellationToken), "a rejected challenger cannot be promoted by mistake");
        Assert.AreEqual(champion, (await world.Registry.GetPointerAsync(world.Model, ModelRole.Champion, TestContext.CancellationToken))!.Version);
        var actions = (await world.Registry.GetAuditLogAsync(world.Model, TestContext.CancellationToken)).Select(e => e.Action).ToArray();
        CollectionAssert.IsSubsetOf(new[] { "reject", "clear-challenger" }, actions);
    }
}
