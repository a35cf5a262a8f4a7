using Azure.Core;

namespace IoTAnomaly.Infrastructure.Simulation;

/// <summary>Produces the <c>Authorization</c> header value of a request to a target.</summary>
public interface ITargetAuthorization
{
    ValueTask<string> GetAsync(string resource, CancellationToken cancellationToken);
}

/// <summary>
/// SAS tokens made by <paramref name="create"/> (resource, expiry) and reused per resource until
/// <paramref name="refreshBefore"/> ahead of their expiry.
/// </summary>
public sealed class SasAuthorization(Func<string, DateTimeOffset, string> create, TimeSpan lifetime, TimeProvider? time = null, TimeSpan? refreshBefore = null) : ITargetAuthorization
{
    private readonly Dictionary<string, (string Token, DateTimeOffset Expiry)> _cache = new(StringComparer.Ordinal);
    private readonly TimeProvider _time = time ?? TimeProvider.System;
    private readonly TimeSpan _refreshBefore = refreshBefore ?? TimeSpan.FromMinutes(5);

    public ValueTask<string> GetAsync(string resource, CancellationToken cancellationToken)
    {
        var now = _time.GetUtcNow();
        lock (_cache)
        {
            if (_cache.TryGetValue(resource, out var cached) && cached.Expiry - _refreshBefore > now)
            {
                return ValueTask.FromResult(cached.Token);
            }

            var expiry = now + lifetime;
            var token = create(resource, expiry);
            _cache[resource] = (token, expiry);
            return ValueTask.FromResult(token);
        }
    }
}

/// <summary>Microsoft Entra tokens (e.g. <c>DefaultAzureCredential</c>) for a scope, as <c>Bearer {token}</c>.</summary>
public sealed class EntraAuthorization(TokenCredential credential, string scope) : ITargetAuthorization
{
    /// <summary>The Event Hubs data-plane scope.</summary>
    public const string EventHubsScope = "https://eventhubs.azure.net/.default";

    public async ValueTask<string> GetAsync(string resource, CancellationToken cancellationToken)
    {
        // Azure.Identity caches and refreshes tokens itself.
        var token = await credential.GetTokenAsync(new TokenRequestContext([scope]), cancellationToken);
        return "Bearer " + token.Token;
    }
}
