using System.Collections.Concurrent;
using System.Diagnostics;
using IoTAnomaly.Core.Detection;
using IoTAnomaly.Core.Diagnostics;
using IoTAnomaly.Core.Telemetry;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace IoTAnomaly.Core.Processing;

/// <summary>
/// The one handler every host calls for a batch of telemetry events (the Event Hubs function, the local ingest
/// workers, the CLI replay, the benchmarks): parse → validate → de-duplicate → per-device features → score →
/// anomalies and dead letters to their sinks. Every reading ends as scored or rejected: <c>Received = Scored + Rejected</c>.
/// Safe to call concurrently (per-device state is locked per reading).
/// </summary>
public sealed class TelemetryBatchHandler
{
    private readonly ModelHolder _models;
    private readonly DeviceTable _devices;
    private readonly DuplicateFilter _duplicates;
    private readonly TelemetryParser _parser;
    private readonly IAnomalySink _anomalySink;
    private readonly IDeadLetterSink _deadLetterSink;
    private readonly IReadOnlyList<IScoredBatchObserver> _observers;
    private readonly ScoringOptions _scoring;
    private readonly TimeProvider _time;
    private readonly ILogger<TelemetryBatchHandler> _logger;
    private readonly ConcurrentBag<ReadingBatch> _pool = [];

    /// <summary>Source of <see cref="ReadingBatch.StateMark"/>: unique across handlers, which may share one device table.</summary>
    private static long s_stateMarks;

    public TelemetryBatchHandler(
        ModelHolder models,
        DeviceTable devices,
        DuplicateFilter duplicates,
        TelemetryParser parser,
        IAnomalySink anomalySink,
        IDeadLetterSink deadLetterSink,
        IEnumerable<IScoredBatchObserver> observers,
        IOptions<ScoringOptions> scoring,
        TimeProvider time,
        ILogger<TelemetryBatchHandler> logger)
    {
        _models = models;
        _devices = devices;
        _duplicates = duplicates;
        _parser = parser;
        _anomalySink = anomalySink;
        _deadLetterSink = deadLetterSink;
        _observers = observers.ToArray();
        _scoring = scoring.Value;
        _time = time;
        _logger = logger;
        var gap = _scoring.GapThreshold.Ticks;
        IoTAnomalyTelemetry.TrackDevices(() =>
        {
            var now = _time.GetUtcNow().UtcTicks;
            long known = 0, silent = 0;
            foreach (var device in _devices.Entries)
            {
                known++;
                if (device.LastSeenTicks > 0 && now - device.LastSeenTicks > gap)
                {
                    silent++;
                }
            }

            return (known, silent);
        });
    }

    public DeviceTable Devices => _devices;

    public ModelHolder Models => _models;

