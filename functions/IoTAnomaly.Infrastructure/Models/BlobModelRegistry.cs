using System.Net;
using System.Security.Cryptography;
using System.Text.Json;
using Azure;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Azure.Storage.Blobs.Specialized;
using IoTAnomaly.Core.Models;
using IoTAnomaly.Core.Serialization;
using IoTAnomaly.Infrastructure.Diagnostics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace IoTAnomaly.Infrastructure.Models;

/// <summary>
/// Reads the ETag of a pointer blob without downloading it (one HEAD request), so a poller can tell cheaply
/// whether the champion changed.
/// </summary>
public interface IModelPointerProbe
{
    /// <summary>The pointer blob's current ETag, or null when no version holds the role.</summary>
    Task<string?> GetPointerETagAsync(string model, ModelRole role, CancellationToken cancellationToken);
}

/// <summary>
/// <see cref="IModelRegistry"/> on Azure Blob Storage. In the models container:
/// <c>{model}/{version}/model.zip</c> and <c>manifest.json</c> (immutable, written with If-None-Match: *),
/// <c>{model}/champion.json</c> and <c>challenger.json</c> (written with If-Match on the ETag read, or
/// If-None-Match: * when creating, so of two concurrent writers exactly one wins), and <c>{model}/audit.ndjson</c>
/// (an append blob, one JSON object per line). See docs/storage.md.
/// </summary>
public sealed class BlobModelRegistry : IModelRegistry, IModelPointerProbe
{
    /// <summary>How many earlier champions a pointer remembers for rollback.</summary>
    public const int MaxHistory = 20;

    internal const string ModelFileName = "model.zip";
    internal const string ManifestFileName = "manifest.json";
    internal const string AuditFileName = "audit.ndjson";
    private const string Sha256MetadataKey = "sha256";

    private static readonly CoreJsonContext CompactJson = new(new JsonSerializerOptions(CoreJsonContext.Default.Options) { WriteIndented = false });

    private readonly BlobContainerClient _container;
    private readonly bool _createContainer;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger _logger;
    private volatile bool _containerReady;

    /// <param name="container">The models container.</param>
    /// <param name="timeProvider">Clock for pointer and audit timestamps.</param>
    /// <param name="logger">Logger; null logs nothing.</param>
    /// <param name="createContainer">Create the container on the first write when it is missing.</param>
    public BlobModelRegistry(BlobContainerClient container, TimeProvider? timeProvider = null, ILogger<BlobModelRegistry>? logger = null, bool createContainer = true)
    {
        _container = container ?? throw new ArgumentNullException(nameof(container));
        _timeProvider = timeProvider ?? TimeProvider.System;
        _logger = (ILogger?)logger ?? NullLogger.Instance;
        _createContainer = createContainer;
    }

    public BlobContainerClient Container => _container;

    /// <summary>
    /// Test seam: awaited after a pointer was read and before it is written, so a test can line up two writers
    /// that read the same pointer and prove that exactly one write wins. Null in production.
    /// </summary>
    internal Func<CancellationToken, Task>? BeforePointerWrite { get; set; }

