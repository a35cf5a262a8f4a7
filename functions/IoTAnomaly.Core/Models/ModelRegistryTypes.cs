namespace IoTAnomaly.Core.Models;

/// <summary>Which model version currently holds a role (champion or challenger) and how it got there.</summary>
public sealed class ModelPointer
{
    public required string Model { get; init; }

    public required string Version { get; init; }

    /// <summary>Earlier champions, most recent first (rollback pops from here).</summary>
    public IReadOnlyList<string> History { get; init; } = [];

    public required DateTimeOffset UpdatedAt { get; init; }

    public string? Reason { get; init; }

    public string? Actor { get; init; }

    /// <summary>Storage ETag of the pointer blob when it was read; not serialized into the blob itself.</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public string? ETag { get; set; }
}

public enum ModelRole
{
    Champion,
    Challenger,
}

/// <summary>One line of the registry's append-only audit log.</summary>
public sealed class AuditEntry
{
    public required DateTimeOffset At { get; init; }

    public required string Model { get; init; }

    /// <summary>register, promote, challenger, rollback, reject.</summary>
    public required string Action { get; init; }

    public string? Version { get; init; }

    public string? PreviousVersion { get; init; }

    public string? Reason { get; init; }

    public string? Actor { get; init; }
}

/// <summary>A downloaded bundle: the manifest and the ML.NET model zip.</summary>
public sealed record ModelBundle(ModelManifest Manifest, ReadOnlyMemory<byte> ModelZip);

/// <summary>Raised when a pointer changed under a conditional write (another promotion won).</summary>
public sealed class ModelRegistryConflictException : Exception
{
    public ModelRegistryConflictException()
    {
    }

    public ModelRegistryConflictException(string message)
        : base(message)
    {
    }

    public ModelRegistryConflictException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}

/// <summary>Raised when a model or version does not exist.</summary>
public sealed class ModelNotFoundException : Exception
{
    public ModelNotFoundException()
    {
    }

    public ModelNotFoundException(string message)
        : base(message)
    {
    }

    public ModelNotFoundException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
