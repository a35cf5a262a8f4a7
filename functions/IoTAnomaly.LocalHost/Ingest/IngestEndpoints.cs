using System.Globalization;
using IoTAnomaly.Core.Telemetry;
using IoTAnomaly.LocalHost.Hosting;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Options;

namespace IoTAnomaly.LocalHost.Ingest;

/// <summary>
/// The answer to an ingest request. Scoring is asynchronous (like Event Hubs + its trigger), so the counts say what
/// happened at the door: <see cref="Received"/> units (readings, or unparseable body parts) were queued;
/// <see cref="Rejected"/> of them are already known to be rejected (malformed JSON, not a JSON object) and will be
/// dead-lettered with those reasons; the other <see cref="Accepted"/> are accepted for scoring, where validation may
/// still reject some (timestamp, sensors, duplicates...: see <c>GET /api/stats</c> and the dead-letter store).
/// </summary>
public sealed record IngestResponse(string Status, int Received, int Accepted, int Rejected, IReadOnlyDictionary<string, int> RejectedByReason);

/// <summary>The ingest routes: <c>POST /api/telemetry</c> and the Event Hubs REST send <c>POST /{eventHub}/messages</c>.</summary>
public static class IngestEndpoints
{
    /// <summary>The Event Hubs REST batch content type.</summary>
    public const string EventHubsBatchContentType = "application/vnd.microsoft.servicebus.json";

    public const string NdjsonContentType = "application/x-ndjson";

    internal static IEndpointRouteBuilder MapIngest(this IEndpointRouteBuilder routes)
    {
        routes.MapPost("/api/telemetry", (HttpContext context, IngestService ingest) => ingest.HandleAsync(context, IngestRoute.Telemetry))
            .WithName("IngestTelemetry");
        routes.MapPost("/{eventHub}/messages", (HttpContext context, string eventHub, IngestService ingest) => ingest.HandleAsync(context, IngestRoute.EventHubs))
            .WithName("IngestEventHubs");
        return routes;
    }
}

/// <summary>Which ingest route a request came in on.</summary>
public enum IngestRoute
{
    Telemetry,
    EventHubs,
}

/// <summary>Reads, splits and queues ingest requests.</summary>
public sealed class IngestService(PartitionedIngest ingest, IngestStatistics statistics, IOptions<LocalHostOptions> options)
{
    private readonly LocalHostOptions _options = options.Value;

    public async Task<IResult> HandleAsync(HttpContext context, IngestRoute route)
    {
        ArgumentNullException.ThrowIfNull(context);
        var request = context.Request;
        var mediaType = MediaType(request.ContentType);
        if (route == IngestRoute.Telemetry && mediaType is not (null or "application/json" or IngestEndpoints.NdjsonContentType or "text/plain" or IngestEndpoints.EventHubsBatchContentType))
        {
            return Results.Problem(
                statusCode: StatusCodes.Status415UnsupportedMediaType,
                title: "Unsupported content type",
                detail: $"Send application/json (a reading or an array), {IngestEndpoints.NdjsonContentType}, or {IngestEndpoints.EventHubsBatchContentType}.");
        }

        var body = await ReadBodyAsync(context, _options.MaxRequestBytes);
        if (body is null)
        {
            return Results.Problem(
                statusCode: StatusCodes.Status413PayloadTooLarge,
                title: "Request body too large",
                detail: $"The limit is {_options.MaxRequestBytes} bytes.");
        }

        if (!System.Text.Unicode.Utf8.IsValid(body.Value.Span))
        {
            // Telemetry is UTF-8 JSON; invalid bytes are refused at the door (nothing is queued).
            return Results.Problem(
                statusCode: StatusCodes.Status400BadRequest,
                title: "Invalid UTF-8",
                detail: "The body is not valid UTF-8; nothing was accepted.",
                extensions: new Dictionary<string, object?> { ["reasons"] = new[] { RejectReason.MalformedJson.ToCode() } });
        }

        var units = new List<IngestUnit>();
        switch (route, mediaType)
        {
            case (_, IngestEndpoints.EventHubsBatchContentType):
                IngestSplitter.SplitEventHubsBatch(body.Value, units);
                break;
            case (IngestRoute.EventHubs, _):
                IngestSplitter.SingleEvent(body.Value, request.Headers["iothub-connection-device-id"].FirstOrDefault(), BrokerMessageId(request), null, units);
                break;
            case (_, IngestEndpoints.NdjsonContentType):
                IngestSplitter.SplitNdjson(body.Value, units);
                break;
            default:
                IngestSplitter.SplitJson(body.Value, units);
                break;
        }

        if (units.Count == 0)
        {
            // An empty batch ([] or only blank NDJSON lines) holds nothing to queue or account for: say so.
            return Results.Problem(
                statusCode: StatusCodes.Status400BadRequest,
                title: "Empty batch",
                detail: "The body holds no readings; nothing was accepted.",
                extensions: new Dictionary<string, object?> { ["reasons"] = new[] { RejectReason.InvalidShape.ToCode() } });
        }

        switch (ingest.TryEnqueue(units))
        {
            case EnqueueOutcome.Accepted:
                break;
            case EnqueueOutcome.TooLarge:
                return Results.Problem(
                    statusCode: StatusCodes.Status413PayloadTooLarge,
                    title: "Too many readings in one request",
                    detail: $"A partition holds at most {ingest.Capacity} events; send smaller requests.");
            default:
                statistics.RecordRefused();
                context.Response.Headers.RetryAfter = _options.RetryAfterSeconds.ToString(CultureInfo.InvariantCulture);
                return Results.Problem(
                    statusCode: StatusCodes.Status503ServiceUnavailable,
                    title: ingest.IsStopping ? "The host is stopping" : "Ingest is full",
                    detail: "Nothing of this request was accepted; send it again after Retry-After seconds.");
        }

        statistics.RecordQueued(units.Count);
        var byReason = new Dictionary<string, int>(StringComparer.Ordinal);
        var rejected = 0;
        foreach (var unit in units)
        {
            if (unit.KnownReason != RejectReason.None)
            {
                rejected++;
                var code = unit.KnownReason.ToCode();
                byReason[code] = byReason.GetValueOrDefault(code) + 1;
            }
        }

        var response = new IngestResponse("queued", units.Count, units.Count - rejected, rejected, byReason);
        return route == IngestRoute.EventHubs
            ? Results.Json(response, statusCode: StatusCodes.Status201Created)
            : Results.Json(response, statusCode: StatusCodes.Status202Accepted);
    }