    public async Task RegisterAsync(ModelManifest manifest, ReadOnlyMemory<byte> modelZip, string actor, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(manifest);
        ModelNames.ThrowIfInvalidModel(manifest.Name, nameof(manifest));
        ModelNames.ThrowIfInvalidVersion(manifest.Version, nameof(manifest));
        if (modelZip.IsEmpty)
        {
            throw new ArgumentException("The model zip is empty.", nameof(modelZip));
        }

        var sha256 = ComputeSha256(modelZip.Span);
        if (manifest.ModelSha256 is not null && !string.Equals(manifest.ModelSha256, sha256, StringComparison.OrdinalIgnoreCase))
        {
            throw new ArgumentException(
                $"The manifest's modelSha256 {manifest.ModelSha256} does not match the model zip ({sha256}).", nameof(manifest));
        }

        manifest.ModelSha256 = sha256;
        await EnsureContainerAsync(cancellationToken);
        var model = manifest.Name;
        var version = manifest.Version;
        var zipBlob = _container.GetBlobClient(VersionPath(model, version, ModelFileName));
        var manifestBlob = _container.GetBlobClient(VersionPath(model, version, ManifestFileName));

        try
        {
            await WriteAsync(
                () => zipBlob.UploadAsync(
                    BinaryData.FromBytes(modelZip),
                    new BlobUploadOptions
                    {
                        Conditions = new BlobRequestConditions { IfNoneMatch = ETag.All },
                        HttpHeaders = new BlobHttpHeaders { ContentType = "application/zip" },
                        Metadata = new Dictionary<string, string> { [Sha256MetadataKey] = sha256 },
                    },
                    cancellationToken),
                cancellationToken);
        }
        catch (RequestFailedException ex) when (IsAlreadyExists(ex))
        {
            // An earlier attempt may have stored the same bytes and stopped before the manifest: finish that attempt.
            if (!await IsUnfinishedRegistrationAsync(zipBlob, manifestBlob, sha256, cancellationToken))
            {
                throw VersionExists(model, version, ex);
            }
        }

        try
        {
            await WriteAsync(
                () => manifestBlob.UploadAsync(
                    BinaryData.FromBytes(JsonSerializer.SerializeToUtf8Bytes(manifest, CoreJsonContext.Default.ModelManifest)),
                    new BlobUploadOptions
                    {
                        Conditions = new BlobRequestConditions { IfNoneMatch = ETag.All },
                        HttpHeaders = new BlobHttpHeaders { ContentType = "application/json" },
                    },
                    cancellationToken),
                cancellationToken);
        }
        catch (RequestFailedException ex) when (IsAlreadyExists(ex))
        {
            throw VersionExists(model, version, ex);
        }

        Log.ModelRegistered(_logger, model, version, modelZip.Length, sha256, actor);
        await AppendAuditAsync(
            new AuditEntry { At = _timeProvider.GetUtcNow(), Model = model, Action = "register", Version = version, Actor = actor, Reason = "registered" },
            cancellationToken);
    }

    public async Task<IReadOnlyList<string>> ListModelsAsync(CancellationToken cancellationToken)
    {
        var models = new List<string>();
        try
        {
            await foreach (var item in _container.GetBlobsByHierarchyAsync(BlobTraits.None, BlobStates.None, "/", prefix: null, cancellationToken))
            {
                if (item.IsPrefix)
                {
                    var name = item.Prefix.TrimEnd('/');
                    if (ModelNames.IsValid(name))
                    {
                        models.Add(name);
                    }
                }
            }
        }
        catch (RequestFailedException ex) when (ex.Status == (int)HttpStatusCode.NotFound)
        {
            return [];
        }

        models.Sort(StringComparer.Ordinal);
        return models;
    }

    public async Task<IReadOnlyList<ModelManifest>> ListVersionsAsync(string model, CancellationToken cancellationToken)
    {
        ModelNames.ThrowIfInvalidModel(model);
        var prefix = model + "/";
        var manifestPaths = new List<string>();
        try
        {
            await foreach (var blob in _container.GetBlobsAsync(BlobTraits.None, BlobStates.None, prefix, cancellationToken))
            {
                var rest = blob.Name.AsSpan(prefix.Length);
                var slash = rest.IndexOf('/');
                if (slash > 0 && rest[(slash + 1)..].SequenceEqual(ManifestFileName))
                {
                    manifestPaths.Add(blob.Name);
                }
            }
        }
        catch (RequestFailedException ex) when (ex.Status == (int)HttpStatusCode.NotFound)
        {
            return [];
        }

        var manifests = new List<ModelManifest>(manifestPaths.Count);
        foreach (var path in manifestPaths)
        {
            try
            {
                var content = await _container.GetBlobClient(path).DownloadContentAsync(cancellationToken);
                manifests.Add(DeserializeManifest(content.Value.Content, path));
            }
            catch (RequestFailedException ex) when (ex.Status == (int)HttpStatusCode.NotFound)
            {
                // Deleted between listing and reading.
            }
        }

        return [.. manifests.OrderBy(m => m.CreatedAt).ThenBy(m => m.Version, StringComparer.Ordinal)];
    }

