using System.Globalization;
using System.Text;
using Avro;
using Avro.File;
using Avro.Generic;
using IoTAnomaly.Core.Capture;

namespace IoTAnomaly.Infrastructure.Capture;

/// <summary>
/// Event Hubs Capture's Avro record (<c>Microsoft.ServiceBus.Messaging.EventData</c>) and its conversion to and from
/// <see cref="CapturedEvent"/>. The schema is the one Capture writes (as <c>avro-tools getschema</c> prints it), so
/// files written here read like Capture's and Capture's files read here.
/// </summary>
public static class CaptureAvro
{
    /// <summary>The schema of every Event Hubs Capture file.</summary>
    public const string SchemaJson = """
        {"type":"record","name":"EventData","namespace":"Microsoft.ServiceBus.Messaging","fields":[
          {"name":"SequenceNumber","type":"long"},
          {"name":"Offset","type":"string"},
          {"name":"EnqueuedTimeUtc","type":"string"},
          {"name":"SystemProperties","type":{"type":"map","values":["long","double","string","bytes"]}},
          {"name":"Properties","type":{"type":"map","values":["long","double","string","bytes"]}},
          {"name":"Body","type":["null","bytes"]}]}
        """;

    /// <summary>How Capture formats <c>EnqueuedTimeUtc</c> (invariant culture, whole seconds), e.g. <c>11/22/2026 9:05:07 AM</c>.</summary>
    public const string EnqueuedTimeFormat = "M/d/yyyy h:mm:ss tt";

    public static RecordSchema Schema { get; } = (RecordSchema)Avro.Schema.Parse(SchemaJson);

    /// <summary>
    /// One Avro container file (deflate at <see cref="System.IO.Compression.CompressionLevel.Fastest"/>; Capture's
    /// codec, any reader decodes it) holding <paramref name="events"/> in order. Encoded by hand
    /// (<see cref="CaptureAvroEncoder"/>); <see cref="Read"/> goes through Apache.Avro.
    /// </summary>
    public static byte[] Write(IReadOnlyList<CapturedEvent> events) => CaptureAvroEncoder.Write(events);

    /// <summary>Every event of one Avro container file, in file order.</summary>
    public static IReadOnlyList<CapturedEvent> Read(Stream stream)
    {
        var list = new List<CapturedEvent>();
        using var reader = DataFileReader<GenericRecord>.OpenReader(stream, Schema, leaveOpen: true);
        while (reader.HasNext())
        {
            list.Add(FromRecord(reader.Next()));
        }

        return list;
    }

    public static string FormatEnqueuedTime(DateTimeOffset instant)
        => instant.UtcDateTime.ToString(EnqueuedTimeFormat, CultureInfo.InvariantCulture);

    /// <summary>Parses Capture's format, and ISO 8601 as a fallback; always UTC.</summary>
    public static DateTimeOffset ParseEnqueuedTime(string text)
    {
        const DateTimeStyles Utc = DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal;
        if (DateTime.TryParseExact(text, EnqueuedTimeFormat, CultureInfo.InvariantCulture, Utc, out var capture))
        {
            return new DateTimeOffset(capture, TimeSpan.Zero);
        }

        return DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, Utc, out var iso)
            ? iso.ToUniversalTime()
            : throw new FormatException($"EnqueuedTimeUtc '{text}' is neither Capture's format nor ISO 8601.");
    }

    private static CapturedEvent FromRecord(GenericRecord record)
    {
        var offsetText = (string)record["Offset"];
        return new CapturedEvent(
            (long)record["SequenceNumber"],
            long.TryParse(offsetText, NumberStyles.Integer, CultureInfo.InvariantCulture, out var offset) ? offset : -1,
            ParseEnqueuedTime((string)record["EnqueuedTimeUtc"]),
            record["Body"] is byte[] body ? body : ReadOnlyMemory<byte>.Empty,
            FromMap(record["Properties"]),
            FromMap(record["SystemProperties"]));
    }

    private static Dictionary<string, string> FromMap(object? value)
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        if (value is IDictionary<string, object> map)
        {
            foreach (var (key, item) in map)
            {
                result[key] = item switch
                {
                    string s => s,
                    long l => l.ToString(CultureInfo.InvariantCulture),
                    double d => d.ToString("R", CultureInfo.InvariantCulture),
                    byte[] bytes => Encoding.UTF8.GetString(bytes),
                    null => string.Empty,
                    _ => Convert.ToString(item, CultureInfo.InvariantCulture) ?? string.Empty,
                };
            }
        }

        return result;
    }
}
