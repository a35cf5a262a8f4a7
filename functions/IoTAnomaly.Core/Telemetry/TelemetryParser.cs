using System.Buffers;
using System.Text;
using System.Text.Json;

namespace IoTAnomaly.Core.Telemetry;

/// <summary>
/// Parses UTF-8 telemetry straight into a <see cref="ReadingBatch"/>: no intermediate strings and no DOM per reading.
/// Bodies of canonical readings take a hand-written scanner (<see cref="TryParseFast"/>); every other body, and every
/// body the scanner gives back, takes <see cref="Utf8JsonReader"/>. Accepts one reading, a JSON array of readings,
/// NDJSON (several top-level values), and the Event Hubs REST batch format (<c>[{"Body": "&lt;json&gt;", "UserProperties": {…}, "BrokerProperties": {…}}]</c>).
/// Validates while it parses; every reading, and every unparseable remainder, becomes exactly one row.
/// Thread-safe (stateless apart from options).
/// </summary>
public sealed partial class TelemetryParser
{
    private const int MaxDepth = 32;
    private const string IotHubDeviceIdProperty = "iothub-connection-device-id";

    private readonly TelemetryOptions _options;

    public TelemetryParser(TelemetryOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options;
    }

    /// <summary>Parses one event body and appends its rows to <paramref name="batch"/>.</summary>
    /// <param name="nowTicks">This host's clock (UTC ticks) for the timestamp window, read once per batch by the caller.</param>
    public void Parse(in TelemetryEvent telemetryEvent, int eventIndex, SensorSchema schema, DeviceTable devices, ReadingBatch batch, long nowTicks)
    {
        ArgumentNullException.ThrowIfNull(schema);
        ArgumentNullException.ThrowIfNull(devices);
        ArgumentNullException.ThrowIfNull(batch);
        var body = telemetryEvent.Body.Span;
        var context = CreateContext(telemetryEvent, eventIndex, schema, devices, batch, nowTicks);
        if (body.Length > _options.MaxEventBytes)
        {
            AddReject(ref context, RejectReason.BodyTooLarge, body, $"Event body is {body.Length} bytes; the limit is {_options.MaxEventBytes}.");
            return;
        }

        ParseValues(body, ref context, allowEnvelope: true);
    }

    /// <summary>Test seam: parses a body on the fast path alone. False, and no row in the batch, when it gives the body back.</summary>
    internal bool TryParseFastOnly(in TelemetryEvent telemetryEvent, int eventIndex, SensorSchema schema, DeviceTable devices, ReadingBatch batch, long nowTicks)
    {
        var context = CreateContext(telemetryEvent, eventIndex, schema, devices, batch, nowTicks);
        return telemetryEvent.Body.Length <= _options.MaxEventBytes && TryParseFast(telemetryEvent.Body.Span, ref context);
    }

    private static Context CreateContext(in TelemetryEvent telemetryEvent, int eventIndex, SensorSchema schema, DeviceTable devices, ReadingBatch batch, long nowTicks)
        => new(
            schema,
            devices,
            batch,
            eventIndex,
            nowTicks,
            telemetryEvent.SystemDeviceId,
            telemetryEvent.SequenceNumber,
            telemetryEvent.MessageId)
        {
            // The event's own message id belongs to the event's first reading, as an envelope's does to its body's.
            EnvelopeFirstPosition = telemetryEvent.MessageId is null ? -1 : 0,
        };

