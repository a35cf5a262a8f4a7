using System.Collections.Concurrent;
using System.Text.Json;
using IoTAnomaly.Core.Diagnostics;
using IoTAnomaly.Core.Serialization;
using Microsoft.Extensions.Logging;

namespace IoTAnomaly.Core.Retraining;

/// <summary>
/// The local stand-in for Durable Functions: runs <see cref="RetrainingWorkflow"/> with direct activity calls on a
/// background task, keeps each run's status in <see cref="IRetrainingRunStore"/>, allows one run per model
/// (instance id <c>retrain-{model}</c>), delivers approve/reject events, and on start marks runs that a previous
/// process left Running as Interrupted.
/// </summary>
public sealed class LocalRetrainingRunner
{
    private readonly ConcurrentDictionary<string, ActiveRun> _active = new(StringComparer.Ordinal);
    private readonly IRetrainingRunStore _store;
    private readonly IRetrainingActivities _activities;
    private readonly TimeProvider _time;
    private readonly ILogger<LocalRetrainingRunner> _logger;

    public LocalRetrainingRunner(IRetrainingRunStore store, IRetrainingActivities activities, TimeProvider time, ILogger<LocalRetrainingRunner> logger)
    {
        _store = store;
        _activities = activities;
        _time = time;
        _logger = logger;
    }

    /// <summary>Raised when a run ends (any outcome).</summary>
    public event EventHandler<RetrainingRun>? RunCompleted;

    /// <summary>Starts a run; throws <see cref="RetrainingConflictException"/> while one of the same model is active.</summary>
    public async Task<RetrainingRun> StartAsync(RetrainingRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var id = request.InstanceId;
        var active = new ActiveRun();
        if (!_active.TryAdd(id, active))
        {
            throw new RetrainingConflictException($"Retraining '{id}' is already running.");
        }

        var now = _time.GetUtcNow();
        var run = new RetrainingRun
        {
            InstanceId = id,
            Model = request.Model,
            Status = RetrainingRunStatus.Running,
            Request = request,
            CreatedAt = now,
            LastUpdatedAt = now,
        };
        try
        {
            if (!await _store.TryStartAsync(run, cancellationToken).ConfigureAwait(false))
            {
                throw new RetrainingConflictException($"Retraining '{id}' is already running (per the run store).");
            }
        }
        catch
        {
            _active.TryRemove(id, out _);
            throw;
        }

        IoTAnomalyTelemetry.RetrainingStarted.Add(1);
        active.Run = run;
        active.Task = Task.Run(() => ExecuteAsync(run, active), CancellationToken.None);
        return run;
    }

    /// <summary>The task of an active run (tests and shutdown wait on it), or null.</summary>
    public Task? GetRunTask(string instanceId) => _active.TryGetValue(instanceId, out var a) ? a.Task : null;

    public bool IsRunning(string instanceId) => _active.ContainsKey(instanceId);

    public Task<RetrainingRun?> GetAsync(string instanceId, CancellationToken cancellationToken) => _store.GetAsync(instanceId, cancellationToken);

    /// <summary>Delivers an approval decision to a run waiting for one. False when no run of that id is waiting.</summary>
    public bool RaiseApproval(string instanceId, ApprovalDecision decision)
        => _active.TryGetValue(instanceId, out var active) && active.Approval.TrySetResult(decision);

    /// <summary>Marks runs left Running by a previous process as Interrupted.</summary>
    public async Task<int> RecoverAsync(CancellationToken cancellationToken)
    {
        var marked = 0;
        foreach (var run in await _store.ListAsync(cancellationToken).ConfigureAwait(false))
        {
            if (RetrainingRunStatus.IsActive(run.Status) && !_active.ContainsKey(run.InstanceId))
            {
                run.Status = RetrainingRunStatus.Interrupted;
                run.Failure = "The host stopped while this run was in progress; start a new run.";
                run.LastUpdatedAt = _time.GetUtcNow();
                await _store.SaveAsync(run, cancellationToken).ConfigureAwait(false);
                Log.RetrainingInterrupted(_logger, run.InstanceId);
                marked++;
            }
        }

        return marked;
    }

