using IoTAnomaly.Core.Detection;
using IoTAnomaly.Core.Processing;
using IoTAnomaly.Infrastructure.Sinks;
using IoTAnomaly.LocalHost.Ingest;
using Microsoft.Extensions.Options;

namespace IoTAnomaly.LocalHost.Api;

/// <summary>The answer of <c>GET /health</c>.</summary>
public sealed record HealthResponse(string Status, string ModelName, string? ModelVersion, DateTimeOffset? LoadedAt, string? LastLoadError);

/// <summary>One row of <c>GET /api/devices</c>.</summary>
public sealed record DeviceRow(string Id, long Scored, long Anomalies, double LastScore, bool LastIsAnomaly, DateTimeOffset? LastSeen, DateTimeOffset? LastTimestamp);

/// <summary>The answer of <c>GET /api/stats</c>.</summary>
public sealed record StatsResponse(
    long Received,
    long Scored,
    long Rejected,
    IReadOnlyDictionary<string, long> RejectedByReason,
    long Anomalies,
    double ReadingsPerSecond,
    long QueuedEvents,
    long PendingEvents,
    long RefusedRequests,
    long Batches,
    long BatchRetries,
    int Devices,
    string? ModelVersion);

/// <summary><c>GET /health</c>, <c>/api/devices</c>, <c>/api/anomalies</c>, <c>/api/stats</c>.</summary>
public static class QueryEndpoints
{
    internal static IEndpointRouteBuilder MapQueries(this IEndpointRouteBuilder routes)
    {
        routes.MapGet("/health", (ModelHolder models, IOptions<ScoringOptions> scoring) =>
        {
            var current = models.Current;
            var response = new HealthResponse(current is null ? "not-ready" : "ready", scoring.Value.ModelName, current?.Version, current?.LoadedAt, models.LastLoadError);
            return Results.Json(response, statusCode: current is null ? StatusCodes.Status503ServiceUnavailable : StatusCodes.Status200OK);
        }).WithName("Health");

        routes.MapGet("/api/devices", (TelemetryBatchHandler handler, int? limit) =>
        {
            var rows = handler.Devices.Entries
                .Select(d => new DeviceRow(
                    d.Id,
                    d.Scored,
                    d.Anomalies,
                    d.LastScore,
                    d.LastIsAnomaly,
                    d.LastSeenTicks > 0 ? new DateTimeOffset(d.LastSeenTicks, TimeSpan.Zero) : null,
                    d.LastTimestampTicks > 0 ? new DateTimeOffset(d.LastTimestampTicks, TimeSpan.Zero) : null))
                .OrderBy(d => d.Id, StringComparer.Ordinal)
                .Take(Math.Clamp(limit ?? 1000, 1, 100_000))
                .ToList();
            return Results.Ok(rows);
        }).WithName("Devices");

        routes.MapGet("/api/anomalies", async (HttpContext context, AnomalyFeed feed, int? limit, string? deviceId, DateTimeOffset? from, DateTimeOffset? to) =>
        {
            var max = Math.Clamp(limit ?? 100, 1, 100_000);
            if (from is null && to is null)
            {
                // The latest anomalies of this process, from memory.
                return Results.Ok(feed.Latest(max, deviceId));
            }

            // A time window: the anomalies sink's own query (every process, every run).
            if (context.RequestServices.GetService<BlobAnomalySink>() is not { } sink)
            {
                return Results.Problem(statusCode: StatusCodes.Status501NotImplemented, title: "No queryable anomalies store is configured");
            }

            if (await WindowAfterFlushAsync<BufferedAnomalySink>(context, from, to) is not var (start, end))
            {
                return ReversedWindow();
            }

            var stored = await sink.QueryAsync(start, end, deviceId, max, context.RequestAborted);
            return Results.Ok(stored);
        }).WithName("Anomalies");

        routes.MapGet("/api/deadletters", async (HttpContext context, int? limit, string? deviceId, string? reason, DateTimeOffset? from, DateTimeOffset? to) =>
        {
            // The dead-letter sink's own query: what was rejected, why, and the payload as it came.
            if (context.RequestServices.GetService<BlobDeadLetterSink>() is not { } sink)
            {
                return Results.Problem(statusCode: StatusCodes.Status501NotImplemented, title: "No queryable dead-letter store is configured");
            }

            if (await WindowAfterFlushAsync<BufferedDeadLetterSink>(context, from, to) is not var (start, end))
            {
                return ReversedWindow();
            }

            var stored = await sink.QueryAsync(start, end, deviceId, reason, Math.Clamp(limit ?? 100, 1, 100_000), context.RequestAborted);
            return Results.Ok(stored);
        }).WithName("DeadLetters");

        routes.MapGet("/api/stats", (IngestStatistics statistics, PartitionedIngest ingest, TelemetryBatchHandler handler) =>
        {
            var s = statistics.Snapshot(ingest.Pending);
            return Results.Ok(new StatsResponse(
                s.Received, s.Scored, s.Rejected, s.RejectedByReason, s.Anomalies, Math.Round(s.ReadingsPerSecond, 1), s.QueuedEvents, s.PendingEvents,
                s.RefusedRequests, s.Batches, s.BatchRetries, handler.Devices.Count, handler.Models.Current?.Version ?? s.ModelVersion));
        }).WithName("Stats");
        return routes;
    }

    /// <summary>
    /// The query window [<paramref name="from"/> (default: an hour before the end), <paramref name="to"/> (default:
    /// now)], null when it is reversed. Before returning it writes what the sink's buffer holds (read-your-writes:
    /// records made before the query are stored before it reads).
    /// </summary>
    private static async Task<(DateTimeOffset Start, DateTimeOffset End)?> WindowAfterFlushAsync<TBuffer>(HttpContext context, DateTimeOffset? from, DateTimeOffset? to)
        where TBuffer : class, IFlushableSink
    {
        var end = to ?? DateTimeOffset.UtcNow;
        var start = from ?? end.AddHours(-1);
        if (end < start)
        {
            return null;
        }

        if (context.RequestServices.GetService<TBuffer>() is { } buffer)
        {
            await buffer.FlushAsync(context.RequestAborted);
        }

        return (start, end);
    }

    private static IResult ReversedWindow() => Results.Problem(statusCode: StatusCodes.Status400BadRequest, title: "'to' is before 'from'");
}
