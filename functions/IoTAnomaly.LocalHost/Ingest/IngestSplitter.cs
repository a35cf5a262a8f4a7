using System.Text;
using System.Text.Json;
using IoTAnomaly.Core.Telemetry;

namespace IoTAnomaly.LocalHost.Ingest;

/// <summary>One event for a partition: its body (a slice of the request, never copied unless unescaped), broker data, and routing.</summary>
/// <param name="Event">The event as the handler will see it (sequence number and enqueued time are set when it is queued).</param>
/// <param name="PartitionKeyHash">Hash of the partition key (the device id), or null when there was none.</param>
/// <param name="KnownReason">A rejection the ingest can already tell (malformed JSON, not an object); the handler dead-letters it with that reason.</param>
/// <param name="Properties">User properties of an Event Hubs batch element (kept in capture).</param>
public readonly record struct IngestUnit(
    TelemetryEvent Event,
    ulong? PartitionKeyHash,
    RejectReason KnownReason,
    IReadOnlyDictionary<string, string>? Properties = null);

/// <summary>
/// Cuts a request body into events, one per reading, with a cheap pre-parse (one <see cref="Utf8JsonReader"/> pass that
/// only looks at the top-level <c>deviceId</c>) so every reading is routed by its own device id. A JSON body may be one
/// reading, an array of readings or several top-level values; NDJSON is cut at line ends first, so one broken line
/// only affects itself; an Event Hubs batch (<c>application/vnd.microsoft.servicebus.json</c>) becomes one event per
/// element, with the element's <c>Body</c> unescaped as the event body. An unparseable remainder becomes one event of
/// its own, so the core parser dead-letters it exactly as it would have in the whole body: the number of rows the
/// handler produces is the same as for the unsplit body.
/// </summary>
public static class IngestSplitter
{
    private const int MaxDepth = 32;
    private const string IotHubDeviceIdProperty = "iothub-connection-device-id";

    private static readonly JsonReaderOptions MultipleValues = new() { AllowMultipleValues = true, MaxDepth = MaxDepth };
    private static readonly JsonReaderOptions SingleValue = new() { MaxDepth = MaxDepth };

    /// <summary>A JSON body: one reading, an array of readings, or several top-level values.</summary>
    public static void SplitJson(ReadOnlyMemory<byte> body, List<IngestUnit> units)
    {
        ArgumentNullException.ThrowIfNull(units);
        var span = body.Span;
        if (IsBlank(span))
        {
            units.Add(new IngestUnit(new TelemetryEvent(body), null, RejectReason.MalformedJson));
            return;
        }

        var reader = new Utf8JsonReader(span, MultipleValues);
        var start = 0;
        try
        {
            while (reader.Read())
            {
                start = (int)reader.TokenStartIndex;
                if (reader.TokenType == JsonTokenType.StartObject)
                {
                    var key = ScanObject(ref reader);
                    units.Add(new IngestUnit(new TelemetryEvent(body[start..(int)reader.BytesConsumed]), key, RejectReason.None));
                }
                else if (reader.TokenType == JsonTokenType.StartArray)
                {
                    while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
                    {
                        start = (int)reader.TokenStartIndex;
                        if (reader.TokenType == JsonTokenType.StartObject)
                        {
                            var key = ScanObject(ref reader);
                            units.Add(new IngestUnit(new TelemetryEvent(body[start..(int)reader.BytesConsumed]), key, RejectReason.None));
                        }
                        else
                        {
                            reader.Skip();
                            units.Add(new IngestUnit(new TelemetryEvent(body[start..(int)reader.BytesConsumed]), null, RejectReason.InvalidShape));
                        }

                        start = (int)reader.BytesConsumed;
                    }
                }
                else
                {
                    reader.Skip();
                    units.Add(new IngestUnit(new TelemetryEvent(body[start..(int)reader.BytesConsumed]), null, RejectReason.InvalidShape));
                }

                start = (int)reader.BytesConsumed;
            }
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException)
        {
            units.Add(new IngestUnit(new TelemetryEvent(body[Math.Min(start, body.Length)..]), null, RejectReason.MalformedJson));
        }
    }