    public async Task<ModelBundle> DownloadAsync(string model, string version, CancellationToken cancellationToken)
    {
        ModelNames.ThrowIfInvalidModel(model);
        ModelNames.ThrowIfInvalidVersion(version);
        var manifestPath = VersionPath(model, version, ManifestFileName);
        var zipPath = VersionPath(model, version, ModelFileName);
        try
        {
            var manifestContent = await _container.GetBlobClient(manifestPath).DownloadContentAsync(cancellationToken);
            var manifest = DeserializeManifest(manifestContent.Value.Content, manifestPath);
            var zipContent = await _container.GetBlobClient(zipPath).DownloadContentAsync(cancellationToken);
            return new ModelBundle(manifest, zipContent.Value.Content.ToMemory());
        }
        catch (RequestFailedException ex) when (ex.Status == (int)HttpStatusCode.NotFound)
        {
            throw new ModelNotFoundException(
                $"Model '{model}' version '{version}' is not in the registry ({_container.Name}/{model}/{version}/ lacks {(ex.ErrorCode == "ContainerNotFound" ? "its container" : "a blob")}).",
                ex);
        }
    }

    public async Task<ModelPointer?> GetPointerAsync(string model, ModelRole role, CancellationToken cancellationToken)
    {
        ModelNames.ThrowIfInvalidModel(model);
        var path = PointerPath(model, role);
        try
        {
            var response = await _container.GetBlobClient(path).DownloadContentAsync(cancellationToken);
            var pointer = JsonSerializer.Deserialize(response.Value.Content.ToMemory().Span, CoreJsonContext.Default.ModelPointer)
                ?? throw new InvalidDataException($"Pointer {_container.Name}/{path} is empty.");
            pointer.ETag = response.Value.Details.ETag.ToString();
            return pointer;
        }
        catch (RequestFailedException ex) when (ex.Status == (int)HttpStatusCode.NotFound)
        {
            return null;
        }
        catch (JsonException ex)
        {
            throw new InvalidDataException($"Pointer {_container.Name}/{path} is not valid JSON: {ex.Message}", ex);
        }
    }

    public async Task<string?> GetPointerETagAsync(string model, ModelRole role, CancellationToken cancellationToken)
    {
        ModelNames.ThrowIfInvalidModel(model);
        try
        {
            var properties = await _container.GetBlobClient(PointerPath(model, role)).GetPropertiesAsync(cancellationToken: cancellationToken);
            return properties.Value.ETag.ToString();
        }
        catch (RequestFailedException ex) when (ex.Status == (int)HttpStatusCode.NotFound)
        {
            return null;
        }
    }

    public async Task<ModelPointer> PromoteAsync(string model, string version, string reason, string actor, string? expectedETag, CancellationToken cancellationToken)
    {
        ModelNames.ThrowIfInvalidModel(model);
        ModelNames.ThrowIfInvalidVersion(version);
        await ThrowIfVersionMissingAsync(model, version, cancellationToken);
        var current = await GetPointerAsync(model, ModelRole.Champion, cancellationToken);
        if (expectedETag is not null && !string.Equals(current?.ETag, expectedETag, StringComparison.Ordinal))
        {
            Log.PointerConflict(_logger, model, "promote", version, "champion");
            throw new ModelRegistryConflictException(
                $"Cannot promote '{version}' of model '{model}': the champion pointer is no longer at ETag {expectedETag} " +
                $"(it is now {current?.Version ?? "absent"}, ETag {current?.ETag ?? "none"}). Re-read the pointer and retry.");
        }

        if (current is not null && current.Version == version)
        {
            return current;
        }

        var next = new ModelPointer
        {
            Model = model,
            Version = version,
            History = current is null ? [] : [.. new[] { current.Version }.Concat(current.History).Take(MaxHistory)],
            UpdatedAt = _timeProvider.GetUtcNow(),
            Reason = reason,
            Actor = actor,
        };
        return await WritePointerAsync(ModelRole.Champion, "promote", current, next, expectedETag, cancellationToken);
    }

