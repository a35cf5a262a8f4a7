using System.Collections.Concurrent;
using Azure;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Microsoft.Extensions.Options;

namespace IoTAnomaly.Infrastructure.Storage;

/// <summary>
/// The configured Blob containers, each created on first use when <see cref="StorageOptions.CreateContainers"/> is on
/// (idempotent; a failed attempt is retried on the next use).
/// </summary>
public sealed class StorageContainers
{
    private readonly BlobServiceClient _service;
    private readonly ConcurrentDictionary<string, bool> _ensured = new(StringComparer.Ordinal);

    public StorageContainers(BlobServiceClient service, IOptions<StorageOptions> options)
    {
        ArgumentNullException.ThrowIfNull(options);
        _service = service ?? throw new ArgumentNullException(nameof(service));
        Options = options.Value;
    }

    public StorageOptions Options { get; }

    public BlobServiceClient Service => _service;

    /// <summary>The client of a container (no I/O).</summary>
    public BlobContainerClient Get(string containerName) => _service.GetBlobContainerClient(containerName);

    /// <summary>The client of a container, creating the container first if that has not been done by this process.</summary>
    public async ValueTask<BlobContainerClient> GetEnsuredAsync(string containerName, CancellationToken cancellationToken)
    {
        var container = Get(containerName);
        if (Options.CreateContainers && !_ensured.ContainsKey(containerName))
        {
            await container.CreateIfNotExistsAsync(cancellationToken: cancellationToken);
            _ensured[containerName] = true;
        }

        return container;
    }

    /// <summary>
    /// Runs a write against a container, creating the container first if needed; when the container vanished since
    /// (storage emptied, e.g. an in-memory Azurite restarted) it is created again and the write retried once.
    /// </summary>
    public async Task<T> WriteAsync<T>(string containerName, Func<BlobContainerClient, Task<T>> write, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(write);
        var container = await GetEnsuredAsync(containerName, cancellationToken);
        try
        {
            return await write(container);
        }
        catch (RequestFailedException ex) when (Options.CreateContainers && ex.ErrorCode == BlobErrorCode.ContainerNotFound)
        {
            _ensured.TryRemove(containerName, out _);
            container = await GetEnsuredAsync(containerName, cancellationToken);
            return await write(container);
        }
    }

    /// <summary>Creates every configured container that is missing.</summary>
    public async Task EnsureAllAsync(CancellationToken cancellationToken)
    {
        foreach (var name in Options.AllContainers)
        {
            await GetEnsuredAsync(name, cancellationToken);
        }
    }
}
