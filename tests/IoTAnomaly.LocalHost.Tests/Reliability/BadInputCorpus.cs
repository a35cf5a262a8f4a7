using System.Globalization;
using System.Text;

namespace IoTAnomaly.LocalHost.Tests.Reliability;

/// <summary>The three routes a corpus payload goes through.</summary>
public enum CorpusRoute
{
    /// <summary><c>POST /api/telemetry</c>.</summary>
    Telemetry,

    /// <summary><c>POST /{eventHub}/messages</c> (the Event Hubs REST send).</summary>
    EventHubs,

    /// <summary><c>POST /api/predict</c>.</summary>
    Predict,
}

/// <summary>
/// What a route must answer for one payload: either a refusal at the door (<see cref="Status"/> is a 4xx, nothing is
/// queued), or acceptance (202/201; 200 or 400 for predict) after which the workers score <see cref="Scored"/> readings
/// and dead-letter exactly <see cref="Reasons"/> (reason code → count); <see cref="Anomalies"/>, when given, is checked too
/// (otherwise not: repeated identical values of a device are rightly flagged as a stuck sensor).
/// </summary>
public sealed record CorpusExpectation(int? Status, int Scored, IReadOnlyDictionary<string, int> Reasons, int? Anomalies = null)
{
    /// <summary>Refused at the door with this 4xx; nothing queued, nothing counted.</summary>
    public static CorpusExpectation Door(int status) => new(status, 0, new Dictionary<string, int>());

    /// <summary>Queued; then <paramref name="scored"/> readings scored and one dead letter per reason code listed (codes may repeat).</summary>
    public static CorpusExpectation Rows(int scored, params string[] reasons)
        => new(null, scored, reasons.GroupBy(r => r, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal));

    /// <summary>Queued and scored, with this many anomalies.</summary>
    public static CorpusExpectation Anomalous(int scored, int anomalies)
        => new(null, scored, new Dictionary<string, int>(), anomalies);

    public override string ToString()
        => Status is { } s
            ? "HTTP " + s.ToString(CultureInfo.InvariantCulture)
            : $"scored {Scored}, rejected {{{string.Join(", ", Reasons.Select(r => $"{r.Key}: {r.Value}"))}}}";
}

/// <summary>One named payload of the corpus.</summary>
/// <param name="Name">Unique name (also the file name without extension when the payload is a file).</param>
/// <param name="ContentType">Content type sent (null: no Content-Type header).</param>
/// <param name="Body">The payload; <c>$NOW$</c> and <c>$ID$</c> are replaced per send (a recent timestamp, a unique id).</param>
/// <param name="Ingest">Expectation on <c>/api/telemetry</c>.</param>
/// <param name="EventHubs">Expectation on <c>/{eventHub}/messages</c>; null: same as <paramref name="Ingest"/>.</param>
/// <param name="Predict">Expected predict status and reason codes; null: derived from the Event Hubs expectation
/// (the predict route, like a single Event Hubs event, hands the whole body to the parser as one event).</param>
/// <param name="Chunked">Send without Content-Length (chunked transfer).</param>
public sealed record CorpusEntry(
    string Name,
    string? ContentType,
    Func<byte[]> Body,
    CorpusExpectation Ingest,
    CorpusExpectation? EventHubs = null,
    CorpusExpectation? Predict = null,
    bool Chunked = false)
{
    public CorpusExpectation For(CorpusRoute route) => route switch
    {
        CorpusRoute.Telemetry => Ingest,
        CorpusRoute.EventHubs => EventHubs ?? Ingest,
        _ => Predict ?? DerivePredict(EventHubs ?? Ingest),
    };

    /// <summary>Predict scores without de-duplication: any other rejection → 400 with those codes; none → 200.</summary>
    private static CorpusExpectation DerivePredict(CorpusExpectation ingest)
    {
        if (ingest.Status is not null)
        {
            return ingest;
        }

        var reasons = ingest.Reasons.Where(r => r.Key != "duplicate-message").ToDictionary(r => r.Key, r => r.Value, StringComparer.Ordinal);
        return reasons.Count > 0
            ? new CorpusExpectation(400, 0, reasons)
            : new CorpusExpectation(200, ingest.Scored + ingest.Reasons.GetValueOrDefault("duplicate-message"), reasons);
    }

    public override string ToString() => Name;
}

