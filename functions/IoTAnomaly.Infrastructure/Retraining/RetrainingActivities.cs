using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using IoTAnomaly.Core.Capture;
using IoTAnomaly.Core.Detection;
using IoTAnomaly.Core.Models;
using IoTAnomaly.Core.Processing;
using IoTAnomaly.Core.Retraining;
using IoTAnomaly.Core.Serialization;
using IoTAnomaly.Core.Telemetry;
using IoTAnomaly.Infrastructure.Diagnostics;
using IoTAnomaly.Infrastructure.Sinks;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace IoTAnomaly.Infrastructure.Retraining;

/// <summary>
/// The one implementation of the retraining steps, called by the local runner and by the Durable activity functions.
/// Staging in the retraining container: <c>datasets/{instanceId}-{requestedAt:yyyyMMddTHHmmss}.bin</c> (see
/// <see cref="TrainingDataset"/>) and <c>bundles/{version}/model.zip</c> + <c>manifest.json</c>. Every step is
/// idempotent (an activity may be retried): staged names are deterministic, the challenger's version derives from
/// the request time and the data, and registration/promotion recognise their own earlier success.
/// </summary>
public sealed class RetrainingActivities : IRetrainingActivities
{
    /// <summary>System/application property carrying the IoT Hub device id of a captured event.</summary>
    public const string DeviceIdProperty = "iothub-connection-device-id";

    private const string DatasetsFolder = "datasets/";
    private const string BundlesFolder = "bundles/";
    private const int DrainRows = 2048;

    private readonly IModelRegistry _registry;
    private readonly ICaptureReader _capture;
    private readonly IDetectorFactory _detectors;
    private readonly ContainerWriter _staging;
    private readonly BlobContainerClient _anomalies;
    private readonly RetrainingDataOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;

    /// <param name="registry">The model registry (champion, registration, promotion, audit).</param>
    /// <param name="capture">The captured events (training history).</param>
    /// <param name="detectors">Builds detectors of the challenger and the champion for the evaluation.</param>
    /// <param name="retrainingContainer">The retraining container (staged datasets and bundles).</param>
    /// <param name="anomaliesContainer">The anomalies container (<see cref="BlobAnomalySink"/>'s layout).</param>
    /// <param name="options">Window rules; null uses the defaults.</param>
    /// <param name="time">Clock for audit entries only; null uses the system clock.</param>
    /// <param name="logger">Logger; null logs nothing.</param>
    /// <param name="createContainer">Create the retraining container on the first write when it is missing.</param>
    public RetrainingActivities(
        IModelRegistry registry,
        ICaptureReader capture,
        IDetectorFactory detectors,
        BlobContainerClient retrainingContainer,
        BlobContainerClient anomaliesContainer,
        RetrainingDataOptions? options = null,
        TimeProvider? time = null,
        ILogger<RetrainingActivities>? logger = null,
        bool createContainer = true)
    {
        _registry = registry ?? throw new ArgumentNullException(nameof(registry));
        _capture = capture ?? throw new ArgumentNullException(nameof(capture));
        _detectors = detectors ?? throw new ArgumentNullException(nameof(detectors));
        _staging = new ContainerWriter(retrainingContainer, createContainer);
        _anomalies = anomaliesContainer ?? throw new ArgumentNullException(nameof(anomaliesContainer));
        _options = options ?? new RetrainingDataOptions();
        _time = time ?? TimeProvider.System;
        _logger = (ILogger?)logger ?? NullLogger.Instance;
    }

    /// <summary><c>datasets/{instanceId}-{requestedAt:yyyyMMddTHHmmss}.bin</c>.</summary>
    public static string DatasetName(RetrainingRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        return $"{DatasetsFolder}{request.InstanceId}-{request.RequestedAt.UtcDateTime.ToString("yyyyMMdd'T'HHmmss", CultureInfo.InvariantCulture)}.bin";
    }

    /// <summary><c>bundles/{version}</c> (holding <c>model.zip</c> and <c>manifest.json</c>).</summary>
    public static string BundleId(string version) => BundlesFolder + version;

    /// <summary>The actor recorded in the registry for a run.</summary>
    public static string Actor(RetrainingRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        return "retraining:" + request.InstanceId;
    }

