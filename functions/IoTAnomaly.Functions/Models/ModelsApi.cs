using IoTAnomaly.Core.Models;
using IoTAnomaly.Functions.Diagnostics;
using IoTAnomaly.Functions.Http;
using IoTAnomaly.Infrastructure.Models;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.Logging;

namespace IoTAnomaly.Functions.Models;

/// <summary>One registered version, without its per-sensor baselines.</summary>
public sealed record ModelVersionSummary(
    string Version,
    string ModelType,
    DateTimeOffset CreatedAt,
    long Rows,
    string? Source,
    IDictionary<string, double> Metrics);

/// <summary>One model of the registry (the local host's shape): champion and challenger versions, earlier champions
/// (most recent first), versions (oldest first) and the newest audit entries.</summary>
public sealed record ModelSummary(
    string Model,
    string? Champion,
    string? Challenger,
    IReadOnlyList<string>? PreviousChampions,
    IReadOnlyList<ModelVersionSummary> Versions,
    IReadOnlyList<AuditEntry> Audit);

/// <summary>The answer of a rollback: the champion now, and the champions before it.</summary>
public sealed record RollbackResponse(string Model, string Champion, IReadOnlyList<string> PreviousChampions);

/// <summary>Body of <c>POST /api/models/{model}/rollback</c>; every field optional.</summary>
public sealed record RollbackBody(string? Reason, string? By);

/// <summary>The registry routes (function-level auth; the same routes as the local host): list and rollback.</summary>
public sealed class ModelsApi(IModelRegistry registry, ILogger<ModelsApi> logger)
{
    /// <summary>The newest audit entries listed per model.</summary>
    public const int AuditEntriesListed = 50;

    /// <summary><c>GET /api/models</c>.</summary>
    [Function(nameof(ListModels))]
    public async Task<IActionResult> ListModels(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = "models")] HttpRequest request,
        CancellationToken cancellationToken)
    {
        var models = new List<ModelSummary>();
        foreach (var model in await registry.ListModelsAsync(cancellationToken).ConfigureAwait(false))
        {
            var versions = await registry.ListVersionsAsync(model, cancellationToken).ConfigureAwait(false);
            var champion = await registry.GetPointerAsync(model, ModelRole.Champion, cancellationToken).ConfigureAwait(false);
            var challenger = await registry.GetPointerAsync(model, ModelRole.Challenger, cancellationToken).ConfigureAwait(false);
            var audit = await registry.GetAuditLogAsync(model, cancellationToken).ConfigureAwait(false);
            models.Add(new ModelSummary(
                model,
                champion?.Version,
                challenger?.Version,
                champion?.History,
                versions.Select(m => new ModelVersionSummary(m.Version, m.ModelType, m.CreatedAt, m.Training.Rows, m.Training.Source, m.Metrics)).ToArray(),
                audit.TakeLast(AuditEntriesListed).ToArray()));
        }

        return HttpBodies.Json(models);
    }

    /// <summary><c>POST /api/models/{model}/rollback</c>: the previous champion becomes champion again.</summary>
    [Function(nameof(RollbackModel))]
    public async Task<IActionResult> RollbackModel(
        [HttpTrigger(AuthorizationLevel.Function, "post", Route = "models/{model}/rollback")] HttpRequest request,
        string model,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (!ModelNames.IsValid(model))
        {
            return HttpBodies.Problem(StatusCodes.Status400BadRequest, "Invalid model name", $"'{model}' is not a valid model name.");
        }

        var (body, error) = await HttpBodies.ReadOptionalJsonAsync<RollbackBody>(request.Body, request.ContentLength, cancellationToken).ConfigureAwait(false);
        if (error is not null)
        {
            return HttpBodies.Problem(StatusCodes.Status400BadRequest, "Invalid request", error);
        }

        var actor = string.IsNullOrWhiteSpace(body?.By) ? "http" : body.By;
        try
        {
            var pointer = await registry.RollbackAsync(model, body?.Reason ?? "rollback over HTTP", actor, cancellationToken).ConfigureAwait(false);
            Log.ModelRolledBack(logger, model, pointer.Version, actor);
            return HttpBodies.Json(new RollbackResponse(model, pointer.Version, pointer.History));
        }
        catch (ModelNotFoundException ex)
        {
            return HttpBodies.Problem(StatusCodes.Status404NotFound, "Model not found", ex.Message);
        }
        catch (Exception ex) when (ex is ModelRegistryConflictException or InvalidOperationException)
        {
            return HttpBodies.Problem(StatusCodes.Status409Conflict, "Rollback not possible", ex.Message);
        }
    }
}