    private async Task ExecuteAsync(RetrainingRun run, ActiveRun active)
    {
        try
        {
            var steps = new Steps(this, run, active);
            var outcome = await RetrainingWorkflow.RunAsync(steps, run.Request).ConfigureAwait(false);
            run.Output = outcome;
            run.Status = RetrainingRunStatus.Completed;
            run.Stage = RetrainingStages.Done;
            IoTAnomalyTelemetry.RecordRetrainingRun(run.Model, outcome.Decision);
            Log.RetrainingCompleted(_logger, run.InstanceId, outcome.Decision, outcome.ChallengerVersion, outcome.Reason);
        }
        catch (Exception ex)
        {
            run.Status = RetrainingRunStatus.Failed;
            run.Failure = ex.GetType().Name + ": " + ex.Message;
            IoTAnomalyTelemetry.RecordRetrainingRun(run.Model, "failed");
            Log.RetrainingFailed(_logger, run.InstanceId, ex);
        }

        run.LastUpdatedAt = _time.GetUtcNow();
        try
        {
            await _store.SaveAsync(run, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            Log.RetrainingStatusNotSaved(_logger, run.InstanceId, ex);
        }
        finally
        {
            _active.TryRemove(run.InstanceId, out _);
            RunCompleted?.Invoke(this, run);
        }
    }

    private sealed class ActiveRun
    {
        public RetrainingRun? Run { get; set; }

        public Task? Task { get; set; }

        public TaskCompletionSource<ApprovalDecision> Approval { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    private sealed class Steps(LocalRetrainingRunner runner, RetrainingRun run, ActiveRun active) : IRetrainingSteps
    {
        public Task<TrainingWindowRef> LoadTrainingWindowAsync(RetrainingRequest request)
            => runner._activities.LoadTrainingWindowAsync(request, CancellationToken.None);

        public Task<ChallengerRef> TrainChallengerAsync(RetrainingRequest request, TrainingWindowRef window)
            => runner._activities.TrainChallengerAsync(request, window, CancellationToken.None);

        public Task<EvaluationResult> EvaluateAsync(RetrainingRequest request, TrainingWindowRef window, ChallengerRef challenger)
            => runner._activities.EvaluateAsync(request, window, challenger, CancellationToken.None);

        public Task RegisterChallengerAsync(RetrainingRequest request, ChallengerRef challenger, EvaluationResult evaluation)
            => runner._activities.RegisterChallengerAsync(request, challenger, evaluation, CancellationToken.None);

        public Task<string> PromoteAsync(RetrainingRequest request, ChallengerRef challenger, string reason)
            => runner._activities.PromoteAsync(request, challenger, reason, CancellationToken.None);

        public Task RejectAsync(RetrainingRequest request, ChallengerRef challenger, string reason)
            => runner._activities.RejectAsync(request, challenger, reason, CancellationToken.None);

        public async Task<ApprovalDecision?> WaitForApprovalAsync(RetrainingRequest request, TimeSpan timeout)
        {
            using var cts = new CancellationTokenSource(timeout, runner._time);
            var timer = Task.Delay(Timeout.InfiniteTimeSpan, cts.Token);
            var winner = await Task.WhenAny(active.Approval.Task, timer).ConfigureAwait(false);
            return winner == active.Approval.Task ? await active.Approval.Task.ConfigureAwait(false) : null;
        }

        public void ReportStage(string stage, object? detail)
        {
            run.Stage = stage;
            run.StageDetail = detail is null ? null : JsonSerializer.Serialize(detail, detail.GetType(), CoreJsonContext.Default);
            run.LastUpdatedAt = runner._time.GetUtcNow();
            _ = SaveQuietlyAsync();
        }

        private async Task SaveQuietlyAsync()
        {
            try
            {
                await runner._store.SaveAsync(run, CancellationToken.None).ConfigureAwait(false);
            }
            catch (Exception ex)
            {
                Log.RetrainingStatusNotSaved(runner._logger, run.InstanceId, ex);
            }
        }
    }
}