    public async Task<TrainingWindowRef> LoadTrainingWindowAsync(RetrainingRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var from = request.RequestedAt - request.LookBack;
        var to = request.RequestedAt;
        var datasetId = DatasetName(request);
        var pointer = await _registry.GetPointerAsync(request.Model, ModelRole.Champion, cancellationToken);
        if (pointer is null)
        {
            await StageDatasetAsync(datasetId, new TrainingDataset([], [], 0), cancellationToken);
            return Finish(request, new TrainingWindowRef(datasetId, 0, 0, 0, 0, 0, from, to, null,
                $"Model '{request.Model}' has no champion, so there is no sensor schema to read the capture with; nothing to train on."));
        }

        var champion = (await _registry.DownloadAsync(request.Model, pointer.Version, cancellationToken)).Manifest;
        var names = champion.Sensors.Select(s => s.Name).ToArray();
        var schema = new SensorSchema(names, champion.Sensors.Select(s => s.PhysicalMin).ToArray(), champion.Sensors.Select(s => s.PhysicalMax).ToArray());
        var readings = await ReadCaptureAsync(schema, from, to, request.RequestedAt, cancellationToken);

        // Time order (capture order among equal timestamps).
        var n = readings.Count;
        var order = Enumerable.Range(0, n).ToArray();
        Array.Sort(order, (a, b) => readings.Ticks[a] != readings.Ticks[b] ? readings.Ticks[a].CompareTo(readings.Ticks[b]) : a.CompareTo(b));

        var (excluded, excludedCount, exclusionNote) = await ExcludeAnomaliesAsync(request, readings, pointer.Version, cancellationToken);
        var d = names.Length;
        var keptOrder = order.Where(i => !excluded[i]).ToArray();
        var kept = keptOrder.Length;
        var holdout = (long)Math.Round(kept * request.HoldoutFraction, MidpointRounding.AwayFromZero);
        var training = kept - holdout;

        // The split is by time (training before holdout); inside each part rows are grouped by device, time order
        // within a device, so a model's per-stream state (smoothing, offsets) follows one device as when it scores.
        var grouped = DeviceGrouped(keptOrder[..(int)training], readings.Devices)
            .Concat(DeviceGrouped(keptOrder[(int)training..], readings.Devices))
            .ToArray();
        var values = new double[checked(kept * d)];
        var segments = new List<int>();
        for (var at = 0; at < grouped.Length; at++)
        {
            var i = grouped[at];
            readings.Values.AsSpan(i * d, d).CopyTo(values.AsSpan(at * d, d));
            if (at == 0 || at == training || readings.Devices[i] != readings.Devices[grouped[at - 1]])
            {
                segments.Add(0);
            }

            segments[^1]++;
        }

        await StageDatasetAsync(datasetId, new TrainingDataset(names, values, training, segments), cancellationToken);
        var note = string.Create(
            CultureInfo.InvariantCulture,
            $"Read {readings.Events} captured events of [{from:O}, {to:O}): {n} valid readings, {readings.Rejected} rejected, {readings.Duplicates} duplicates. {exclusionNote}");
        return Finish(request, new TrainingWindowRef(datasetId, kept, training, holdout, excludedCount, readings.Rejected + readings.Duplicates, from, to, pointer.Version, note));
    }

    public async Task<ChallengerRef> TrainChallengerAsync(RetrainingRequest request, TrainingWindowRef window, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(window);
        var dataset = await LoadDatasetAsync(window.DatasetId, cancellationToken);
        var champion = window.ChampionVersion is null ? null : (await _registry.DownloadAsync(request.Model, window.ChampionVersion, cancellationToken)).Manifest;
        var bounds = champion is null ? null : dataset.Sensors.Select(name => champion.Sensors.First(s => s.Name == name)).Select(s => new SensorBounds(s.PhysicalMin, s.PhysicalMax)).ToArray();
        var trainingRequest = new PcaTrainingRequest
        {
            ModelName = request.Model,
            Sensors = dataset.Sensors,
            Rows = dataset.Training,
            CreatedAt = request.RequestedAt,
            Source = string.Create(CultureInfo.InvariantCulture, $"capture:{window.From:O}..{window.To:O} ({window.DatasetId}, {window.ExcludedAnomalies} anomalies excluded)"),
            From = window.From,
            To = window.To,
            PhysicalBounds = bounds,
        };

        var stopwatch = Stopwatch.StartNew();
        var trainer = TrainerFor(champion);
        var result = await Task.Run(() => trainer.Train(trainingRequest), cancellationToken);
        Log.ChallengerTrained(_logger, request.InstanceId, result.Manifest.Version, dataset.TrainingRows, stopwatch.ElapsedMilliseconds);

        var manifest = result.Manifest;
        manifest.ModelSha256 = Sha256(result.ModelZip);
        var bundleId = BundleId(manifest.Version);
        await _staging.UploadAsync(bundleId + "/model.zip", BinaryData.FromBytes(result.ModelZip), new BlobUploadOptions { HttpHeaders = new BlobHttpHeaders { ContentType = "application/zip" } }, cancellationToken);
        await _staging.UploadAsync(
            bundleId + "/manifest.json",
            BinaryData.FromBytes(JsonSerializer.SerializeToUtf8Bytes(manifest, CoreJsonContext.Default.ModelManifest)),
            new BlobUploadOptions { HttpHeaders = new BlobHttpHeaders { ContentType = "application/json" } },
            cancellationToken);
        return new ChallengerRef(request.Model, manifest.Version, bundleId, window.ChampionVersion);
    }

