using System.Collections.Concurrent;
using IoTAnomaly.Core.Processing;
using IoTAnomaly.Core.Telemetry;
using IoTAnomaly.LocalHost.Hosting;
using IoTAnomaly.LocalHost.Ingest;
using Microsoft.Extensions.Options;

namespace IoTAnomaly.LocalHost.Api;

/// <summary>One scored reading of <c>POST /api/predict</c>.</summary>
public sealed record PredictedReading(
    string DeviceId,
    string MessageId,
    DateTimeOffset? Timestamp,
    double Score,
    double T2,
    double Q,
    bool IsAnomaly,
    string Severity,
    IReadOnlyDictionary<string, double> Contributions,
    IReadOnlyList<string> Quality);

/// <summary>The answer of <c>POST /api/predict</c>.</summary>
public sealed record PredictResponse(string ModelVersion, int Count, IReadOnlyList<PredictedReading> Results);

/// <summary>Why one reading of a predict request is invalid.</summary>
public sealed record PredictError(int Index, string Reason, string Detail, string? DeviceId);

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
            if (model is null)
            {
                return Results.Problem(
                    statusCode: StatusCodes.Status503ServiceUnavailable,
                    title: "No model loaded",
                    detail: "The champion model is not loaded yet; see GET /health.");
            }

            var errors = new List<PredictError>();
            for (var row = 0; row < batch.Count; row++)
            {
                if (batch.Reasons[row] != RejectReason.None)
                {
                    errors.Add(new PredictError(row, batch.Reasons[row].ToCode(), batch.Details[row] ?? batch.Reasons[row].ToCode(), batch.GetDeviceId(row)));
                }
            }

            if (batch.Count == 0)
            {
                errors.Add(new PredictError(0, RejectReason.InvalidShape.ToCode(), "The request holds no readings.", null));
            }

            if (errors.Count > 0)
            {
                return Results.Problem(
                    statusCode: StatusCodes.Status400BadRequest,
                    title: "Invalid readings",
                    detail: $"{errors.Count} of {Math.Max(batch.Count, 1)} readings are invalid; nothing was scored.",
                    extensions: new Dictionary<string, object?>
                    {
                        ["reasons"] = errors.Select(e => e.Reason).Distinct(StringComparer.Ordinal).ToArray(),
                        ["errors"] = errors,
                    });
            }

            var names = SensorSchema.For(model.Detector).Names;
            var results = new List<PredictedReading>(batch.Count);
            for (var row = 0; row < batch.Count; row++)
            {
                var score = batch.Scores[row];
                var contributions = batch.GetContributions(row);
                var map = new Dictionary<string, double>(names.Length, StringComparer.Ordinal);
                for (var s = 0; s < names.Length; s++)
                {
                    map[names[s]] = Math.Round(contributions[s], 6);
                }

                var quality = new List<string>(2);
                foreach (var flag in Enum.GetValues<QualityFlags>())
                {
                    if (flag != QualityFlags.None && batch.Quality[row].HasFlag(flag))
                    {
                        quality.Add(flag.ToString());
                    }
                }

                results.Add(new PredictedReading(
                    batch.GetDeviceId(row) ?? string.Empty,
                    batch.GetMessageId(row),
                    batch.GetTimestamp(row),
                    score.Score,
                    score.T2,
                    score.Q,
                    score.IsAnomaly,
                    score.Severity.ToString(),
                    map,
                    quality));
            }

            return Results.Ok(new PredictResponse(model.Version, results.Count, results));
        }
        finally
        {
            _pool.Add(batch);
        }
    }
}