    private void ParseValues(ReadOnlySpan<byte> body, ref Context context, bool allowEnvelope)
    {
        if (body.Trim(" \t\r\n"u8).IsEmpty)
        {
            AddReject(ref context, RejectReason.MalformedJson, body, "The body is empty.");
            return;
        }

        if (UseFastPath && TryParseFast(body, ref context))
        {
            return;
        }

        var reader = new Utf8JsonReader(body, new JsonReaderOptions { AllowMultipleValues = true, MaxDepth = MaxDepth });
        var elementStart = 0;
        try
        {
            while (reader.Read())
            {
                elementStart = (int)reader.TokenStartIndex;
                switch (reader.TokenType)
                {
                    case JsonTokenType.StartObject:
                        ParseObject(ref reader, body, elementStart, ref context, allowEnvelope);
                        break;
                    case JsonTokenType.StartArray:
                        var arrayStart = elementStart;
                        var elements = 0;
                        elementStart = (int)reader.BytesConsumed;
                        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
                        {
                            elements++;
                            elementStart = (int)reader.TokenStartIndex;
                            if (reader.TokenType == JsonTokenType.StartObject)
                            {
                                ParseObject(ref reader, body, elementStart, ref context, allowEnvelope);
                            }
                            else
                            {
                                reader.Skip();
                                AddReject(ref context, RejectReason.InvalidShape, Slice(body, elementStart, reader), "An array element is not a JSON object.");
                            }

                            elementStart = (int)reader.BytesConsumed;
                        }

                        if (elements == 0 && reader.TokenType == JsonTokenType.EndArray)
                        {
                            // An empty batch holds no reading; it is still an event, so it is accounted for.
                            AddReject(ref context, RejectReason.InvalidShape, Slice(body, arrayStart, reader), "An empty array holds no readings.");
                        }

                        break;
                    default:
                        reader.Skip();
                        AddReject(ref context, RejectReason.InvalidShape, Slice(body, elementStart, reader), "Expected a reading object, an array of readings or an Event Hubs batch.");
                        break;
                }

                elementStart = (int)reader.BytesConsumed;
            }
        }
        catch (JsonException ex)
        {
            var rest = body[Math.Min(elementStart, body.Length)..];
            AddReject(ref context, RejectReason.MalformedJson, rest, "Malformed JSON: " + ex.Message);
        }
        catch (InvalidOperationException ex)
        {
            // Utf8JsonReader validates string contents lazily: invalid UTF-8 or a lone surrogate escape inside a string
            // surfaces when the string is read (GetString/CopyString/ValueTextEquals). It is malformed input all the same.
            var rest = body[Math.Min(elementStart, body.Length)..];
            AddReject(ref context, RejectReason.MalformedJson, rest, "Malformed JSON: a string holds invalid UTF-8 or an unpaired surrogate (" + ex.Message + ")");
        }
    }

    private static ReadOnlySpan<byte> Slice(ReadOnlySpan<byte> body, int start, in Utf8JsonReader reader)
        => body[start..(int)reader.BytesConsumed];

