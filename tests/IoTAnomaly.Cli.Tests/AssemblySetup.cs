using IoTAnomaly.Testing;

namespace IoTAnomaly.Cli.Tests;

/// <summary>Azurite is started lazily by the registry tests that need it (<see cref="AzuriteFixture.StartAsync"/>) and stopped here.</summary>
[TestClass]
public static class AssemblySetup
{
    [AssemblyCleanup]
    public static Task CleanupAsync() => AzuriteFixture.StopAsync();
}
