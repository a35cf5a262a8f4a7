using Azure.Messaging.EventHubs;
using IoTAnomaly.Core.Processing;
using IoTAnomaly.Functions.Diagnostics;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.Logging;

namespace IoTAnomaly.Functions.Scoring;

/// <summary>
/// The Event Hubs trigger: a batch of events → <see cref="TelemetryBatchHandler.HandleAsync"/>. Bad readings never throw
/// (Core dead-letters each with its reason); only a sink outage that outlasted Core's own retries does, and then the
/// host's retry policy re-runs the whole batch before the checkpoint moves (see docs/functions.md).
/// </summary>
public sealed class ScoreTelemetry(TelemetryBatchHandler handler, ILogger<ScoreTelemetry> logger)
{
    [Function(nameof(ScoreTelemetry))]
    [ExponentialBackoffRetry(8, "00:00:05", "00:05:00")]
    public async Task RunAsync(
        [EventHubTrigger("%EventHubName%", Connection = "EventHubConnection", ConsumerGroup = "%EventHubConsumerGroup%", IsBatched = true)] EventData[] events,
        FunctionContext context,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(events);
        ArgumentNullException.ThrowIfNull(context);
        var partitionId = EventDataMapping.PartitionId(context.BindingContext.BindingData);
        try
        {
            var result = await handler.HandleAsync(EventDataMapping.ToTelemetryEvents(events), partitionId, cancellationToken).ConfigureAwait(false);
            Log.BatchScored(logger, partitionId, result.Received, result.Scored, result.Rejected, result.Anomalies.Count, result.ModelVersion);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            Log.BatchFailed(logger, events.Length, partitionId, ex);
            throw;
        }
    }
}