    private void ParseObject(ref Utf8JsonReader reader, ReadOnlySpan<byte> body, int start, ref Context context, bool allowEnvelope)
    {
        var batch = context.Batch;
        var schema = context.Schema;
        var fields = new ReadingFields(batch.Reserve());
        var arenaMark = batch.ArenaMark;
        var values = batch.GetValues(fields.Row);
        var seenProperties = 0;
        var isEnvelope = false;
        byte[]? envelopeBody = null;
        var envelopeBodyLength = 0;
        string? envelopeDeviceId = null;
        string? envelopeMessageId = null;

        try
        {
            while (reader.Read() && reader.TokenType != JsonTokenType.EndObject)
            {
                var property = ReadPropertyName(ref reader);
                reader.Read();
                if (property != Property.Other)
                {
                    var bit = 1 << (int)property;
                    if ((seenProperties & bit) != 0)
                    {
                        fields.Fail(RejectReason.DuplicateProperty, $"Property '{property}' appears twice.");
                    }

                    seenProperties |= bit;
                }

                switch (property)
                {
                    case Property.DeviceId:
                        if (reader.TokenType != JsonTokenType.String)
                        {
                            fields.Fail(RejectReason.InvalidDeviceId, "deviceId must be a string.");
                            reader.Skip();
                            break;
                        }

                        fields.DeviceOffset = StoreString(ref reader, batch, out fields.DeviceLength);
                        break;
                    case Property.Timestamp:
                        if (reader.TokenType != JsonTokenType.String || !reader.TryGetDateTimeOffset(out var timestamp))
                        {
                            fields.Fail(RejectReason.InvalidTimestamp, "timestamp must be an ISO 8601 date-time string.");
                            reader.Skip();
                            break;
                        }

                        fields.TimestampTicks = timestamp.UtcTicks;
                        break;
                    case Property.MessageId:
                        if (reader.TokenType != JsonTokenType.String)
                        {
                            fields.Fail(RejectReason.InvalidMessageId, "messageId must be a string.");
                            reader.Skip();
                            break;
                        }

                        fields.MessageOffset = StoreString(ref reader, batch, out fields.MessageLength);
                        if (fields.MessageLength == 0 || fields.MessageLength > _options.MaxMessageIdLength)
                        {
                            fields.Fail(RejectReason.InvalidMessageId, $"messageId must have 1 to {_options.MaxMessageIdLength} bytes.");
                        }

                        break;
                    case Property.Sequence:
                        if (reader.TokenType != JsonTokenType.Number || !reader.TryGetInt64(out fields.Sequence) || fields.Sequence < 0)
                        {
                            fields.Fail(RejectReason.InvalidMessageId, "sequence must be a non-negative integer.");
                            fields.Sequence = long.MinValue;
                            reader.Skip();
                        }

                        break;
                    case Property.Readings:
                        fields.HasReadings = true;
                        if (reader.TokenType != JsonTokenType.StartObject)
                        {
                            fields.Fail(RejectReason.MissingReadings, "readings must be an object of sensor name to number.");
                            reader.Skip();
                            break;
                        }

                        ParseReadings(ref reader, schema, values, ref fields.SeenSensors, ref fields.Reason, ref fields.Detail);
                        break;
                    case Property.Body when allowEnvelope:
                        isEnvelope = true;
                        if (reader.TokenType == JsonTokenType.String)
                        {
                            var length = reader.HasValueSequence ? checked((int)reader.ValueSequence.Length) : reader.ValueSpan.Length;
                            envelopeBody = ArrayPool<byte>.Shared.Rent(Math.Max(length, 1));
                            envelopeBodyLength = reader.CopyString(envelopeBody);
                        }
                        else if (reader.TokenType is JsonTokenType.StartObject or JsonTokenType.StartArray)
                        {
                            var valueStart = (int)reader.TokenStartIndex;
                            reader.Skip();
                            var bodyValue = body[valueStart..(int)reader.BytesConsumed];
                            envelopeBody = ArrayPool<byte>.Shared.Rent(bodyValue.Length);
                            bodyValue.CopyTo(envelopeBody);
                            envelopeBodyLength = bodyValue.Length;
                        }
                        else
                        {
                            fields.Fail(RejectReason.InvalidShape, "Body must be a JSON string holding the event body.");
                            reader.Skip();
                        }

                        break;
                    case Property.UserProperties when allowEnvelope:
                        isEnvelope = true;
                        envelopeDeviceId = ReadStringProperty(ref reader, IotHubDeviceIdProperty);
                        break;
                    case Property.BrokerProperties when allowEnvelope:
                        isEnvelope = true;
                        envelopeMessageId = ReadStringProperty(ref reader, "MessageId");
                        break;
                    default:
                        reader.Skip();
                        break;
                }
            }

            if (isEnvelope)
            {
                batch.RewindArena(arenaMark);
                if (envelopeBody is null)
                {
                    AddReject(ref context, fields.Reason == RejectReason.None ? RejectReason.InvalidShape : fields.Reason, Slice(body, start, reader), fields.Detail ?? "Event Hubs batch element without a Body.");
                    return;
                }

                var inner = context with
                {
                    FallbackDeviceId = envelopeDeviceId ?? context.FallbackDeviceId,
                    FallbackMessageId = envelopeMessageId ?? context.FallbackMessageId,
                    EnvelopeFirstPosition = context.Position,
                };
                ParseValues(envelopeBody.AsSpan(0, envelopeBodyLength), ref inner, allowEnvelope: false);
                context.Position = inner.Position;
                return;
            }

            CommitReading(ref context, ref fields, Slice(body, start, reader));
        }
        finally
        {
            if (envelopeBody is not null)
            {
                ArrayPool<byte>.Shared.Return(envelopeBody);
            }
        }
    }

