using System.Net;
using IoTAnomaly.Core.Processing;
using IoTAnomaly.Core.Retraining;
using IoTAnomaly.Functions.Diagnostics;
using IoTAnomaly.Functions.Http;
using IoTAnomaly.Infrastructure.Models;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Azure.Functions.Worker.Http;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace IoTAnomaly.Functions.Retraining;

/// <summary>Body of <c>POST /api/retraining</c>; every field optional.</summary>
public sealed record StartRetrainingBody(string? Model, string? Reason, bool? DryRun, string? Mode);

/// <summary>Body of <c>POST /api/retraining/{id}/approve</c> and <c>/reject</c>; every field optional.</summary>
public sealed record ApprovalBody(string? By, string? Comment);

/// <summary>The answer of <c>GET /api/retraining/{id}</c> (the local host's shape).</summary>
public sealed record RetrainingStatusResponse(
    string InstanceId,
    string? Model,
    string RuntimeStatus,
    RetrainingStageStatus? CustomStatus,
    RetrainingRequest? Input,
    RetrainingOutcome? Output,
    string? Failure,
    DateTimeOffset CreatedTime,
    DateTimeOffset LastUpdatedTime);

/// <summary>The answer of an approve or reject request.</summary>
public sealed record ApprovalResponse(string Id, string Decision);

