using System.Diagnostics;
using IoTAnomaly.Core.Detection;
using IoTAnomaly.Core.Diagnostics;
using IoTAnomaly.Core.Models;
using IoTAnomaly.Infrastructure.Diagnostics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace IoTAnomaly.Infrastructure.Models;

/// <summary>What one <see cref="ChampionModelLoader.PollOnceAsync"/> did.</summary>
public enum ModelPollOutcome
{
    /// <summary>The champion pointer has not changed since the last load (or points at the loaded version).</summary>
    Unchanged,

    /// <summary>A new champion was loaded and swapped in.</summary>
    Loaded,

    /// <summary>The champion changed but its version could not be loaded; the last good model stays.</summary>
    Failed,

    /// <summary>The pointer that failed before has not changed and its retry pause has not passed yet.</summary>
    RetryDeferred,

    /// <summary>The model has no champion pointer.</summary>
    NoChampion,

    /// <summary>The pointer could not be read (storage unreachable); nothing changed.</summary>
    StorageUnavailable,
}

/// <summary>
/// Keeps <see cref="ModelHolder"/> on the registry's champion. Each <see cref="PollOnceAsync"/> reads the champion
/// pointer's ETag (one HEAD request when the registry implements <see cref="IModelPointerProbe"/>); only when it
/// changed does it download the bundle, check its SHA-256 against the manifest, build the detector and swap it in.
/// A version that fails to load leaves the last good model in place, is reported to the holder, and is retried
/// after a pause that starts at one poll interval and doubles per failure, until the pointer changes.
/// </summary>
public sealed class ChampionModelLoader : IDisposable
{
    private readonly IModelRegistry _registry;
    private readonly IDetectorFactory _factory;
    private readonly ModelHolder _holder;
    private readonly TimeProvider _timeProvider;
    private readonly ModelLoaderOptions _options;
    private readonly ILogger _logger;
    private readonly SemaphoreSlim _gate = new(1, 1);

    private string? _loadedETag;
    private string? _failedETag;
    private int _failures;
    private DateTimeOffset _retryAt;
    private bool _reportedNoChampion;

    public ChampionModelLoader(
        IModelRegistry registry,
        IDetectorFactory factory,
        ModelHolder holder,
        TimeProvider timeProvider,
        IOptions<ModelLoaderOptions> options,
        ILogger<ChampionModelLoader>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        _registry = registry ?? throw new ArgumentNullException(nameof(registry));
        _factory = factory ?? throw new ArgumentNullException(nameof(factory));
        _holder = holder ?? throw new ArgumentNullException(nameof(holder));
        _timeProvider = timeProvider ?? throw new ArgumentNullException(nameof(timeProvider));
        _options = options.Value;
        _logger = (ILogger?)logger ?? NullLogger.Instance;
        ModelNames.ThrowIfInvalidModel(_options.ModelName, nameof(options));
    }

    public string ModelName => _options.ModelName;

    public void Dispose() => _gate.Dispose();