    /// <summary>
    /// Finishes a reading both parsers scanned into <paramref name="fields"/> (its row reserved, its strings in the
    /// batch arena, its values in the row): the validations that need the whole object, the message key, and the
    /// commit of the row. The one place a reading's outcome is decided, so both parsers decide alike.
    /// </summary>
    /// <param name="raw">The reading object's bytes, from its <c>{</c> to its <c>}</c>.</param>
    private void CommitReading(ref Context context, ref ReadingFields fields, ReadOnlySpan<byte> raw)
    {
        var batch = context.Batch;
        var schema = context.Schema;
        var row = fields.Row;
        var position = context.Position++;
        DeviceEntry? device = null;
        if (fields.Reason == RejectReason.None)
        {
            if (fields.DeviceOffset >= 0)
            {
                var id = batch.Arena(fields.DeviceOffset, fields.DeviceLength);
                if (!IsValidDeviceId(id, _options.MaxDeviceIdLength))
                {
                    fields.Fail(RejectReason.InvalidDeviceId, $"deviceId must have 1 to {_options.MaxDeviceIdLength} characters from A-Z a-z 0-9 - . % _ * ? ! ( ) , : = @ $ '.");
                }
                else
                {
                    device = context.Devices.GetOrAdd(id);
                    if (device is null)
                    {
                        fields.Fail(RejectReason.TooManyDevices, "The device table is full.");
                    }
                }
            }
            else if (context.FallbackDeviceId is { } fallback)
            {
                if (!IsValidDeviceId(fallback, _options.MaxDeviceIdLength))
                {
                    fields.Fail(RejectReason.InvalidDeviceId, "The iothub-connection-device-id property is not a valid device id.");
                }
                else
                {
                    device = context.Devices.GetOrAdd(fallback.AsSpan());
                    if (device is null)
                    {
                        fields.Fail(RejectReason.TooManyDevices, "The device table is full.");
                    }
                }
            }
            else
            {
                fields.Fail(RejectReason.MissingDeviceId, "No deviceId in the reading and no iothub-connection-device-id on the event.");
            }
        }

        var timestampTicks = fields.TimestampTicks;
        if (fields.Reason == RejectReason.None)
        {
            if (timestampTicks == 0)
            {
                fields.Fail(RejectReason.MissingTimestamp, "timestamp is required.");
            }
            else if (timestampTicks - context.NowTicks > _options.MaxFutureSkew.Ticks)
            {
                fields.Fail(RejectReason.TimestampInFuture, $"timestamp is more than {_options.MaxFutureSkew} ahead of this host's clock.");
            }
            else if (context.NowTicks - timestampTicks > _options.MaxAge.Ticks)
            {
                fields.Fail(RejectReason.TimestampTooOld, $"timestamp is older than {_options.MaxAge}.");
            }
        }

        if (fields.Reason == RejectReason.None)
        {
            if (!fields.HasReadings)
            {
                fields.Fail(RejectReason.MissingReadings, "readings is required.");
            }
            else if (fields.SeenSensors != AllSensors(schema.Count))
            {
                var missing = System.Numerics.BitOperations.TrailingZeroCount(~fields.SeenSensors & AllSensors(schema.Count));
                fields.Fail(RejectReason.MissingSensorValue, $"Sensor '{schema.Names[missing]}' is missing.");
            }
            else
            {
                var values = batch.GetValues(row);
                for (var i = 0; i < values.Length; i++)
                {
                    var v = values[i];
                    if (v < schema.Min[i] || v > schema.Max[i])
                    {
                        fields.Fail(RejectReason.OutOfBounds, $"Sensor '{schema.Names[i]}' = {v} is outside its physical bounds [{schema.Min[i]}, {schema.Max[i]}].");
                        break;
                    }
                }
            }
        }

        var sequence = fields.Sequence;
        batch.Devices[row] = device;
        batch.TimestampTicks[row] = timestampTicks;
        batch.Sequences[row] = sequence;
        batch.EventIndexes[row] = context.EventIndex;
        batch.PositionsInEvent[row] = position;
        batch.Reasons[row] = fields.Reason;
        var deviceHash = device?.IdHash ?? 0UL;
        if (fields.MessageOffset >= 0 && fields.MessageLength > 0)
        {
            batch.KeyKinds[row] = MessageKeyKind.MessageId;
            batch.SetMessageId(row, fields.MessageOffset, fields.MessageLength);
            batch.MessageKeys[row] = Hash64.Combine(deviceHash, Hash64.Compute(batch.Arena(fields.MessageOffset, fields.MessageLength), 0x6D7367));
        }
        else if (sequence != long.MinValue)
        {
            batch.KeyKinds[row] = MessageKeyKind.Sequence;
            batch.MessageKeys[row] = Hash64.Combine(deviceHash, Hash64.Mix((ulong)sequence ^ 0x7365710000000000UL));
        }
        else if (context.FallbackMessageId is { } envelopeId && position == context.EnvelopeFirstPosition)
        {
            // Encoded only here, for the one reading that takes it: most readings carry their own id.
            var offset = batch.Store(envelopeId, out var length);
            batch.KeyKinds[row] = MessageKeyKind.MessageId;
            batch.SetMessageId(row, offset, length);
            batch.MessageKeys[row] = Hash64.Combine(deviceHash, Hash64.Compute(batch.Arena(offset, length), 0x6D7367));
        }
        else if (context.EventSequence is { } eventSequence)
        {
            batch.KeyKinds[row] = MessageKeyKind.EventPosition;
            batch.SetEventSequence(row, eventSequence);
            batch.MessageKeys[row] = Hash64.Combine(deviceHash, Hash64.Combine((ulong)eventSequence, (ulong)position));
        }
        else
        {
            batch.KeyKinds[row] = MessageKeyKind.ContentHash;
            batch.MessageKeys[row] = Hash64.Combine(deviceHash, Hash64.Compute(raw, 0x726177));
        }

        if (fields.Reason != RejectReason.None)
        {
            batch.Details[row] = fields.Detail;
            batch.RawPayloads[row] = ToPayload(raw);
            if (device is null && fields.DeviceOffset >= 0)
            {
                batch.RejectedDeviceIds[row] = Encoding.UTF8.GetString(batch.Arena(fields.DeviceOffset, Math.Min(fields.DeviceLength, 256)));
            }
            else if (device is null)
            {
                batch.RejectedDeviceIds[row] = context.FallbackDeviceId;
            }
        }

        batch.Commit();
    }

