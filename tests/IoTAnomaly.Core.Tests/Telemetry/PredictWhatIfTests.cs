using IoTAnomaly.Core.Detection;
using IoTAnomaly.Core.Telemetry;
using IoTAnomaly.Testing;

namespace IoTAnomaly.Core.Tests.Telemetry;

/// <summary>
/// Ad-hoc prediction (<c>updateState: false</c>) scores a reading against a copy of the device's current detector
/// state: the answer is what streaming that reading now would give, and the device's state does not change.
/// </summary>
[TestClass]
public sealed class PredictWhatIfTests
{
    [TestMethod]
    [DataRow("ridge-residual")]
    [DataRow("pca-t2q")]
    public void Predict_ScoresAgainstACopyOfTheDevicesHistory_AndLeavesTheHistoryUnchanged(string modelType)
    {
        var builder = new PipelineBuilder { LoadModel = false };
        var handler = builder.Build();
        var random = new Random(3);
        var train = new List<double[]>();
        for (var r = 0; r < 600; r++)
        {
            train.Add(Row(random, 0));
        }

        var bundle = DetectorTrainers.Create(modelType).Train(new PcaTrainingRequest
        {
            ModelName = "plant",
            Sensors = PipelineBuilder.Sensors,
            Rows = PcaTrainingRequest.Flatten(train, 3),
            CreatedAt = PipelineBuilder.Now,
        }).ToBundle();
        var catalog = IoTAnomaly.Core.Composition.DetectorCatalog.CreateDefault();
        builder.Models.Swap(new LoadedModel(catalog.Create(bundle), "etag", PipelineBuilder.Now));

        // History: pump-001 runs with its own offset on pressure (its baseline after calibration).
        for (var r = 0; r < 120; r++)
        {
            Stream("pump-001", "h-" + r.ToString(System.Globalization.CultureInfo.InvariantCulture), Row(random, 0.4), updateState: true);
        }

        var probe = Row(random, 0.4);
        var first = Stream("pump-001", "p-1", probe, updateState: false);
        var second = Stream("pump-001", "p-2", probe, updateState: false);
        var stranger = Stream("pump-999", "p-3", probe, updateState: false);
        var streamed = Stream("pump-001", "s-1", probe, updateState: true);

        Assert.AreEqual(first, second, 1e-12, "a prediction must not change the device's state");
        Assert.AreEqual(streamed, first, 1e-12, "a prediction answers what streaming the reading now would score");
        if (modelType == ResidualDetectorTrainer.ModelType)
        {
            Assert.IsLessThan(1, first, "calibrated to its own offset, the device's normal reading does not alarm");
        }

        Assert.AreNotEqual(first, stranger, 1e-6, "a device without history is scored by the fleet model alone");

        double Stream(string device, string messageId, double[] values, bool updateState)
        {
            var body = PipelineBuilder.Reading(device, messageId, values[0], values[1], values[2], "2026-11-22T12:00:00Z");
            var batch = new ReadingBatch();
            handler.Process([PipelineBuilder.Event(body)], batch, updateState, deduplicate: false);
            Assert.AreEqual(RejectReason.None, batch.Reasons[0], batch.Details[0]);
            return batch.Scores[0].Score;
        }
    }

    private static double[] Row(Random random, double pressureOffset)
    {
        var load = random.NextDouble();
        return
        [
            20 + (5 * load) + (0.05 * Gaussian(random)),
            2 + (1 * load) + pressureOffset + (0.05 * Gaussian(random)),
            3 + (2 * load) + (0.05 * Gaussian(random)),
        ];
    }

    private static double Gaussian(Random random)
        => Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());
}
