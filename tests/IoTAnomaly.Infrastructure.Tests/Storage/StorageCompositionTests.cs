using Azure.Storage.Blobs;
using IoTAnomaly.Core.Detection;
using IoTAnomaly.Core.Models;
using IoTAnomaly.Infrastructure.Models;
using IoTAnomaly.Infrastructure.Storage;
using IoTAnomaly.Infrastructure.Tests.Fakes;
using IoTAnomaly.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace IoTAnomaly.Infrastructure.Tests.Storage;

[TestClass]
public sealed class StorageCompositionTests
{
    private static HostApplicationBuilder NewBuilder(Dictionary<string, string?> settings)
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Configuration.AddInMemoryCollection(settings);
        builder.AddIoTAnomalyStorage();
        return builder;
    }

    private static Dictionary<string, string?> UniqueContainers(string connectionString)
    {
        var tag = AzuriteFixture.UniqueName("di");
        return new Dictionary<string, string?>
        {
            ["Storage:ConnectionString"] = connectionString,
            ["Storage:ModelsContainer"] = tag + "-m",
            ["Storage:DeadLettersContainer"] = tag + "-d",
            ["Storage:AnomaliesContainer"] = tag + "-a",
            ["Storage:CaptureContainer"] = tag + "-c",
            ["Storage:DriftContainer"] = tag + "-f",
            ["Storage:RetrainingContainer"] = tag + "-r",
        };
    }

    [TestMethod]
    public async Task AddIoTAnomalyStorage_CreatesContainersAtStart_AndResolvesRegistry()
    {
        var settings = UniqueContainers(AzuriteFixture.ConnectionString);
        using var host = NewBuilder(settings).Build();

        await host.StartAsync();
        var service = host.Services.GetRequiredService<BlobServiceClient>();
        var registry = host.Services.GetRequiredService<IModelRegistry>();
        foreach (var key in settings.Keys.Where(k => k.EndsWith("Container", StringComparison.Ordinal)))
        {
            Assert.IsTrue((await service.GetBlobContainerClient(settings[key]).ExistsAsync()).Value, key);
        }

        Assert.IsInstanceOfType<BlobModelRegistry>(registry);
        Assert.AreEqual(settings["Storage:ModelsContainer"], ((BlobModelRegistry)registry).Container.Name);
        Assert.AreSame(service, host.Services.GetRequiredService<StorageContainers>().Service);
        await host.StopAsync();
    }

    [TestMethod]
    public void AddIoTAnomalyStorage_UsesShortExponentialRetries_ByDefault()
    {
        var options = new StorageOptions { ConnectionString = "UseDevelopmentStorage=true" };

        var client = BlobServiceClientFactory.CreateClientOptions(options);

        Assert.AreEqual(Azure.Core.RetryMode.Exponential, client.Retry.Mode);
        Assert.AreEqual(3, client.Retry.MaxRetries);
        Assert.AreEqual(TimeSpan.FromSeconds(10), client.Retry.NetworkTimeout);
        Assert.IsLessThanOrEqualTo(TimeSpan.FromSeconds(2), client.Retry.MaxDelay);
    }

    [TestMethod]
    [DataRow(null, null, "exactly one")]
    [DataRow("UseDevelopmentStorage=true", "https://acct.blob.core.windows.net", "exactly one")]
    [DataRow("UseDevelopmentStorage=true", null, "ModelsContainer")]
    [DataRow(null, "http://acct.blob.core.windows.net", "https")]
    [DataRow(null, "/relative", "absolute")]
    public void AddIoTAnomalyStorage_FailsOnStart_WhenConfigurationInvalid(string? connection, string? uri, string expected)
    {
        var settings = new Dictionary<string, string?> { ["Storage:ConnectionString"] = connection, ["Storage:BlobServiceUri"] = uri };
        if (expected == "ModelsContainer")
        {
            settings["Storage:ModelsContainer"] = "Bad_Name";
        }

        using var host = NewBuilder(settings).Build();

        var ex = Assert.ThrowsExactly<OptionsValidationException>(() => host.Services.GetRequiredService<IOptions<StorageOptions>>().Value);
        StringAssert.Contains(ex.Message, expected);
    }

    [TestMethod]
    public void BlobServiceClientFactory_UsesServiceUri_WhenNoConnectionString()
    {
        var options = new StorageOptions { BlobServiceUri = new Uri("https://acct.blob.core.windows.net"), ManagedIdentityClientId = "00000000-0000-0000-0000-000000000001" };

        var client = BlobServiceClientFactory.Create(options);

        Assert.AreEqual("acct", client.AccountName);
        Assert.IsFalse(client.CanGenerateAccountSasUri, "token credential, not a shared key");
    }

    [TestMethod]
    public async Task AddIoTAnomalyModelLoader_LoadsChampionWhileHostStarts_AndFollowsPromotions()
    {
        var settings = UniqueContainers(AzuriteFixture.ConnectionString);
        var model = AzuriteFixture.UniqueName("m");
        settings["ModelLoader:ModelName"] = model;
        settings["ModelLoader:PollInterval"] = "00:00:05";
        var time = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(TestModels.Start);
        var builder = NewBuilder(settings);
        builder.Services.AddSingleton<TimeProvider>(time);
        builder.Services.AddSingleton<IDetectorFactory, FakeDetectorFactory>();
        builder.AddIoTAnomalyModelLoader();
        using var host = builder.Build();
        var registry = host.Services.GetRequiredService<IModelRegistry>();
        await TestModels.RegisterAsync(registry, model, "v1");
        await registry.PromoteAsync(model, "v1", "initial", "test", null, CancellationToken.None);
        var holder = host.Services.GetRequiredService<ModelHolder>();

        await host.StartAsync();
        Assert.AreEqual("v1", holder.Current?.Version, "loaded before StartAsync returned");

        var swapped = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        holder.Swapped += (_, m) => swapped.TrySetResult(m.Version);
        await TestModels.RegisterAsync(registry, model, "v2");
        await registry.PromoteAsync(model, "v2", "better", "test", null, CancellationToken.None);
        time.Advance(TimeSpan.FromSeconds(5));

        // The timer fired on Advance; the poll itself does real I/O against Azurite, so wait for its result (bounded).
        Assert.AreEqual("v2", await swapped.Task.WaitAsync(TimeSpan.FromSeconds(30)));
        await host.StopAsync();
    }
}