    public async Task<EvaluationResult> EvaluateAsync(RetrainingRequest request, TrainingWindowRef window, ChallengerRef challenger, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(window);
        ArgumentNullException.ThrowIfNull(challenger);
        var dataset = await LoadDatasetAsync(window.DatasetId, cancellationToken);
        var challengerDetector = _detectors.Create(await LoadStagedBundleAsync(challenger.StagedBundleId, cancellationToken));
        var challengerEvaluation = Evaluate(challengerDetector, dataset, request.Seed);
        ModelEvaluation? championEvaluation = null;
        if (challenger.ChampionVersion is { } championVersion)
        {
            var championDetector = _detectors.Create(await _registry.DownloadAsync(request.Model, championVersion, cancellationToken));
            championEvaluation = Evaluate(championDetector, dataset, request.Seed);
        }

        var result = ChallengerEvaluator.Compare(challengerEvaluation, championEvaluation, request.PromotionMargin, request.MaxFalseAlarmRate);
        Log.ChallengerEvaluated(_logger, request.InstanceId, result.Summary, result.ChallengerBetter);
        return result;
    }

    public async Task RegisterChallengerAsync(RetrainingRequest request, ChallengerRef challenger, EvaluationResult evaluation, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(challenger);
        ArgumentNullException.ThrowIfNull(evaluation);
        var bundle = await LoadStagedBundleAsync(challenger.StagedBundleId, cancellationToken);
        var manifest = bundle.Manifest;
        AddMetrics(manifest.Metrics, "evaluation.", evaluation.Challenger);
        if (evaluation.Champion is { } champion)
        {
            AddMetrics(manifest.Metrics, "evaluation.champion.", champion);
        }

        var actor = Actor(request);
        try
        {
            await _registry.RegisterAsync(manifest, bundle.ModelZip, actor, cancellationToken);
        }
        catch (ModelRegistryConflictException)
        {
            // A retried activity: fine when the registered version holds exactly this bundle.
            var existing = await _registry.DownloadAsync(request.Model, challenger.Version, cancellationToken);
            if (!string.Equals(Sha256(existing.ModelZip.Span), Sha256(bundle.ModelZip.Span), StringComparison.Ordinal))
            {
                throw;
            }

            Log.ChallengerAlreadyRegistered(_logger, request.InstanceId, challenger.Version);
        }

        await _registry.SetChallengerAsync(request.Model, challenger.Version, "Retrained (" + request.Reason + "): " + evaluation.Summary, actor, cancellationToken);
    }

    public async Task<string> PromoteAsync(RetrainingRequest request, ChallengerRef challenger, string reason, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(challenger);
        var pointer = await _registry.GetPointerAsync(request.Model, ModelRole.Champion, cancellationToken);
        if (pointer is not null && pointer.Version == challenger.Version)
        {
            return pointer.Version; // already promoted (a retried activity)
        }

        if (!string.Equals(pointer?.Version, challenger.ChampionVersion, StringComparison.Ordinal))
        {
            Log.PromotionChampionChanged(_logger, request.InstanceId, challenger.Version, challenger.ChampionVersion, pointer?.Version);
            throw new ModelRegistryConflictException(
                $"Not promoting challenger '{challenger.Version}' of model '{request.Model}': it was evaluated against champion " +
                $"'{challenger.ChampionVersion ?? "(none)"}', but the champion is now '{pointer?.Version ?? "(none)"}'. Start a new retraining run.");
        }

        var promoted = await _registry.PromoteAsync(request.Model, challenger.Version, reason, Actor(request), pointer?.ETag, cancellationToken);
        Log.ChallengerPromoted(_logger, request.InstanceId, promoted.Version, pointer?.Version);
        return promoted.Version;
    }

