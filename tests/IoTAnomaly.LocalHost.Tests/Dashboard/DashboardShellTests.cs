using System.Net;
using System.Text.RegularExpressions;
using IoTAnomaly.LocalHost.Dashboard;
using IoTAnomaly.LocalHost.Security;

namespace IoTAnomaly.LocalHost.Tests.Dashboard;

/// <summary>The dashboard shell is the one exemption from the API key: static files without data, GET/HEAD only.</summary>
[TestClass]
public sealed partial class DashboardShellTests
{
    [TestMethod]
    public async Task Shell_LoadsWithoutApiKey_AndHoldsNoDataNorExternalAssets()
    {
        await using var factory = new LocalHostFactory();
        factory.LoadFakeModel("shell-secret-version");
        using var anonymous = factory.CreateClient();

        using var page = await anonymous.GetAsync(new Uri("/", UriKind.Relative));
        Assert.AreEqual(HttpStatusCode.OK, page.StatusCode);
        Assert.AreEqual("text/html", page.Content.Headers.ContentType?.MediaType);
        var html = await page.Content.ReadAsStringAsync();
        StringAssert.Contains(html, "<title>IoTAnomaly");
        StringAssert.Contains(html, "/dashboard/app.js");
        StringAssert.Contains(page.Headers.GetValues("Content-Security-Policy").Single(), "script-src 'self'");
        Assert.AreEqual("no-referrer", page.Headers.GetValues("Referrer-Policy").Single());

        var assets = new Dictionary<string, string> { ["app.js"] = "text/javascript", ["app.css"] = "text/css" };
        var texts = new List<string> { html };
        foreach (var (file, mediaType) in assets)
        {
            using var asset = await anonymous.GetAsync(new Uri("/dashboard/" + file, UriKind.Relative));
            Assert.AreEqual(HttpStatusCode.OK, asset.StatusCode, file);
            Assert.AreEqual(mediaType, asset.Content.Headers.ContentType?.MediaType, file);
            texts.Add(await asset.Content.ReadAsStringAsync());
        }

        CollectionAssert.IsSubsetOf(new[] { "index.html", "app.js", "app.css" }, DashboardEndpoints.AssetNames.ToArray());
        foreach (var text in texts)
        {
            Assert.DoesNotContain(LocalHostFactory.ApiKey, text, "the shell must not carry the key");
            Assert.DoesNotContain("shell-secret-version", text, "the shell must not carry data");
            Assert.IsFalse(ExternalUrl().IsMatch(text), "no CDN or other external asset: " + ExternalUrl().Match(text).Value);
        }

        // Only embedded assets are served: unknown names and encoded traversal answer 404, never a data route.
        foreach (var path in new[] { "/dashboard/nope.js", "/dashboard/..%2Fapi%2Fstats", "/dashboard/%2E%2E%2Fmetrics" })
        {
            using var missing = await anonymous.GetAsync(new Uri(path, UriKind.Relative));
            Assert.AreEqual(HttpStatusCode.NotFound, missing.StatusCode, path);
        }
    }

    [TestMethod]
    public async Task Shell_AnswersNotModified_WhenETagMatches()
    {
        await using var factory = new LocalHostFactory();
        using var anonymous = factory.CreateClient();
        using var first = await anonymous.GetAsync(new Uri("/dashboard/app.js", UriKind.Relative));
        var etag = first.Headers.ETag;
        Assert.IsNotNull(etag);
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri("/dashboard/app.js", UriKind.Relative));
        request.Headers.IfNoneMatch.Add(etag);
        using var second = await anonymous.SendAsync(request);
        Assert.AreEqual(HttpStatusCode.NotModified, second.StatusCode);
    }

    [TestMethod]
    [DataRow("POST", "/")]
    [DataRow("PUT", "/dashboard/app.js")]
    [DataRow("GET", "/api/stats")]
    [DataRow("GET", "/api/devices")]
    [DataRow("GET", "/api/anomalies")]
    [DataRow("GET", "/api/drift")]
    [DataRow("GET", "/api/models")]
    [DataRow("GET", "/api/retraining")]
    [DataRow("POST", "/api/retraining/retrain-x/approve")]
    [DataRow("GET", "/metrics")]
    [DataRow("GET", "/dashboard-data")]
    [DataRow("GET", "/index.html")]
    public async Task DataRoutes_StillNeedApiKey_WhileShellIsOpen(string method, string path)
    {
        await using var factory = new LocalHostFactory();
        factory.LoadFakeModel();
        using var anonymous = factory.CreateClient();
        using var request = new HttpRequestMessage(new HttpMethod(method), new Uri(path, UriKind.Relative));
        using var response = await anonymous.SendAsync(request);
        Assert.AreEqual(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Contains(SecurityOptions.ApiKeyHeader, response.Headers.WwwAuthenticate.ToString());
    }

    [GeneratedRegex(@"(src|href)\s*=\s*[""']?(https?:)?//|fetch\(\s*['""]https?:|@import\s+url\(\s*['""]?https?:", RegexOptions.IgnoreCase)]
    private static partial Regex ExternalUrl();
}
