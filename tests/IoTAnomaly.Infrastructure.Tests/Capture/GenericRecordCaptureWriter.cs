using System.Globalization;
using System.IO.Compression;
using Avro.File;
using Avro.Generic;
using IoTAnomaly.Core.Capture;
using IoTAnomaly.Infrastructure.Capture;

namespace IoTAnomaly.Infrastructure.Tests.Capture;

/// <summary>
/// The capture writer as it was before <c>CaptureAvroEncoder</c>: Apache.Avro's <see cref="DataFileWriter{T}"/> with a
/// <see cref="GenericRecord"/> per event and <c>deflate</c> at <see cref="CompressionLevel.Fastest"/>. Kept as the
/// reference for the compatibility tests and the benchmark (linked into IoTAnomaly.Benchmarks), not for production.
/// </summary>
internal static class GenericRecordCaptureWriter
{
    public static byte[] Write(IReadOnlyList<CapturedEvent> events)
    {
        ArgumentNullException.ThrowIfNull(events);
        using var stream = new MemoryStream();
        using (var writer = DataFileWriter<GenericRecord>.OpenWriter(new GenericDatumWriter<GenericRecord>(CaptureAvro.Schema), stream, new FastDeflateCodec(), leaveOpen: true))
        {
            foreach (var e in events)
            {
                writer.Append(ToRecord(e));
            }
        }

        return stream.ToArray();
    }

    private static GenericRecord ToRecord(CapturedEvent e)
    {
        var record = new GenericRecord(CaptureAvro.Schema);
        record.Add("SequenceNumber", e.SequenceNumber);
        record.Add("Offset", e.Offset.ToString(CultureInfo.InvariantCulture));
        record.Add("EnqueuedTimeUtc", CaptureAvro.FormatEnqueuedTime(e.EnqueuedTimeUtc));
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

    /// <summary>Avro's <c>deflate</c> codec at <see cref="CompressionLevel.Fastest"/> (the library's uses the default level).</summary>
    private sealed class FastDeflateCodec : Codec
    {
        private static readonly Codec Library = CreateCodec(Type.Deflate);

        public override byte[] Compress(byte[] uncompressedData)
        {
            ArgumentNullException.ThrowIfNull(uncompressedData);
            using var output = new MemoryStream();
            using (var deflate = new DeflateStream(output, CompressionLevel.Fastest, leaveOpen: true))
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
            using var deflate = new DeflateStream(outputStream, CompressionLevel.Fastest, leaveOpen: true);
            deflate.Write(inputStream.GetBuffer(), 0, (int)inputStream.Length);
        }

        public override byte[] Decompress(byte[] compressedData, int length) => Library.Decompress(compressedData, length);

        public override string GetName() => DataFileConstants.DeflateCodec;

        public override bool Equals(object? other) => other is FastDeflateCodec;

        public override int GetHashCode() => DataFileConstants.DeflateCodec.GetHashCode(StringComparison.Ordinal);
    }
}
