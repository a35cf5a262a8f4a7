using IoTAnomaly.Infrastructure.Storage;
using IoTAnomaly.Testing;
using Microsoft.Extensions.Options;

namespace IoTAnomaly.Infrastructure.Tests.Storage;

[TestClass]
public sealed class StorageContainersTests
{
    private static async Task<(StorageContainers Containers, string Name)> NewAsync()
    {
        var name = AzuriteFixture.UniqueName("sc");
        var options = new StorageOptions { ConnectionString = AzuriteFixture.ConnectionString, AnomaliesContainer = name };
        return (new StorageContainers(await AzuriteFixture.GetServiceClientAsync(), Options.Create(options)), name);
    }

    [TestMethod]
    public async Task GetEnsuredAsync_CreatesContainer_WhenMissing()
    {
        var (containers, name) = await NewAsync();

        var container = await containers.GetEnsuredAsync(name, CancellationToken.None);

        Assert.IsTrue((await container.ExistsAsync()).Value);
    }

    [TestMethod]
    public async Task WriteAsync_RecreatesContainerAndRetries_WhenContainerVanished()
    {
        var (containers, name) = await NewAsync();
        await containers.WriteAsync(name, c => c.UploadBlobAsync("a.txt", BinaryData.FromString("a")), CancellationToken.None);
        await containers.Get(name).DeleteAsync();

        await containers.WriteAsync(name, c => c.UploadBlobAsync("b.txt", BinaryData.FromString("b")), CancellationToken.None);

        Assert.IsTrue((await containers.Get(name).GetBlobClient("b.txt").ExistsAsync()).Value);
    }
}
