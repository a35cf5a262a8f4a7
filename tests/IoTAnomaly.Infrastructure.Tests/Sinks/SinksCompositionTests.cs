using IoTAnomaly.Core.Capture;
using IoTAnomaly.Core.Processing;
using IoTAnomaly.Infrastructure.Capture;
using IoTAnomaly.Infrastructure.Sinks;
using IoTAnomaly.Infrastructure.Storage;
using IoTAnomaly.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace IoTAnomaly.Infrastructure.Tests.Sinks;

[TestClass]
public sealed class SinksCompositionTests
{
    public TestContext TestContext { get; set; } = null!;

    [TestMethod]
    public async Task AddIoTAnomalySinks_ResolvesSinksAndCaptureOnConfiguredContainers()
    {
        var tag = AzuriteFixture.UniqueName("sk");
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Storage:ConnectionString"] = AzuriteFixture.ConnectionString,
            ["Storage:ModelsContainer"] = tag + "-m",
            ["Storage:DeadLettersContainer"] = tag + "-d",
            ["Storage:AnomaliesContainer"] = tag + "-a",
            ["Storage:CaptureContainer"] = tag + "-c",
            ["Storage:DriftContainer"] = tag + "-f",
            ["Storage:RetrainingContainer"] = tag + "-r",
            ["Sinks:MaxParallelWrites"] = "4",
            ["Capture:Namespace"] = "ns1",
        });
        builder.AddIoTAnomalyStorage().AddIoTAnomalySinks();
        using var host = builder.Build();

        var anomalies = host.Services.GetRequiredService<IAnomalySink>();
        var deadLetters = host.Services.GetRequiredService<IDeadLetterSink>();
        var writer = host.Services.GetRequiredService<ICaptureWriter>();
        var reader = host.Services.GetRequiredService<ICaptureReader>();

        Assert.AreEqual(tag + "-a", ((BlobAnomalySink)anomalies).Container.Name);
        Assert.AreEqual(tag + "-d", ((BlobDeadLetterSink)deadLetters).Container.Name);
        Assert.AreEqual(tag + "-c", ((AvroCaptureWriter)writer).Container.Name);
        Assert.IsInstanceOfType<AvroCaptureReader>(reader);
        Assert.AreEqual(4, host.Services.GetRequiredService<IOptions<SinkOptions>>().Value.MaxParallelWrites);
        Assert.AreEqual("ns1", host.Services.GetRequiredService<IOptions<CaptureOptions>>().Value.Namespace);

        // Containers are created on first use even though the host was never started.
        await anomalies.WriteAsync([BlobAnomalySinkTests.Anomaly()], TestContext.CancellationToken);
        Assert.HasCount(1, await ((BlobAnomalySink)anomalies).QueryAsync(BlobAnomalySinkTests.T0, BlobAnomalySinkTests.T0, null, 5, TestContext.CancellationToken));
    }

    [TestMethod]
    public void AddIoTAnomalySinks_FailsValidation_WhenCaptureNamespaceInvalid()
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Storage:ConnectionString"] = "UseDevelopmentStorage=true",
            ["Capture:Namespace"] = "a/b",
        });
        builder.AddIoTAnomalyStorage().AddIoTAnomalySinks();
        using var host = builder.Build();

        Assert.ThrowsExactly<OptionsValidationException>(() => host.Services.GetRequiredService<IOptions<CaptureOptions>>().Value);
    }
}
