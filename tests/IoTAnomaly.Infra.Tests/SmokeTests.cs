namespace IoTAnomaly.Infra.Tests;

[TestClass]
public sealed class SmokeTests
{
    [TestMethod]
    public void InfraFolder_Exists_AtRepositoryRoot()
        => Assert.IsTrue(Directory.Exists(Path.Combine(IoTAnomaly.Testing.TestPaths.RepositoryRoot, "infra-bicep")));
}