/// <summary>
/// The bad-input corpus of issue 8: malformed, hostile and edge-case payloads. Small ones are files in
/// <c>Reliability/Corpus</c>; large, binary or deeply nested ones are generated here.
/// </summary>
public static class BadInputCorpus
{
    public const string Json = "application/json";
    public const string Ndjson = "application/x-ndjson";
    public const string EventHubsBatch = "application/vnd.microsoft.servicebus.json";
    private const string MalformedJson = "malformed-json";
    private const string InvalidShape = "invalid-shape";
    private const string InvalidDeviceId = "invalid-device-id";
    private const string NonNumeric = "non-numeric-value";
    private const string BodyTooLarge = "body-too-large";

    private static readonly string ValidReading =
        "{\"deviceId\":\"pump-1\",\"timestamp\":\"$NOW$\",\"messageId\":\"$ID$\",\"readings\":{\"temperature\":1,\"pressure\":2,\"vibration\":3}}";

    private static readonly Lazy<IReadOnlyList<CorpusEntry>> Entries = new(Build);

    public static IReadOnlyList<CorpusEntry> All => Entries.Value;

    public static CorpusEntry Get(string name) => All.Single(e => e.Name == name);

    /// <summary>Every (entry, route) pair, for <c>[DynamicData]</c>.</summary>
    public static IEnumerable<object[]> Cases
        => All.SelectMany(e => Enum.GetValues<CorpusRoute>().Select(r => new object[] { e.Name, r }));

    /// <summary>The bytes to send: placeholders replaced (text payloads only; binary payloads have none).</summary>
    public static byte[] Materialize(CorpusEntry entry, string uniqueId)
    {
        ArgumentNullException.ThrowIfNull(entry);
        var bytes = entry.Body();
        var dollar = (byte)'$';
        if (Array.IndexOf(bytes, dollar) < 0)
        {
            return bytes;
        }

        var now = DateTimeOffset.UtcNow.AddSeconds(-1).ToString("O", CultureInfo.InvariantCulture);
        return Replace(Replace(bytes, "$NOW$"u8, Encoding.UTF8.GetBytes(now)), "$ID$"u8, Encoding.UTF8.GetBytes(uniqueId));
    }

    private static byte[] Replace(byte[] source, ReadOnlySpan<byte> token, ReadOnlySpan<byte> value)
    {
        var output = new List<byte>(source.Length + 64);
        var span = source.AsSpan();
        while (true)
        {
            var at = span.IndexOf(token);
            if (at < 0)
            {
                output.AddRange(span);
                return [.. output];
            }

            output.AddRange(span[..at]);
            output.AddRange(value);
            span = span[(at + token.Length)..];
        }
    }

    private static Func<byte[]> File(string name) => () => System.IO.File.ReadAllBytes(Path.Combine(AppContext.BaseDirectory, "Reliability", "Corpus", name));

    private static Func<byte[]> Utf8(string text) => () => Encoding.UTF8.GetBytes(text);

    private static Func<byte[]> Bytes(params byte[][] parts) => () => parts.SelectMany(p => p).ToArray();

    private static byte[] Ascii(string text) => Encoding.ASCII.GetBytes(text);

