using IoTAnomaly.Testing;

namespace IoTAnomaly.LocalHost.Tests;

/// <summary>One Azurite for every test of this assembly.</summary>
[TestClass]
public static class AssemblySetup
{
    [AssemblyInitialize]
    public static async Task InitializeAsync(TestContext context) => await AzuriteFixture.StartAsync(context.CancellationToken);

    [AssemblyCleanup]
    public static Task CleanupAsync() => AzuriteFixture.StopAsync();
}
