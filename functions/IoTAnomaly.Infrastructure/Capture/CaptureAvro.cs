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

    /// <summary>One Avro container file (deflate, like Capture) holding <paramref name="events"/> in order.</summary>
    public static byte[] Write(IReadOnlyList<CapturedEvent> events)
    {
        ArgumentNullException.ThrowIfNull(events);
        using var stream = new MemoryStream();
        using (var writer = DataFileWriter<GenericRecord>.OpenWriter(new GenericDatumWriter<GenericRecord>(Schema), stream, new FastDeflateCodec(), leaveOpen: true))
        {
            foreach (var e in events)
            {
                writer.Append(ToRecord(e));
            }
        }

        return stream.ToArray();
    }

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

    private static GenericRecord ToRecord(CapturedEvent e)
    {
        var record = new GenericRecord(Schema);
        record.Add("SequenceNumber", e.SequenceNumber);
        record.Add("Offset", e.Offset.ToString(CultureInfo.InvariantCulture));
        record.Add("EnqueuedTimeUtc", FormatEnqueuedTime(e.EnqueuedTimeUtc));
        record.Add("SystemProperties", ToMap(e.SystemProperties));
        record.Add("Properties", ToMap(e.Properties));
        record.Add("Body", e.Body.ToArray());
        return record;
    }

    private static Dictionary<string, object> ToMap(IReadOnlyDictionary<string, string>? properties)
    {
        var map = new Dictionary<string, object>(StringComparer.Ordinal);
        if (properties is not null)
        {
            foreach (var (key, value) in properties)
            {
                map[key] = value;
            }
        }

        return map;
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

/// <summary>
/// Avro's <c>deflate</c> codec at <see cref="System.IO.Compression.CompressionLevel.Fastest"/> (Apache.Avro's own uses
/// the default level, which cost the local host about 17 % of its CPU under full ingest). Files are standard
/// <c>deflate</c> Avro: any reader decodes them with its own codec.
/// </summary>
internal sealed class FastDeflateCodec : Codec
{
    public override byte[] Compress(byte[] uncompressedData)
    {
        ArgumentNullException.ThrowIfNull(uncompressedData);
        using var output = new MemoryStream();
        using (var deflate = new System.IO.Compression.DeflateStream(output, System.IO.Compression.CompressionLevel.Fastest, leaveOpen: true))
        {
            deflate.Write(uncompressedData, 0, uncompressedData.Length);
        }

        return output.ToArray();
    }

    public override void Compress(MemoryStream inputStream, MemoryStream outputStream)
    {
        ArgumentNullException.ThrowIfNull(inputStream);
        ArgumentNullException.ThrowIfNull(outputStream);
        outputStream.SetLength(0);
        using var deflate = new System.IO.Compression.DeflateStream(outputStream, System.IO.Compression.CompressionLevel.Fastest, leaveOpen: true);
        deflate.Write(inputStream.GetBuffer(), 0, (int)inputStream.Length);
    }

    public override byte[] Decompress(byte[] compressedData, int length) => Library.Decompress(compressedData, length);

    private static readonly Codec Library = Codec.CreateCodec(Codec.Type.Deflate);

    public override string GetName() => DataFileConstants.DeflateCodec;

    public override bool Equals(object? other) => other is FastDeflateCodec;

    public override int GetHashCode() => DataFileConstants.DeflateCodec.GetHashCode(StringComparison.Ordinal);
}
