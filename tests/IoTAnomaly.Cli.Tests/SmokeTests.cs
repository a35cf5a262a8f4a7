namespace IoTAnomaly.Cli.Tests;

[TestClass]
public sealed class SmokeTests
{
    [TestMethod]
    public void RepositoryRoot_IsFound_FromTestOutput()
        => Assert.IsTrue(File.Exists(Path.Combine(IoTAnomaly.Testing.TestPaths.RepositoryRoot, "host.json")));
}
