using System.Globalization;
using System.Net.Http.Json;
using System.Text;
using IoTAnomaly.Core.Detection;
using IoTAnomaly.LocalHost.Api;
using IoTAnomaly.Testing;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace IoTAnomaly.LocalHost.Tests;

/// <summary>
/// The local host in memory against the test Azurite, with its own containers and model name (so test classes do not
/// see each other's blobs), the built-in simulator and the model bootstrap off, and a known API key.
/// </summary>
public sealed class LocalHostFactory : WebApplicationFactory<Program>
{
    public const string ApiKey = "test-api-key-0123456789";

    public static readonly string[] Sensors = ["temperature", "pressure", "vibration"];

    private readonly Dictionary<string, string?> _settings;
    private readonly Action<IServiceCollection>? _configureServices;

    public LocalHostFactory(IDictionary<string, string?>? overrides = null, Action<IServiceCollection>? configureServices = null)
    {
        _configureServices = configureServices;
        ModelName = AzuriteFixture.UniqueName("model");
        _settings = LocalHostSettings.Isolated(ModelName, ApiKey);
        _settings["LocalHost:Simulator"] = "false";
        _settings["LocalHost:BootstrapModel"] = "false";
        _settings["LocalHost:MaxWaitTime"] = "00:00:00.020";
        if (overrides is not null)
        {
            foreach (var (key, value) in overrides)
            {
                _settings[key] = value;
            }
        }
    }

    public string ModelName { get; }

    public T Get<T>()
        where T : notnull => Services.GetRequiredService<T>();

    /// <summary>A client that sends the API key.</summary>
    public HttpClient CreateApiClient()
    {
        var client = CreateClient();
        client.DefaultRequestHeaders.Add("x-api-key", ApiKey);
        return client;
    }

    /// <summary>Loads a <see cref="FakeDetector"/> (anomaly when a |value| exceeds 4; physical bounds ±100) as the champion.</summary>
    public void LoadFakeModel(string version = "fake-v1")
        => Get<ModelHolder>().Swap(new LoadedModel(new FakeDetector(version, Sensors, physicalMin: -100, physicalMax: 100), "etag", DateTimeOffset.UtcNow));

    /// <summary>Waits (bounded) until the workers finished at least <paramref name="received"/> readings and nothing is pending.</summary>
    public static async Task<StatsResponse> WaitForProcessedAsync(HttpClient client, long received, TimeSpan? timeout = null)
    {
        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(60));
        while (true)
        {
            var stats = await client.GetFromJsonAsync<StatsResponse>(new Uri("/api/stats", UriKind.Relative), cts.Token);
            if (stats is not null && stats.Received >= received && stats.PendingEvents == 0)
            {
                return stats;
            }

            await Task.Delay(25, cts.Token);
        }
    }

    public static string Reading(string device, string? messageId, double t = 1, double p = 2, double v = 3, DateTimeOffset? timestamp = null)
        => "{\"deviceId\":\"" + device + "\",\"timestamp\":\"" + (timestamp ?? DateTimeOffset.UtcNow.AddSeconds(-1)).ToString("O", CultureInfo.InvariantCulture) + "\""
           + (messageId is null ? string.Empty : ",\"messageId\":\"" + messageId + "\"")
           + ",\"readings\":{\"temperature\":" + t.ToString("R", CultureInfo.InvariantCulture)
           + ",\"pressure\":" + p.ToString("R", CultureInfo.InvariantCulture)
           + ",\"vibration\":" + v.ToString("R", CultureInfo.InvariantCulture) + "}}";

    public static StringContent Json(string body, string mediaType = "application/json") => new(body, Encoding.UTF8, mediaType);

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.ConfigureAppConfiguration((_, configuration) => configuration.AddInMemoryCollection(_settings));
        // Core registers drift services whose Blob stores land with the drift work; until then not every registration
        // can be built eagerly (nothing here resolves them).
        builder.UseDefaultServiceProvider(provider => provider.ValidateOnBuild = false);
        if (_configureServices is not null)
        {
            builder.ConfigureServices(_configureServices);
        }
    }
}