    private static Property ReadPropertyName(ref Utf8JsonReader reader)
        => reader.ValueIsEscaped || reader.HasValueSequence ? ReadPropertyNameSlow(ref reader) : MatchProperty(reader.ValueSpan);

    /// <summary>The property an unescaped UTF-8 name stands for.</summary>
    private static Property MatchProperty(ReadOnlySpan<byte> name)
    {
        if (name.IsEmpty)
        {
            return Property.Other;
        }

        // Dispatch on the first byte, then confirm: one comparison per property on the hot path.
        return name[0] switch
        {
            (byte)'d' when name.SequenceEqual("deviceId"u8) => Property.DeviceId,
            (byte)'t' when name.SequenceEqual("timestamp"u8) => Property.Timestamp,
            (byte)'r' when name.SequenceEqual("readings"u8) => Property.Readings,
            (byte)'m' when name.SequenceEqual("messageId"u8) => Property.MessageId,
            (byte)'s' when name.SequenceEqual("sequence"u8) => Property.Sequence,
            (byte)'B' when name.SequenceEqual("Body"u8) => Property.Body,
            (byte)'B' when name.SequenceEqual("BrokerProperties"u8) => Property.BrokerProperties,
            (byte)'U' when name.SequenceEqual("UserProperties"u8) => Property.UserProperties,
            _ => Property.Other,
        };
    }

    private static Property ReadPropertyNameSlow(ref Utf8JsonReader reader)
    {
        if (reader.ValueTextEquals("deviceId"u8))
        {
            return Property.DeviceId;
        }

        if (reader.ValueTextEquals("timestamp"u8))
        {
            return Property.Timestamp;
        }

        if (reader.ValueTextEquals("readings"u8))
        {
            return Property.Readings;
        }

        if (reader.ValueTextEquals("messageId"u8))
        {
            return Property.MessageId;
        }

        if (reader.ValueTextEquals("sequence"u8))
        {
            return Property.Sequence;
        }

        if (reader.ValueTextEquals("Body"u8))
        {
            return Property.Body;
        }

        if (reader.ValueTextEquals("UserProperties"u8))
        {
            return Property.UserProperties;
        }

        return reader.ValueTextEquals("BrokerProperties"u8) ? Property.BrokerProperties : Property.Other;
    }

    private static ulong AllSensors(int count) => count == 64 ? ulong.MaxValue : (1UL << count) - 1;

