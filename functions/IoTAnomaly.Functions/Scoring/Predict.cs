using IoTAnomaly.Core.Processing;
using IoTAnomaly.Core.Telemetry;
using IoTAnomaly.Functions.Http;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.Options;

namespace IoTAnomaly.Functions.Scoring;

/// <summary>
/// <c>POST /api/predict</c>: ad hoc scoring of one body (one reading, an array, NDJSON or an Event Hubs batch envelope)
/// with the stream's parser, validation and scorer, without sinks, device state or duplicate window
/// (<see cref="TelemetryBatchHandler.Process"/> with <c>updateState: false, deduplicate: false</c>), mapped by
/// <see cref="PredictionResponse.From"/>: 200 per reading, 400 with reason codes, 503 without a model.
/// </summary>
public sealed class Predict(TelemetryBatchHandler handler, IOptions<TelemetryOptions> telemetry)
{
    [Function(nameof(Predict))]
    public async Task<IActionResult> RunAsync(
        [HttpTrigger(AuthorizationLevel.Function, "post", Route = "predict")] HttpRequest request,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var limit = telemetry.Value.MaxEventBytes;
        var body = await HttpBodies.ReadLimitedAsync(request.Body, request.ContentLength, limit, cancellationToken).ConfigureAwait(false);
        if (body is null)
        {
            return HttpBodies.Problem(StatusCodes.Status413PayloadTooLarge, "Request body too large", $"The limit is {limit} bytes.");
        }

        var batch = new ReadingBatch();
        var model = handler.Process([new TelemetryEvent(body.Value)], batch, updateState: false, deduplicate: false);
        var outcome = PredictionResponse.From(batch, model);
        return outcome.Status switch
        {
            PredictionStatus.Scored => HttpBodies.Json(outcome.Response),
            PredictionStatus.NoModel => HttpBodies.Problem(
                StatusCodes.Status503ServiceUnavailable,
                "No model loaded",
                "This instance has not loaded the champion model yet; retry shortly."),
            _ => HttpBodies.Problem(
                StatusCodes.Status400BadRequest,
                "Invalid readings",
                $"{outcome.Errors.Count} of {Math.Max(batch.Count, 1)} readings are invalid; nothing was scored.",
                new Dictionary<string, object?>(StringComparer.Ordinal)
                {
                    ["reasons"] = outcome.ReasonCodes,
                    ["errors"] = outcome.Errors,
                }),
        };
    }
}
