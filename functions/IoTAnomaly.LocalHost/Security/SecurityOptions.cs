using System.ComponentModel.DataAnnotations;

namespace IoTAnomaly.LocalHost.Security;

/// <summary>Section <c>Security</c>: the API key (environment <c>Security__ApiKey</c>) and the rate limit.</summary>
public sealed class SecurityOptions
{
    public const string SectionName = "Security";

    /// <summary>The header every route except <c>/health</c> needs.</summary>
    public const string ApiKeyHeader = "x-api-key";

    /// <summary>The key clients send as <c>x-api-key</c>; when empty the host generates one at start and prints it once.</summary>
    [StringLength(1024)]
    public string? ApiKey { get; set; }

    /// <summary>Turns the rate limiter off (benchmarks).</summary>
    public bool RateLimitEnabled { get; set; } = true;

    /// <summary>Requests per second per API key (or per client IP when no key is sent).</summary>
    [Range(1, 10_000_000)]
    public int RequestsPerSecond { get; set; } = 20_000;

    /// <summary>Burst size of the token bucket.</summary>
    [Range(1, 10_000_000)]
    public int Burst { get; set; } = 40_000;
}