    /// <summary>NDJSON: each non-blank line is split like a JSON body.</summary>
    public static void SplitNdjson(ReadOnlyMemory<byte> body, List<IngestUnit> units)
    {
        var offset = 0;
        while (offset < body.Length)
        {
            var rest = body.Span[offset..];
            var newline = rest.IndexOf((byte)'\n');
            var length = newline < 0 ? rest.Length : newline;
            var line = body.Slice(offset, length);
            if (!line.IsEmpty && line.Span[^1] == (byte)'\r')
            {
                line = line[..^1];
            }

            if (!IsBlank(line.Span))
            {
                SplitJson(line, units);
            }

            offset += length + 1;
        }
    }

    /// <summary>One Event Hubs event (the REST send of a single event): the whole body, routed by its first device id.</summary>
    public static void SingleEvent(ReadOnlyMemory<byte> body, string? systemDeviceId, string? messageId, IReadOnlyDictionary<string, string>? properties, List<IngestUnit> units)
    {
        ArgumentNullException.ThrowIfNull(units);
        var key = FirstDeviceIdHash(body.Span) ?? HashOf(systemDeviceId);
        units.Add(new IngestUnit(new TelemetryEvent(body, systemDeviceId, MessageId: messageId), key, IsBlank(body.Span) ? RejectReason.MalformedJson : RejectReason.None, properties));
    }

    /// <summary>
    /// An Event Hubs REST batch: <c>[{"Body": "…", "UserProperties": {…}, "BrokerProperties": {"PartitionKey": …, "MessageId": …}}]</c>.
    /// Each element is one event; it is routed by <c>PartitionKey</c>, else by the first device id in its body, else by
    /// the <c>iothub-connection-device-id</c> user property. A body that is not a JSON array is split like plain JSON.
    /// </summary>
    public static void SplitEventHubsBatch(ReadOnlyMemory<byte> body, List<IngestUnit> units)
    {
        ArgumentNullException.ThrowIfNull(units);
        var span = body.Span;
        var first = span.TrimStart(" \t\r\n"u8);
        if (first.IsEmpty || first[0] != (byte)'[')
        {
            SplitJson(body, units);
            return;
        }

        var reader = new Utf8JsonReader(span, SingleValue);
        var start = 0;
        try
        {
            reader.Read();
            start = (int)reader.BytesConsumed;
            while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
            {
                start = (int)reader.TokenStartIndex;
                if (reader.TokenType != JsonTokenType.StartObject)
                {
                    reader.Skip();
                    units.Add(new IngestUnit(new TelemetryEvent(body[start..(int)reader.BytesConsumed]), null, RejectReason.InvalidShape));
                }
                else
                {
                    units.Add(ReadEnvelope(ref reader, body, start));
                }

                start = (int)reader.BytesConsumed;
            }

            // Anything after the array is malformed, as in the core parser.
            if (!IsBlank(span[(int)reader.BytesConsumed..]))
            {
                units.Add(new IngestUnit(new TelemetryEvent(body[(int)reader.BytesConsumed..]), null, RejectReason.MalformedJson));
            }
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException)
        {
            units.Add(new IngestUnit(new TelemetryEvent(body[Math.Min(start, body.Length)..]), null, RejectReason.MalformedJson));
        }
    }

