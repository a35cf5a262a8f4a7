using IoTAnomaly.Core.Detection;
using IoTAnomaly.Core.Diagnostics;
using IoTAnomaly.Core.Retraining;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace IoTAnomaly.Core.Drift;

/// <summary>
/// One drift check (what the DriftMonitor timer function and the local hosted service call): recent sketches of the
/// champion this process serves versus its training baseline → report (stored, logged, metrics) → retraining if drifted.
/// </summary>
public sealed class DriftMonitor(
    ModelHolder models,
    IDriftSketchStore sketches,
    IDriftReportStore reports,
    IRetrainingStarter retraining,
    IOptions<DriftOptions> driftOptions,
    IOptions<RetrainingOptions> retrainingOptions,
    TimeProvider time,
    ILogger<DriftMonitor> logger)
{
    /// <summary>Runs one check; null when no model is loaded yet.</summary>
    public async Task<DriftReport?> RunOnceAsync(CancellationToken cancellationToken)
    {
        var model = models.Current;
        if (model is null)
        {
            return null;
        }

        using var activity = IoTAnomalyTelemetry.ActivitySource.StartActivity("DriftCheck");
        var options = driftOptions.Value;
        var now = time.GetUtcNow();
        var sets = await sketches.LoadAsync(model.Manifest.Name, now - options.Window, now, cancellationToken).ConfigureAwait(false);
        var report = DriftEvaluator.Evaluate(model.Manifest, sets, options, now);
        activity?.SetTag(IoTAnomalyTelemetry.ModelVersionTag, model.Version);
        activity?.SetTag(IoTAnomalyTelemetry.VerdictTag, report.Verdict);

        var lastStart = report.IsDrifted && options.RetrainOnDrift
            ? await retraining.LastStartedAsync(model.Manifest.Name, cancellationToken).ConfigureAwait(false)
            : null;
        if (lastStart is { } last && now - last < options.RetrainCooldown)
        {
            report.Action = "retraining-cooldown:until " + (last + options.RetrainCooldown).ToString("O", System.Globalization.CultureInfo.InvariantCulture);
        }
        else if (report.IsDrifted && options.RetrainOnDrift)
        {
            var drifted = report.Sensors.Where(s => s.Drifted).Select(s => s.Sensor).ToArray();
            var reason = drifted.Length > 0
                ? "Drift in " + string.Join(", ", drifted)
                : $"Prediction drift: anomaly rate {report.Prediction.Rate:P2} vs expected {report.Prediction.ExpectedRate:P2}";
            var request = retrainingOptions.Value.CreateRequest(model.Manifest.Name, reason, "drift-monitor", now);
            var started = await retraining.StartAsync(request, cancellationToken).ConfigureAwait(false);
            report.Action = started.Started ? "retraining-started:" + started.InstanceId : "retraining-not-started:" + started.Reason;
        }

        await reports.SaveAsync(report, cancellationToken).ConfigureAwait(false);

        var verdictTag = new KeyValuePair<string, object?>(IoTAnomalyTelemetry.VerdictTag, report.Verdict);
        var modelTag = new KeyValuePair<string, object?>(IoTAnomalyTelemetry.ModelVersionTag, model.Version);
        IoTAnomalyTelemetry.DriftChecks.Add(1, verdictTag, modelTag);
        if (report.IsDrifted)
        {
            IoTAnomalyTelemetry.DriftDetected.Add(1, modelTag);
        }

        foreach (var sensor in report.Sensors)
        {
            var sensorTag = new KeyValuePair<string, object?>(IoTAnomalyTelemetry.SensorTag, sensor.Sensor);
            IoTAnomalyTelemetry.DriftPsi.Record(sensor.Psi, sensorTag, modelTag);
            IoTAnomalyTelemetry.DriftKs.Record(sensor.Ks, sensorTag, modelTag);
            IoTAnomalyTelemetry.DriftJsd.Record(sensor.Jsd, sensorTag, modelTag);
            IoTAnomalyTelemetry.DriftSensorChecks.Add(1, sensorTag, modelTag, new KeyValuePair<string, object?>(IoTAnomalyTelemetry.DriftedTag, sensor.Drifted ? "true" : "false"));
        }

        var worst = report.Sensors.OrderByDescending(s => s.Psi).FirstOrDefault();
        Log.DriftChecked(logger, report.Model, report.ModelVersion, report.Verdict, report.Samples, worst?.Psi ?? 0, worst?.Sensor, report.Prediction.Rate, report.Action);
        return report;
    }
}

/// <summary>Hands the accumulator's current window to the sketch store; what a periodic flusher calls.</summary>
public sealed class DriftSketchFlusher(DriftSketchAccumulator accumulator, IDriftSketchStore store)
{
    private readonly Lock _gate = new();
    private DriftSketchSet? _pending;

    /// <summary>Flushes the current window. On a storage error the window is kept and merged into the next flush.</summary>
    public async Task<DriftSketchSet?> FlushOnceAsync(CancellationToken cancellationToken)
    {
        var snapshot = accumulator.TakeSnapshot();
        DriftSketchSet? toWrite;
        lock (_gate)
        {
            toWrite = _pending;
            _pending = null;
            if (toWrite is null)
            {
                toWrite = snapshot;
            }
            else if (snapshot is not null)
            {
                if (string.Equals(toWrite.ModelVersion, snapshot.ModelVersion, StringComparison.Ordinal))
                {
                    toWrite.Merge(snapshot);
                }
                else
                {
                    toWrite = snapshot; // the champion changed: the older version's window is no longer checked
                }
            }
        }

        if (toWrite is null)
        {
            return null;
        }

        try
        {
            await store.SaveAsync(toWrite, cancellationToken).ConfigureAwait(false);
            return toWrite;
        }
        catch
        {
            lock (_gate)
            {
                _pending = _pending is null ? toWrite : _pending;
            }

            throw;
        }
    }
}