    private static List<CorpusEntry> Build()
    {
        var list = new List<CorpusEntry>();
        void Add(string name, string file, string? contentType, CorpusExpectation ingest, CorpusExpectation? eventHubs = null, CorpusExpectation? predict = null)
            => list.Add(new CorpusEntry(name, contentType, File(file), ingest, eventHubs, predict));
        void AddJson(string name, CorpusExpectation ingest, CorpusExpectation? eventHubs = null, CorpusExpectation? predict = null)
            => Add(name, name + ".json", Json, ingest, eventHubs, predict);

        // A control: a valid reading is scored on every route.
        AddJson("valid-reading", CorpusExpectation.Rows(1));

        // Truncated and malformed JSON.
        AddJson("truncated-object", CorpusExpectation.Rows(0, MalformedJson));
        AddJson("truncated-array", CorpusExpectation.Rows(1, MalformedJson));
        AddJson("unclosed-string", CorpusExpectation.Rows(0, MalformedJson));
        AddJson("trailing-comma-object", CorpusExpectation.Rows(0, MalformedJson));
        AddJson("trailing-comma-array", CorpusExpectation.Rows(1, MalformedJson));
        AddJson("single-quotes", CorpusExpectation.Rows(0, MalformedJson));
        AddJson("comment", CorpusExpectation.Rows(0, MalformedJson));
        Add("bare-word", "bare-word.txt", "text/plain", CorpusExpectation.Rows(0, MalformedJson));
        AddJson("lone-open-brace", CorpusExpectation.Rows(0, MalformedJson));
        AddJson("lone-close-bracket", CorpusExpectation.Rows(0, MalformedJson));
        AddJson("garbage-after-reading", CorpusExpectation.Rows(1, MalformedJson));
        AddJson("nan-literal", CorpusExpectation.Rows(0, MalformedJson));
        AddJson("number-leading-zero", CorpusExpectation.Rows(0, MalformedJson));
        AddJson("number-hex", CorpusExpectation.Rows(0, MalformedJson));
        AddJson("number-plus-sign", CorpusExpectation.Rows(0, MalformedJson));
        list.Add(new CorpusEntry("raw-nul-in-string", Json, () => Encoding.UTF8.GetBytes(ValidReading.Replace("pump-1", "pump\u0000-1", StringComparison.Ordinal)), CorpusExpectation.Rows(0, MalformedJson)));
        list.Add(new CorpusEntry("bom-prefixed", Json, Bytes([0xEF, 0xBB, 0xBF], Encoding.UTF8.GetBytes(ValidReading)), CorpusExpectation.Rows(0, MalformedJson)));
        list.Add(new CorpusEntry("utf16le-body", Json, () => Encoding.Unicode.GetBytes("{\"deviceId\":\"pump-1\"}"), CorpusExpectation.Rows(0, MalformedJson)));

        // Deep nesting (generated): 10,000 levels of objects, of arrays, and a sensor value nested 40 deep.
        list.Add(new CorpusEntry("deep-objects-10k", Json, () => Ascii(string.Concat(Enumerable.Repeat("{\"a\":", 10_000)) + "1" + new string('}', 10_000)), CorpusExpectation.Rows(0, MalformedJson)));
        list.Add(new CorpusEntry("deep-arrays-10k", Json, () => Ascii(new string('[', 10_000) + new string(']', 10_000)), CorpusExpectation.Rows(0, MalformedJson)));
        list.Add(new CorpusEntry(
            "deep-sensor-value-40",
            Json,
            () => Ascii("{\"deviceId\":\"pump-1\",\"timestamp\":\"$NOW$\",\"messageId\":\"$ID$\",\"readings\":{\"temperature\":" + new string('[', 40) + "1" + new string(']', 40) + ",\"pressure\":2,\"vibration\":3}}"),
            CorpusExpectation.Rows(0, MalformedJson)));

        // Numbers.
        AddJson("number-1e400", CorpusExpectation.Rows(0, "non-finite-value"));
        AddJson("number-minus-1e400", CorpusExpectation.Rows(0, "non-finite-value"));
        AddJson("number-300-digits", CorpusExpectation.Rows(0, "out-of-bounds"));
        AddJson("number-1e-400", CorpusExpectation.Rows(1));
        AddJson("number-1000-digit-mantissa", CorpusExpectation.Rows(1));
        AddJson("number-negative-zero", CorpusExpectation.Rows(1));
        AddJson("number-out-of-bounds", CorpusExpectation.Rows(0, "out-of-bounds"));

        // Wrong types and shapes.
        AddJson("value-string", CorpusExpectation.Rows(0, NonNumeric));
        AddJson("value-null", CorpusExpectation.Rows(0, NonNumeric));
        AddJson("value-bool", CorpusExpectation.Rows(0, NonNumeric));
        AddJson("value-object", CorpusExpectation.Rows(0, NonNumeric));
        AddJson("value-array", CorpusExpectation.Rows(0, NonNumeric));
        AddJson("readings-array", CorpusExpectation.Rows(0, "missing-readings"));
        AddJson("readings-string", CorpusExpectation.Rows(0, "missing-readings"));
        AddJson("readings-empty", CorpusExpectation.Rows(0, "missing-sensor-value"));
        AddJson("missing-readings", CorpusExpectation.Rows(0, "missing-readings"));
        AddJson("missing-sensor", CorpusExpectation.Rows(0, "missing-sensor-value"));
        AddJson("unknown-sensor", CorpusExpectation.Rows(0, "unknown-sensor"));
        AddJson("timestamp-number", CorpusExpectation.Rows(0, "invalid-timestamp"));
        AddJson("timestamp-garbage", CorpusExpectation.Rows(0, "invalid-timestamp"));
        AddJson("timestamp-future", CorpusExpectation.Rows(0, "timestamp-in-future"));
        AddJson("timestamp-epoch", CorpusExpectation.Rows(0, "timestamp-too-old"));
        AddJson("missing-timestamp", CorpusExpectation.Rows(0, "missing-timestamp"));
        AddJson("message-id-object", CorpusExpectation.Rows(0, "invalid-message-id"));
        AddJson("message-id-too-long", CorpusExpectation.Rows(0, "invalid-message-id"));
        AddJson("top-level-string", CorpusExpectation.Rows(0, InvalidShape));
        AddJson("top-level-number", CorpusExpectation.Rows(0, InvalidShape));
        AddJson("top-level-null", CorpusExpectation.Rows(0, InvalidShape));
        AddJson("array-of-scalars", CorpusExpectation.Rows(0, InvalidShape, InvalidShape, InvalidShape));

        // Duplicate keys and duplicate messages.
        AddJson("duplicate-device-id", CorpusExpectation.Rows(0, "duplicate-property"));
        AddJson("duplicate-sensor", CorpusExpectation.Rows(0, "duplicate-property"));
        AddJson("duplicate-readings", CorpusExpectation.Rows(0, "duplicate-property"));
        AddJson("duplicate-message-in-batch", CorpusExpectation.Rows(1, "duplicate-message"));

        // Empty bodies and batches.
        AddJson("empty-body", CorpusExpectation.Rows(0, MalformedJson));
        AddJson("whitespace-body", CorpusExpectation.Rows(0, MalformedJson));
        AddJson("empty-object", CorpusExpectation.Rows(0, "missing-device-id"));
        AddJson("empty-array", CorpusExpectation.Door(400), eventHubs: CorpusExpectation.Rows(0, InvalidShape));
        Add("blank-ndjson", "blank-ndjson.ndjson", Ndjson, CorpusExpectation.Door(400), eventHubs: CorpusExpectation.Rows(0, MalformedJson));
        Add("ndjson-mixed", "ndjson-mixed.ndjson", Ndjson, CorpusExpectation.Rows(2, MalformedJson), eventHubs: CorpusExpectation.Rows(1, MalformedJson));

        // Strange device ids.
        AddJson("device-id-number", CorpusExpectation.Rows(0, InvalidDeviceId));
        AddJson("device-id-null", CorpusExpectation.Rows(0, InvalidDeviceId));
        AddJson("device-id-empty", CorpusExpectation.Rows(0, InvalidDeviceId));
        AddJson("device-id-too-long", CorpusExpectation.Rows(0, InvalidDeviceId));
        AddJson("device-id-path-traversal", CorpusExpectation.Rows(0, InvalidDeviceId));
        AddJson("device-id-non-ascii", CorpusExpectation.Rows(0, InvalidDeviceId));
        // A lone surrogate escape is not text: the parser calls it malformed JSON wherever it appears.
        AddJson("device-id-lone-surrogate", CorpusExpectation.Rows(0, MalformedJson));
        AddJson("device-id-nul-escape", CorpusExpectation.Rows(0, InvalidDeviceId));
        AddJson("device-id-space", CorpusExpectation.Rows(0, InvalidDeviceId));
        AddJson("missing-device-id", CorpusExpectation.Rows(0, "missing-device-id"));

        // IoT Hub allows - . _ : = @ $ ' ( ) ! * ? , % in device ids: accepted, and an anomaly of such a device reaches the Blob sink.
        AddJson("device-id-allowed-specials-anomaly", CorpusExpectation.Anomalous(1, 1));

        // Event Hubs envelopes with broken bodies.
        void AddBatch(string name, CorpusExpectation expectation) => Add(name, name + ".json", EventHubsBatch, expectation);
        AddBatch("eh-body-not-json", CorpusExpectation.Rows(0, MalformedJson));
        AddBatch("eh-body-number", CorpusExpectation.Rows(0, InvalidShape));
        AddBatch("eh-missing-body", CorpusExpectation.Rows(0, InvalidShape));
        AddBatch("eh-body-truncated-escaped", CorpusExpectation.Rows(0, MalformedJson));
        AddBatch("eh-envelope-truncated", CorpusExpectation.Rows(0, MalformedJson));
        AddBatch("eh-elements-not-objects", CorpusExpectation.Rows(0, InvalidShape, InvalidShape, InvalidShape));
        AddBatch("eh-body-empty-string", CorpusExpectation.Rows(0, MalformedJson));
        AddBatch("eh-body-lone-surrogate", CorpusExpectation.Rows(0, MalformedJson));
        AddBatch("eh-system-device-id", CorpusExpectation.Rows(1));
        AddBatch("eh-properties-wrong-types", CorpusExpectation.Rows(1));

        // Content types: the telemetry route takes JSON, NDJSON, text/plain and the Event Hubs batch type; the Event
        // Hubs route takes any body as one event; predict reads the body whatever its type.
        Add("xml-body", "xml-body.xml", "application/xml", CorpusExpectation.Door(415), eventHubs: CorpusExpectation.Rows(0, MalformedJson));
        Add("form-body", "form-body.txt", "application/x-www-form-urlencoded", CorpusExpectation.Door(415), eventHubs: CorpusExpectation.Rows(0, MalformedJson));
        Add("content-type-garbage", "valid-reading.json", "not a media type", CorpusExpectation.Door(415), eventHubs: CorpusExpectation.Rows(1));
        Add("content-type-multipart", "valid-reading.json", "multipart/form-data; boundary=x", CorpusExpectation.Door(415), eventHubs: CorpusExpectation.Rows(1));
        Add("content-type-missing", "valid-reading.json", null, CorpusExpectation.Rows(1));
        Add("content-type-json-latin1-charset", "valid-reading.json", "application/json; charset=iso-8859-1", CorpusExpectation.Rows(1));

        // Invalid UTF-8 (generated): refused at the door on every route, nothing queued.
        list.Add(new CorpusEntry("invalid-utf8-in-string", Json, Bytes(Ascii("{\"deviceId\":\"pump"), [0xC3, 0x28], Ascii("\"}")), CorpusExpectation.Door(400)));
        list.Add(new CorpusEntry("invalid-utf8-overlong", Json, Bytes(Ascii("{\"deviceId\":\""), [0xC0, 0xAF], Ascii("\"}")), CorpusExpectation.Door(400)));
        list.Add(new CorpusEntry("invalid-utf8-encoded-surrogate", Json, Bytes(Ascii("{\"deviceId\":\""), [0xED, 0xA0, 0x80], Ascii("\"}")), CorpusExpectation.Door(400)));
        list.Add(new CorpusEntry("invalid-utf8-truncated-sequence", Json, Bytes(Ascii("{\"deviceId\":\"pump\"}"), [0xF0, 0x9F]), CorpusExpectation.Door(400)));
        list.Add(new CorpusEntry("latin1-body", Json, () => Encoding.Latin1.GetBytes("{\"deviceId\":\"pümp-1\"}"), CorpusExpectation.Door(400)));

        // Large bodies (generated). The request limit is LocalHost:MaxRequestBytes (4 MiB), one event's is Telemetry:MaxEventBytes (1 MiB).
        list.Add(new CorpusEntry("over-limit-5mib", Json, () => Ascii("[" + new string(' ', 5 * 1024 * 1024) + "]"), CorpusExpectation.Door(413)));
        list.Add(new CorpusEntry("over-limit-5mib-chunked", Json, () => Ascii("[" + new string(' ', 5 * 1024 * 1024) + "]"), CorpusExpectation.Door(413), Chunked: true));
        list.Add(new CorpusEntry(
            "single-reading-2mib",
            Json,
            () => Ascii("{\"deviceId\":\"pump-1\",\"timestamp\":\"$NOW$\",\"messageId\":\"$ID$\",\"note\":\"" + new string('a', 2 * 1024 * 1024) + "\",\"readings\":{\"temperature\":1,\"pressure\":2,\"vibration\":3}}"),
            CorpusExpectation.Rows(0, BodyTooLarge)));
        list.Add(new CorpusEntry(
            "many-readings-10k",
            Json,
            () => Ascii("[" + string.Join(",", Enumerable.Range(0, 10_000).Select(i => ValidReading.Replace("$ID$", "$ID$-" + i.ToString(CultureInfo.InvariantCulture), StringComparison.Ordinal).Replace("pump-1", "pump-" + (i % 50).ToString(CultureInfo.InvariantCulture), StringComparison.Ordinal))) + "]"),
            CorpusExpectation.Rows(10_000),
            EventHubs: CorpusExpectation.Rows(0, BodyTooLarge)));
        list.Add(new CorpusEntry(
            "too-many-units-for-a-partition",
            Json,
            () => Ascii("[" + string.Join(",", Enumerable.Repeat("1", 1_900_000)) + "]"),
            CorpusExpectation.Door(413),
            EventHubs: CorpusExpectation.Rows(0, BodyTooLarge),
            Predict: new CorpusExpectation(400, 0, new Dictionary<string, int> { [BodyTooLarge] = 1 })));
        list.Add(new CorpusEntry(
            "huge-string-sensor-value",
            Json,
            () => Ascii("{\"deviceId\":\"pump-1\",\"timestamp\":\"$NOW$\",\"messageId\":\"$ID$\",\"readings\":{\"temperature\":\"" + new string('9', 500_000) + "\",\"pressure\":2,\"vibration\":3}}"),
            CorpusExpectation.Rows(0, NonNumeric)));
        list.Add(new CorpusEntry(
            "ten-thousand-unknown-sensors",
            Json,
            () => Ascii("{\"deviceId\":\"pump-1\",\"timestamp\":\"$NOW$\",\"messageId\":\"$ID$\",\"readings\":{\"temperature\":1,\"pressure\":2,\"vibration\":3,"
                + string.Join(",", Enumerable.Range(0, 10_000).Select(i => "\"s" + i.ToString(CultureInfo.InvariantCulture) + "\":1")) + "}}"),
            CorpusExpectation.Rows(0, "unknown-sensor")));
        list.Add(new CorpusEntry(
            "long-property-name",
            Json,
            () => Ascii("{\"" + new string('k', 100_000) + "\":1,\"deviceId\":\"pump-1\",\"timestamp\":\"$NOW$\",\"messageId\":\"$ID$\",\"readings\":{\"temperature\":1,\"pressure\":2,\"vibration\":3}}"),
            CorpusExpectation.Rows(1)));
        return list;
    }
}
