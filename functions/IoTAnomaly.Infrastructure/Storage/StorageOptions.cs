using System.ComponentModel.DataAnnotations;

namespace IoTAnomaly.Infrastructure.Storage;

/// <summary>
/// Section <c>Storage</c>: where the Blob service is and how to authenticate, the container names, and the SDK retry
/// policy. Give exactly one of <see cref="ConnectionString"/> (Azurite, development) and <see cref="BlobServiceUri"/>
/// (Azure, with <c>DefaultAzureCredential</c>).
/// </summary>
public sealed class StorageOptions : IValidatableObject
{
    public const string SectionName = "Storage";

    /// <summary>
    /// A storage connection string, e.g. Azurite's development connection (<c>UseDevelopmentStorage=true</c>).
    /// Local development only: in Azure use <see cref="BlobServiceUri"/> with a managed identity.
    /// </summary>
    public string? ConnectionString { get; set; }

    /// <summary>The Blob service endpoint, e.g. <c>https://myaccount.blob.core.windows.net</c>; authenticated with <c>DefaultAzureCredential</c>.</summary>
    public Uri? BlobServiceUri { get; set; }

    /// <summary>Client id of a user-assigned managed identity; null uses the system-assigned identity or the developer's sign-in.</summary>
    public string? ManagedIdentityClientId { get; set; }

    [Required]
    [RegularExpression(ContainerNamePattern)]
    public string ModelsContainer { get; set; } = "models";

    [Required]
    [RegularExpression(ContainerNamePattern)]
    public string DeadLettersContainer { get; set; } = "deadletters";

    [Required]
    [RegularExpression(ContainerNamePattern)]
    public string AnomaliesContainer { get; set; } = "anomalies";

    [Required]
    [RegularExpression(ContainerNamePattern)]
    public string CaptureContainer { get; set; } = "capture";

    [Required]
    [RegularExpression(ContainerNamePattern)]
    public string DriftContainer { get; set; } = "drift";

    [Required]
    [RegularExpression(ContainerNamePattern)]
    public string RetrainingContainer { get; set; } = "retraining";

    /// <summary>Create the containers at start (and lazily on first use) when they are missing.</summary>
    public bool CreateContainers { get; set; } = true;

    /// <summary>SDK retries of a failed request (exponential back-off); few, so an outage surfaces quickly.</summary>
    [Range(0, 10)]
    public int MaxRetries { get; set; } = 3;

    /// <summary>First retry delay; doubles per retry up to <see cref="MaxRetryDelay"/>.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:01:00")]
    public TimeSpan RetryDelay { get; set; } = TimeSpan.FromMilliseconds(200);

    [Range(typeof(TimeSpan), "00:00:00", "00:05:00")]
    public TimeSpan MaxRetryDelay { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>Timeout of one network operation (one try), so a dead endpoint fails instead of hanging.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "00:10:00")]
    public TimeSpan NetworkTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Every container name, in a stable order.</summary>
    public IReadOnlyList<string> AllContainers =>
        [ModelsContainer, DeadLettersContainer, AnomaliesContainer, CaptureContainer, DriftContainer, RetrainingContainer];

    /// <summary>Blob container names: 3–63 lower-case letters, digits and single dashes, starting and ending alphanumeric.</summary>
    internal const string ContainerNamePattern = "^(?=.{3,63}$)[a-z0-9]+(-[a-z0-9]+)*$";

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        var hasConnectionString = !string.IsNullOrWhiteSpace(ConnectionString);
        if (hasConnectionString == (BlobServiceUri is not null))
        {
            yield return new ValidationResult(
                $"Set exactly one of {SectionName}:{nameof(ConnectionString)} (e.g. UseDevelopmentStorage=true for Azurite) " +
                $"and {SectionName}:{nameof(BlobServiceUri)} (with DefaultAzureCredential).",
                [nameof(ConnectionString), nameof(BlobServiceUri)]);
        }

        if (BlobServiceUri is { IsAbsoluteUri: false })
        {
            yield return new ValidationResult($"{SectionName}:{nameof(BlobServiceUri)} must be an absolute URI.", [nameof(BlobServiceUri)]);
        }
        else if (BlobServiceUri is not null && BlobServiceUri.Scheme != Uri.UriSchemeHttps && !BlobServiceUri.IsLoopback)
        {
            // Bearer tokens are never sent in clear text; plain HTTP only for an emulator on this machine.
            yield return new ValidationResult(
                $"{SectionName}:{nameof(BlobServiceUri)} must use https (http only for a loopback emulator).", [nameof(BlobServiceUri)]);
        }

        if (AllContainers.Distinct(StringComparer.Ordinal).Count() != AllContainers.Count)
        {
            yield return new ValidationResult($"The {SectionName} container names must be distinct.");
        }
    }
}
