using IoTAnomaly.Core.Models;

namespace IoTAnomaly.Core.Detection;

/// <summary>A model version that has been loaded into this process.</summary>
public sealed record LoadedModel(IAnomalyDetector Detector, string? PointerETag, DateTimeOffset LoadedAt)
{
    public ModelManifest Manifest => Detector.Manifest;

    public string Version => Detector.Manifest.Version;
}

/// <summary>
/// Holds the champion detector of this process. Readers take <see cref="Current"/> once per batch, so a swap
/// is atomic for them: a batch is scored entirely by one version, and every score carries that version.
/// </summary>
public sealed class ModelHolder
{
    private LoadedModel? _current;
    private string? _lastLoadError;

    /// <summary>Raised after a successful swap, with the new model.</summary>
    public event EventHandler<LoadedModel>? Swapped;

    public LoadedModel? Current => Volatile.Read(ref _current);

    /// <summary>Why the most recent load attempt failed, or null when it succeeded.</summary>
    public string? LastLoadError => Volatile.Read(ref _lastLoadError);

    public bool IsReady => Current is not null;

    public void Swap(LoadedModel model)
    {
        ArgumentNullException.ThrowIfNull(model);
        Interlocked.Exchange(ref _current, model);
        Volatile.Write(ref _lastLoadError, null);
        Swapped?.Invoke(this, model);
    }

    public void ReportLoadFailure(string error) => Volatile.Write(ref _lastLoadError, error);
}