    private static string? BrokerMessageId(HttpRequest request)
    {
        // Event Hubs REST: BrokerProperties header holds JSON such as {"MessageId":"…","PartitionKey":"…"}.
        var header = request.Headers["BrokerProperties"].FirstOrDefault();
        if (string.IsNullOrEmpty(header))
        {
            return null;
        }

        try
        {
            using var document = System.Text.Json.JsonDocument.Parse(header);
            return document.RootElement.ValueKind == System.Text.Json.JsonValueKind.Object
                && document.RootElement.TryGetProperty("MessageId", out var id)
                && id.ValueKind == System.Text.Json.JsonValueKind.String ? id.GetString() : null;
        }
        catch (System.Text.Json.JsonException)
        {
            return null;
        }
    }

    private static string? MediaType(string? contentType)
    {
        if (string.IsNullOrWhiteSpace(contentType))
        {
            return null;
        }

        var semicolon = contentType.IndexOf(';', StringComparison.Ordinal);
        return (semicolon < 0 ? contentType : contentType[..semicolon]).Trim().ToLowerInvariant();
    }

    /// <summary>The whole body in one array (events keep slices of it until they are processed), or null when over the limit.</summary>
    internal static async Task<ReadOnlyMemory<byte>?> ReadBodyAsync(HttpContext context, long limit)
    {
        var request = context.Request;
        if (request.ContentLength > limit)
        {
            return null;
        }

        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } sizeFeature)
        {
            sizeFeature.MaxRequestBodySize = limit;
        }

        var buffer = new byte[request.ContentLength is { } length ? (int)length : 16 * 1024];
        var total = 0;
        try
        {
            while (true)
            {
                if (total == buffer.Length)
                {
                    if (request.ContentLength is not null)
                    {
                        // Content-Length honoured: anything further would be a protocol error.
                        break;
                    }

                    if (buffer.Length >= limit)
                    {
                        return null;
                    }

                    Array.Resize(ref buffer, (int)Math.Min(limit + 1, buffer.Length * 2L));
                }

                var read = await request.Body.ReadAsync(buffer.AsMemory(total), context.RequestAborted);
                if (read == 0)
                {
                    break;
                }

                total += read;
                if (total > limit)
                {
                    return null;
                }
            }
        }
        catch (BadHttpRequestException ex) when (ex.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            return null;
        }

        return buffer.AsMemory(0, total);
    }
}