    [System.Runtime.CompilerServices.SkipLocalsInit] // the name buffer is written (CopyString) before it is read
    private static void ParseReadings(ref Utf8JsonReader reader, SensorSchema schema, Span<double> values, ref ulong seen, ref RejectReason reason, ref string? detail)
    {
        Span<byte> nameBuffer = stackalloc byte[256];
        var expected = 0;
        while (reader.Read() && reader.TokenType != JsonTokenType.EndObject)
        {
            int slot;
            if (!reader.ValueIsEscaped && !reader.HasValueSequence)
            {
                // Senders keep their sensor order, so the next slot is the likely match: one comparison per sensor.
                slot = expected < schema.Count && reader.ValueSpan.SequenceEqual(schema.Utf8Names[expected]) ? expected : schema.IndexOf(reader.ValueSpan);
                expected = slot + 1;
            }
            else
            {
                var length = reader.HasValueSequence ? reader.ValueSequence.Length : reader.ValueSpan.Length;
                slot = length <= nameBuffer.Length ? schema.IndexOf(nameBuffer[..reader.CopyString(nameBuffer)]) : -1;
            }

            if (slot < 0 && reason == RejectReason.None)
            {
                reason = RejectReason.UnknownSensor;
                detail = $"Sensor '{Truncate(reader.GetString(), 128)}' is not known to the model.";
            }

            reader.Read();
            if (slot < 0)
            {
                reader.Skip();
                continue;
            }

            var bit = 1UL << slot;
            if ((seen & bit) != 0 && reason == RejectReason.None)
            {
                reason = RejectReason.DuplicateProperty;
                detail = $"Sensor '{schema.Names[slot]}' appears twice.";
            }

            seen |= bit;
            switch (reader.TokenType)
            {
                case JsonTokenType.Number:
                    if ((reader.HasValueSequence || !FastDouble.TryParse(reader.ValueSpan, out var value)) && (!reader.TryGetDouble(out value) || !double.IsFinite(value)))
                    {
                        if (reason == RejectReason.None)
                        {
                            reason = RejectReason.NonFiniteValue;
                            detail = $"Sensor '{schema.Names[slot]}' is not a finite double.";
                        }
                    }
                    else
                    {
                        values[slot] = value;
                    }

                    break;
                case JsonTokenType.String:
                    if (reason == RejectReason.None)
                    {
                        var isNonFinite = reader.ValueTextEquals("NaN"u8) || reader.ValueTextEquals("Infinity"u8) || reader.ValueTextEquals("-Infinity"u8)
                            || reader.ValueTextEquals("+Infinity"u8) || reader.ValueTextEquals("nan"u8) || reader.ValueTextEquals("inf"u8) || reader.ValueTextEquals("-inf"u8);
                        reason = isNonFinite ? RejectReason.NonFiniteValue : RejectReason.NonNumericValue;
                        detail = isNonFinite ? $"Sensor '{schema.Names[slot]}' is NaN or infinite." : $"Sensor '{schema.Names[slot]}' is a string, not a number.";
                    }

                    break;
                default:
                    if (reason == RejectReason.None)
                    {
                        reason = RejectReason.NonNumericValue;
                        detail = $"Sensor '{schema.Names[slot]}' is {reader.TokenType}, not a number.";
                    }

                    reader.Skip();
                    break;
            }
        }
    }

    private static string? ReadStringProperty(ref Utf8JsonReader reader, string name)
    {
        if (reader.TokenType != JsonTokenType.StartObject)
        {
            reader.Skip();
            return null;
        }

        string? result = null;
        while (reader.Read() && reader.TokenType != JsonTokenType.EndObject)
        {
            var match = reader.ValueTextEquals(name);
            reader.Read();
            if (match && reader.TokenType == JsonTokenType.String)
            {
                result = reader.GetString();
            }
            else
            {
                reader.Skip();
            }
        }

        return result;
    }

    private static int StoreString(ref Utf8JsonReader reader, ReadingBatch batch, out int length)
    {
        if (!reader.ValueIsEscaped && !reader.HasValueSequence)
        {
            // The reader does not validate the UTF-8 of unescaped strings it is not asked to decode; ids must be text.
            if (!System.Text.Unicode.Utf8.IsValid(reader.ValueSpan))
            {
                throw new InvalidOperationException("A string holds invalid UTF-8.");
            }

            length = reader.ValueSpan.Length;
            return batch.Store(reader.ValueSpan);
        }

        var max = reader.HasValueSequence ? checked((int)reader.ValueSequence.Length) : reader.ValueSpan.Length;
        var rented = ArrayPool<byte>.Shared.Rent(Math.Max(max, 1));
        try
        {
            length = reader.CopyString(rented);
            return batch.Store(rented.AsSpan(0, length));
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(rented);
        }
    }

    /// <summary>IoT Hub device ids: 1–128 ASCII letters, digits and <c>- . % _ * ? ! ( ) , : = @ $ '</c>.</summary>
    public static bool IsValidDeviceId(ReadOnlySpan<byte> id, int maxLength)
    {
        if (id.Length == 0 || id.Length > maxLength)
        {
            return false;
        }

        foreach (var b in id)
        {
            if (!IsDeviceIdChar((char)b))
            {
                return false;
            }
        }

        return true;
    }

