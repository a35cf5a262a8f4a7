using System.Globalization;
using System.Text.Json;

namespace IoTAnomaly.LocalHost.Hosting;

/// <summary>The batch shape of the Event Hubs trigger, read from host.json <c>extensions.eventHubs</c>.</summary>
/// <param name="MaxEventBatchSize">Most events handed to one handler call.</param>
/// <param name="MaxWaitTime">Longest wait to fill a batch once its first event arrived.</param>
/// <param name="Source">Where the values came from (a path, or "defaults").</param>
public sealed record EventHubsBatchSettings(int MaxEventBatchSize, TimeSpan MaxWaitTime, string Source)
{
    /// <summary>The Event Hubs extension's defaults (100 events; the local host waits at most 200 ms).</summary>
    public static EventHubsBatchSettings Defaults { get; } = new(100, TimeSpan.FromMilliseconds(200), "defaults");

    /// <summary>Reads host.json (missing values keep the defaults); a missing file gives the defaults.</summary>
    /// <exception cref="InvalidDataException">host.json exists but is not valid JSON or has invalid values.</exception>
    public static EventHubsBatchSettings Load(string? path)
    {
        path ??= Path.Combine(AppContext.BaseDirectory, "host.json");
        if (!File.Exists(path))
        {
            return Defaults;
        }

        try
        {
            using var document = JsonDocument.Parse(File.ReadAllBytes(path), new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
            var size = Defaults.MaxEventBatchSize;
            var wait = Defaults.MaxWaitTime;
            if (document.RootElement.TryGetProperty("extensions", out var extensions)
                && extensions.TryGetProperty("eventHubs", out var eventHubs))
            {
                if (eventHubs.TryGetProperty("maxEventBatchSize", out var sizeElement))
                {
                    size = sizeElement.GetInt32();
                }

                if (eventHubs.TryGetProperty("maxWaitTime", out var waitElement))
                {
                    wait = TimeSpan.Parse(waitElement.GetString() ?? string.Empty, CultureInfo.InvariantCulture);
                }
            }

            if (size < 1 || wait < TimeSpan.Zero)
            {
                throw new InvalidDataException($"{path}: maxEventBatchSize must be positive and maxWaitTime not negative.");
            }

            return new EventHubsBatchSettings(size, wait, path);
        }
        catch (Exception ex) when (ex is JsonException or FormatException or OverflowException or InvalidOperationException)
        {
            throw new InvalidDataException($"{path}: extensions.eventHubs is not valid: {ex.Message}", ex);
        }
    }
}