    public async Task<ModelPointer> SetChallengerAsync(string model, string version, string reason, string actor, CancellationToken cancellationToken)
    {
        ModelNames.ThrowIfInvalidModel(model);
        ModelNames.ThrowIfInvalidVersion(version);
        await ThrowIfVersionMissingAsync(model, version, cancellationToken);
        var current = await GetPointerAsync(model, ModelRole.Challenger, cancellationToken);
        if (current is not null && current.Version == version)
        {
            return current;
        }

        var next = new ModelPointer
        {
            Model = model,
            Version = version,
            History = current is null ? [] : [.. new[] { current.Version }.Concat(current.History).Take(MaxHistory)],
            UpdatedAt = _timeProvider.GetUtcNow(),
            Reason = reason,
            Actor = actor,
        };
        return await WritePointerAsync(ModelRole.Challenger, "challenger", current, next, expectedETag: null, cancellationToken);
    }

    public async Task<bool> ClearChallengerAsync(string model, string version, string reason, string actor, CancellationToken cancellationToken)
    {
        ModelNames.ThrowIfInvalidModel(model);
        ModelNames.ThrowIfInvalidVersion(version);
        var current = await GetPointerAsync(model, ModelRole.Challenger, cancellationToken);
        if (current is null || current.Version != version)
        {
            return false;
        }

        try
        {
            await WriteAsync(
                () => _container.GetBlobClient(PointerPath(model, ModelRole.Challenger)).DeleteAsync(
                    DeleteSnapshotsOption.IncludeSnapshots,
                    new BlobRequestConditions { IfMatch = new ETag(current.ETag!) },
                    cancellationToken),
                cancellationToken);
        }
        catch (RequestFailedException ex) when (ex.Status is 404 or 412)
        {
            return false; // cleared or replaced since it was read
        }

        var at = _timeProvider.GetUtcNow();
        Log.PointerChanged(_logger, model, "clear-challenger", version, "(none)", actor, reason);
        await AppendAuditAsync(
            new AuditEntry { At = at, Model = model, Action = "clear-challenger", Version = version, PreviousVersion = version, Reason = reason, Actor = actor },
            cancellationToken);
        return true;
    }

    public async Task<ModelPointer> RollbackAsync(string model, string reason, string actor, CancellationToken cancellationToken)
    {
        ModelNames.ThrowIfInvalidModel(model);
        var current = await GetPointerAsync(model, ModelRole.Champion, cancellationToken)
            ?? throw new InvalidOperationException($"Cannot roll back model '{model}': it has no champion.");
        if (current.History.Count == 0)
        {
            throw new InvalidOperationException(
                $"Cannot roll back model '{model}': champion '{current.Version}' has no previous champion in its history.");
        }

        var target = current.History[0];
        await ThrowIfVersionMissingAsync(model, target, cancellationToken);
        var next = new ModelPointer
        {
            Model = model,
            Version = target,
            History = [.. current.History.Skip(1)],
            UpdatedAt = _timeProvider.GetUtcNow(),
            Reason = reason,
            Actor = actor,
        };
        return await WritePointerAsync(ModelRole.Champion, "rollback", current, next, expectedETag: null, cancellationToken);
    }

