namespace IoTAnomaly.Testing;

/// <summary>
/// Configuration that isolates one local host in the shared test Azurite: its own containers and model name, the
/// API key, quiet logs. As configuration keys (<see cref="Isolated"/>, for WebApplicationFactory) or as environment
/// variables (<see cref="AsEnvironment"/>, for a host started as a process).
/// </summary>
public static class LocalHostSettings
{
    /// <summary>The isolating settings (keys with <c>:</c>); add the test's own to the returned dictionary.</summary>
    public static Dictionary<string, string?> Isolated(string modelName, string apiKey) => new(StringComparer.OrdinalIgnoreCase)
    {
        ["Storage:ConnectionString"] = AzuriteFixture.ConnectionString,
        ["Storage:ModelsContainer"] = AzuriteFixture.UniqueName("models"),
        ["Storage:AnomaliesContainer"] = AzuriteFixture.UniqueName("anomalies"),
        ["Storage:DeadLettersContainer"] = AzuriteFixture.UniqueName("deadletters"),
        ["Storage:CaptureContainer"] = AzuriteFixture.UniqueName("capture"),
        ["Storage:DriftContainer"] = AzuriteFixture.UniqueName("drift"),
        ["Storage:RetrainingContainer"] = AzuriteFixture.UniqueName("retraining"),
        ["Scoring:ModelName"] = modelName,
        ["Security:ApiKey"] = apiKey,
        ["Logging:LogLevel:Default"] = "Warning",
    };

    /// <summary>The same settings as environment variables (<c>:</c> → <c>__</c>).</summary>
    public static Dictionary<string, string> AsEnvironment(IDictionary<string, string?> settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        return settings.ToDictionary(p => p.Key.Replace(":", "__", StringComparison.Ordinal), p => p.Value ?? string.Empty, StringComparer.Ordinal);
    }
}