    private static IngestUnit ReadEnvelope(ref Utf8JsonReader reader, ReadOnlyMemory<byte> body, int start)
    {
        ReadOnlyMemory<byte>? eventBody = null;
        string? systemDeviceId = null;
        string? messageId = null;
        string? partitionKey = null;
        Dictionary<string, string>? properties = null;
        var depth = reader.CurrentDepth;
        while (reader.Read() && !(reader.TokenType == JsonTokenType.EndObject && reader.CurrentDepth == depth))
        {
            var name = reader.GetString();
            reader.Read();
            switch (name)
            {
                case "Body" when reader.TokenType == JsonTokenType.String:
                    var bytes = new byte[reader.HasValueSequence ? (int)reader.ValueSequence.Length : reader.ValueSpan.Length];
                    eventBody = bytes.AsMemory(0, reader.CopyString(bytes));
                    break;
                case "Body" when reader.TokenType is JsonTokenType.StartObject or JsonTokenType.StartArray:
                    var bodyStart = (int)reader.TokenStartIndex;
                    reader.Skip();
                    eventBody = body[bodyStart..(int)reader.BytesConsumed];
                    break;
                case "UserProperties" when reader.TokenType == JsonTokenType.StartObject:
                    properties = ReadStringProperties(ref reader);
                    properties.TryGetValue(IotHubDeviceIdProperty, out systemDeviceId);
                    break;
                case "BrokerProperties" when reader.TokenType == JsonTokenType.StartObject:
                    var broker = ReadStringProperties(ref reader);
                    broker.TryGetValue("MessageId", out messageId);
                    broker.TryGetValue("PartitionKey", out partitionKey);
                    break;
                default:
                    reader.Skip();
                    break;
            }
        }

        if (eventBody is not { } payload)
        {
            // No usable Body: hand the element itself to the parser, which rejects it with its reason.
            return new IngestUnit(new TelemetryEvent(body[start..(int)reader.BytesConsumed]), null, RejectReason.InvalidShape);
        }

        var key = HashOf(partitionKey) ?? FirstDeviceIdHash(payload.Span) ?? HashOf(systemDeviceId);
        return new IngestUnit(new TelemetryEvent(payload, systemDeviceId, MessageId: messageId), key, IsBlank(payload.Span) ? RejectReason.MalformedJson : RejectReason.None, properties);
    }

    private static Dictionary<string, string> ReadStringProperties(ref Utf8JsonReader reader)
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        var depth = reader.CurrentDepth;
        while (reader.Read() && !(reader.TokenType == JsonTokenType.EndObject && reader.CurrentDepth == depth))
        {
            var name = reader.GetString() ?? string.Empty;
            reader.Read();
            switch (reader.TokenType)
            {
                case JsonTokenType.String:
                    result[name] = reader.GetString() ?? string.Empty;
                    break;
                case JsonTokenType.Number or JsonTokenType.True or JsonTokenType.False:
                    result[name] = Encoding.UTF8.GetString(reader.ValueSpan);
                    break;
                default:
                    reader.Skip();
                    break;
            }
        }

        return result;
    }

    /// <summary>At a StartObject: skips the object and returns the hash of its top-level <c>deviceId</c> string, if any.</summary>
    private static ulong? ScanObject(ref Utf8JsonReader reader)
    {
        ulong? key = null;
        var depth = reader.CurrentDepth;
        while (reader.Read() && !(reader.TokenType == JsonTokenType.EndObject && reader.CurrentDepth == depth))
        {
            var isDeviceId = reader.ValueTextEquals("deviceId"u8);
            reader.Read();
            if (isDeviceId && key is null && reader.TokenType == JsonTokenType.String)
            {
                key = reader.ValueIsEscaped || reader.HasValueSequence ? HashOfEscaped(ref reader) : Core.Telemetry.Hash64.Compute(reader.ValueSpan);
            }
            else
            {
                reader.Skip();
            }
        }

        return key;
    }

    /// <summary>The device id hash of the first reading in a body (an object, or the first object of an array), or null.</summary>
    private static ulong? FirstDeviceIdHash(ReadOnlySpan<byte> body)
    {
        var reader = new Utf8JsonReader(body, MultipleValues);
        try
        {
            while (reader.Read())
            {
                if (reader.TokenType == JsonTokenType.StartObject)
                {
                    return ScanObject(ref reader);
                }

                if (reader.TokenType != JsonTokenType.StartArray)
                {
                    return null;
                }
            }
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException)
        {
            // Malformed: no key; the parser rejects it.
        }

        return null;
    }

    /// <summary>The hash of an escaped string's text; of its raw bytes when it cannot be transcoded (a lone surrogate escape).</summary>
    private static ulong HashOfEscaped(ref Utf8JsonReader reader)
    {
        try
        {
            return HashOf(reader.GetString()) ?? 0;
        }
        catch (InvalidOperationException)
        {
            return Core.Telemetry.Hash64.Compute(reader.ValueSpan);
        }
    }

    internal static ulong? HashOf(string? value)
        => value is null ? null : Core.Telemetry.Hash64.Compute(Encoding.UTF8.GetBytes(value));

    private static bool IsBlank(ReadOnlySpan<byte> span) => span.Trim(" \t\r\n"u8).IsEmpty;
}
