using IoTAnomaly.Core.Composition;
using IoTAnomaly.Infrastructure.Sinks;
using IoTAnomaly.Infrastructure.Storage;
using IoTAnomaly.LocalHost.Hosting;
using IoTAnomaly.LocalHost.Retraining;

var builder = WebApplication.CreateBuilder(CommandLine.Translate(args));
builder.AddIoTAnomalyCore();
builder.AddIoTAnomalyStorage();
builder.AddIoTAnomalySinks();
builder.AddLocalHost();
builder.AddLocalRetraining();
builder.AddLocalHostTelemetry();

var app = builder.Build();
app.MapLocalHost();
app.MapRetrainingApi();
await app.RunLocalHostAsync();

/// <summary>Entry point marker for WebApplicationFactory.</summary>
public partial class Program;