    public async Task RejectAsync(RetrainingRequest request, ChallengerRef challenger, string reason, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(challenger);
        var actor = Actor(request);
        var log = await _registry.GetAuditLogAsync(request.Model, cancellationToken);
        if (!log.Any(e => e.Action == "reject" && e.Version == challenger.Version && e.Actor == actor))
        {
            await _registry.AppendAuditAsync(
                new AuditEntry
                {
                    At = _time.GetUtcNow(),
                    Model = request.Model,
                    Action = "reject",
                    Version = challenger.Version,
                    PreviousVersion = challenger.ChampionVersion,
                    Reason = reason,
                    Actor = actor,
                },
                cancellationToken);
            Log.ChallengerRejected(_logger, request.InstanceId, challenger.Version, reason);
        }

        // A retried activity finds the slot already empty (or holding a newer challenger) and changes nothing.
        await _registry.ClearChallengerAsync(request.Model, challenger.Version, "rejected: " + reason, actor, cancellationToken);
    }

    /// <summary>Reads a staged dataset.</summary>
    public async Task<TrainingDataset> LoadDatasetAsync(string datasetId, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(datasetId);
        if (!datasetId.StartsWith(DatasetsFolder, StringComparison.Ordinal) || datasetId.Contains("..", StringComparison.Ordinal))
        {
            throw new ArgumentException($"'{datasetId}' is not a staged dataset id.", nameof(datasetId));
        }

        var content = await _staging.TryDownloadAsync(datasetId, cancellationToken)
            ?? throw new InvalidOperationException($"The staged dataset {_staging.Container.Name}/{datasetId} does not exist (any more); start a new run.");
        return TrainingDataset.FromBytes(content.Content.ToMemory().Span);
    }

    /// <summary>Reads a staged challenger bundle.</summary>
    public async Task<ModelBundle> LoadStagedBundleAsync(string bundleId, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(bundleId);
        if (!bundleId.StartsWith(BundlesFolder, StringComparison.Ordinal) || bundleId.Contains("..", StringComparison.Ordinal))
        {
            throw new ArgumentException($"'{bundleId}' is not a staged bundle id.", nameof(bundleId));
        }

        var manifestContent = await _staging.TryDownloadAsync(bundleId + "/manifest.json", cancellationToken);
        var zipContent = await _staging.TryDownloadAsync(bundleId + "/model.zip", cancellationToken);
        if (manifestContent is null || zipContent is null)
        {
            throw new InvalidOperationException($"The staged bundle {_staging.Container.Name}/{bundleId} is incomplete or gone; start a new run.");
        }

        var manifest = JsonSerializer.Deserialize(manifestContent.Content.ToMemory().Span, CoreJsonContext.Default.ModelManifest)
            ?? throw new InvalidDataException($"The staged manifest of {bundleId} holds JSON null.");
        return new ModelBundle(manifest, zipContent.Content.ToMemory());
    }

    /// <summary>Indices of <paramref name="part"/> (in time order) grouped by device id, keeping time order within a device (a stable sort).</summary>
    private static IEnumerable<int> DeviceGrouped(int[] part, List<string> devices)
        => part.OrderBy(i => devices[i], StringComparer.Ordinal);

    /// <summary>The champion's model type and settings (so the challenger differs by its data only); the default type otherwise.</summary>
    internal static IDetectorTrainer TrainerFor(ModelManifest? champion) => DetectorTrainers.For(champion);

    private TrainingWindowRef Finish(RetrainingRequest request, TrainingWindowRef window)
    {
        Log.TrainingWindowLoaded(_logger, request.InstanceId, window.DatasetId, window.Rows, window.TrainingRows, window.HoldoutRows, window.ExcludedAnomalies, window.ExcludedRejected, window.Note);
        return window;
    }