    public async Task AppendAuditAsync(AuditEntry entry, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(entry);
        ModelNames.ThrowIfInvalidModel(entry.Model, nameof(entry));
        if (string.IsNullOrWhiteSpace(entry.Action))
        {
            throw new ArgumentException("An audit entry needs an action.", nameof(entry));
        }

        var line = JsonSerializer.SerializeToUtf8Bytes(entry, CompactJson.AuditEntry);
        var bytes = new byte[line.Length + 1];
        line.CopyTo(bytes, 0);
        bytes[^1] = (byte)'\n';

        var blob = _container.GetAppendBlobClient(AuditPath(entry.Model));
        await WriteAsync(
            async () =>
            {
                try
                {
                    return await AppendAsync(blob, bytes, cancellationToken);
                }
                catch (RequestFailedException ex) when (ex.ErrorCode == BlobErrorCode.BlobNotFound)
                {
                    await blob.CreateIfNotExistsAsync(
                        new AppendBlobCreateOptions { HttpHeaders = new BlobHttpHeaders { ContentType = "application/x-ndjson" } },
                        cancellationToken);
                    return await AppendAsync(blob, bytes, cancellationToken);
                }
            },
            cancellationToken);
    }

    public async Task<IReadOnlyList<AuditEntry>> GetAuditLogAsync(string model, CancellationToken cancellationToken)
    {
        ModelNames.ThrowIfInvalidModel(model);
        BinaryData content;
        try
        {
            content = (await _container.GetBlobClient(AuditPath(model)).DownloadContentAsync(cancellationToken)).Value.Content;
        }
        catch (RequestFailedException ex) when (ex.Status == (int)HttpStatusCode.NotFound)
        {
            return [];
        }

        var entries = new List<AuditEntry>();
        var rest = content.ToMemory().Span;
        while (!rest.IsEmpty)
        {
            var end = rest.IndexOf((byte)'\n');
            var line = end < 0 ? rest : rest[..end];
            rest = end < 0 ? [] : rest[(end + 1)..];
            if (line.Trim(" \r\t"u8).IsEmpty)
            {
                continue;
            }

            var entry = JsonSerializer.Deserialize(line, CoreJsonContext.Default.AuditEntry);
            if (entry is not null)
            {
                entries.Add(entry);
            }
        }

        return entries;
    }

    /// <summary>Lower-case hex SHA-256, as recorded in <see cref="ModelManifest.ModelSha256"/>.</summary>
    public static string ComputeSha256(ReadOnlySpan<byte> data) => Convert.ToHexStringLower(SHA256.HashData(data));

    internal static string VersionPath(string model, string version, string file) => $"{model}/{version}/{file}";

    internal static string PointerPath(string model, ModelRole role)
        => role switch
        {
            ModelRole.Champion => $"{model}/champion.json",
            ModelRole.Challenger => $"{model}/challenger.json",
            _ => throw new ArgumentOutOfRangeException(nameof(role), role, "Unknown model role."),
        };

    internal static string AuditPath(string model) => $"{model}/{AuditFileName}";

    private async Task<ModelPointer> WritePointerAsync(ModelRole role, string action, ModelPointer? current, ModelPointer next, string? expectedETag, CancellationToken cancellationToken)
    {
        var model = next.Model;
        var conditions = expectedETag is not null
            ? new BlobRequestConditions { IfMatch = new ETag(expectedETag) }
            : current?.ETag is { } etag
                ? new BlobRequestConditions { IfMatch = new ETag(etag) }
                : new BlobRequestConditions { IfNoneMatch = ETag.All };

        if (BeforePointerWrite is { } hook)
        {
            await hook(cancellationToken);
        }

        Response<BlobContentInfo> response;
        try
        {
            response = await WriteAsync(
                () => _container.GetBlobClient(PointerPath(model, role)).UploadAsync(
                    BinaryData.FromBytes(JsonSerializer.SerializeToUtf8Bytes(next, CoreJsonContext.Default.ModelPointer)),
                    new BlobUploadOptions
                    {
                        Conditions = conditions,
                        HttpHeaders = new BlobHttpHeaders { ContentType = "application/json" },
                    },
                    cancellationToken),
                cancellationToken);
        }
        catch (RequestFailedException ex) when (IsAlreadyExists(ex))
        {
            var roleName = role == ModelRole.Champion ? "champion" : "challenger";
            Log.PointerConflict(_logger, model, action, next.Version, roleName);
            throw new ModelRegistryConflictException(
                $"Cannot {action} '{next.Version}' of model '{model}': the {roleName} pointer changed after it was read " +
                $"(it was {current?.Version ?? "absent"}); another promotion or rollback won. Re-read the pointer and retry.",
                ex);
        }

        next.ETag = response.Value.ETag.ToString();
        Log.PointerChanged(_logger, model, action, current?.Version, next.Version, next.Actor ?? "unknown", next.Reason ?? string.Empty);
        await AppendAuditAsync(
            new AuditEntry
            {
                At = next.UpdatedAt,
                Model = model,
                Action = action,
                Version = next.Version,
                PreviousVersion = current?.Version,
                Reason = next.Reason,
                Actor = next.Actor,
            },
            cancellationToken);
        return next;
    }

