using System.Globalization;
using System.IO.Compression;
using IoTAnomaly.Core.Models;

namespace IoTAnomaly.Core.Detection;

/// <summary>
/// Trains the <c>ridge-residual</c> streaming model type (<see cref="ResidualModel"/>) into a bundle: the model zip
/// holds one entry with the fitted parameters; the manifest carries the usual sensor statistics and drift baselines
/// (same as <c>pca-t2q</c>), the threshold and every hyper-parameter. Reads no clock (<c>CreatedAt</c> is passed in).
/// </summary>
public sealed class ResidualDetectorTrainer(ResidualDetectorOptions? options = null) : IDetectorTrainer
{
    /// <summary>The manifest model type.</summary>
    public const string ModelType = ResidualExperimentDetector.DetectorName;

    /// <summary>Name of the zip entry holding <see cref="ResidualModel.Serialize"/>'s output.</summary>
    public const string ZipEntryName = "residual-model.txt";

    private readonly ResidualDetectorOptions _options = Validated(options ?? new ResidualDetectorOptions());

    /// <inheritdoc />
    string IDetectorTrainer.ModelType => ModelType;

    private static ResidualDetectorOptions Validated(ResidualDetectorOptions options)
    {
        options.Validate(); // ArgumentOutOfRangeException (an ArgumentException) at construction, not after the data was read
        return options;
    }

    /// <summary>The options this trainer fits with.</summary>
    public ResidualDetectorOptions Options => _options;

    /// <summary>Trains on <paramref name="request"/>'s rows (time order); reports progress 0 → 1 when asked.</summary>
    /// <exception cref="ArgumentException">Missing name, duplicate or empty sensor names, a ragged buffer, bad bounds, or the model's own checks.</exception>
    public PcaTrainingResult Train(PcaTrainingRequest request, IProgress<double>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(request);
        var d = request.Sensors.Count;
        if (string.IsNullOrWhiteSpace(request.ModelName))
        {
            throw new ArgumentException("A model name is required.", nameof(request));
        }

        if (d < 2 || request.Sensors.Distinct(StringComparer.Ordinal).Count() != d || request.Sensors.Any(string.IsNullOrWhiteSpace))
        {
            throw new ArgumentException("At least two sensors with non-empty, unique names are required.", nameof(request));
        }

        var flat = request.Rows.Span;
        if (flat.Length % d != 0)
        {
            throw new ArgumentException($"The flat row buffer ({flat.Length} values) is not a whole number of {d}-sensor rows.", nameof(request));
        }

        if (request.PhysicalBounds is { } bounds && (bounds.Count != d || bounds.Any(static b => !(b.Min < b.Max))))
        {
            throw new ArgumentException("Physical bounds need one Min < Max pair per sensor.", nameof(request));
        }

        var n = flat.Length / d;
        var rows = new double[n][];
        for (var r = 0; r < n; r++)
        {
            rows[r] = flat.Slice(r * d, d).ToArray();
        }

        progress?.Report(0.1);
        var model = ResidualModel.Train(rows, _options);
        progress?.Report(0.6);
        var scorer = model.CreateScorer();
        var trainingAlarms = rows.Count(row => scorer.Score(row) > 1);

        var hash = PcaDetectorTrainer.DataSha256(flat);
        var version = string.Create(CultureInfo.InvariantCulture, $"{request.CreatedAt.UtcDateTime:yyyyMMdd-HHmmss}-{hash[..8]}");
        var constant = Enumerable.Range(0, d).Except(model.ActiveSensors).Select(i => request.Sensors[i]);
        var manifest = new ModelManifest
        {
            Name = request.ModelName,
            Version = version,
            ModelType = ModelType,
            CreatedAt = request.CreatedAt,
            Sensors = PcaDetectorTrainer.SensorSpecs(request, flat, n, d),
            Thresholds = new DetectorThresholds
            {
                T2Limit = model.Threshold,
                QLimit = model.Threshold * model.Threshold,
                ScoreThreshold = 1.0,
                SeverityBands = [1.0, 2.0, 4.0],
                ExpectedAnomalyRate = Math.Max(1 - _options.Quantile, (double)trainingAlarms / n),
            },
            Training = new TrainingWindow { From = request.From, To = request.To, Rows = n, DataSha256 = hash, Source = request.Source },
            HyperParameters = new Dictionary<string, string>
            {
                [ResidualManifestKeys.InputWindow] = _options.InputWindow.ToString(CultureInfo.InvariantCulture),
                [ResidualManifestKeys.Ridge] = _options.Ridge.ToString("R", CultureInfo.InvariantCulture),
                [ResidualManifestKeys.Folds] = _options.Folds.ToString(CultureInfo.InvariantCulture),
                [ResidualManifestKeys.Quantile] = _options.Quantile.ToString("R", CultureInfo.InvariantCulture),
                [ResidualManifestKeys.Margin] = _options.Margin.ToString("R", CultureInfo.InvariantCulture),
                [ResidualManifestKeys.Adaptation] = _options.Adaptation.ToString("R", CultureInfo.InvariantCulture),
                [ResidualManifestKeys.Release] = _options.Release.ToString("R", CultureInfo.InvariantCulture),
                [ResidualManifestKeys.DeviceCalibrationReadings] = _options.DeviceCalibrationReadings.ToString(CultureInfo.InvariantCulture),
                [ResidualManifestKeys.SpikeLimit] = _options.SpikeLimit.ToString("R", CultureInfo.InvariantCulture),
                [ResidualManifestKeys.RebaselineAfter] = _options.RebaselineAfter.ToString(CultureInfo.InvariantCulture),
                [ResidualManifestKeys.ExcursionLimit] = _options.ExcursionLimit.ToString("R", CultureInfo.InvariantCulture),
                [ResidualManifestKeys.ChangePointHold] = _options.ChangePointHold.ToString(CultureInfo.InvariantCulture),
                ["constantSensors"] = string.Join(';', constant),
            },
            Metrics = new Dictionary<string, double> { ["trainingAlarmRate"] = (double)trainingAlarms / n },
        };

        using var zip = new MemoryStream();
        using (var archive = new ZipArchive(zip, ZipArchiveMode.Create, leaveOpen: true))
        {
            var entry = archive.CreateEntry(ZipEntryName, CompressionLevel.Optimal);
            entry.LastWriteTime = DeterministicZip.Clamp(request.CreatedAt); // same data and time → same bytes
            using var stream = entry.Open();
            stream.Write(model.Serialize());
        }

        progress?.Report(1.0);
        return new PcaTrainingResult(zip.ToArray(), manifest);
    }
}

