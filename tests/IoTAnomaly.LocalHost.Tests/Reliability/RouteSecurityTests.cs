using System.Net;
using System.Text.RegularExpressions;
using IoTAnomaly.LocalHost.Dashboard;
using IoTAnomaly.LocalHost.Security;
using Microsoft.AspNetCore.Routing;

namespace IoTAnomaly.LocalHost.Tests.Reliability;

/// <summary>
/// Issue 8, security: every route the app maps needs <c>x-api-key</c>, found by enumerating the app's own
/// <see cref="EndpointDataSource"/> (so a route added later is covered without editing this test), except the routes
/// of <see cref="KeyFreeRoutes"/>.
/// </summary>
[TestClass]
public sealed partial class RouteSecurityTests
{
    /// <summary>
    /// The documented allow-list of routes that answer without a key (docs/reliability.md, "Security"). Add a route
    /// here only together with that section: it is reachable by anyone who can reach the port.
    /// </summary>
    public static readonly IReadOnlySet<string> KeyFreeRoutes = new HashSet<string>(StringComparer.OrdinalIgnoreCase)
    {
        // Probes (readiness): status and model version only.
        SecurityExtensions.HealthPath,

        // The dashboard shell: static HTML/CSS/JS without data; the page asks for the key and sends it to /api.
        "/",
        DashboardEndpoints.AssetsPath + "/{file}",
    };

    [TestMethod]
    public async Task EveryMappedRoute_Answers401WithoutTheKey_ExceptTheAllowList()
    {
        await using var factory = new LocalHostFactory();
        factory.LoadFakeModel();
        var endpoints = factory.Get<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
            .SelectMany(e => (e.Metadata.GetMetadata<IHttpMethodMetadata>()?.HttpMethods ?? ["GET"]).Select(m => (Method: m, Pattern: "/" + e.RoutePattern.RawText!.TrimStart('/'))))
            .Distinct()
            .ToList();

        // The routes the docs list must be among them (the enumeration sees the real app).
        foreach (var documented in new[] { "/api/telemetry", "/{eventHub}/messages", "/api/predict", "/api/stats", "/api/devices", "/api/anomalies", "/api/retraining", "/api/models", "/health", "/metrics" })
        {
            Assert.IsTrue(endpoints.Any(e => string.Equals(e.Pattern, documented, StringComparison.OrdinalIgnoreCase)), documented + " is mapped");
        }

        using var anonymous = factory.CreateClient();
        using var keyed = factory.CreateApiClient();
        var checkedRoutes = 0;
        foreach (var (method, pattern) in endpoints)
        {
            var path = Concrete(pattern, factory.ModelName);
            using var withoutKey = await anonymous.SendAsync(Request(method, path, key: null));
            using var wrongKey = await anonymous.SendAsync(Request(method, path, key: "not-the-key"));
            using var withKey = await keyed.SendAsync(Request(method, path, key: null));
            if (KeyFreeRoutes.Contains(pattern))
            {
                Assert.AreNotEqual(HttpStatusCode.Unauthorized, withoutKey.StatusCode, $"{method} {pattern} is allow-listed");
                continue;
            }

            Assert.AreEqual(HttpStatusCode.Unauthorized, withoutKey.StatusCode, $"{method} {path} without a key");
            Assert.AreEqual(HttpStatusCode.Unauthorized, wrongKey.StatusCode, $"{method} {path} with a wrong key");
            Assert.IsTrue(withoutKey.Headers.WwwAuthenticate.Count > 0, $"{method} {path}: 401 says which header");
            Assert.AreNotEqual(HttpStatusCode.Unauthorized, withKey.StatusCode, $"{method} {path} with the key reaches the route");
            Assert.IsLessThan(500, (int)withKey.StatusCode, $"{method} {path} with the key: {await withKey.Content.ReadAsStringAsync()}");
            checkedRoutes++;
        }

        Assert.IsGreaterThanOrEqualTo(12, checkedRoutes, string.Join(", ", endpoints));

        // Paths that map to nothing need the key too: an anonymous caller cannot probe which routes exist.
        using var unknown = await anonymous.SendAsync(Request("GET", "/no/such/route", key: null));
        Assert.AreEqual(HttpStatusCode.Unauthorized, unknown.StatusCode);
    }

