using Azure.Core;
using Azure.Identity;
using Azure.Storage.Blobs;

namespace IoTAnomaly.Infrastructure.Storage;

/// <summary>
/// The one place that builds a <see cref="BlobServiceClient"/>: from a connection string (Azurite) or from a service
/// URI with <see cref="DefaultAzureCredential"/>, with a short exponential retry policy. Hosts get the client from DI
/// (<see cref="StorageServiceCollectionExtensions.AddIoTAnomalyStorage{TBuilder}"/>); tools and tests call this.
/// </summary>
public static class BlobServiceClientFactory
{
    public static BlobServiceClient Create(StorageOptions options, TokenCredential? credential = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        var clientOptions = CreateClientOptions(options);
        if (!string.IsNullOrWhiteSpace(options.ConnectionString))
        {
            return new BlobServiceClient(options.ConnectionString, clientOptions);
        }

        if (options.BlobServiceUri is null)
        {
            throw new InvalidOperationException(
                $"Storage is not configured: set {StorageOptions.SectionName}:{nameof(StorageOptions.ConnectionString)} or {StorageOptions.SectionName}:{nameof(StorageOptions.BlobServiceUri)}.");
        }

        return new BlobServiceClient(options.BlobServiceUri, credential ?? CreateCredential(options), clientOptions);
    }

    /// <summary>A connection-string client with the default options (tests and tools).</summary>
    public static BlobServiceClient Create(string connectionString)
        => Create(new StorageOptions { ConnectionString = connectionString });

    /// <summary><see cref="DefaultAzureCredential"/>, pinned to a user-assigned identity when one is configured.</summary>
    public static TokenCredential CreateCredential(StorageOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var credentialOptions = new DefaultAzureCredentialOptions();
        if (!string.IsNullOrWhiteSpace(options.ManagedIdentityClientId))
        {
            credentialOptions.ManagedIdentityClientId = options.ManagedIdentityClientId;
        }

        return new DefaultAzureCredential(credentialOptions);
    }

    internal static BlobClientOptions CreateClientOptions(StorageOptions options)
    {
        var clientOptions = new BlobClientOptions();
        clientOptions.Retry.Mode = RetryMode.Exponential;
        clientOptions.Retry.MaxRetries = options.MaxRetries;
        clientOptions.Retry.Delay = options.RetryDelay;
        clientOptions.Retry.MaxDelay = options.MaxRetryDelay;
        clientOptions.Retry.NetworkTimeout = options.NetworkTimeout;
        return clientOptions;
    }
}