    private async Task<CapturedReadings> ReadCaptureAsync(SensorSchema schema, DateTimeOffset from, DateTimeOffset to, DateTimeOffset requestedAt, CancellationToken cancellationToken)
    {
        // History is old by design: no age limit; the clock of the window check is the request time, not this host's.
        var parser = new TelemetryParser(new TelemetryOptions { MaxAge = TimeSpan.MaxValue, MaxFutureSkew = TimeSpan.FromDays(1), MaxDevices = 10_000_000 });
        var devices = new DeviceTable(10_000_000);
        var batch = new ReadingBatch(DrainRows);
        batch.Reset(schema.Count);
        var readings = new CapturedReadings(schema.Count);
        var nowTicks = requestedAt.UtcTicks;
        var eventIndex = 0;
        await foreach (var e in _capture.ReadAsync(from, to, cancellationToken))
        {
            var telemetryEvent = new TelemetryEvent(e.Body, Property(e, DeviceIdProperty), e.SequenceNumber, e.EnqueuedTimeUtc, Property(e, "message-id") ?? Property(e, "MessageId"));
            parser.Parse(telemetryEvent, eventIndex++, schema, devices, batch, nowTicks);
            readings.Events++;
            if (batch.Count >= DrainRows)
            {
                readings.Drain(batch);
            }
        }

        readings.Drain(batch);
        return readings;
    }

    private static string? Property(CapturedEvent e, string key)
        => e.SystemProperties.TryGetValue(key, out var value) || e.Properties.TryGetValue(key, out value) ? value : null;

    /// <summary>Marks the readings to leave out of training per the exclusion rule.</summary>
    private async Task<(bool[] Excluded, int Count, string Note)> ExcludeAnomaliesAsync(RetrainingRequest request, CapturedReadings readings, string championVersion, CancellationToken cancellationToken)
    {
        var n = readings.Count;
        var excluded = new bool[n];
        if (n == 0)
        {
            return (excluded, 0, "No readings to exclude.");
        }

        var stored = await new BlobAnomalySink(_anomalies, createContainer: false).ReadAllAsync(
            new DateTimeOffset(readings.Ticks.Min(), TimeSpan.Zero), new DateTimeOffset(readings.Ticks.Max(), TimeSpan.Zero), cancellationToken);
        var flagged = new List<(int Index, AnomalyRecord Record)>();
        for (var i = 0; i < n && stored.Count > 0; i++)
        {
            if (stored.TryGetValue((readings.Devices[i], readings.MessageIds[i]), out var record))
            {
                flagged.Add((i, record));
            }
        }

        var share = (double)flagged.Count / n;
        var limit = _options.MaxAnomalyExclusionShare;
        if (share <= limit)
        {
            foreach (var (index, _) in flagged)
            {
                excluded[index] = true;
            }

            return (excluded, flagged.Count, string.Create(
                CultureInfo.InvariantCulture,
                $"Excluded the {flagged.Count} readings ({share:P1}) the champion {championVersion} recorded as anomalies."));
        }

        // The champion flags too much of the window to be trusted about what is normal now (drift): keep its
        // model-based flags and drop only what the data-quality rules flagged. A stuck sensor is a fault whatever the
        // model; "out of range" is measured against the champion's training range, so under drift it flags the new
        // normal as well: those readings are dropped only while they too stay within the limit.
        Log.AnomalyExclusionFallback(_logger, request.InstanceId, share, limit);
        var stuck = new List<int>();
        var outOfRange = new List<int>();
        foreach (var (index, record) in flagged)
        {
            if ((record.Quality & QualityFlags.StuckSensor) != 0)
            {
                stuck.Add(index);
            }
            else if ((record.Quality & QualityFlags.OutOfRange) != 0)
            {
                outOfRange.Add(index);
            }
        }

        var outOfRangeShare = (double)outOfRange.Count / n;
        var dropOutOfRange = outOfRangeShare <= limit;
        foreach (var index in dropOutOfRange ? stuck.Concat(outOfRange) : stuck)
        {
            excluded[index] = true;
        }

        var count = stuck.Count + (dropOutOfRange ? outOfRange.Count : 0);
        var rangeNote = dropOutOfRange
            ? string.Empty
            : string.Create(
                CultureInfo.InvariantCulture,
                $" The {outOfRange.Count} readings ({outOfRangeShare:P1}) outside the champion's training range were kept too: that many is the drift itself, not faults.");
        return (excluded, count, string.Create(
            CultureInfo.InvariantCulture,
            $"The champion {championVersion} flagged {flagged.Count} readings ({share:P1}), more than the {limit:P0} limit: it is probably wrong about the new normal (drift), " +
            $"so only the {count} readings with data-quality flags (stuck sensor {stuck.Count}, out of range {(dropOutOfRange ? outOfRange.Count : 0)}) were excluded and the other {flagged.Count - count} flagged readings were kept.{rangeNote}"));
    }

