using IoTAnomaly.Core.Models;

namespace IoTAnomaly.Core.Detection;

/// <summary>Turns a downloaded bundle into a ready-to-score detector. Throws <see cref="InvalidDataException"/> on a bad bundle.</summary>
public interface IDetectorFactory
{
    IAnomalyDetector Create(ModelBundle bundle);
}

/// <summary>A loaded, immutable, thread-safe detector for one model version.</summary>
public interface IAnomalyDetector
{
    ModelManifest Manifest { get; }
}
