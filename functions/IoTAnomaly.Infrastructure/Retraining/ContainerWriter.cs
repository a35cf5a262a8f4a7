using System.Net;
using Azure;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;

namespace IoTAnomaly.Infrastructure.Retraining;

/// <summary>
/// One container of the drift and retraining stores: creates it on the first write when allowed, and when it vanished
/// since (storage emptied, e.g. an in-memory Azurite restarted) creates it again and retries the write once.
/// </summary>
internal sealed class ContainerWriter(BlobContainerClient container, bool createContainer)
{
    private volatile bool _ready;

    public BlobContainerClient Container { get; } = container ?? throw new ArgumentNullException(nameof(container));

    public async Task<T> WriteAsync<T>(Func<Task<T>> write, CancellationToken cancellationToken)
    {
        await EnsureAsync(cancellationToken);
        try
        {
            return await write();
        }
        catch (RequestFailedException ex) when (createContainer && ex.ErrorCode == BlobErrorCode.ContainerNotFound)
        {
            _ready = false;
            await EnsureAsync(cancellationToken);
            return await write();
        }
    }

    /// <summary>Uploads <paramref name="content"/> to <paramref name="name"/>, replacing what is there.</summary>
    public Task<Response<BlobContentInfo>> UploadAsync(string name, BinaryData content, BlobUploadOptions options, CancellationToken cancellationToken)
        => WriteAsync(() => Container.GetBlobClient(name).UploadAsync(content, options, cancellationToken), cancellationToken);

    /// <summary>The blob's content and properties, or null when the blob (or the container) does not exist.</summary>
    public async Task<BlobDownloadResult?> TryDownloadAsync(string name, CancellationToken cancellationToken)
    {
        try
        {
            return (await Container.GetBlobClient(name).DownloadContentAsync(cancellationToken)).Value;
        }
        catch (RequestFailedException ex) when (ex.Status == (int)HttpStatusCode.NotFound)
        {
            return null;
        }
    }

    /// <summary>Blob names under <paramref name="prefix"/>; none when the container does not exist.</summary>
    public async Task<List<string>> ListNamesAsync(string prefix, CancellationToken cancellationToken)
    {
        var names = new List<string>();
        try
        {
            await foreach (var item in Container.GetBlobsAsync(BlobTraits.None, BlobStates.None, prefix, cancellationToken))
            {
                names.Add(item.Name);
            }
        }
        catch (RequestFailedException ex) when (ex.Status == (int)HttpStatusCode.NotFound)
        {
            return [];
        }

        return names;
    }

    /// <summary>The immediate child folders (with a trailing '/') and blobs under <paramref name="prefix"/>.</summary>
    public async Task<(List<string> Folders, List<string> Blobs)> ListLevelAsync(string prefix, CancellationToken cancellationToken)
    {
        var folders = new List<string>();
        var blobs = new List<string>();
        try
        {
            await foreach (var item in Container.GetBlobsByHierarchyAsync(BlobTraits.None, BlobStates.None, "/", prefix, cancellationToken))
            {
                if (item.IsPrefix)
                {
                    folders.Add(item.Prefix);
                }
                else
                {
                    blobs.Add(item.Blob.Name);
                }
            }
        }
        catch (RequestFailedException ex) when (ex.Status == (int)HttpStatusCode.NotFound)
        {
        }

        return (folders, blobs);
    }

    public static bool IsConflict(RequestFailedException ex)
        => ex.Status is (int)HttpStatusCode.Conflict or (int)HttpStatusCode.PreconditionFailed;

    private async ValueTask EnsureAsync(CancellationToken cancellationToken)
    {
        if (_ready || !createContainer)
        {
            return;
        }

        await Container.CreateIfNotExistsAsync(cancellationToken: cancellationToken);
        _ready = true;
    }
}
