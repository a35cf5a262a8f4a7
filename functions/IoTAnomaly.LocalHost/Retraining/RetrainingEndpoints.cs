using System.Text.Json;
using IoTAnomaly.Core.Drift;
using IoTAnomaly.Core.Models;
using IoTAnomaly.Core.Processing;
using IoTAnomaly.Core.Retraining;
using Microsoft.Extensions.Options;

namespace IoTAnomaly.LocalHost.Retraining;

/// <summary>The retraining and model routes — the same the Functions app exposes in Azure.</summary>
public static class RetrainingEndpoints
{
    public sealed record StartRetrainingBody(string? Model, string? Reason, bool? DryRun, string? Mode);

    public sealed record ApprovalBody(string? By, string? Comment);

    public sealed record RollbackBody(string? Reason);

    public static IEndpointRouteBuilder MapRetrainingApi(this IEndpointRouteBuilder app)
    {
        ArgumentNullException.ThrowIfNull(app);
        var api = app.MapGroup("/api");

        api.MapPost("/retraining", async (HttpContext http, LocalRetrainingRunner runner, IOptions<RetrainingOptions> options, IOptions<ScoringOptions> scoring, TimeProvider time, CancellationToken ct) =>
        {
            var body = await ReadBodyAsync<StartRetrainingBody>(http, ct).ConfigureAwait(false);
            var model = body?.Model ?? scoring.Value.ModelName;
            var mode = body?.Mode;
            if (mode is not null and not PromotionModes.Auto and not PromotionModes.Approval)
            {
                return Results.Problem($"mode must be '{PromotionModes.Auto}' or '{PromotionModes.Approval}'.", statusCode: StatusCodes.Status400BadRequest);
            }

            var request = options.Value.CreateRequest(model, body?.Reason ?? "started over HTTP", "http", time.GetUtcNow(), body?.DryRun ?? false, mode);
            try
            {
                var run = await runner.StartAsync(request, ct).ConfigureAwait(false);
                var status = $"/api/retraining/{run.InstanceId}";
                return Results.Json(
                    new
                    {
                        id = run.InstanceId,
                        statusQueryGetUri = status,
                        approvePostUri = status + "/approve",
                        rejectPostUri = status + "/reject",
                    },
                    statusCode: StatusCodes.Status202Accepted);
            }
            catch (RetrainingConflictException ex)
            {
                return Results.Problem(ex.Message, statusCode: StatusCodes.Status409Conflict);
            }
        });

        api.MapGet("/retraining", async (IRetrainingRunStore store, CancellationToken ct) =>
            Results.Json((await store.ListAsync(ct).ConfigureAwait(false)).Select(Describe)));

        api.MapGet("/retraining/{id}", async (string id, LocalRetrainingRunner runner, CancellationToken ct) =>
        {
            var run = await runner.GetAsync(id, ct).ConfigureAwait(false);
            return run is null ? Results.NotFound() : Results.Json(Describe(run));
        });

        api.MapPost("/retraining/{id}/approve", (string id, HttpContext http, LocalRetrainingRunner runner, CancellationToken ct) => DecideAsync(id, true, http, runner, ct));
        api.MapPost("/retraining/{id}/reject", (string id, HttpContext http, LocalRetrainingRunner runner, CancellationToken ct) => DecideAsync(id, false, http, runner, ct));

        api.MapGet("/models", async (IModelRegistry registry, CancellationToken ct) =>
        {
            var models = new List<object>();
            foreach (var name in await registry.ListModelsAsync(ct).ConfigureAwait(false))
            {
                var versions = await registry.ListVersionsAsync(name, ct).ConfigureAwait(false);
                var champion = await registry.GetPointerAsync(name, ModelRole.Champion, ct).ConfigureAwait(false);
                var challenger = await registry.GetPointerAsync(name, ModelRole.Challenger, ct).ConfigureAwait(false);
                var audit = await registry.GetAuditLogAsync(name, ct).ConfigureAwait(false);
                models.Add(new
                {
                    model = name,
                    champion = champion?.Version,
                    challenger = challenger?.Version,
                    previousChampions = champion?.History,
                    versions = versions.Select(v => new { v.Version, v.ModelType, v.CreatedAt, rows = v.Training.Rows, source = v.Training.Source, v.Metrics }),
                    audit = audit.TakeLast(50),
                });
            }

            return Results.Json(models);
        });

        api.MapPost("/models/{model}/rollback", async (string model, HttpContext http, IModelRegistry registry, CancellationToken ct) =>
        {
            var body = await ReadBodyAsync<RollbackBody>(http, ct).ConfigureAwait(false);
            try
            {
                var pointer = await registry.RollbackAsync(model, body?.Reason ?? "rollback over HTTP", "http", ct).ConfigureAwait(false);
                return Results.Json(new { model, champion = pointer.Version, previousChampions = pointer.History });
            }
            catch (ModelRegistryConflictException ex)
            {
                return Results.Problem(ex.Message, statusCode: StatusCodes.Status409Conflict);
            }
            catch (ModelNotFoundException ex)
            {
                return Results.Problem(ex.Message, statusCode: StatusCodes.Status404NotFound);
            }
            catch (InvalidOperationException ex)
            {
                return Results.Problem(ex.Message, statusCode: StatusCodes.Status409Conflict);
            }
        });

        api.MapGet("/drift", async (IDriftReportStore reports, IOptions<ScoringOptions> scoring, CancellationToken ct) =>
            Results.Json(await reports.ListRecentAsync(scoring.Value.ModelName, 20, ct).ConfigureAwait(false)));

        return app;
    }

    private static async Task<IResult> DecideAsync(string id, bool approved, HttpContext http, LocalRetrainingRunner runner, CancellationToken ct)
    {
        var body = await ReadBodyAsync<ApprovalBody>(http, ct).ConfigureAwait(false);
        var run = await runner.GetAsync(id, ct).ConfigureAwait(false);
        if (run is null)
        {
            return Results.NotFound();
        }

        if (!runner.RaiseApproval(id, new ApprovalDecision(approved, body?.By ?? "http", body?.Comment)))
        {
            return Results.Problem($"Retraining '{id}' is not waiting for approval (status {run.Status}, stage {run.Stage}).", statusCode: StatusCodes.Status409Conflict);
        }

        return Results.Accepted($"/api/retraining/{id}", new { id, decision = approved ? "approved" : "rejected" });
    }

    private static object Describe(RetrainingRun run) => new
    {
        instanceId = run.InstanceId,
        model = run.Model,
        runtimeStatus = run.Status,
        customStatus = new { stage = run.Stage, detail = run.StageDetail is null ? (JsonElement?)null : JsonSerializer.Deserialize<JsonElement>(run.StageDetail) },
        input = run.Request,
        output = run.Output,
        failure = run.Failure,
        createdTime = run.CreatedAt,
        lastUpdatedTime = run.LastUpdatedAt,
    };

    private static async Task<T?> ReadBodyAsync<T>(HttpContext http, CancellationToken ct)
        where T : class
    {
        if (http.Request.ContentLength is 0 || !http.Request.HasJsonContentType())
        {
            return null;
        }

        try
        {
            return await http.Request.ReadFromJsonAsync<T>(ct).ConfigureAwait(false);
        }
        catch (JsonException)
        {
            throw new BadHttpRequestException("The body is not valid JSON for this route.");
        }
    }
}
