using IoTAnomaly.Testing;

namespace IoTAnomaly.Dashboard.Tests;

/// <summary>One Azurite and one Chromium for every test of this assembly.</summary>
[TestClass]
public static class AssemblySetup
{
    [AssemblyInitialize]
    public static async Task InitializeAsync(TestContext context) => await AzuriteFixture.StartAsync(context.CancellationToken);

    [AssemblyCleanup]
    public static async Task CleanupAsync()
    {
        await Browser.DisposeAsync();
        await AzuriteFixture.StopAsync();
    }
}
