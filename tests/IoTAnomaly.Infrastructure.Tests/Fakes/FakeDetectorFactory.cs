using System.IO.Compression;
using System.Text;
using IoTAnomaly.Core.Detection;
using IoTAnomaly.Core.Models;

namespace IoTAnomaly.Infrastructure.Tests.Fakes;

/// <summary>
/// Loads "fake" bundles: a real zip holding <c>model.txt</c> with the version. A zip that is not a zip, or whose
/// text names another version, is an <see cref="InvalidDataException"/>, as the real factory would throw.
/// </summary>
internal sealed class FakeDetectorFactory : IDetectorFactory
{
    public const string ModelType = "fake";

    private int _created;

    public IReadOnlyCollection<string> ModelTypes { get; } = [ModelType];

    /// <summary>When set, <see cref="Create"/> throws this for the given version.</summary>
    public string? FailForVersion { get; set; }

    public int Created => Volatile.Read(ref _created);

    /// <summary>A valid fake bundle; deterministic, so the same version always has the same bytes and hash.</summary>
    public static byte[] CreateZip(string version)
    {
        using var buffer = new MemoryStream();
        using (var archive = new ZipArchive(buffer, ZipArchiveMode.Create, leaveOpen: true))
        {
            var entry = archive.CreateEntry("model.txt");
            entry.LastWriteTime = new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero); // same version, same bytes
            using var writer = new StreamWriter(entry.Open(), Encoding.UTF8);
            writer.Write(version);
        }

        return buffer.ToArray();
    }

    public IAnomalyDetector Create(ModelBundle bundle)
    {
        if (bundle.Manifest.Version == FailForVersion)
        {
            throw new InvalidOperationException($"Factory refuses {FailForVersion}.");
        }

        string content;
        try
        {
            using var archive = new ZipArchive(new MemoryStream(bundle.ModelZip.ToArray()), ZipArchiveMode.Read);
            var entry = archive.GetEntry("model.txt") ?? throw new InvalidDataException("model.txt missing from the zip.");
            using var reader = new StreamReader(entry.Open(), Encoding.UTF8);
            content = reader.ReadToEnd();
        }
        catch (InvalidDataException)
        {
            throw;
        }
        catch (Exception ex) when (ex is IOException or ArgumentException)
        {
            throw new InvalidDataException("Not a model zip: " + ex.Message, ex);
        }

        if (content != bundle.Manifest.Version)
        {
            throw new InvalidDataException($"The zip holds {content}, the manifest says {bundle.Manifest.Version}.");
        }

        Interlocked.Increment(ref _created);
        return new FakeDetector(bundle.Manifest);
    }

    private sealed class FakeDetector(ModelManifest manifest) : IAnomalyDetector
    {
        public ModelManifest Manifest { get; } = manifest;

        public IReadOnlyList<string> Sensors { get; } = [.. manifest.Sensors.Select(s => s.Name)];

        public DeviceDetectorState CreateDeviceState() => new FakeState();

        public DetectorScore Score(ReadOnlySpan<double> values, DeviceDetectorState state, Span<double> contributions)
        {
            contributions.Clear();
            return new DetectorScore(0, 0, 0, false, Severity.None);
        }
    }

    private sealed class FakeState : DeviceDetectorState;
}
