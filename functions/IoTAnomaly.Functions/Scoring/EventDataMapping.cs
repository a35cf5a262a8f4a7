using System.Text.Json;
using Azure.Messaging.EventHubs;
using IoTAnomaly.Core.Telemetry;

namespace IoTAnomaly.Functions.Scoring;

/// <summary>Binding types of the Event Hubs trigger → Core's <see cref="TelemetryEvent"/>. No parsing rules here.</summary>
internal static class EventDataMapping
{
    /// <summary>The system property where IoT Hub puts the id of the device that sent the message.</summary>
    public const string IoTHubDeviceIdProperty = "iothub-connection-device-id";

    /// <summary>The trigger's binding-data entry describing the partition the batch came from.</summary>
    public const string PartitionContextKey = "PartitionContext";

    public static TelemetryEvent[] ToTelemetryEvents(EventData[] events)
    {
        ArgumentNullException.ThrowIfNull(events);
        var mapped = new TelemetryEvent[events.Length];
        for (var i = 0; i < events.Length; i++)
        {
            mapped[i] = ToTelemetryEvent(events[i]);
        }

        return mapped;
    }

    public static TelemetryEvent ToTelemetryEvent(EventData data)
    {
        ArgumentNullException.ThrowIfNull(data);
        var deviceId = data.SystemProperties.TryGetValue(IoTHubDeviceIdProperty, out var value) ? value?.ToString() : null;
        return new TelemetryEvent(
            data.EventBody.ToMemory(),
            string.IsNullOrEmpty(deviceId) ? null : deviceId,
            data.SequenceNumber,
            data.EnqueuedTime,
            string.IsNullOrEmpty(data.MessageId) ? null : data.MessageId);
    }

    /// <summary>
    /// The partition id from the trigger's binding data (<c>PartitionContext</c>, a JSON object with <c>PartitionId</c>),
    /// or null when the host does not supply it; only used for logs, metrics and dead-letter records.
    /// </summary>
    public static string? PartitionId(IReadOnlyDictionary<string, object?> bindingData)
    {
        ArgumentNullException.ThrowIfNull(bindingData);
        if (!bindingData.TryGetValue(PartitionContextKey, out var context) || context is null)
        {
            return null;
        }

        var json = context as string ?? context.ToString();
        if (string.IsNullOrWhiteSpace(json) || json[0] != '{')
        {
            return null;
        }

        try
        {
            using var document = JsonDocument.Parse(json);
            foreach (var property in document.RootElement.EnumerateObject())
            {
                if (string.Equals(property.Name, "PartitionId", StringComparison.OrdinalIgnoreCase))
                {
                    return property.Value.ValueKind switch
                    {
                        JsonValueKind.String => property.Value.GetString(),
                        JsonValueKind.Number => property.Value.GetRawText(),
                        _ => null,
                    };
                }
            }
        }
        catch (JsonException)
        {
            // Not the shape we know: the partition is optional metadata.
        }

        return null;
    }
}
