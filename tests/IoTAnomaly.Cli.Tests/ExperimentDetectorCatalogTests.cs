using IoTAnomaly.Core.Evaluation.Baselines;

namespace IoTAnomaly.Cli.Tests;

[TestClass]
public sealed class ExperimentDetectorCatalogTests
{
    [TestMethod]
    public void Create_ReturnsNamedDetector_CaseInsensitive()
    {
        var detector = ExperimentDetectorCatalog.Create("ZSCORE-baseline");

        Assert.IsInstanceOfType<ZScoreBaselineDetector>(detector);
        Assert.AreEqual(ZScoreBaselineDetector.DetectorName, detector.Name);
    }

    [TestMethod]
    public void Create_ThrowsListingKnownNames_ForUnknownName()
    {
        var error = Assert.ThrowsExactly<ArgumentException>(() => ExperimentDetectorCatalog.Create("nope"));

        Assert.Contains(ZScoreBaselineDetector.DetectorName, error.Message);
    }

    [TestMethod]
    public void Create_ReturnsRidgeResidualDetector_ForDefaultName()
        => Assert.AreEqual("ridge-residual", ExperimentDetectorCatalog.Create(ExperimentDetectorCatalog.DefaultName).Name);

    [TestMethod]
    public void Create_StillReturnsPcaDetector_ByName()
        => Assert.AreEqual("pca-t2q", ExperimentDetectorCatalog.Create("pca-t2q").Name);

    [TestMethod]
    public void Names_ContainDefault()
        => CollectionAssert.Contains(ExperimentDetectorCatalog.Names.ToArray(), ExperimentDetectorCatalog.DefaultName);
}