    [TestMethod]
    public async Task ApiKey_ComesFromSecurityApiKeyConfiguration_AndOnlyThatKeyIsAccepted()
    {
        await using var factory = new LocalHostFactory(new Dictionary<string, string?> { ["Security:ApiKey"] = "configured-key-42" });
        var validator = factory.Get<ApiKeyValidator>();
        Assert.IsFalse(validator.Generated);
        Assert.AreEqual("configured-key-42", validator.Key);
        using var client = factory.CreateClient();
        using var good = await client.SendAsync(Request("GET", "/api/stats", "configured-key-42"));
        using var old = await client.SendAsync(Request("GET", "/api/stats", LocalHostFactory.ApiKey));
        using var twice = new HttpRequestMessage(HttpMethod.Get, new Uri("/api/stats", UriKind.Relative));
        twice.Headers.Add(SecurityOptions.ApiKeyHeader, ["configured-key-42", "configured-key-42"]);
        using var duplicated = await client.SendAsync(twice);
        Assert.AreEqual(HttpStatusCode.OK, good.StatusCode);
        Assert.AreEqual(HttpStatusCode.Unauthorized, old.StatusCode);
        Assert.AreEqual(HttpStatusCode.Unauthorized, duplicated.StatusCode, "one key header, not several");
    }

    [TestMethod]
    public async Task RateLimiter_LimitsWrongKeysByClient_InsteadOfABucketPerPresentedKey()
    {
        // A client rotating made-up keys must not get a fresh token bucket (and a new limiter in memory) per key.
        await using var factory = new LocalHostFactory(new Dictionary<string, string?>
        {
            ["Security:RequestsPerSecond"] = "1",
            ["Security:Burst"] = "3",
        });
        using var client = factory.CreateClient();
        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 8; i++)
        {
            using var response = await client.SendAsync(Request("GET", "/api/stats", "made-up-key-" + i.ToString(System.Globalization.CultureInfo.InvariantCulture)));
            statuses.Add(response.StatusCode);
        }

        Assert.AreEqual(HttpStatusCode.Unauthorized, statuses[0]);
        CollectionAssert.Contains(statuses, HttpStatusCode.TooManyRequests, string.Join(", ", statuses));

        // The valid key has its own budget: an attacker's wrong keys do not use it up.
        using var keyed = factory.CreateApiClient();
        using var ok = await keyed.GetAsync(new Uri("/api/stats", UriKind.Relative));
        Assert.AreEqual(HttpStatusCode.OK, ok.StatusCode);
    }

    private static HttpRequestMessage Request(string method, string path, string? key)
    {
        var request = new HttpRequestMessage(new HttpMethod(method), new Uri(path, UriKind.Relative));
        if (key is not null)
        {
            request.Headers.Add(SecurityOptions.ApiKeyHeader, key);
        }

        if (method is "POST" or "PUT" or "PATCH")
        {
            // A harmless body: a dry run for retraining, an invalid reading elsewhere.
            request.Content = LocalHostFactory.Json(path.EndsWith("/retraining", StringComparison.Ordinal) ? "{\"dryRun\":true}" : "{}");
        }

        return request;
    }

    /// <summary>A concrete path for a route pattern: parameters get plausible values.</summary>
    private static string Concrete(string pattern, string model)
        => Parameter().Replace(pattern, m => m.Groups[1].Value.ToLowerInvariant() switch
        {
            "model" => model,
            "id" => IoTAnomaly.Core.Retraining.RetrainingRequest.InstanceIdFor(model),
            "eventhub" => "telemetry",
            _ => "x",
        });

    [GeneratedRegex(@"\{([A-Za-z]+)[^}]*\}")]
    private static partial Regex Parameter();
}