/// <summary>
/// The retraining routes (function-level auth; the same routes as the local host): start, status, approve, reject.
/// Each translates HTTP into one call on the Durable client.
/// </summary>
public sealed class RetrainingApi(
    IOptions<RetrainingOptions> retraining,
    IOptions<ScoringOptions> scoring,
    TimeProvider time,
    ILogger<RetrainingApi> logger)
{
    /// <summary><c>POST /api/retraining</c>: 202 with the Durable status URLs, 409 while <c>retrain-{model}</c> runs.</summary>
    [Function(nameof(StartRetraining))]
    public async Task<HttpResponseData> StartRetraining(
        [HttpTrigger(AuthorizationLevel.Function, "post", Route = "retraining")] HttpRequestData request,
        [DurableClient] DurableTaskClient client,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var (body, error) = await HttpBodies.ReadOptionalJsonAsync<StartRetrainingBody>(request.Body, null, cancellationToken).ConfigureAwait(false);
        if (error is not null)
        {
            return await HttpBodies.ProblemAsync(request, HttpStatusCode.BadRequest, "Invalid request", error).ConfigureAwait(false);
        }

        var model = string.IsNullOrWhiteSpace(body?.Model) ? scoring.Value.ModelName : body.Model;
        if (!ModelNames.IsValid(model))
        {
            return await HttpBodies.ProblemAsync(request, HttpStatusCode.BadRequest, "Invalid model name", $"'{model}' is not a valid model name.").ConfigureAwait(false);
        }

        if (body?.Mode is { } mode && mode is not (PromotionModes.Auto or PromotionModes.Approval))
        {
            return await HttpBodies.ProblemAsync(request, HttpStatusCode.BadRequest, "Invalid mode", $"mode must be '{PromotionModes.Auto}' or '{PromotionModes.Approval}'.").ConfigureAwait(false);
        }

        var retrainingRequest = retraining.Value.CreateRequest(
            model,
            string.IsNullOrWhiteSpace(body?.Reason) ? "Requested over HTTP" : body.Reason,
            "http",
            time.GetUtcNow(),
            body?.DryRun ?? false,
            body?.Mode);
        var started = await new DurableRetrainingStarter(client).StartAsync(retrainingRequest, cancellationToken).ConfigureAwait(false);
        if (!started.Started)
        {
            Log.RetrainingNotStarted(logger, started.InstanceId, started.Reason);
            return await HttpBodies.ProblemAsync(request, HttpStatusCode.Conflict, "Retraining already running", started.Reason).ConfigureAwait(false);
        }

        Log.RetrainingStarted(logger, started.InstanceId, retrainingRequest.Reason, retrainingRequest.RequestedBy, retrainingRequest.DryRun, retrainingRequest.Mode);
        return await client.CreateCheckStatusResponseAsync(request, started.InstanceId, cancellationToken).ConfigureAwait(false);
    }

    /// <summary><c>GET /api/retraining/{id}</c>: runtime status, stage (custom status), outcome or failure; 404 when unknown.</summary>
    [Function(nameof(GetRetraining))]
    public async Task<IActionResult> GetRetraining(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = "retraining/{id}")] HttpRequest request,
        [DurableClient] DurableTaskClient client,
        string id,
        CancellationToken cancellationToken)
    {
        var instance = await client.GetInstanceAsync(id, getInputsAndOutputs: true, cancellationToken).ConfigureAwait(false);
        if (instance is null)
        {
            return HttpBodies.Problem(StatusCodes.Status404NotFound, "No such retraining run", $"No orchestration instance '{id}'.");
        }

        var input = instance.ReadInputAs<RetrainingRequest>();
        var failure = instance.FailureDetails is { } details ? details.ErrorType + ": " + details.ErrorMessage : null;
        return HttpBodies.Json(new RetrainingStatusResponse(
            instance.InstanceId,
            input?.Model,
            instance.RuntimeStatus.ToString(),
            instance.ReadCustomStatusAs<RetrainingStageStatus>(),
            input,
            instance.RuntimeStatus == OrchestrationRuntimeStatus.Completed ? instance.ReadOutputAs<RetrainingOutcome>() : null,
            failure,
            instance.CreatedAt,
            instance.LastUpdatedAt));
    }

    /// <summary><c>POST /api/retraining/{id}/approve</c>: delivers an approval to a run waiting for one.</summary>
    [Function(nameof(ApproveRetraining))]
    public Task<IActionResult> ApproveRetraining(
        [HttpTrigger(AuthorizationLevel.Function, "post", Route = "retraining/{id}/approve")] HttpRequest request,
        [DurableClient] DurableTaskClient client,
        string id,
        CancellationToken cancellationToken)
        => DecideAsync(request, client, id, approved: true, cancellationToken);

    /// <summary><c>POST /api/retraining/{id}/reject</c>: delivers a rejection to a run waiting for approval.</summary>
    [Function(nameof(RejectRetraining))]
    public Task<IActionResult> RejectRetraining(
        [HttpTrigger(AuthorizationLevel.Function, "post", Route = "retraining/{id}/reject")] HttpRequest request,
        [DurableClient] DurableTaskClient client,
        string id,
        CancellationToken cancellationToken)
        => DecideAsync(request, client, id, approved: false, cancellationToken);

    private async Task<IActionResult> DecideAsync(HttpRequest request, DurableTaskClient client, string id, bool approved, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var (body, error) = await HttpBodies.ReadOptionalJsonAsync<ApprovalBody>(request.Body, request.ContentLength, cancellationToken).ConfigureAwait(false);
        if (error is not null)
        {
            return HttpBodies.Problem(StatusCodes.Status400BadRequest, "Invalid request", error);
        }

        var instance = await client.GetInstanceAsync(id, getInputsAndOutputs: true, cancellationToken).ConfigureAwait(false);
        if (instance is null)
        {
            return HttpBodies.Problem(StatusCodes.Status404NotFound, "No such retraining run", $"No orchestration instance '{id}'.");
        }

        var stage = instance.IsCompleted ? null : instance.ReadCustomStatusAs<RetrainingStageStatus>()?.Stage;
        if (!string.Equals(stage, RetrainingStages.WaitingForApproval, StringComparison.Ordinal))
        {
            return HttpBodies.Problem(
                StatusCodes.Status409Conflict,
                "Not waiting for approval",
                $"Retraining '{id}' is {instance.RuntimeStatus} at stage '{stage ?? "none"}'; only a run waiting for approval takes a decision.");
        }

        var decision = new ApprovalDecision(approved, string.IsNullOrWhiteSpace(body?.By) ? "http" : body.By, body?.Comment);
        await client.RaiseEventAsync(id, DurableRetrainingSteps.ApprovalEventName, decision, cancellationToken).ConfigureAwait(false);
        Log.ApprovalRaised(logger, id, decision.Approved, decision.By);
        return HttpBodies.Json(new ApprovalResponse(id, approved ? "approved" : "rejected"), StatusCodes.Status202Accepted);
    }
}
