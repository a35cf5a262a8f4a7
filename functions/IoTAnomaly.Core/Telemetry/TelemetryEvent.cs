namespace IoTAnomaly.Core.Telemetry;

/// <summary>
/// One event as a trigger or the local ingest delivers it: the UTF-8 body plus the broker metadata that matters here.
/// </summary>
/// <param name="Body">UTF-8 JSON: one reading, an array of readings, NDJSON, or an Event Hubs REST batch envelope.</param>
/// <param name="SystemDeviceId">IoT Hub's <c>iothub-connection-device-id</c> system property, used when a reading has no device id.</param>
/// <param name="SequenceNumber">The event's Event Hubs sequence number (idempotency key for readings without a message id).</param>
/// <param name="EnqueuedTime">When the broker accepted the event.</param>
/// <param name="MessageId">
/// The event's message id (broker property): the idempotency key of the event's first reading when that reading has
/// neither a message id nor a sequence number. Later readings of the same event fall back to the event sequence
/// number and their position, or to a content hash (one id cannot key two readings).
/// </param>
public readonly record struct TelemetryEvent(
    ReadOnlyMemory<byte> Body,
    string? SystemDeviceId = null,
    long? SequenceNumber = null,
    DateTimeOffset? EnqueuedTime = null,
    string? MessageId = null);

/// <summary>How a reading's idempotency key was formed.</summary>
public enum MessageKeyKind : byte
{
    /// <summary>From the reading's (or envelope's) message id.</summary>
    MessageId,

    /// <summary>From the reading's <c>sequence</c> number.</summary>
    Sequence,

    /// <summary>From the event's sequence number and the reading's position in it.</summary>
    EventPosition,

    /// <summary>From a hash of the reading's bytes (no id of any kind was given).</summary>
    ContentHash,
}

/// <summary>Data-quality findings beside the model's verdict.</summary>
[Flags]
public enum QualityFlags : byte
{
    None = 0,

    /// <summary>A sensor repeated exactly the same value for too many readings (flat-lined or stuck).</summary>
    StuckSensor = 1,

    /// <summary>The device was silent for longer than the gap threshold before this reading.</summary>
    Gap = 2,

    /// <summary>A value lies outside the range seen in training (but inside the physical bounds).</summary>
    OutOfRange = 4,
}
