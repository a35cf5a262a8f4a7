using IoTAnomaly.Core.Composition;
using IoTAnomaly.Core.Drift;
using IoTAnomaly.Core.Retraining;
using IoTAnomaly.Infrastructure.Drift;
using IoTAnomaly.Infrastructure.Retraining;
using IoTAnomaly.Infrastructure.Sinks;
using IoTAnomaly.Infrastructure.Storage;
using IoTAnomaly.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace IoTAnomaly.Infrastructure.Tests.Retraining;

[TestClass]
public sealed class RetrainingCompositionTests
{
    private static HostApplicationBuilder Builder()
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Storage:ConnectionString"] = AzuriteFixture.ConnectionString,
            ["Retraining:MaxAnomalyExclusionShare"] = "0.4",
            ["Retraining:Mode"] = "approval",
        });
        builder.AddIoTAnomalyCore();
        builder.AddIoTAnomalyStorage();
        builder.AddIoTAnomalySinks();
        builder.AddIoTAnomalyRetraining();
        return builder;
    }

    [TestMethod]
    public void AddRetraining_WithLocalRunner_ResolvesStoresActivitiesStarterAndDriftMonitor()
    {
        var builder = Builder();
        builder.AddLocalRetrainingRunner();
        using var host = builder.Build();
        var services = host.Services;

        Assert.IsInstanceOfType<BlobDriftSketchStore>(services.GetRequiredService<IDriftSketchStore>());
        Assert.IsInstanceOfType<BlobDriftReportStore>(services.GetRequiredService<IDriftReportStore>());
        Assert.IsInstanceOfType<BlobRetrainingRunStore>(services.GetRequiredService<IRetrainingRunStore>());
        Assert.IsInstanceOfType<RetrainingActivities>(services.GetRequiredService<IRetrainingActivities>());
        Assert.IsInstanceOfType<LocalRetrainingStarter>(services.GetRequiredService<IRetrainingStarter>());
        Assert.IsNotNull(services.GetRequiredService<DriftMonitor>());
        Assert.IsNotNull(services.GetRequiredService<DriftSketchFlusher>());
        Assert.AreSame(services.GetRequiredService<LocalRetrainingRunner>(), services.GetRequiredService<LocalRetrainingRunner>());
        Assert.AreEqual(0.4, services.GetRequiredService<IOptions<RetrainingDataOptions>>().Value.MaxAnomalyExclusionShare);
        Assert.AreEqual(PromotionModes.Approval, services.GetRequiredService<IOptions<RetrainingOptions>>().Value.Mode, "both options classes read the Retraining section");
        var storage = services.GetRequiredService<StorageContainers>().Options;
        Assert.AreEqual(storage.DriftContainer, services.GetRequiredService<BlobDriftSketchStore>().Container.Name);
        Assert.AreEqual(storage.RetrainingContainer, services.GetRequiredService<BlobRetrainingRunStore>().Container.Name);
    }

    [TestMethod]
    public void AddRetraining_WithoutLocalRunner_LeavesTheStarterToTheHost()
    {
        using var host = Builder().Build();

        Assert.IsNull(host.Services.GetService<IRetrainingStarter>());
        Assert.IsNull(host.Services.GetService<LocalRetrainingRunner>());
        Assert.IsNotNull(host.Services.GetService<IRetrainingActivities>());
    }
}