    /// <summary>
    /// Handles one batch end to end. Sink writes are retried briefly; if they still fail, the batch's duplicate keys
    /// are forgotten and the exception propagates so the caller can redeliver the whole batch (nothing is lost, and
    /// the redelivery is not mistaken for duplicates).
    /// </summary>
    public async Task<BatchResult> HandleAsync(IReadOnlyList<TelemetryEvent> events, string? partitionId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(events);
        // One trace per batch: ScoreBatch ─┬─ Score (parse, validate, de-duplicate, score) ─ Sink anomalies ─ Sink dead-letters.
        using var activity = IoTAnomalyTelemetry.ActivitySource.StartActivity("ScoreBatch");
        activity?.SetTag(IoTAnomalyTelemetry.PartitionTag, partitionId);
        var started = Stopwatch.GetTimestamp();
        var batch = Rent();
        try
        {
            LoadedModel? model;
            using (IoTAnomalyTelemetry.ActivitySource.StartActivity("Score"))
            {
                model = ProcessCore(events, batch, updateState: true, deduplicate: true, keepUndo: true);
            }

            activity?.SetTag(IoTAnomalyTelemetry.ModelVersionTag, model?.Version);
            activity?.SetTag("batch.size", batch.Count);

            var now = _time.GetUtcNow();
            var anomalies = BuildAnomalies(batch, model, now, partitionId);
            var deadLetters = BuildDeadLetters(batch, events, now, partitionId);
            if (activity is { IsAllDataRequested: true })
            {
                TagBatch(activity, batch, anomalies);
            }

            try
            {
                await WriteWithRetryAsync(() => _anomalySink.WriteAsync(anomalies, cancellationToken), "anomalies", cancellationToken).ConfigureAwait(false);
                await WriteWithRetryAsync(() => _deadLetterSink.WriteAsync(deadLetters, cancellationToken), "dead-letters", cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex)
            {
                activity?.SetStatus(ActivityStatusCode.Error, ex.Message);
                ForgetAccepted(batch);
                UndoDeviceState(batch);
                throw;
            }

            foreach (var observer in _observers)
            {
                observer.OnScored(batch, model);
            }

            var result = Summarize(batch, model, anomalies, deadLetters);
            Record(result, partitionId, Stopwatch.GetElapsedTime(started));
            return result;
        }
        finally
        {
            Return(batch);
        }
    }

    /// <summary>
    /// Parses, validates and scores <paramref name="events"/> into <paramref name="batch"/> without touching any sink:
    /// the allocation-free hot path (also what /api/predict and the benchmarks call). Returns the model used.
    /// </summary>
    /// <param name="updateState">False for ad hoc scoring: per-device state is read-only (a fresh state scores the reading).</param>
    /// <param name="deduplicate">False for ad hoc scoring: the duplicate window is neither checked nor updated.</param>
    public LoadedModel? Process(IReadOnlyList<TelemetryEvent> events, ReadingBatch batch, bool updateState, bool deduplicate)
        => ProcessCore(events, batch, updateState, deduplicate, keepUndo: false);

    /// <param name="keepUndo">
    /// Keep each device's state from before the batch, so <see cref="UndoDeviceState"/> can put it back when the
    /// batch's results cannot be stored (only <see cref="HandleAsync"/> writes sinks, so only it pays for the copy).
    /// </param>
    private LoadedModel? ProcessCore(IReadOnlyList<TelemetryEvent> events, ReadingBatch batch, bool updateState, bool deduplicate, bool keepUndo)
    {
        ArgumentNullException.ThrowIfNull(events);
        ArgumentNullException.ThrowIfNull(batch);
        var model = _models.Current;
        if (model is null)
        {
            // Nothing can be validated against sensors yet: reject everything as "model not loaded", losslessly.
            ParseWithoutModel(events, batch);
            return null;
        }

        var detector = model.Detector;
        var schema = SensorSchema.For(detector);
        batch.Reset(schema.Count);
        var nowTicks = _time.GetUtcNow().UtcTicks;
        for (var e = 0; e < events.Count; e++)
        {
            var telemetryEvent = events[e];
            _parser.Parse(telemetryEvent, e, schema, _devices, batch, nowTicks);
        }

        Score(batch, model, schema, nowTicks, updateState, deduplicate, updateState && keepUndo);
        return model;
    }

    private void Score(ReadingBatch batch, LoadedModel model, SensorSchema schema, long nowTicks, bool updateState, bool deduplicate, bool keepUndo)
    {
        var detector = model.Detector;
        var specs = model.Manifest.Sensors;
        var sensorCount = schema.Count;
        Span<double> lowRange = stackalloc double[sensorCount];
        Span<double> highRange = stackalloc double[sensorCount];
        for (var s = 0; s < sensorCount; s++)
        {
            var spec = FindSpec(specs, schema.Names[s]);
            var width = spec is null ? double.PositiveInfinity : Math.Max(spec.TrainMax - spec.TrainMin, 1e-9);
            lowRange[s] = spec is null ? double.NegativeInfinity : spec.TrainMin - (_scoring.OutOfRangeMargin * width);
            highRange[s] = spec is null ? double.PositiveInfinity : spec.TrainMax + (_scoring.OutOfRangeMargin * width);
        }

        if (deduplicate)
        {
            for (var row = 0; row < batch.Count; row++)
            {
                if (batch.Reasons[row] == RejectReason.None)
                {
                    _duplicates.Prefetch(batch.MessageKeys[row]);
                }
            }
        }

        var scored = 0;
        var rejected = 0;
        var anomalies = 0;
        var gapTicks = _scoring.GapThreshold.Ticks;
        var mark = keepUndo ? batch.StateMark = Interlocked.Increment(ref s_stateMarks) : 0;
        for (var row = 0; row < batch.Count; row++)
        {
            if (batch.Reasons[row] != RejectReason.None)
            {
                rejected++;
                continue;
            }

            if (deduplicate && !_duplicates.TryAdd(batch.MessageKeys[row]))
            {
                batch.Reasons[row] = RejectReason.DuplicateMessage;
                batch.Details[row] = "This device id and message id were already accepted within the duplicate window.";
                batch.RawPayloads[row] = null;
                rejected++;
                continue;
            }

            var device = batch.Devices[row]!;
            var values = batch.GetValues(row);
            var contributions = batch.GetContributions(row);
            DetectorScore score;
            var quality = QualityFlags.None;
            if (updateState)
            {
                lock (device.Gate)
                {
                    if (mark != 0 && device.UndoMark != mark)
                    {
                        (device.Undo ??= new DeviceUndo()).Save(device);
                        device.UndoMark = mark;
                    }

                    if (device.DetectorState is null || !ReferenceEquals(device.DetectorStateVersion, model.Version))
                    {
                        device.DetectorState = detector.CreateDeviceState();
                        device.DetectorStateVersion = model.Version;
                    }

                    score = detector.Score(values, device.DetectorState, contributions);
                    quality = UpdateQuality(device, values, batch.TimestampTicks[row], gapTicks, lowRange, highRange);
                    device.LastTimestampTicks = Math.Max(device.LastTimestampTicks, batch.TimestampTicks[row]);
                    device.LastSeenTicks = nowTicks;
                    device.Scored++;
                    device.LastScore = score.Score;
                    var flagged = score.IsAnomaly || (quality & (QualityFlags.StuckSensor | QualityFlags.OutOfRange)) != 0;
                    device.LastIsAnomaly = flagged;
                    if (flagged)
                    {
                        device.Anomalies++;
                    }
                }
            }
            else
            {
                // What-if: against a copy of the device's current state when it has one for this model (its history,
                // smoothing and baseline, left unchanged), else a fresh state (the fleet model alone).
                DeviceDetectorState? snapshot = null;
                lock (device.Gate)
                {
                    if (device.DetectorState is { } current && ReferenceEquals(device.DetectorStateVersion, model.Version))
                    {
                        snapshot = current.Snapshot();
                    }
                }

                score = detector.Score(values, snapshot ?? detector.CreateDeviceState(), contributions);
                for (var s = 0; s < sensorCount; s++)
                {
                    if (values[s] < lowRange[s] || values[s] > highRange[s])
                    {
                        quality |= QualityFlags.OutOfRange;
                    }
                }
            }

            if (!score.IsAnomaly && (quality & (QualityFlags.StuckSensor | QualityFlags.OutOfRange)) != 0)
            {
                score = score with { IsAnomaly = true, Severity = score.Severity == Severity.None ? Severity.Low : score.Severity };
            }

            batch.Scores[row] = score;
            batch.Quality[row] = quality;
            scored++;
            if (score.IsAnomaly)
            {
                anomalies++;
            }
        }

        batch.ScoredCount = scored;
        batch.RejectedCount = rejected;
        batch.AnomalyCount = anomalies;
    }

    private static Models.SensorSpec? FindSpec(IReadOnlyList<Models.SensorSpec> specs, string name)
    {
        for (var i = 0; i < specs.Count; i++)
        {
            if (string.Equals(specs[i].Name, name, StringComparison.Ordinal))
            {
                return specs[i];
            }
        }

        return null;
    }

    private QualityFlags UpdateQuality(DeviceEntry device, ReadOnlySpan<double> values, long timestampTicks, long gapTicks, ReadOnlySpan<double> low, ReadOnlySpan<double> high)
    {
        var flags = QualityFlags.None;
        if (device.LastTimestampTicks > 0 && timestampTicks - device.LastTimestampTicks > gapTicks)
        {
            flags |= QualityFlags.Gap;
        }

        var last = device.LastValues;
        var runs = device.FlatRuns;
        if (last is null || last.Length != values.Length || runs is null)
        {
            last = device.LastValues = new double[values.Length];
            runs = device.FlatRuns = new int[values.Length];
            values.CopyTo(last);
        }
        else
        {
            for (var s = 0; s < values.Length; s++)
            {
                // Exact equality on purpose: a stuck sensor repeats its last value bit for bit.
#pragma warning disable S1244
                runs[s] = values[s] == last[s] ? runs[s] + 1 : 0;
#pragma warning restore S1244
                last[s] = values[s];
                if (runs[s] + 1 >= _scoring.StuckRunLength)
                {
                    flags |= QualityFlags.StuckSensor;
                }
            }
        }

        for (var s = 0; s < values.Length; s++)
        {
            if (values[s] < low[s] || values[s] > high[s])
            {
                flags |= QualityFlags.OutOfRange;
                break;
            }
        }

        return flags;
    }

    private void ParseWithoutModel(IReadOnlyList<TelemetryEvent> events, ReadingBatch batch)
    {
        // Count readings with a permissive schema-free pass: every top-level reading becomes one "model-not-loaded" row.
        var schema = NoModelSchema;
        batch.Reset(schema.Count);
        var nowTicks = _time.GetUtcNow().UtcTicks;
        for (var e = 0; e < events.Count; e++)
        {
            _parser.Parse(events[e], e, schema, _devices, batch, nowTicks);
        }

        var rejected = 0;
        for (var row = 0; row < batch.Count; row++)
        {
            if (batch.Reasons[row] is RejectReason.None or RejectReason.UnknownSensor or RejectReason.MissingSensorValue)
            {
                batch.Reasons[row] = RejectReason.ModelNotLoaded;
                batch.Details[row] = "No model is loaded yet; the reading is kept here for replay.";
            }

            rejected++;
        }

        batch.RejectedCount = rejected;
    }

    private static readonly SensorSchema NoModelSchema = new(["__no_model__"]);

    private List<AnomalyRecord> BuildAnomalies(ReadingBatch batch, LoadedModel? model, DateTimeOffset now, string? partitionId)
    {
        var list = new List<AnomalyRecord>(batch.AnomalyCount);
        if (model is null || batch.AnomalyCount == 0)
        {
            return list;
        }

        var names = SensorSchema.For(model.Detector).Names;
        var top = Math.Min(_scoring.TopContributors, names.Length);
        for (var row = 0; row < batch.Count; row++)
        {
            if (batch.Reasons[row] != RejectReason.None || !batch.Scores[row].IsAnomaly)
            {
                continue;
            }

            var score = batch.Scores[row];
            list.Add(new AnomalyRecord(
                batch.Devices[row]!.Id,
                batch.GetMessageId(row),
                batch.GetTimestamp(row) ?? now,
                model.Version,
                score.Score,
                score.T2,
                score.Q,
                score.Severity,
                TopContributors(batch.GetContributions(row), batch.GetValues(row), names, top),
                batch.Quality[row],
                now,
                partitionId));
        }

        return list;
    }

    /// <summary>The <paramref name="count"/> sensors with the largest contribution, largest first.</summary>
    public static IReadOnlyList<SensorContribution> TopContributors(ReadOnlySpan<double> contributions, ReadOnlySpan<double> values, IReadOnlyList<string> names, int count)
    {
        var picked = new List<SensorContribution>(count);
        Span<bool> used = stackalloc bool[contributions.Length];
        for (var k = 0; k < count; k++)
        {
            var best = -1;
            for (var s = 0; s < contributions.Length; s++)
            {
                if (!used[s] && (best < 0 || contributions[s] > contributions[best]))
                {
                    best = s;
                }
            }

            if (best < 0)
            {
                break;
            }

            used[best] = true;
            picked.Add(new SensorContribution(names[best], Math.Round(contributions[best], 4), values[best]));
        }

        return picked;
    }

    private static List<DeadLetterRecord> BuildDeadLetters(ReadingBatch batch, IReadOnlyList<TelemetryEvent> events, DateTimeOffset now, string? partitionId)
    {
        var list = new List<DeadLetterRecord>(batch.RejectedCount);
        for (var row = 0; row < batch.Count; row++)
        {
            var reason = batch.Reasons[row];
            if (reason == RejectReason.None)
            {
                continue;
            }

            var eventIndex = batch.EventIndexes[row];
            var payload = batch.RawPayloads[row] ?? (reason == RejectReason.DuplicateMessage ? "(duplicate of an accepted reading; payload not repeated)" : string.Empty);
            list.Add(new DeadLetterRecord(
                reason.ToCode(),
                batch.Details[row] ?? reason.ToCode(),
                batch.GetDeviceId(row),
                batch.GetMessageId(row),
                payload,
                now,
                partitionId,
                eventIndex < events.Count ? events[eventIndex].SequenceNumber : null,
                batch.PositionsInEvent[row]));
        }

        return list;
    }

    private static BatchResult Summarize(ReadingBatch batch, LoadedModel? model, List<AnomalyRecord> anomalies, List<DeadLetterRecord> deadLetters)
    {
        var byReason = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var record in deadLetters)
        {
            byReason[record.Reason] = byReason.GetValueOrDefault(record.Reason) + 1;
        }

        return new BatchResult
        {
            Received = batch.Count,
            Scored = batch.ScoredCount,
            Rejected = batch.RejectedCount,
            ModelVersion = model?.Version,
            Anomalies = anomalies,
            DeadLetters = deadLetters,
            RejectedByReason = byReason,
        };
    }

