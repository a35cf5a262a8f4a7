using System.Net;
using System.Net.Http.Json;
using IoTAnomaly.Core.Models;
using IoTAnomaly.LocalHost.Api;
using IoTAnomaly.LocalHost.Run;
using IoTAnomaly.LocalHost.Security;

namespace IoTAnomaly.LocalHost.Tests.Api;

[TestClass]
public sealed class HealthAndSecurityTests
{
    [TestMethod]
    public async Task Health_Answers503BeforeAModelAnd200AfterBootstrap_WhenRegistryStartsEmpty()
    {
        await using var factory = new LocalHostFactory(new Dictionary<string, string?>
        {
            ["LocalHost:BootstrapReadings"] = "3000",
            ["Simulator:DeviceCount"] = "5",
        });
        using var anonymous = factory.CreateClient();

        using (var before = await anonymous.GetAsync(new Uri("/health", UriKind.Relative)))
        {
            Assert.AreEqual(HttpStatusCode.ServiceUnavailable, before.StatusCode);
            var health = await before.Content.ReadFromJsonAsync<HealthResponse>();
            Assert.AreEqual("not-ready", health!.Status);
            Assert.IsNull(health.ModelVersion);
            Assert.Contains("no champion", health.LastLoadError!);
        }

        var version = await factory.Get<ModelBootstrapper>().EnsureChampionAsync(CancellationToken.None);

        Assert.IsNotNull(version);
        using (var after = await anonymous.GetAsync(new Uri("/health", UriKind.Relative)))
        {
            Assert.AreEqual(HttpStatusCode.OK, after.StatusCode);
            var health = await after.Content.ReadFromJsonAsync<HealthResponse>();
            Assert.AreEqual("ready", health!.Status);
            Assert.AreEqual(version, health.ModelVersion);
        }

        var registry = factory.Get<IModelRegistry>();
        var audit = await registry.GetAuditLogAsync(factory.ModelName, CancellationToken.None);
        Assert.IsTrue(audit.Any(a => a.Action == "promote" && a.Actor == ModelBootstrapper.Actor && a.Version == version));
        Assert.AreEqual(version, await factory.Get<ModelBootstrapper>().EnsureChampionAsync(CancellationToken.None), "a second start must not train again");
        Assert.HasCount(1, await registry.ListVersionsAsync(factory.ModelName, CancellationToken.None));
    }

    [TestMethod]
    [DataRow("GET", "/api/stats")]
    [DataRow("GET", "/api/devices")]
    [DataRow("GET", "/api/anomalies")]
    [DataRow("POST", "/api/telemetry")]
    [DataRow("POST", "/api/predict")]
    [DataRow("POST", "/telemetry/messages")]
    [DataRow("GET", "/metrics")]
    [DataRow("GET", "/api/models")]
    [DataRow("GET", "/api/retraining")]
    [DataRow("GET", "/api/drift")]
    public async Task Routes_Answer401_WhenApiKeyIsMissingOrWrong(string method, string path)
    {
        await using var factory = new LocalHostFactory();
        factory.LoadFakeModel();
        using var client = factory.CreateClient();
        foreach (var key in new string?[] { null, "wrong-key", LocalHostFactory.ApiKey + "x", string.Empty })
        {
            using var request = new HttpRequestMessage(new HttpMethod(method), new Uri(path, UriKind.Relative));
            if (key is not null)
            {
                request.Headers.Add(SecurityOptions.ApiKeyHeader, key);
            }

            if (method == "POST")
            {
                request.Content = LocalHostFactory.Json(LocalHostFactory.Reading("pump-1", "k-1"));
            }

            using var response = await client.SendAsync(request);
            Assert.AreEqual(HttpStatusCode.Unauthorized, response.StatusCode, $"key '{key}'");
        }

        using var authorized = new HttpRequestMessage(new HttpMethod(method), new Uri(path, UriKind.Relative));
        authorized.Headers.Add(SecurityOptions.ApiKeyHeader, LocalHostFactory.ApiKey);
        if (method == "POST")
        {
            authorized.Content = LocalHostFactory.Json(LocalHostFactory.Reading("pump-1", "k-1"));
        }

        using var ok = await client.SendAsync(authorized);
        Assert.IsTrue(ok.IsSuccessStatusCode, $"{ok.StatusCode}");
        var stats = await factory.CreateApiClient().GetFromJsonAsync<StatsResponse>(new Uri("/api/stats", UriKind.Relative));
        Assert.IsLessThanOrEqualTo(1, stats!.QueuedEvents, "refused requests must not reach the ingest");
    }

    [TestMethod]
    public async Task Health_NeedsNoApiKey_WhenCalledAnonymously()
    {
        await using var factory = new LocalHostFactory();
        factory.LoadFakeModel();
        using var client = factory.CreateClient();
        using var response = await client.GetAsync(new Uri("/health", UriKind.Relative));
        Assert.AreEqual(HttpStatusCode.OK, response.StatusCode);
    }

    [TestMethod]
    public async Task ApiKey_IsGeneratedAndAccepted_WhenNotConfigured()
    {
        await using var factory = new LocalHostFactory(new Dictionary<string, string?> { ["Security:ApiKey"] = string.Empty });
        using var client = factory.CreateClient();
        var validator = factory.Get<ApiKeyValidator>();
        Assert.IsTrue(validator.Generated);
        Assert.IsGreaterThanOrEqualTo(24, validator.Key.Length);
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri("/api/stats", UriKind.Relative));
        request.Headers.Add(SecurityOptions.ApiKeyHeader, validator.Key);
        using var response = await client.SendAsync(request);
        Assert.AreEqual(HttpStatusCode.OK, response.StatusCode);
    }

    [TestMethod]
    public async Task RateLimiter_Answers429_WhenAKeyExceedsItsBudget()
    {
        await using var factory = new LocalHostFactory(new Dictionary<string, string?>
        {
            ["Security:RequestsPerSecond"] = "1",
            ["Security:Burst"] = "3",
        });
        using var client = factory.CreateApiClient();
        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 6; i++)
        {
            using var response = await client.GetAsync(new Uri("/api/stats", UriKind.Relative));
            statuses.Add(response.StatusCode);
        }

        CollectionAssert.Contains(statuses, HttpStatusCode.TooManyRequests);
        Assert.AreEqual(HttpStatusCode.OK, statuses[0]);
        using var health = await client.GetAsync(new Uri("/health", UriKind.Relative));
        Assert.AreNotEqual(HttpStatusCode.TooManyRequests, health.StatusCode, "probes are not rate limited");
    }
}