    /// <summary>Checks the champion pointer once and loads a new champion when it changed. Never throws except on cancellation.</summary>
    public async Task<ModelPollOutcome> PollOnceAsync(CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            return await PollCoreAsync(cancellationToken);
        }
        finally
        {
            _gate.Release();
        }
    }

    private async Task<ModelPollOutcome> PollCoreAsync(CancellationToken cancellationToken)
    {
        var now = _timeProvider.GetUtcNow();
        var model = _options.ModelName;
        ModelPointer? pointer = null;
        string? etag;
        try
        {
            if (_registry is IModelPointerProbe probe)
            {
                etag = await probe.GetPointerETagAsync(model, ModelRole.Champion, cancellationToken);
            }
            else
            {
                pointer = await _registry.GetPointerAsync(model, ModelRole.Champion, cancellationToken);
                etag = pointer?.ETag;
            }

            if (etag is not null && etag != _loadedETag && !IsDeferred(etag, now))
            {
                pointer ??= await _registry.GetPointerAsync(model, ModelRole.Champion, cancellationToken);
                etag = pointer?.ETag;
            }
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
        {
            Log.PollFailed(_logger, model, _holder.Current?.Version, ex);
            return ModelPollOutcome.StorageUnavailable;
        }

        if (etag is null)
        {
            if (!_reportedNoChampion)
            {
                _reportedNoChampion = true;
                Log.NoChampion(_logger, model);
            }

            if (_holder.Current is null)
            {
                _holder.ReportLoadFailure($"Model '{model}' has no champion in the registry yet.");
            }

            return ModelPollOutcome.NoChampion;
        }

        _reportedNoChampion = false;
        if (etag == _loadedETag)
        {
            return ModelPollOutcome.Unchanged;
        }

        if (IsDeferred(etag, now))
        {
            Log.RetryDeferred(_logger, model, etag, _retryAt);
            return ModelPollOutcome.RetryDeferred;
        }

        Debug.Assert(pointer is not null, "The pointer is read whenever its ETag is new.");
        if (_holder.Current is { } current && current.Version == pointer.Version && current.Manifest.Name == model)
        {
            // The pointer was rewritten but names the loaded version again (e.g. rolled back after a bad promotion):
            // nothing to download; a failure reported for the bad version no longer applies, so clear it.
            _loadedETag = etag;
            _failedETag = null;
            _failures = 0;
            if (_holder.LastLoadError is not null)
            {
                _holder.Swap(current with { PointerETag = etag });
            }

            return ModelPollOutcome.Unchanged;
        }

        return await LoadAsync(pointer, now, cancellationToken);
    }

    private async Task<ModelPollOutcome> LoadAsync(ModelPointer pointer, DateTimeOffset pollStartedAt, CancellationToken cancellationToken)
    {
        var model = _options.ModelName;
        var etag = pointer.ETag!;
        IAnomalyDetector detector;
        try
        {
            var bundle = await _registry.DownloadAsync(model, pointer.Version, cancellationToken);
            Verify(bundle, model, pointer.Version);
            detector = _factory.Create(bundle)
                ?? throw new InvalidDataException($"The detector factory returned no detector for {model} {pointer.Version}.");
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
        {
            _failures = _failedETag == etag ? _failures + 1 : 1;
            _failedETag = etag;
            var pause = TimeSpan.FromTicks(Math.Min(
                _options.PollInterval.Ticks * (1L << Math.Min(_failures - 1, 20)),
                Math.Max(_options.MaxFailedRetryInterval.Ticks, _options.PollInterval.Ticks)));
            _retryAt = pollStartedAt + pause;

            var kept = _holder.Current?.Version;
            var error = $"Champion {pointer.Version} of model '{model}' failed to load ({PublicReason(ex)}); " +
                        (kept is null ? "no model is loaded." : $"still serving {kept}.");
            _holder.ReportLoadFailure(error);
            IoTAnomalyTelemetry.ModelLoads.Add(1, Outcome("failure"), Version(pointer.Version));
            Log.ChampionLoadFailed(_logger, model, pointer.Version, kept, ex.Message, ex);
            return ModelPollOutcome.Failed;
        }

        var previous = _holder.Current?.Version;
        _holder.Swap(new LoadedModel(detector, etag, _timeProvider.GetUtcNow()));
        _loadedETag = etag;
        _failedETag = null;
        _failures = 0;
        IoTAnomalyTelemetry.ModelLoads.Add(1, Outcome("success"), Version(pointer.Version));
        IoTAnomalyTelemetry.ModelSwaps.Add(1, Version(pointer.Version));
        Log.ChampionSwapped(_logger, model, pointer.Version, previous);
        return ModelPollOutcome.Loaded;
    }

    /// <summary>True while a pointer that failed to load is in its retry pause (half a poll interval of tolerance for timer jitter).</summary>
    private bool IsDeferred(string etag, DateTimeOffset now)
        => etag == _failedETag && now < _retryAt - (_options.PollInterval / 2);

    private void Verify(ModelBundle bundle, string model, string version)
    {
        var manifest = bundle.Manifest;
        if (manifest.Name != model || manifest.Version != version)
        {
            throw new InvalidDataException(
                $"The manifest of {model}/{version} describes {manifest.Name}/{manifest.Version}.");
        }

        if (string.IsNullOrEmpty(manifest.ModelSha256))
        {
            throw new InvalidDataException($"The manifest of {model}/{version} has no modelSha256.");
        }

        var actual = BlobModelRegistry.ComputeSha256(bundle.ModelZip.Span);
        if (!string.Equals(actual, manifest.ModelSha256, StringComparison.OrdinalIgnoreCase))
        {
            throw new InvalidDataException(
                $"SHA-256 mismatch for {model}/{version}/model.zip: the blob hashes to {actual}, the manifest records {manifest.ModelSha256}.");
        }

        if (_factory.ModelTypes.Count > 0 && !_factory.ModelTypes.Contains(manifest.ModelType))
        {
            throw new InvalidDataException(
                $"No detector for model type '{manifest.ModelType}' of {model}/{version} (known: {string.Join(", ", _factory.ModelTypes)}).");
        }
    }

    private static KeyValuePair<string, object?> Outcome(string outcome) => new(IoTAnomalyTelemetry.OutcomeTag, outcome);

    private static KeyValuePair<string, object?> Version(string version) => new(IoTAnomalyTelemetry.ModelVersionTag, version);

    /// <summary>
    /// Why a load failed, as <c>/health</c> shows it (without a key): a storage error reduced to its status and code
    /// (the SDK's message carries the request's and response's headers); other messages, which are ours (hash mismatch,
    /// bad bundle, missing version), kept. The log has the whole exception.
    /// </summary>
    internal static string PublicReason(Exception exception)
        => exception is Azure.RequestFailedException storage
            ? $"{exception.GetType().Name}: storage answered {storage.Status} {storage.ErrorCode}"
            : $"{exception.GetType().Name}: {exception.Message}";
}
