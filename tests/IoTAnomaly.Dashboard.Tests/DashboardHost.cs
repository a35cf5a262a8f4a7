using IoTAnomaly.Core.Detection;
using IoTAnomaly.Testing;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace IoTAnomaly.Dashboard.Tests;

/// <summary>
/// The local host on Kestrel at 127.0.0.1 on a free port (the browser needs a real socket), against the test Azurite,
/// with its own containers and model name, the built-in simulator and the model bootstrap off, and a known API key.
/// </summary>
public sealed class DashboardHost : WebApplicationFactory<Program>
{
    public const string ApiKey = "dashboard-test-key-0123456789";

    private readonly Dictionary<string, string?> _settings;

    public DashboardHost(IDictionary<string, string?>? overrides = null)
    {
        ModelName = AzuriteFixture.UniqueName("model");
        _settings = LocalHostSettings.Isolated(ModelName, ApiKey);
        _settings["LocalHost:Simulator"] = "false";
        _settings["LocalHost:BootstrapModel"] = "false";
        _settings["LocalHost:MaxWaitTime"] = "00:00:00.020";
        _settings["Drift:RetrainOnDrift"] = "false";
        if (overrides is not null)
        {
            foreach (var (key, value) in overrides)
            {
                _settings[key] = value;
            }
        }

        UseKestrel(kestrel => kestrel.Listen(System.Net.IPAddress.Loopback, 0));
        StartServer();
        var addresses = Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses ?? [];
        BaseAddress = new Uri(addresses.Single(a => a.StartsWith("http://127.0.0.1:", StringComparison.Ordinal)));
    }

    public string ModelName { get; }

    /// <summary>The real loopback address the browser opens (e.g. http://127.0.0.1:41234).</summary>
    public Uri BaseAddress { get; }

    /// <summary>The dashboard with the key in the fragment, as the host prints it.</summary>
    public Uri DashboardUrl => new(BaseAddress, "/#key=" + Uri.EscapeDataString(ApiKey));

    public T Get<T>()
        where T : notnull => Services.GetRequiredService<T>();

    /// <summary>A client over the loopback socket that sends the API key.</summary>
    public HttpClient CreateApiClient()
    {
        var client = new HttpClient { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(100) };
        client.DefaultRequestHeaders.Add("x-api-key", ApiKey);
        return client;
    }

    /// <summary>Loads a <see cref="FakeDetector"/> (anomaly when a |value| exceeds 4; physical bounds ±100) as the champion.</summary>
    public void LoadFakeModel(string version = "fake-v1")
        => Get<ModelHolder>().Swap(new LoadedModel(new FakeDetector(version, ["temperature", "pressure", "vibration"], physicalMin: -100, physicalMax: 100), "etag", DateTimeOffset.UtcNow));

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.ConfigureAppConfiguration((_, configuration) => configuration.AddInMemoryCollection(_settings));
        builder.UseDefaultServiceProvider(provider => provider.ValidateOnBuild = false);
    }
}
