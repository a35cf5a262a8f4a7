namespace IoTAnomaly.Core.Models;

/// <summary>
/// The model registry port. Layout: <c>models/{model}/{version}/model.zip</c> and <c>manifest.json</c>,
/// <c>models/{model}/champion.json</c> and <c>challenger.json</c> pointers (written with ETag conditions),
/// <c>models/{model}/audit.ndjson</c> (append-only).
/// </summary>
public interface IModelRegistry
{
    /// <summary>Stores a new version (bundle and manifest) and audits it. Fails if the version already exists.</summary>
    Task RegisterAsync(ModelManifest manifest, ReadOnlyMemory<byte> modelZip, string actor, CancellationToken cancellationToken);

    Task<IReadOnlyList<string>> ListModelsAsync(CancellationToken cancellationToken);

    /// <summary>Manifests of every version of a model, oldest first.</summary>
    Task<IReadOnlyList<ModelManifest>> ListVersionsAsync(string model, CancellationToken cancellationToken);

    Task<ModelBundle> DownloadAsync(string model, string version, CancellationToken cancellationToken);

    /// <summary>The pointer with its current ETag, or null when no version holds the role.</summary>
    Task<ModelPointer?> GetPointerAsync(string model, ModelRole role, CancellationToken cancellationToken);

    /// <summary>
    /// Makes <paramref name="version"/> the champion. When <paramref name="expectedETag"/> is given the write only
    /// succeeds if the pointer still has that ETag; otherwise it succeeds only if the pointer did not change
    /// between this call's read and write. A lost race throws <see cref="ModelRegistryConflictException"/>.
    /// </summary>
    Task<ModelPointer> PromoteAsync(string model, string version, string reason, string actor, string? expectedETag, CancellationToken cancellationToken);

    /// <summary>Marks a registered version as the challenger (conditional write as for promotion).</summary>
    Task<ModelPointer> SetChallengerAsync(string model, string version, string reason, string actor, CancellationToken cancellationToken);

    /// <summary>
    /// Empties the challenger slot when it still holds <paramref name="version"/> (a rejected challenger must not stay
    /// where it could be promoted by mistake), and audits it as <c>clear-challenger</c>. False, and nothing changed, when
    /// the slot is empty or holds another version (a newer challenger replaced it): safe to call again.
    /// </summary>
    Task<bool> ClearChallengerAsync(string model, string version, string reason, string actor, CancellationToken cancellationToken);

    /// <summary>Makes the previous champion the champion again. Throws when there is no previous champion.</summary>
    Task<ModelPointer> RollbackAsync(string model, string reason, string actor, CancellationToken cancellationToken);

    /// <summary>Appends an entry (e.g. a rejected challenger) to the audit log.</summary>
    Task AppendAuditAsync(AuditEntry entry, CancellationToken cancellationToken);

    Task<IReadOnlyList<AuditEntry>> GetAuditLogAsync(string model, CancellationToken cancellationToken);
}
