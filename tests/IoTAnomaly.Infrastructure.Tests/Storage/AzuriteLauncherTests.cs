using IoTAnomaly.Infrastructure.Storage;
using IoTAnomaly.Testing;

namespace IoTAnomaly.Infrastructure.Tests.Storage;

[TestClass]
public sealed class AzuriteLauncherTests
{
    [TestMethod]
    public void BuildConnectionString_UsesDevelopmentAccountAndGivenPorts()
    {
        var connection = AzuriteLauncher.BuildConnectionString("127.0.0.1", 41000, 41001, 41002);

        StringAssert.Contains(connection, "AccountName=devstoreaccount1;");
        StringAssert.Contains(connection, "AccountKey=" + AzuriteLauncher.DevelopmentAccountKey + ";");
        StringAssert.Contains(connection, "BlobEndpoint=http://127.0.0.1:41000/devstoreaccount1;");
        StringAssert.Contains(connection, "QueueEndpoint=http://127.0.0.1:41001/devstoreaccount1;");
        StringAssert.Contains(connection, "TableEndpoint=http://127.0.0.1:41002/devstoreaccount1;");
    }

    [TestMethod]
    public void FindAzuriteDirectory_FindsRepositoryToolsFolder()
    {
        var directory = AzuriteLauncher.FindAzuriteDirectory();

        Assert.AreEqual(Path.Combine(TestPaths.RepositoryRoot, "tools", "azurite"), directory);
    }

    [TestMethod]
    public async Task IsListeningAsync_ReturnsFalse_WhenNothingListens()
    {
        var port = AzuriteLauncher.GetFreePort();

        Assert.IsFalse(await AzuriteLauncher.IsListeningAsync("127.0.0.1", port));
    }

    [TestMethod]
    public async Task StartAsync_ServesBlobsOnItsPorts_AndStopsOnDispose()
    {
        var launcher = await AzuriteLauncher.StartAsync();
        try
        {
            Assert.IsTrue(await AzuriteLauncher.IsListeningAsync(launcher.Host, launcher.BlobPort));
            Assert.AreNotEqual(launcher.BlobPort, launcher.QueuePort);
            var service = BlobServiceClientFactory.Create(launcher.ConnectionString);
            var container = service.GetBlobContainerClient("launcher-test");
            await container.CreateIfNotExistsAsync();
            await container.GetBlobClient("hello.txt").UploadAsync(BinaryData.FromString("hi"));
            Assert.AreEqual("hi", (await container.GetBlobClient("hello.txt").DownloadContentAsync()).Value.Content.ToString());
        }
        finally
        {
            launcher.Dispose();
        }

        Assert.IsFalse(await AzuriteLauncher.IsListeningAsync(launcher.Host, launcher.BlobPort));
    }
}