    private static ModelEvaluation Evaluate(IAnomalyDetector detector, TrainingDataset dataset, int seed)
    {
        var holdout = dataset.Holdout;
        if (!detector.Sensors.SequenceEqual(dataset.Sensors, StringComparer.Ordinal))
        {
            holdout = Reorder(holdout, dataset.Sensors, detector.Sensors);
        }

        return ChallengerEvaluator.Evaluate(detector, holdout, detector.Sensors.Count, seed, dataset.HoldoutSegments);
    }

    /// <summary>The rows with their columns in <paramref name="target"/> order.</summary>
    private static double[] Reorder(ReadOnlyMemory<double> rows, IReadOnlyList<string> source, IReadOnlyList<string> target)
    {
        var map = target.Select(name =>
        {
            for (var i = 0; i < source.Count; i++)
            {
                if (source[i] == name)
                {
                    return i;
                }
            }

            throw new InvalidDataException($"The model scores sensor '{name}', which the training window does not have.");
        }).ToArray();
        var span = rows.Span;
        var n = span.Length / source.Count;
        var result = new double[n * target.Count];
        for (var r = 0; r < n; r++)
        {
            for (var j = 0; j < map.Length; j++)
            {
                result[(r * target.Count) + j] = span[(r * source.Count) + map[j]];
            }
        }

        return result;
    }

    private static void AddMetrics(IDictionary<string, double> metrics, string prefix, ModelEvaluation evaluation)
    {
        metrics[prefix + "recall"] = evaluation.Recall;
        metrics[prefix + "falseAlarmRate"] = evaluation.FalseAlarmRate;
        metrics[prefix + "utility"] = evaluation.Utility;
        metrics[prefix + "scoreSeparation"] = evaluation.ScoreSeparation;
        metrics[prefix + "holdoutRows"] = evaluation.HoldoutRows;
        metrics[prefix + "injectedFaults"] = evaluation.InjectedFaults;
    }

    private async Task StageDatasetAsync(string datasetId, TrainingDataset dataset, CancellationToken cancellationToken)
        => await _staging.UploadAsync(datasetId, BinaryData.FromBytes(dataset.ToBytes()), new BlobUploadOptions { HttpHeaders = new BlobHttpHeaders { ContentType = "application/octet-stream" } }, cancellationToken);

    private static string Sha256(ReadOnlySpan<byte> data) => Convert.ToHexStringLower(SHA256.HashData(data));

    /// <summary>Valid readings read from capture, in capture order.</summary>
    private sealed class CapturedReadings(int sensors)
    {
        private readonly HashSet<ulong> _keys = [];
        private double[] _values = new double[1024 * Math.Max(sensors, 1)];

        public int Count { get; private set; }

        public long Events { get; set; }

        public long Rejected { get; private set; }

        public long Duplicates { get; private set; }

        public double[] Values => _values;

        public List<long> Ticks { get; } = [];

        public List<string> Devices { get; } = [];

        public List<string> MessageIds { get; } = [];

        public void Drain(ReadingBatch batch)
        {
            for (var row = 0; row < batch.Count; row++)
            {
                if (batch.Reasons[row] != RejectReason.None)
                {
                    Rejected++;
                    continue;
                }

                if (!_keys.Add(batch.MessageKeys[row]))
                {
                    Duplicates++;
                    continue;
                }

                if ((Count + 1) * sensors > _values.Length)
                {
                    Array.Resize(ref _values, _values.Length * 2);
                }

                batch.GetValues(row).CopyTo(_values.AsSpan(Count * sensors, sensors));
                Ticks.Add(batch.TimestampTicks[row]);
                Devices.Add(batch.Devices[row]!.Id);
                MessageIds.Add(batch.GetMessageId(row));
                Count++;
            }

            batch.Reset(sensors);
        }
    }
}