    private async Task ThrowIfVersionMissingAsync(string model, string version, CancellationToken cancellationToken)
    {
        bool exists;
        try
        {
            exists = (await _container.GetBlobClient(VersionPath(model, version, ManifestFileName)).ExistsAsync(cancellationToken)).Value;
        }
        catch (RequestFailedException ex) when (ex.Status == (int)HttpStatusCode.NotFound)
        {
            exists = false;
        }

        if (!exists)
        {
            throw new ModelNotFoundException($"Model '{model}' has no registered version '{version}'.");
        }
    }

    private static async Task<bool> IsUnfinishedRegistrationAsync(BlobClient zipBlob, BlobClient manifestBlob, string sha256, CancellationToken cancellationToken)
    {
        if ((await manifestBlob.ExistsAsync(cancellationToken)).Value)
        {
            return false;
        }

        var properties = await zipBlob.GetPropertiesAsync(cancellationToken: cancellationToken);
        return properties.Value.Metadata.TryGetValue(Sha256MetadataKey, out var stored)
            && string.Equals(stored, sha256, StringComparison.OrdinalIgnoreCase);
    }

    private static async Task<Response<BlobAppendInfo>> AppendAsync(AppendBlobClient blob, byte[] bytes, CancellationToken cancellationToken)
    {
        using var stream = new MemoryStream(bytes, writable: false);
        return await blob.AppendBlockAsync(stream, cancellationToken: cancellationToken);
    }

    /// <summary>
    /// Runs a write after making sure the container exists; when the container vanished since (storage emptied,
    /// e.g. an in-memory Azurite restarted), creates it again and retries the write once.
    /// </summary>
    private async Task<T> WriteAsync<T>(Func<Task<T>> write, CancellationToken cancellationToken)
    {
        await EnsureContainerAsync(cancellationToken);
        try
        {
            return await write();
        }
        catch (RequestFailedException ex) when (_createContainer && ex.ErrorCode == BlobErrorCode.ContainerNotFound)
        {
            _containerReady = false;
            await EnsureContainerAsync(cancellationToken);
            return await write();
        }
    }

    private async ValueTask EnsureContainerAsync(CancellationToken cancellationToken)
    {
        if (_containerReady || !_createContainer)
        {
            return;
        }

        await _container.CreateIfNotExistsAsync(cancellationToken: cancellationToken);
        _containerReady = true;
    }

    private ModelManifest DeserializeManifest(BinaryData content, string path)
    {
        try
        {
            return JsonSerializer.Deserialize(content.ToMemory().Span, CoreJsonContext.Default.ModelManifest)
                ?? throw new InvalidDataException($"Manifest {_container.Name}/{path} is empty.");
        }
        catch (JsonException ex)
        {
            throw new InvalidDataException($"Manifest {_container.Name}/{path} is not valid JSON: {ex.Message}", ex);
        }
    }

    private static bool IsAlreadyExists(RequestFailedException ex)
        => ex.Status is (int)HttpStatusCode.Conflict or (int)HttpStatusCode.PreconditionFailed;

    private static ModelRegistryConflictException VersionExists(string model, string version, Exception inner)
        => new($"Model '{model}' version '{version}' is already registered; versions are immutable, register a new version.", inner);
}
