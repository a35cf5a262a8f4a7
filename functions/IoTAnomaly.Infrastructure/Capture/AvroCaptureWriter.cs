using System.Net;
using Azure;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using IoTAnomaly.Core.Capture;
using IoTAnomaly.Infrastructure.Diagnostics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace IoTAnomaly.Infrastructure.Capture;

/// <summary>
/// The local stand-in for Event Hubs Capture: each <see cref="WriteAsync"/> writes one Avro container file with
/// Capture's schema (<see cref="CaptureAvro"/>) at <c>{namespace}/{eventHub}/{partitionId}/{yyyy}/{MM}/{dd}/{HH}/{mm}/{ss}.avro</c>,
/// the time being the first event's enqueued time (UTC). Files are created with If-None-Match: *; when that second
/// already has a file for the partition, the write tries <c>{ss}-1.avro</c>, <c>{ss}-2.avro</c>, … so nothing is
/// overwritten. Failures propagate.
/// </summary>
public sealed class AvroCaptureWriter : ICaptureWriter
{
    private const string AvroContentType = "avro/binary";

    private readonly BlobContainerClient _container;
    private readonly CaptureOptions _options;
    private readonly ILogger _logger;
    private readonly bool _createContainer;
    private volatile bool _containerReady;

    /// <param name="container">The capture container.</param>
    /// <param name="options">Path names; null uses the defaults (<c>local</c>/<c>telemetry</c>).</param>
    /// <param name="logger">Logger; null logs nothing.</param>
    /// <param name="createContainer">Create the container on the first write when it is missing.</param>
    public AvroCaptureWriter(BlobContainerClient container, CaptureOptions? options = null, ILogger<AvroCaptureWriter>? logger = null, bool createContainer = true)
    {
        _container = container ?? throw new ArgumentNullException(nameof(container));
        _options = options ?? new CaptureOptions();
        _logger = (ILogger?)logger ?? NullLogger.Instance;
        _createContainer = createContainer;
    }

    public BlobContainerClient Container => _container;

    /// <summary>Writes <paramref name="events"/> as one file (nothing for an empty list). Returns nothing; see <see cref="WriteFileAsync"/>.</summary>
    public Task WriteAsync(string partitionId, IReadOnlyList<CapturedEvent> events, CancellationToken cancellationToken)
        => WriteFileAsync(partitionId, events, cancellationToken);

    /// <summary>Writes <paramref name="events"/> as one file and returns its blob name (null for an empty list).</summary>
    public async Task<string?> WriteFileAsync(string partitionId, IReadOnlyList<CapturedEvent> events, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(partitionId);
        ArgumentNullException.ThrowIfNull(events);
        if (partitionId.Contains('/', StringComparison.Ordinal))
        {
            throw new ArgumentException("A partition id cannot contain '/'.", nameof(partitionId));
        }

        if (events.Count == 0)
        {
            return null;
        }

        if (_createContainer && !_containerReady)
        {
            await _container.CreateIfNotExistsAsync(cancellationToken: cancellationToken);
            _containerReady = true;
        }

        var content = BinaryData.FromBytes(CaptureAvro.Write(events));
        var time = events[0].EnqueuedTimeUtc;
        for (var attempt = 0; attempt < _options.MaxNameAttempts; attempt++)
        {
            var name = CapturePaths.BlobName(_options.Namespace, _options.EventHub, partitionId, time, attempt);
            try
            {
                await _container.GetBlobClient(name).UploadAsync(
                    content,
                    new BlobUploadOptions
                    {
                        Conditions = new BlobRequestConditions { IfNoneMatch = ETag.All },
                        HttpHeaders = new BlobHttpHeaders { ContentType = AvroContentType },
                    },
                    cancellationToken);
                Log.CaptureWritten(_logger, events.Count, partitionId, name);
                return name;
            }
            catch (RequestFailedException ex) when (ex.Status is (int)HttpStatusCode.Conflict or (int)HttpStatusCode.PreconditionFailed)
            {
                Log.CaptureNameTaken(_logger, name);
            }
        }

        throw new IOException($"Partition {partitionId} already has {_options.MaxNameAttempts} capture files for {time:O}; nothing was written.");
    }
}