    /// <summary>
    /// Puts back every device's state from before <paramref name="batch"/> was scored: its results were not stored,
    /// so the batch will be delivered again, and scoring it again must start from the same state (the smoothing
    /// windows, the device baseline, the stuck-sensor runs and the counters would otherwise take its readings twice).
    /// </summary>
    private static void UndoDeviceState(ReadingBatch batch)
    {
        var mark = batch.StateMark;
        if (mark == 0)
        {
            return;
        }

        for (var row = 0; row < batch.Count; row++)
        {
            if (batch.Reasons[row] != RejectReason.None || batch.Devices[row] is not { } device)
            {
                continue;
            }

            lock (device.Gate)
            {
                if (device.UndoMark == mark)
                {
                    device.Undo!.Restore(device);
                    device.UndoMark = 0;
                }
            }
        }

        batch.StateMark = 0;
    }

    private void ForgetAccepted(ReadingBatch batch)
    {
        for (var row = 0; row < batch.Count; row++)
        {
            if (batch.Reasons[row] == RejectReason.None)
            {
                _duplicates.Remove(batch.MessageKeys[row]);
            }
        }
    }

    /// <summary>
    /// A batch holds readings of many devices, so the device ids go on the batch span as the <c>device.id</c> array
    /// (distinct, in batch order, at most <see cref="MaxTracedDevices"/>; <c>device.count</c> has the full number), and
    /// each anomaly is a span event <c>anomaly</c> with its own <c>device.id</c>, severity, score and top sensors
    /// (at most <see cref="MaxTracedAnomalies"/>). Only when the span is recorded, so the untraced path pays nothing.
    /// </summary>
    private static void TagBatch(Activity activity, ReadingBatch batch, List<AnomalyRecord> anomalies)
    {
        var devices = new HashSet<string>(StringComparer.Ordinal);
        var listed = new List<string>();
        for (var row = 0; row < batch.Count; row++)
        {
            if (batch.GetDeviceId(row) is { } id && devices.Add(id) && listed.Count < MaxTracedDevices)
            {
                listed.Add(id);
            }
        }

        activity.SetTag(IoTAnomalyTelemetry.DeviceIdTag, listed.ToArray());
        activity.SetTag("device.count", devices.Count);
        activity.SetTag("readings.scored", batch.ScoredCount);
        activity.SetTag("readings.rejected", batch.RejectedCount);
        activity.SetTag("anomalies", anomalies.Count);
        for (var i = 0; i < anomalies.Count && i < MaxTracedAnomalies; i++)
        {
            var anomaly = anomalies[i];
            activity.AddEvent(new ActivityEvent("anomaly", anomaly.DetectedAt, new ActivityTagsCollection
            {
                [IoTAnomalyTelemetry.DeviceIdTag] = anomaly.DeviceId,
                ["message.id"] = anomaly.MessageId,
                [IoTAnomalyTelemetry.SeverityTag] = anomaly.Severity.ToString(),
                ["score"] = anomaly.Score,
                ["top.sensors"] = anomaly.TopContributors.Select(c => c.Sensor).ToArray(),
            }));
        }
    }