/// <summary>Loads a <c>ridge-residual</c> bundle into a <see cref="ResidualDetector"/>.</summary>
public sealed class ResidualDetectorFactory : IDetectorFactory
{
    private static readonly string[] Types = [ResidualDetectorTrainer.ModelType];

    public IReadOnlyCollection<string> ModelTypes => Types;

    IAnomalyDetector IDetectorFactory.Create(ModelBundle bundle) => Load(bundle);

    /// <summary>Builds the detector. Throws <see cref="InvalidDataException"/> for a corrupt or inconsistent bundle.</summary>
    public static ResidualDetector Load(ModelBundle bundle)
    {
        ArgumentNullException.ThrowIfNull(bundle);
        var manifest = bundle.Manifest ?? throw new InvalidDataException("The bundle has no manifest.");
        if (!string.Equals(manifest.ModelType, ResidualDetectorTrainer.ModelType, StringComparison.Ordinal))
        {
            throw new InvalidDataException($"Model type '{manifest.ModelType}' is not '{ResidualDetectorTrainer.ModelType}'.");
        }

        if (manifest.Sensors is null || manifest.Sensors.Any(static s => string.IsNullOrEmpty(s?.Name)))
        {
            throw new InvalidDataException("The manifest's sensor list is missing or has an unnamed sensor.");
        }

        if (manifest.Thresholds?.SeverityBands is not { Length: 3 })
        {
            throw new InvalidDataException("The manifest's severity bands must hold three values.");
        }

        ResidualModel model;
        try
        {
            using var archive = new ZipArchive(new MemoryStream(bundle.ModelZip.ToArray(), writable: false), ZipArchiveMode.Read);
            var entry = archive.GetEntry(ResidualDetectorTrainer.ZipEntryName)
                ?? throw new InvalidDataException($"model.zip has no '{ResidualDetectorTrainer.ZipEntryName}'.");
            using var stream = entry.Open();
            using var buffer = new MemoryStream();
            stream.CopyTo(buffer);
            model = ResidualModel.Read(buffer.ToArray());
        }
        catch (InvalidDataException)
        {
            throw;
        }
        catch (Exception e) when (e is IOException or ArgumentException or NotSupportedException)
        {
            throw new InvalidDataException($"model.zip of {manifest.Name}/{manifest.Version} could not be read: {e.Message}", e);
        }

        if (model.SensorCount != manifest.Sensors.Count)
        {
            throw new InvalidDataException($"The model scores {model.SensorCount} sensors; the manifest lists {manifest.Sensors.Count}.");
        }

        return new ResidualDetector(manifest, model);
    }
}

