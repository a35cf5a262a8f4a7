using System.Security.Cryptography;
using System.Text;
using IoTAnomaly.LocalHost.Diagnostics;
using Microsoft.Extensions.Options;

namespace IoTAnomaly.LocalHost.Security;

/// <summary>
/// Holds this process's API key (configured, or generated at start and printed once) and checks a presented key in
/// constant time: both sides are hashed with SHA-256 and the digests compared with
/// <see cref="CryptographicOperations.FixedTimeEquals"/>, so neither content nor length leaks through timing.
/// </summary>
public sealed class ApiKeyValidator
{
    private readonly byte[] _expectedDigest;

    public ApiKeyValidator(IOptions<SecurityOptions> options, ILogger<ApiKeyValidator> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        var configured = options.Value.ApiKey;
        if (string.IsNullOrWhiteSpace(configured))
        {
            Key = Convert.ToBase64String(RandomNumberGenerator.GetBytes(24)).Replace('+', '-').Replace('/', '_');
            Generated = true;
            Log.GeneratedApiKey(logger);
            Console.Out.WriteLine($"API key for this process (send it as header {SecurityOptions.ApiKeyHeader}): {Key}");
        }
        else
        {
            Key = configured;
        }

        _expectedDigest = SHA256.HashData(Encoding.UTF8.GetBytes(Key));
    }

    /// <summary>The key clients must send.</summary>
    public string Key { get; }

    /// <summary>True when the key was generated because none was configured.</summary>
    public bool Generated { get; }

    public bool IsValid(string? presented)
    {
        if (presented is null)
        {
            return false;
        }

        Span<byte> digest = stackalloc byte[SHA256.HashSizeInBytes];
        var bytes = Encoding.UTF8.GetBytes(presented);
        SHA256.HashData(bytes, digest);
        return CryptographicOperations.FixedTimeEquals(digest, _expectedDigest);
    }
}
