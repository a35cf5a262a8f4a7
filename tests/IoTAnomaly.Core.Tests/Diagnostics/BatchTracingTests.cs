using System.Diagnostics;
using IoTAnomaly.Core.Diagnostics;
using IoTAnomaly.Testing;

namespace IoTAnomaly.Core.Tests.Diagnostics;

/// <summary>The per-batch trace: ScoreBatch with Score and the two sink spans, device ids on the batch, one event per anomaly.</summary>
[TestClass]
public sealed class BatchTracingTests
{
    public TestContext TestContext { get; set; } = null!;

    [TestMethod]
    public async Task HandleAsync_RecordsBatchTraceWithDevicesAndAnomalyEvents_WhenSourceIsListened()
    {
        var partition = "trace-" + Guid.NewGuid().ToString("N");
        var stopped = new List<Activity>();
        using var listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == IoTAnomalyTelemetry.Name,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = activity =>
            {
                lock (stopped)
                {
                    stopped.Add(activity);
                }
            },
        };
        ActivitySource.AddActivityListener(listener);
        var handler = new PipelineBuilder().Build();
        var events = new[]
        {
            PipelineBuilder.Event(PipelineBuilder.Reading("pump-a", "m-1")),
            PipelineBuilder.Event(PipelineBuilder.Reading("pump-b", "m-2", t: 9)), // anomaly (fake model: |value| > 4)
            PipelineBuilder.Event(PipelineBuilder.Reading("pump-a", "m-3")),
            PipelineBuilder.Event(PipelineBuilder.Reading("pump-c", "m-4", t: 1000)), // out of bounds: rejected
        };

        await handler.HandleAsync(events, partition, TestContext.CancellationToken);

        Activity[] ours;
        lock (stopped)
        {
            var root = stopped.Single(a => a.OperationName == "ScoreBatch" && (a.GetTagItem(IoTAnomalyTelemetry.PartitionTag) as string) == partition);
            ours = stopped.Where(a => a == root || a.ParentSpanId == root.SpanId).ToArray();
        }

        var batch = ours.Single(a => a.OperationName == "ScoreBatch");
        CollectionAssert.AreEquivalent(new[] { "Score", "Sink anomalies", "Sink dead-letters" }, ours.Where(a => a != batch).Select(a => a.OperationName).ToArray());
        Assert.IsTrue(ours.All(a => a.TraceId == batch.TraceId), "one trace per batch");
        Assert.AreEqual("v1", batch.GetTagItem(IoTAnomalyTelemetry.ModelVersionTag));
        CollectionAssert.AreEqual(new[] { "pump-a", "pump-b", "pump-c" }, (string[])batch.GetTagItem(IoTAnomalyTelemetry.DeviceIdTag)!);
        Assert.AreEqual(3, batch.GetTagItem("device.count"));
        Assert.AreEqual(3, batch.GetTagItem("readings.scored"));
        Assert.AreEqual(1, batch.GetTagItem("readings.rejected"));
        var anomaly = batch.Events.Single(e => e.Name == "anomaly");
        var tags = anomaly.Tags.ToDictionary(t => t.Key, t => t.Value);
        Assert.AreEqual("pump-b", tags[IoTAnomalyTelemetry.DeviceIdTag]);
        Assert.AreEqual("m-2", tags["message.id"]);
        Assert.AreEqual("temperature", ((string[])tags["top.sensors"]!)[0]);
    }
}
