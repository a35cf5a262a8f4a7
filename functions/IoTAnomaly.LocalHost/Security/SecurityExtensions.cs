using System.Threading.RateLimiting;
using IoTAnomaly.LocalHost.Dashboard;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.Options;

namespace IoTAnomaly.LocalHost.Security;

/// <summary>The API key check and the rate limiter.</summary>
public static class SecurityExtensions
{
    /// <summary>The only route that needs no key (probes).</summary>
    public const string HealthPath = "/health";

    internal static IServiceCollection AddLocalHostSecurity(this IServiceCollection services)
    {
        services.AddOptions<SecurityOptions>().BindConfiguration(SecurityOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<ApiKeyValidator>();
        services.AddRateLimiter(_ => { });
        services.AddOptions<RateLimiterOptions>().Configure<IOptions<SecurityOptions>, ApiKeyValidator>((limiter, security, validator) =>
        {
            var settings = security.Value;
            limiter.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            limiter.OnRejected = static (context, _) =>
            {
                context.HttpContext.Response.Headers.RetryAfter = "1";
                return ValueTask.CompletedTask;
            };
            limiter.GlobalLimiter = PartitionedRateLimiter.Create<HttpContext, string>(context =>
            {
                if (!settings.RateLimitEnabled || context.Request.Path.StartsWithSegments(HealthPath))
                {
                    return RateLimitPartition.GetNoLimiter("none");
                }

                // One bucket for the valid key; everything else (no key, a wrong key) by client address, so rotating
                // made-up keys neither escapes the limit nor creates a limiter per presented value.
                var partition = HasValidKey(context, validator) ? "key" : "ip:" + context.Connection.RemoteIpAddress;
                return RateLimitPartition.GetTokenBucketLimiter(partition, _ => new TokenBucketRateLimiterOptions
                {
                    TokenLimit = settings.Burst,
                    TokensPerPeriod = settings.RequestsPerSecond,
                    ReplenishmentPeriod = TimeSpan.FromSeconds(1),
                    QueueLimit = 0,
                    AutoReplenishment = true,
                });
            });
        });
        return services;
    }

    /// <summary>
    /// Rate limiting, then the API key on every route (401 otherwise) except <see cref="HealthPath"/> and the dashboard
    /// shell (GET/HEAD of <c>/</c> and <c>/dashboard/*</c>: static files without data, see
    /// <see cref="DashboardEndpoints.IsShellRequest"/>). <c>/metrics</c> and every <c>/api</c> route need the key.
    /// </summary>
    private static readonly object KeyVerdict = new();
    private static readonly object Valid = true;
    private static readonly object Invalid = false;

    /// <summary>Whether the request carries exactly one valid key; hashed once per request (the rate limiter's partition and the key check both ask).</summary>
    private static bool HasValidKey(HttpContext context, ApiKeyValidator validator)
    {
        if (context.Items.TryGetValue(KeyVerdict, out var verdict))
        {
            return ReferenceEquals(verdict, Valid);
        }

        var header = context.Request.Headers[SecurityOptions.ApiKeyHeader];
        var valid = header.Count == 1 && validator.IsValid(header[0]);
        context.Items[KeyVerdict] = valid ? Valid : Invalid;
        return valid;
    }

    internal static IApplicationBuilder UseLocalHostSecurity(this IApplicationBuilder app)
    {
        app.UseRateLimiter();
        var validator = app.ApplicationServices.GetRequiredService<ApiKeyValidator>();
        app.Use(async (context, next) =>
        {
            if (context.Request.Path.StartsWithSegments(HealthPath)
                || DashboardEndpoints.IsShellRequest(context.Request)
                || HasValidKey(context, validator))
            {
                await next(context);
                return;
            }

            context.Response.Headers.WWWAuthenticate = "ApiKey header=\"" + SecurityOptions.ApiKeyHeader + "\"";
            await Results.Problem(
                title: "Unauthorized",
                detail: $"Send this host's API key in the {SecurityOptions.ApiKeyHeader} header.",
                statusCode: StatusCodes.Status401Unauthorized).ExecuteAsync(context);
        });
        return app;
    }
}
