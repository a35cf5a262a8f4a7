using IoTAnomaly.Core.Composition;
using IoTAnomaly.Infrastructure.Sinks;
using IoTAnomaly.Infrastructure.Storage;
using IoTAnomaly.LocalHost.Hosting;

var builder = WebApplication.CreateBuilder(CommandLine.Translate(args));
builder.AddIoTAnomalyCore();
builder.AddIoTAnomalyStorage();
builder.AddIoTAnomalySinks();
builder.AddLocalHost();
builder.AddLocalHostTelemetry();

var app = builder.Build();
app.MapLocalHost();
await app.RunLocalHostAsync();

/// <summary>Entry point marker for WebApplicationFactory.</summary>
public partial class Program;
