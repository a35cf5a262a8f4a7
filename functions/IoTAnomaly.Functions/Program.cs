using IoTAnomaly.Core.Composition;
using IoTAnomaly.Functions.Hosting;
using IoTAnomaly.Infrastructure.Retraining;
using IoTAnomaly.Infrastructure.Sinks;
using IoTAnomaly.Infrastructure.Storage;
using Microsoft.Azure.Functions.Worker.Builder;
using Microsoft.Extensions.Hosting;

var builder = FunctionsApplication.CreateBuilder(args);
builder.ConfigureFunctionsWebApplication();
builder.AddIoTAnomalyCore();
builder.AddIoTAnomalyStorage();
builder.AddIoTAnomalySinks();
builder.AddIoTAnomalyRetraining();
builder.AddFunctionsHost();
await builder.Build().RunAsync();
