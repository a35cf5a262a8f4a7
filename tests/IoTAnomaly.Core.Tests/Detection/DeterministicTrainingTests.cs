using System.IO.Compression;
using IoTAnomaly.Core.Detection;

namespace IoTAnomaly.Core.Tests.Detection;

/// <summary>
/// A model bundle is a function of its training request: the version encodes the creation time and the data hash, so
/// the same request must give the same bytes (a second run on the same window registers the same version; different
/// bytes were a registry conflict). Zip writers stamp the wall clock; the trainers stamp the creation time.
/// </summary>
[TestClass]
public sealed class DeterministicTrainingTests
{
    [TestMethod]
    [DataRow("ridge-residual")]
    [DataRow("pca-t2q")]
    public void SameRequest_GivesTheSameZip_StampedWithTheCreationTime(string modelType)
    {
        var request = SyntheticPlant.Request(new SyntheticPlant(3).Rows(600));

        var first = DetectorTrainers.Create(modelType).Train(request);
        var second = DetectorTrainers.Create(modelType).Train(request);

        using var archive = new ZipArchive(new MemoryStream(first.ModelZip, writable: false), ZipArchiveMode.Read);
        Assert.IsNotEmpty(archive.Entries);
        foreach (var entry in archive.Entries)
        {
            Assert.AreEqual(request.CreatedAt.UtcDateTime, entry.LastWriteTime.UtcDateTime, entry.FullName);
        }

        CollectionAssert.AreEqual(first.ModelZip, second.ModelZip);
        Assert.AreEqual(first.Manifest.Version, second.Manifest.Version);
    }
}