/// <summary>
/// The <c>ridge-residual</c> scorer: trailing mean → standardize → each sensor's ridge residual given the others →
/// score = max |residual − offset| / σ over sensors, divided by the threshold (1 = alarm). <see cref="DetectorScore.T2"/>
/// carries that max scaled residual and <see cref="DetectorScore.Q"/> the sum of squared scaled residuals;
/// contributions are each sensor's share of that sum. Allocation-free; state per device.
/// </summary>
public sealed class ResidualDetector : IAnomalyDetector
{
    private readonly double _medium;
    private readonly double _high;

    internal ResidualDetector(ModelManifest manifest, ResidualModel model)
    {
        Manifest = manifest;
        Model = model;
        Sensors = manifest.Sensors.Select(static s => s.Name).ToArray();
        _medium = manifest.Thresholds.SeverityBands[1];
        _high = manifest.Thresholds.SeverityBands[2];
    }

    public ModelManifest Manifest { get; }

    public IReadOnlyList<string> Sensors { get; }

    /// <summary>The loaded model.</summary>
    public ResidualModel Model { get; }

    public DeviceDetectorState CreateDeviceState() => new ResidualDeviceState(Model);

    public DetectorScore Score(ReadOnlySpan<double> values, DeviceDetectorState state, Span<double> contributions)
    {
        if (state is not ResidualDeviceState device || !ReferenceEquals(device.Model, Model))
        {
            throw new ArgumentException("The state was not created by this detector.", nameof(state));
        }

        if (contributions.Length != Model.SensorCount)
        {
            throw new ArgumentException($"Expected {Model.SensorCount} contribution slots, got {contributions.Length}.", nameof(contributions));
        }

        var score = device.Score(values, contributions, out var max, out var squares);
        var isAnomaly = device.IsAlarming;
        var severity = !isAnomaly ? Severity.None
            : score >= _high ? Severity.High
            : score >= _medium ? Severity.Medium
            : Severity.Low;
        return new DetectorScore(score, max, squares, isAnomaly, severity);
    }
}

/// <summary>
/// Per-device state of a <see cref="ResidualDetector"/>: the smoothing window and the drift-following residual
/// offsets (<see cref="ResidualScorer"/>). <see cref="DeviceDetectorState.IsCalibrated"/> turns true once the
/// smoothing window is full.
/// </summary>
public sealed class ResidualDeviceState : DeviceDetectorState
{
    private readonly ResidualScorer _scorer;

    internal ResidualDeviceState(ResidualModel model)
        : this(model, new ResidualScorer(model, model.Options.DeviceCalibrationReadings))
    {
    }

    private ResidualDeviceState(ResidualModel model, ResidualScorer scorer)
    {
        Model = model;
        _scorer = scorer;
    }

    /// <inheritdoc />
    public override void UseFleetBaseline() => _scorer.DisableCalibration();

    /// <inheritdoc />
    public override DeviceDetectorState Snapshot()
    {
        var copy = new ResidualDeviceState(Model, _scorer.Copy());
        CopyCountersTo(copy);
        return copy;
    }

    /// <inheritdoc />
    public override bool TryCopyTo(DeviceDetectorState target)
    {
        if (target is not ResidualDeviceState copy || !ReferenceEquals(copy.Model, Model))
        {
            return false;
        }

        _scorer.CopyTo(copy._scorer);
        CopyCountersTo(copy);
        return true;
    }

    internal ResidualModel Model { get; }

    /// <summary>The decision for the last scored reading (with the model's alarm hysteresis).</summary>
    internal bool IsAlarming => _scorer.IsAlarming;

    internal double Score(ReadOnlySpan<double> values, Span<double> contributions, out double max, out double squares)
    {
        var score = _scorer.Score(values, contributions, out max, out squares);
        Count = _scorer.Count;
        IsCalibrated = Count >= Model.Options.InputWindow + _scorer.CalibrationTarget;
        return score;
    }
}

/// <summary>Manifest hyper-parameter keys of the <c>ridge-residual</c> model type (written by the trainer, read back to retrain alike).</summary>
public static class ResidualManifestKeys
{
    public const string InputWindow = "inputWindow";
    public const string Ridge = "ridge";
    public const string Folds = "folds";
    public const string Quantile = "quantile";
    public const string Margin = "margin";
    public const string Adaptation = "adaptation";
    public const string Release = "release";
    public const string DeviceCalibrationReadings = "deviceCalibrationReadings";
    public const string SpikeLimit = "spikeLimit";
    public const string RebaselineAfter = "rebaselineAfter";
    public const string ExcursionLimit = "excursionLimit";
    public const string ChangePointHold = "changePointHold";
}
