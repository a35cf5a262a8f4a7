using System.Collections.Concurrent;
using IoTAnomaly.Core.Processing;
using IoTAnomaly.Core.Telemetry;
using IoTAnomaly.LocalHost.Hosting;
using IoTAnomaly.LocalHost.Ingest;
using Microsoft.Extensions.Options;

namespace IoTAnomaly.LocalHost.Api;

/// <summary>
/// Ad hoc scoring with the same parser, validation and scorer as the stream
/// (<see cref="TelemetryBatchHandler.Process"/> with <c>updateState: false, deduplicate: false</c>): no sink is
/// written, no device state changes, and a reading is scored as a device's first reading would be.
/// </summary>
public sealed class PredictService(TelemetryBatchHandler handler, IOptions<LocalHostOptions> options)
{
    private readonly ConcurrentBag<ReadingBatch> _pool = [];

    internal static IEndpointRouteBuilder MapPredict(IEndpointRouteBuilder routes)
    {
        routes.MapPost("/api/predict", (HttpContext context, PredictService predict) => predict.HandleAsync(context)).WithName("Predict");
        return routes;
    }

    public async Task<IResult> HandleAsync(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var body = await IngestService.ReadBodyAsync(context, options.Value.MaxRequestBytes);
        if (body is null)
        {
            return Results.Problem(statusCode: StatusCodes.Status413PayloadTooLarge, title: "Request body too large");
        }

        if (!System.Text.Unicode.Utf8.IsValid(body.Value.Span))
        {
            return Results.Problem(
                statusCode: StatusCodes.Status400BadRequest,
                title: "Invalid UTF-8",
                detail: "The body is not valid UTF-8.",
                extensions: new Dictionary<string, object?> { ["reasons"] = new[] { RejectReason.MalformedJson.ToCode() } });
        }

        var batch = _pool.TryTake(out var pooled) ? pooled : new ReadingBatch();
        try
        {
            var model = handler.Process([new TelemetryEvent(body.Value)], batch, updateState: false, deduplicate: false);
            var outcome = PredictionResponse.From(batch, model);
            return outcome.Status switch
            {
                PredictionStatus.NoModel => Results.Problem(
                    statusCode: StatusCodes.Status503ServiceUnavailable,
                    title: "No model loaded",
                    detail: "The champion model is not loaded yet; see GET /health."),
                PredictionStatus.Invalid => Results.Problem(
                    statusCode: StatusCodes.Status400BadRequest,
                    title: "Invalid readings",
                    detail: $"{outcome.Errors.Count} of {Math.Max(batch.Count, 1)} readings are invalid; nothing was scored.",
                    extensions: new Dictionary<string, object?> { ["reasons"] = outcome.ReasonCodes, ["errors"] = outcome.Errors }),
                _ => Results.Ok(outcome.Response),
            };
        }
        finally
        {
            _pool.Add(batch);
        }
    }
}