    /// <summary>Device ids listed on one batch span.</summary>
    public const int MaxTracedDevices = 64;

    /// <summary>Anomaly events on one batch span.</summary>
    public const int MaxTracedAnomalies = 100;

    private async Task WriteWithRetryAsync(Func<Task> write, string sink, CancellationToken cancellationToken)
    {
        using var span = IoTAnomalyTelemetry.ActivitySource.StartActivity("Sink " + sink);
        span?.SetTag("sink", sink);
        const int attempts = 3;
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await write().ConfigureAwait(false);
                return;
            }
            catch (Exception ex) when (attempt < attempts && ex is not OperationCanceledException)
            {
                IoTAnomalyTelemetry.SinkFailures.Add(1, new KeyValuePair<string, object?>("sink", sink));
                Log.SinkWriteRetry(_logger, sink, attempt, ex);
                await Task.Delay(TimeSpan.FromMilliseconds(100 * attempt), _time, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    private static void Record(BatchResult result, string? partitionId, TimeSpan elapsed)
    {
        var modelTag = new KeyValuePair<string, object?>(IoTAnomalyTelemetry.ModelVersionTag, result.ModelVersion);
        IoTAnomalyTelemetry.ReadingsReceived.Add(result.Received);
        IoTAnomalyTelemetry.ReadingsScored.Add(result.Scored, modelTag);
        foreach (var (reason, count) in result.RejectedByReason)
        {
            IoTAnomalyTelemetry.ReadingsRejected.Add(count, new KeyValuePair<string, object?>(IoTAnomalyTelemetry.ReasonTag, reason));
        }

        foreach (var anomaly in result.Anomalies)
        {
            IoTAnomalyTelemetry.Anomalies.Add(
                1,
                new KeyValuePair<string, object?>(IoTAnomalyTelemetry.DeviceIdTag, anomaly.DeviceId),
                new KeyValuePair<string, object?>(IoTAnomalyTelemetry.SeverityTag, anomaly.Severity.ToString()),
                modelTag);
        }

        IoTAnomalyTelemetry.BatchDuration.Record(elapsed.TotalMilliseconds, new KeyValuePair<string, object?>(IoTAnomalyTelemetry.PartitionTag, partitionId));
    }

    private ReadingBatch Rent() => _pool.TryTake(out var batch) ? batch : new ReadingBatch();

    private void Return(ReadingBatch batch)
    {
        if (_pool.Count < 64)
        {
            _pool.Add(batch);
        }
    }
}

/// <summary>Sees every scored batch after its sinks succeeded (drift sketches, dashboards, run summaries).</summary>
public interface IScoredBatchObserver
{
    /// <summary>Called synchronously; must be quick and must not keep a reference to <paramref name="batch"/>.</summary>
    void OnScored(ReadingBatch batch, LoadedModel? model);
}
