using System.Globalization;
using System.Net;
using Azure;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;

namespace IoTAnomaly.Infrastructure.Sinks;

/// <summary>
/// Create-once blob writes (If-None-Match: *) and metadata-driven listing, shared by the Blob sinks.
/// </summary>
internal sealed class BlobWriteOnce
{
    private readonly BlobContainerClient _container;
    private readonly bool _createContainer;
    private volatile bool _containerReady;

    public BlobWriteOnce(BlobContainerClient container, bool createContainer)
    {
        _container = container ?? throw new ArgumentNullException(nameof(container));
        _createContainer = createContainer;
    }

    public BlobContainerClient Container => _container;

    /// <summary>
    /// Uploads <paramref name="content"/> as <paramref name="name"/> unless that blob exists. Returns false when it
    /// already existed (409 BlobAlreadyExists, or 412 when a concurrent writer won the race): the replay is a no-op.
    /// Any other failure propagates.
    /// </summary>
    public async Task<bool> TryCreateAsync(string name, BinaryData content, IDictionary<string, string> metadata, string contentType, CancellationToken cancellationToken)
    {
        await EnsureContainerAsync(cancellationToken);
        var blob = _container.GetBlobClient(name);
        try
        {
            await blob.UploadAsync(
                content,
                new BlobUploadOptions
                {
                    Conditions = new BlobRequestConditions { IfNoneMatch = ETag.All },
                    HttpHeaders = new BlobHttpHeaders { ContentType = contentType },
                    Metadata = metadata,
                },
                cancellationToken);
            return true;
        }
        catch (RequestFailedException ex) when (ex.Status is (int)HttpStatusCode.Conflict or (int)HttpStatusCode.PreconditionFailed)
        {
            return false;
        }
    }

    /// <summary>Blobs under <paramref name="prefix"/> with their metadata; nothing when the container does not exist yet.</summary>
    public async IAsyncEnumerable<BlobItem> ListAsync(string prefix, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var pages = _container.GetBlobsAsync(BlobTraits.Metadata, BlobStates.None, prefix, cancellationToken).AsPages();
        await using var enumerator = pages.GetAsyncEnumerator(cancellationToken);
        while (true)
        {
            Page<BlobItem> page;
            try
            {
                if (!await enumerator.MoveNextAsync())
                {
                    yield break;
                }

                page = enumerator.Current;
            }
            catch (RequestFailedException ex) when (ex.Status == (int)HttpStatusCode.NotFound)
            {
                yield break;
            }

            foreach (var item in page.Values)
            {
                yield return item;
            }
        }
    }

    /// <summary>
    /// The UTC days in [<paramref name="from"/>, <paramref name="to"/>] that have a <c>yyyy/MM/dd/</c> folder, newest
    /// first. Walks the year, month and day folders that exist, so an open-ended window costs a few listings, not one
    /// per calendar day.
    /// </summary>
    public async Task<IReadOnlyList<DateTime>> ExistingDaysNewestFirstAsync(DateTimeOffset from, DateTimeOffset to, CancellationToken cancellationToken)
    {
        var first = from.UtcDateTime.Date;
        var last = to.UtcDateTime.Date;
        var days = new List<DateTime>();
        foreach (var year in await ListNumberedFoldersAsync(string.Empty, cancellationToken))
        {
            if (year < first.Year || year > last.Year)
            {
                continue;
            }

            var yearPrefix = year.ToString("D4", CultureInfo.InvariantCulture) + "/";
            foreach (var month in await ListNumberedFoldersAsync(yearPrefix, cancellationToken))
            {
                if (month is < 1 or > 12 || new DateTime(year, month, DateTime.DaysInMonth(year, month), 0, 0, 0, DateTimeKind.Utc) < first || new DateTime(year, month, 1, 0, 0, 0, DateTimeKind.Utc) > last)
                {
                    continue;
                }

                var monthPrefix = yearPrefix + month.ToString("D2", CultureInfo.InvariantCulture) + "/";
                foreach (var day in await ListNumberedFoldersAsync(monthPrefix, cancellationToken))
                {
                    if (day >= 1 && day <= DateTime.DaysInMonth(year, month))
                    {
                        var date = new DateTime(year, month, day, 0, 0, 0, DateTimeKind.Utc);
                        if (date >= first && date <= last)
                        {
                            days.Add(date);
                        }
                    }
                }
            }
        }

        days.Sort(static (a, b) => b.CompareTo(a));
        return days;
    }

    private async Task<List<int>> ListNumberedFoldersAsync(string prefix, CancellationToken cancellationToken)
    {
        var numbers = new List<int>();
        try
        {
            await foreach (var item in _container.GetBlobsByHierarchyAsync(BlobTraits.None, BlobStates.None, "/", prefix, cancellationToken))
            {
                if (item.IsPrefix && int.TryParse(item.Prefix.AsSpan(prefix.Length, item.Prefix.Length - prefix.Length - 1), NumberStyles.None, CultureInfo.InvariantCulture, out var number))
                {
                    numbers.Add(number);
                }
            }
        }
        catch (RequestFailedException ex) when (ex.Status == (int)HttpStatusCode.NotFound)
        {
            // No container yet: nothing stored.
        }

        return numbers;
    }

    public async Task<BinaryData> DownloadAsync(string name, CancellationToken cancellationToken)
    {
        var result = await _container.GetBlobClient(name).DownloadContentAsync(cancellationToken);
        return result.Value.Content;
    }

    public static string Ticks(DateTimeOffset instant) => instant.UtcTicks.ToString(CultureInfo.InvariantCulture);

    public static bool TryGetTicks(BlobItem item, string key, out long ticks)
    {
        ticks = 0;
        return item.Metadata is { } metadata
            && metadata.TryGetValue(key, out var text)
            && long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out ticks);
    }

    private async Task EnsureContainerAsync(CancellationToken cancellationToken)
    {
        if (_containerReady || !_createContainer)
        {
            return;
        }

        await _container.CreateIfNotExistsAsync(cancellationToken: cancellationToken);
        _containerReady = true;
    }
}