    public static bool IsValidDeviceId(string id, int maxLength)
    {
        if (id.Length == 0 || id.Length > maxLength)
        {
            return false;
        }

        foreach (var c in id)
        {
            if (!IsDeviceIdChar(c))
            {
                return false;
            }
        }

        return true;
    }

    // Bit set of the allowed ASCII characters (two 64-bit words), built once.
    private static readonly ulong[] DeviceIdChars = BuildDeviceIdChars();

    private static bool IsDeviceIdChar(char c)
        => c < 128 && (DeviceIdChars[c >> 6] & (1UL << (c & 63))) != 0;

    private static ulong[] BuildDeviceIdChars()
    {
        var bits = new ulong[2];
        for (var c = (char)0; c < 128; c++)
        {
            if (char.IsAsciiLetterOrDigit(c) || c is '-' or '.' or '%' or '_' or '*' or '?' or '!' or '(' or ')' or ',' or ':' or '=' or '@' or '$' or '\'')
            {
                bits[c >> 6] |= 1UL << (c & 63);
            }
        }

        return bits;
    }

    private void AddReject(ref Context context, RejectReason reason, ReadOnlySpan<byte> raw, string detail)
    {
        var batch = context.Batch;
        var row = batch.Reserve();
        batch.Reasons[row] = reason;
        batch.Details[row] = detail;
        batch.RawPayloads[row] = ToPayload(raw);
        batch.EventIndexes[row] = context.EventIndex;
        batch.PositionsInEvent[row] = context.Position++;
        batch.RejectedDeviceIds[row] = context.FallbackDeviceId;
        batch.KeyKinds[row] = MessageKeyKind.ContentHash;
        batch.MessageKeys[row] = Hash64.Compute(raw, 0x726177);
        batch.Commit();
    }

    private string ToPayload(ReadOnlySpan<byte> raw)
    {
        var max = _options.MaxDeadLetterPayloadBytes;
        if (raw.Length <= max)
        {
            return Encoding.UTF8.GetString(raw);
        }

        return Encoding.UTF8.GetString(raw[..max]) + "…[cut at " + max + " of " + raw.Length + " bytes]";
    }

    private static string? Truncate(string? s, int max) => s is null || s.Length <= max ? s : s[..max] + "…";

    /// <summary>
    /// What the scan of one reading object found: its reserved row, where its ids lie in the batch arena, its
    /// timestamp, message sequence and sensors seen, and the first failure (first found wins).
    /// </summary>
    private struct ReadingFields(int row)
    {
        public readonly int Row = row;
        public RejectReason Reason;
        public string? Detail;
        public int DeviceOffset = -1;
        public int DeviceLength;
        public int MessageOffset = -1;
        public int MessageLength;
        public long Sequence = long.MinValue;
        public long TimestampTicks;
        public bool HasReadings;
        public ulong SeenSensors;

        public void Fail(RejectReason reason, string detail)
        {
            if (Reason == RejectReason.None)
            {
                Reason = reason;
                Detail = detail;
            }
        }
    }

    private enum Property
    {
        Other = -1,
        DeviceId = 0,
        Timestamp,
        MessageId,
        Sequence,
        Readings,
        Body,
        UserProperties,
        BrokerProperties,
    }

    private struct Context(
        SensorSchema schema,
        DeviceTable devices,
        ReadingBatch batch,
        int eventIndex,
        long nowTicks,
        string? fallbackDeviceId,
        long? eventSequence,
        string? fallbackMessageId)
    {
        public readonly SensorSchema Schema = schema;
        public readonly DeviceTable Devices = devices;
        public readonly ReadingBatch Batch = batch;
        public readonly int EventIndex = eventIndex;
        public readonly long NowTicks = nowTicks;
        public readonly long? EventSequence = eventSequence;
        public string? FallbackDeviceId = fallbackDeviceId;
        public string? FallbackMessageId = fallbackMessageId;
        /// <summary>
        /// Position of the reading that inherits <see cref="FallbackMessageId"/>: the first of the current envelope's
        /// body, or the event's first reading when the event itself carries a message id; -1 for none.
        /// </summary>
        public int EnvelopeFirstPosition = -1;
        public int Position;
    }
}
