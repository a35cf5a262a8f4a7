using IoTAnomaly.Core.Models;

namespace IoTAnomaly.Core.Detection;

/// <summary>Turns a downloaded bundle into a ready-to-score detector. Throws <see cref="InvalidDataException"/> on a bad bundle.</summary>
public interface IDetectorFactory
{
    /// <summary>The model types (manifest <c>modelType</c>) this factory loads.</summary>
    IReadOnlyCollection<string> ModelTypes { get; }

    IAnomalyDetector Create(ModelBundle bundle);
}

/// <summary>
/// A loaded, immutable, thread-safe detector for one model version. Scoring is allocation-free:
/// the caller owns the per-device state (<see cref="CreateDeviceState"/>) and the contributions buffer.
/// </summary>
public interface IAnomalyDetector
{
    ModelManifest Manifest { get; }

    /// <summary>Sensor names in model order; <see cref="Score"/> takes values in this order.</summary>
    IReadOnlyList<string> Sensors { get; }

    /// <summary>
    /// Fresh per-device state (own baseline from the first readings, smoothing windows). One state per device
    /// and model version; not thread-safe, so callers score one device's readings in order, one at a time.
    /// </summary>
    DeviceDetectorState CreateDeviceState();

    /// <summary>
    /// Scores one reading. <paramref name="values"/> has <see cref="Sensors"/>.Count finite values in model order;
    /// <paramref name="contributions"/> (same length) receives each sensor's share of the score (non-negative, sums to 1
    /// unless the score is 0). Updates <paramref name="state"/>.
    /// </summary>
    DetectorScore Score(ReadOnlySpan<double> values, DeviceDetectorState state, Span<double> contributions);
}

/// <summary>Detector-specific per-device state.</summary>
public abstract class DeviceDetectorState
{
    /// <summary>Readings this state has seen.</summary>
    public long Count { get; protected set; }

    /// <summary>True once the device's own baseline replaced the fleet baseline.</summary>
    public bool IsCalibrated { get; protected set; }

    /// <summary>
    /// An independent copy of this state (what-if scoring: an ad-hoc prediction scores a reading against the device's
    /// history without changing it), or null when the detector does not support copies.
    /// </summary>
    public virtual DeviceDetectorState? Snapshot() => null;

    /// <summary>
    /// Overwrites <paramref name="target"/> (a copy of a state of the same detector, from <see cref="Snapshot"/>) with
    /// this state, allocating nothing: the batch handler keeps one copy per device to undo a batch whose results could
    /// not be stored. False, and <paramref name="target"/> unchanged, when the detector does not support copies or
    /// the target has another shape.
    /// </summary>
    public virtual bool TryCopyTo(DeviceDetectorState target) => false;

    /// <summary>Copies the counters this base class holds (for <see cref="TryCopyTo"/> and <see cref="Snapshot"/>).</summary>
    protected void CopyCountersTo(DeviceDetectorState target)
    {
        ArgumentNullException.ThrowIfNull(target);
        target.Count = Count;
        target.IsCalibrated = IsCalibrated;
    }

    /// <summary>
    /// Makes this (new) state score against the fleet model's own baseline for good: no per-device calibration.
    /// Model evaluation uses it: a device baseline learnt from the very rows being judged would hide how far the
    /// data moved from what the model was trained on.
    /// </summary>
    public virtual void UseFleetBaseline()
    {
    }
}

public enum Severity
{
    None = 0,
    Low = 1,
    Medium = 2,
    High = 3,
}

/// <summary>
/// One reading's score. <see cref="Score"/> is the combined, smoothed statistic scaled so that 1 is the alarm
/// threshold; <see cref="T2"/> and <see cref="Q"/> are the raw statistics of this reading.
/// </summary>
public readonly record struct DetectorScore(double Score, double T2, double Q, bool IsAnomaly, Severity Severity);
