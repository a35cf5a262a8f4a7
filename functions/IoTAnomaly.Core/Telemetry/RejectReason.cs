namespace IoTAnomaly.Core.Telemetry;

/// <summary>Why a reading (or an unparseable part of a body) was not scored. Every value has a stable code.</summary>
public enum RejectReason : byte
{
    None = 0,

    /// <summary>The body (or the rest of it, from the first syntax error) is not valid JSON.</summary>
    MalformedJson,

    /// <summary>The JSON is valid but not a reading, an array of readings or an Event Hubs batch envelope.</summary>
    InvalidShape,

    /// <summary>An event body is larger than the configured limit.</summary>
    BodyTooLarge,

    /// <summary>No device id in the reading nor in the event's system properties.</summary>
    MissingDeviceId,

    /// <summary>Device id empty, too long, not a string, or with characters IoT Hub does not allow.</summary>
    InvalidDeviceId,

    MissingTimestamp,

    /// <summary>Timestamp present but not an ISO 8601 date-time string.</summary>
    InvalidTimestamp,

    /// <summary>Timestamp further in the future than the allowed clock skew.</summary>
    TimestampInFuture,

    /// <summary>Timestamp older than the allowed age.</summary>
    TimestampTooOld,

    /// <summary>No <c>readings</c> object.</summary>
    MissingReadings,

    /// <summary>A sensor the model needs is absent.</summary>
    MissingSensorValue,

    /// <summary>A sensor value is not a JSON number (string, null, object, ...).</summary>
    NonNumericValue,

    /// <summary>A sensor value is NaN or infinite (or overflows a double).</summary>
    NonFiniteValue,

    /// <summary>A sensor the model does not know.</summary>
    UnknownSensor,

    /// <summary>A value outside the sensor's physical bounds from the model manifest.</summary>
    OutOfBounds,

    /// <summary>The same device id + message id (or sequence) was already accepted within the duplicate window.</summary>
    DuplicateMessage,

    /// <summary>A property appears twice in one reading.</summary>
    DuplicateProperty,

    /// <summary><c>messageId</c> or <c>sequence</c> of the wrong type or length.</summary>
    InvalidMessageId,

    /// <summary>No model is loaded yet, so nothing can be scored; the reading is kept for replay.</summary>
    ModelNotLoaded,

    /// <summary>The device table is full (protects memory from unbounded device ids).</summary>
    TooManyDevices,
}

public static class RejectReasonCodes
{
    private static readonly string[] Codes = BuildCodes();

    /// <summary>The stable kebab-case code of a reason, e.g. <c>non-finite-value</c>.</summary>
    public static string ToCode(this RejectReason reason)
        => (int)reason < Codes.Length ? Codes[(int)reason] : reason.ToString();

    public static IReadOnlyList<RejectReason> All { get; } = Enum.GetValues<RejectReason>().Where(r => r != RejectReason.None).ToArray();

    private static string[] BuildCodes()
    {
        var values = Enum.GetValues<RejectReason>();
        var codes = new string[values.Max(v => (int)v) + 1];
        foreach (var value in values)
        {
            codes[(int)value] = ToKebab(value.ToString());
        }

        return codes;
    }

    private static string ToKebab(string name)
    {
        var sb = new System.Text.StringBuilder(name.Length + 8);
        for (var i = 0; i < name.Length; i++)
        {
            var c = name[i];
            if (char.IsUpper(c))
            {
                if (i > 0)
                {
                    sb.Append('-');
                }

                sb.Append(char.ToLowerInvariant(c));
            }
            else
            {
                sb.Append(c);
            }
        }

        return sb.ToString();
    }
}
