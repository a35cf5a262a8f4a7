using System.Security.Cryptography;
using IoTAnomaly.LocalHost.Security;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.StaticFiles;
using Microsoft.Net.Http.Headers;

namespace IoTAnomaly.LocalHost.Dashboard;

/// <summary>
/// The dashboard shell: <c>GET /</c> (the page) and <c>GET /dashboard/{file}</c> (its CSS and JavaScript), served from
/// resources embedded in this assembly (sources under <c>wwwroot/dashboard</c>), so they work from any working
/// directory and need no CDN. The shell holds no data: the page reads the API key from the URL fragment
/// (<c>/#key=…</c>, which browsers never send) or a prompt and calls the JSON APIs with <c>x-api-key</c>.
/// That is why these routes, and only for GET/HEAD, are exempt from the key check (<see cref="IsShellRequest"/>).
/// </summary>
public static class DashboardEndpoints
{
    /// <summary>The prefix of the shell's assets.</summary>
    public const string AssetsPath = "/dashboard";

    private const string ResourcePrefix = "dashboard/";

    /// <summary>
    /// Same-origin only, no inline script, no framing. The fragment never leaves the browser, and with
    /// <c>no-referrer</c> not even the page address is passed on.
    /// </summary>
    private const string ContentSecurityPolicy =
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

    private static readonly FileExtensionContentTypeProvider ContentTypes = new();

    private static readonly Lazy<IReadOnlyDictionary<string, Asset>> Assets = new(LoadAssets);

    /// <summary>
    /// True for the requests that may go without the API key: GET or HEAD of <c>/</c> or of a file under
    /// <c>/dashboard/</c>. Anything else (every API, <c>/metrics</c>, any other method) still needs the key.
    /// </summary>
    public static bool IsShellRequest(HttpRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (!HttpMethods.IsGet(request.Method) && !HttpMethods.IsHead(request.Method))
        {
            return false;
        }

        var path = request.Path;
        return (path.Value is "/" && request.PathBase.Value is null or "") || path.StartsWithSegments(AssetsPath);
    }

    /// <summary>The names of the embedded assets (for tests and docs).</summary>
    public static IReadOnlyCollection<string> AssetNames => (IReadOnlyCollection<string>)Assets.Value.Keys;

    internal static IEndpointRouteBuilder MapDashboard(this IEndpointRouteBuilder routes)
    {
        routes.MapMethods("/", [HttpMethods.Get, HttpMethods.Head], (HttpContext context) => Serve(context, "index.html")).WithName("Dashboard");
        routes.MapMethods(AssetsPath + "/{file}", [HttpMethods.Get, HttpMethods.Head], (HttpContext context, string file) => Serve(context, file)).WithName("DashboardAsset");
        return routes;
    }

    /// <summary>
    /// Prints where the dashboard is once the server listens: with the generated key in the fragment (the key is
    /// printed at start anyway), or without it when the key is configured (the page then asks for it).
    /// </summary>
    internal static void PrintDashboardAddress(WebApplication app)
    {
        app.Lifetime.ApplicationStarted.Register(() =>
        {
            var addresses = app.Services.GetService<IServer>()?.Features.Get<IServerAddressesFeature>()?.Addresses;
            var address = addresses?.FirstOrDefault(a => a.StartsWith("http://", StringComparison.OrdinalIgnoreCase)) ?? addresses?.FirstOrDefault();
            if (address is null)
            {
                return; // In-memory test server: nothing listens.
            }

            var uri = new UriBuilder(address.Replace("://+", "://localhost", StringComparison.Ordinal).Replace("://*", "://localhost", StringComparison.Ordinal));
            if (uri.Host is "0.0.0.0" or "[::]" or "::")
            {
                uri.Host = "127.0.0.1";
            }

            var validator = app.Services.GetRequiredService<ApiKeyValidator>();
            uri.Path = "/";
            uri.Fragment = validator.Generated ? "key=" + Uri.EscapeDataString(validator.Key) : string.Empty;
            Console.Out.WriteLine(validator.Generated
                ? $"Dashboard: {uri.Uri} (the key stays in the fragment; the browser does not send it)"
                : $"Dashboard: {uri.Uri} (it asks for the configured {SecurityOptions.ApiKeyHeader}, or open it with #key=<key>)");
        });
    }

    private static IResult Serve(HttpContext context, string file)
    {
        if (!Assets.Value.TryGetValue(file, out var asset))
        {
            return Results.NotFound();
        }

        var headers = context.Response.Headers;
        headers.ContentSecurityPolicy = ContentSecurityPolicy;
        headers.XContentTypeOptions = "nosniff";
        headers.XFrameOptions = "DENY";
        headers["Referrer-Policy"] = "no-referrer";
        headers.CacheControl = "no-cache";
        // The file result answers If-None-Match with 304 itself.
        return Results.Bytes(asset.Content, asset.ContentType, entityTag: new EntityTagHeaderValue(asset.ETag));
    }

    private static Dictionary<string, Asset> LoadAssets()
    {
        var assembly = typeof(DashboardEndpoints).Assembly;
        var assets = new Dictionary<string, Asset>(StringComparer.Ordinal);
        foreach (var name in assembly.GetManifestResourceNames().Where(n => n.StartsWith(ResourcePrefix, StringComparison.Ordinal)))
        {
            using var stream = assembly.GetManifestResourceStream(name) ?? throw new InvalidOperationException($"Missing resource {name}.");
            using var buffer = new MemoryStream();
            stream.CopyTo(buffer);
            var content = buffer.ToArray();
            var file = name[ResourcePrefix.Length..];
            var contentType = ContentTypes.TryGetContentType(file, out var type) ? type : "application/octet-stream";
            if (contentType.StartsWith("text/", StringComparison.Ordinal) || contentType is "application/javascript" or "text/javascript")
            {
                contentType += "; charset=utf-8";
            }

            assets[file] = new Asset(content, contentType, "\"" + Convert.ToHexStringLower(SHA256.HashData(content))[..16] + "\"");
        }

        return assets;
    }

    private sealed record Asset(byte[] Content, string ContentType, string ETag);
}
