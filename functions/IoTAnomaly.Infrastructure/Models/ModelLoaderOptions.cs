using System.ComponentModel.DataAnnotations;

namespace IoTAnomaly.Infrastructure.Models;

/// <summary>Section <c>ModelLoader</c>: which model's champion this process serves and how often it checks for a new one.</summary>
public sealed class ModelLoaderOptions
{
    public const string SectionName = "ModelLoader";

    /// <summary>The model whose champion is loaded.</summary>
    [Required]
    [RegularExpression("^[a-z0-9](?:[a-z0-9.-]*[a-z0-9])?$")]
    [StringLength(ModelNames.MaxLength)]
    public string ModelName { get; set; } = "pump-fleet";

    /// <summary>How often the champion pointer's ETag is checked.</summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "01:00:00")]
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Longest pause before retrying a pointer whose version failed to load (the pause doubles per failure,
    /// starting at one poll interval), so a bad version is not retried in a hot loop.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00", "1.00:00:00")]
    public TimeSpan MaxFailedRetryInterval { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>Load the champion before the host finishes starting (so the first request finds a model).</summary>
    public bool LoadAtStart { get; set; } = true;
}
