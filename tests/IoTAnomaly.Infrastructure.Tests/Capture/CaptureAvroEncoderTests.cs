using System.Collections.ObjectModel;
using System.Globalization;
using System.Text;
using Avro.File;
using Avro.Generic;
using IoTAnomaly.Core.Capture;
using IoTAnomaly.Infrastructure.Capture;

namespace IoTAnomaly.Infrastructure.Tests.Capture;

/// <summary>
/// The hand-written Avro encoder behind <see cref="CaptureAvro.Write"/>, checked by decoding its files with Apache.Avro's
/// <see cref="DataFileReader{T}"/> (an independent implementation) and against the old GenericRecord writer.
/// </summary>
[TestClass]
public sealed class CaptureAvroEncoderTests
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 22, 21, 5, 7, 250, TimeSpan.Zero);

    private static readonly Dictionary<string, string> Empty = [];

    public TestContext TestContext { get; set; } = null!;

    private static CapturedEvent Event(long sequence, long offset, DateTimeOffset enqueued, byte[] body, IReadOnlyDictionary<string, string>? properties = null, IReadOnlyDictionary<string, string>? system = null)
        => new(sequence, offset, enqueued, body, properties ?? Empty, system ?? Empty);

    /// <summary>Events that exercise every field: varint boundaries, unicode, empty maps and bodies, long strings.</summary>
    private static List<CapturedEvent> TrickyEvents()
    {
        var longValue = string.Concat(Enumerable.Repeat("température ✓ ", 700));
        var edges = new long[] { 0, 1, -1, 63, 64, -64, -65, 8191, 8192, -8193, int.MaxValue, (long)int.MaxValue + 1, long.MaxValue, long.MinValue, long.MinValue + 1 };
        var list = new List<CapturedEvent>();
        for (var i = 0; i < edges.Length; i++)
        {
            list.Add(Event(
                edges[i],
                edges[edges.Length - 1 - i],
                T0.AddMilliseconds(i * 300),
                Encoding.UTF8.GetBytes("{\"deviceId\":\"pump-" + i.ToString(CultureInfo.InvariantCulture) + "\",\"v\":" + i.ToString(CultureInfo.InvariantCulture) + "}"),
                new Dictionary<string, string>(StringComparer.Ordinal) { ["content-type"] = "application/json", ["ключ-🔑"] = "温度 é", ["n"] = i.ToString(CultureInfo.InvariantCulture) },
                new Dictionary<string, string>(StringComparer.Ordinal) { ["iothub-connection-device-id"] = "pump-" + i.ToString(CultureInfo.InvariantCulture), ["message-id"] = "m-" + i.ToString(CultureInfo.InvariantCulture) }));
        }

        list.Add(Event(100, 100_000, T0.AddSeconds(5), [], Empty, Empty));
        list.Add(Event(101, 100_001, T0.AddSeconds(5), [0, 0xFF, 0x80, 1], new Dictionary<string, string> { [string.Empty] = string.Empty }, null));
        list.Add(Event(102, 100_002, T0.AddSeconds(5), [1], new Dictionary<string, string> { ["long"] = longValue, [longValue] = "key too" }, Empty));
        list.Add(Event(103, 100_003, T0.AddSeconds(5), [2], new ReadOnlyDictionary<string, string>(new Dictionary<string, string> { ["read-only"] = "yes", ["emoji"] = "😀" }), new SortedDictionary<string, string> { ["b"] = "2", ["a"] = "1" }));
        list.Add(new CapturedEvent(104, 100_004, T0.AddSeconds(5), new byte[] { 3 }, null!, null!));
        return list;
    }

    private static List<GenericRecord> ReadRecords(byte[] file, out int blocks)
    {
        using var reader = DataFileReader<GenericRecord>.OpenReader(new MemoryStream(file), CaptureAvro.Schema);
        var syncs = new HashSet<long>();
        var list = new List<GenericRecord>();
        while (reader.HasNext())
        {
            list.Add(reader.Next());
            syncs.Add(reader.PreviousSync());
        }

        blocks = syncs.Count;
        return list;
    }

    /// <summary>The record as Apache.Avro decoded it holds exactly what the old writer put in it.</summary>
    private static void AssertRecord(CapturedEvent expected, GenericRecord actual, string where)
    {
        Assert.AreEqual(expected.SequenceNumber, (long)actual["SequenceNumber"], where);
        Assert.AreEqual(expected.Offset.ToString(CultureInfo.InvariantCulture), (string)actual["Offset"], where);
        Assert.AreEqual(CaptureAvro.FormatEnqueuedTime(expected.EnqueuedTimeUtc), (string)actual["EnqueuedTimeUtc"], where);
        AssertMap(expected.SystemProperties, actual["SystemProperties"], where + " SystemProperties");
        AssertMap(expected.Properties, actual["Properties"], where + " Properties");
        Assert.IsInstanceOfType<byte[]>(actual["Body"], where + " Body is the bytes branch, also when empty");
        CollectionAssert.AreEqual(expected.Body.ToArray(), (byte[])actual["Body"], where);
    }

    private static void AssertMap(IReadOnlyDictionary<string, string>? expected, object actual, string where)
    {
        var map = (IDictionary<string, object>)actual;
        Assert.HasCount(expected?.Count ?? 0, map, where);
        foreach (var (key, value) in expected ?? Empty)
        {
            Assert.IsTrue(map.TryGetValue(key, out var item), where + " key " + key);
            Assert.IsInstanceOfType<string>(item, where + " value of " + key + " is the string branch");
            Assert.AreEqual(value, (string)item, where + " value of " + key);
        }
    }

    private static void AssertSameEvent(CapturedEvent expected, CapturedEvent actual)
    {
        Assert.AreEqual(expected.SequenceNumber, actual.SequenceNumber);
        Assert.AreEqual(expected.Offset, actual.Offset);
        Assert.AreEqual(expected.EnqueuedTimeUtc.UtcTicks / TimeSpan.TicksPerSecond, actual.EnqueuedTimeUtc.UtcTicks / TimeSpan.TicksPerSecond);
        CollectionAssert.AreEqual(expected.Body.ToArray(), actual.Body.ToArray());
        CollectionAssert.AreEquivalent((expected.Properties ?? Empty).ToArray(), actual.Properties.ToArray());
        CollectionAssert.AreEquivalent((expected.SystemProperties ?? Empty).ToArray(), actual.SystemProperties.ToArray());
    }

    private static List<CapturedEvent> Readings(int count, DateTimeOffset start)
    {
        var random = new Random(11);
        var list = new List<CapturedEvent>(count);
        for (var i = 0; i < count; i++)
        {
            var body = "{\"deviceId\":\"pump-" + (i % 100).ToString("D4", CultureInfo.InvariantCulture) + "\",\"v\":" + random.NextDouble().ToString("R", CultureInfo.InvariantCulture) + "}";
            list.Add(Event(i, i * 400L, start.AddMilliseconds(i * 7), Encoding.UTF8.GetBytes(body), null, new Dictionary<string, string> { ["iothub-connection-device-id"] = "pump-" + (i % 100).ToString(CultureInfo.InvariantCulture) }));
        }

        return list;
    }

    [TestMethod]
    [DataRow("00", 0L)]
    [DataRow("01", -1L)]
    [DataRow("02", 1L)]
    [DataRow("03", -2L)]
    [DataRow("04", 2L)]
    [DataRow("7F", -64L)]
    [DataRow("8001", 64L)]
    [DataRow("FEFFFFFFFFFFFFFFFF01", long.MaxValue)]
    [DataRow("FFFFFFFFFFFFFFFFFF01", long.MinValue)]
    public void WriteLong_WritesZigZagVarint_AsTheSpecSays(string hex, long value)
    {
        var buffer = new byte[10];

        var n = CaptureAvroEncoder.WriteLong(buffer, value);

        Assert.AreEqual(hex, Convert.ToHexString(buffer, 0, n));
    }

    [TestMethod]
    public void Write_ReadsBackEveryField_WithApacheAvro()
    {
        var events = TrickyEvents();

        var file = CaptureAvro.Write(events);
        var records = ReadRecords(file, out _);
        var read = CaptureAvro.Read(new MemoryStream(file));

        Assert.HasCount(events.Count, records);
        Assert.HasCount(events.Count, read);
        for (var i = 0; i < events.Count; i++)
        {
            AssertRecord(events[i], records[i], "event " + i.ToString(CultureInfo.InvariantCulture));
            AssertSameEvent(events[i], read[i]);
        }
    }

    [TestMethod]
    public void Write_HeaderHoldsExactSchemaAndDeflateCodec()
    {
        var file = CaptureAvro.Write(TrickyEvents());

        using var reader = DataFileReader<GenericRecord>.OpenReader(new MemoryStream(file));

        CollectionAssert.AreEqual("Obj\x01"u8.ToArray(), file.AsSpan(0, 4).ToArray());
        Assert.AreEqual(CaptureAvro.SchemaJson, reader.GetMetaString("avro.schema"));
        Assert.AreEqual("deflate", reader.GetMetaString("avro.codec"));
        CollectionAssert.AreEquivalent(new[] { "avro.schema", "avro.codec" }, reader.GetMetaKeys().ToArray());
        Assert.AreEqual(CaptureAvro.Schema, reader.GetSchema());
    }

    [TestMethod]
    public void Write_SplitsIntoBlocks_WhenManyEventsAndBodiesLargerThanABlock()
    {
        var events = Readings(3_000, T0);
        var big = new byte[(3 * CaptureAvroEncoder.BlockSize) + 17];
        new Random(5).NextBytes(big);
        events.Insert(1_000, Event(-5, 5, T0, big));
        events.Insert(1_001, Event(-6, 6, T0, big.AsSpan(0, 1_000).ToArray()));
        events.Add(Event(-7, 7, T0.AddMinutes(1), big));

        var small = CaptureAvroEncoder.Write(events, blockSize: 4_096);
        var standard = CaptureAvro.Write(events);

        foreach (var (file, minBlocks) in new[] { (small, 50), (standard, 2) })
        {
            var records = ReadRecords(file, out var blocks);
            Assert.IsGreaterThanOrEqualTo(minBlocks, blocks);
            Assert.HasCount(events.Count, records);
            for (var i = 0; i < events.Count; i++)
            {
                AssertRecord(events[i], records[i], "event " + i.ToString(CultureInfo.InvariantCulture));
            }
        }
    }

    [TestMethod]
    public void Write_FormatsEachEnqueuedTime_WhenSecondsRepeatOrGoBack()
    {
        var times = new[]
        {
            new DateTimeOffset(2026, 1, 2, 0, 0, 0, TimeSpan.Zero),
            new DateTimeOffset(2026, 1, 2, 0, 0, 0, 999, TimeSpan.Zero),
            new DateTimeOffset(2026, 1, 2, 0, 0, 1, TimeSpan.Zero),
            new DateTimeOffset(2026, 1, 2, 5, 0, 0, 500, TimeSpan.FromHours(5)),
            new DateTimeOffset(2026, 12, 31, 12, 0, 0, TimeSpan.Zero),
            new DateTimeOffset(2026, 12, 31, 23, 59, 59, TimeSpan.Zero),
            new DateTimeOffset(2026, 1, 2, 0, 0, 1, TimeSpan.Zero),
            new DateTimeOffset(999, 3, 4, 13, 14, 15, TimeSpan.Zero),
            DateTimeOffset.UnixEpoch,
        };
        var events = times.Select((t, i) => Event(i, i, t, [])).ToList();

        var records = ReadRecords(CaptureAvro.Write(events), out _);

        CollectionAssert.AreEqual(
            new[] { "1/2/2026 12:00:00 AM", "1/2/2026 12:00:00 AM", "1/2/2026 12:00:01 AM", "1/2/2026 12:00:00 AM", "12/31/2026 12:00:00 PM", "12/31/2026 11:59:59 PM", "1/2/2026 12:00:01 AM", "3/4/0999 1:14:15 PM", "1/1/1970 12:00:00 AM" },
            records.Select(r => (string)r["EnqueuedTimeUtc"]).ToArray());
        CollectionAssert.AreEqual(times.Select(CaptureAvro.FormatEnqueuedTime).ToArray(), records.Select(r => (string)r["EnqueuedTimeUtc"]).ToArray());
    }

    [TestMethod]
    public void Write_IsReadableAndEmpty_WhenNoEvents()
    {
        var file = CaptureAvro.Write([]);

        Assert.IsEmpty(ReadRecords(file, out var blocks));
        Assert.AreEqual(0, blocks);
        Assert.IsEmpty(CaptureAvro.Read(new MemoryStream(file)));
        Assert.IsEmpty(CaptureAvro.Read(new MemoryStream(GenericRecordCaptureWriter.Write([]))));
    }

    [TestMethod]
    public void Write_AllocatesLittleBesidesTheFile_PerEvent()
    {
        var events = Readings(20_000, T0);
        _ = CaptureAvro.Write(events);

        var before = GC.GetAllocatedBytesForCurrentThread();
        var file = CaptureAvro.Write(events);
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        // The returned array plus a little per block (the deflate stream); one string or boxed enumerator per event
        // would add 20,000 × 24 bytes or more.
        TestContext.WriteLine($"file {file.Length:N0} B, allocated {allocated:N0} B");
        Assert.IsLessThan(file.Length + 100_000L, allocated);
    }

    [TestMethod]
    public async Task Write_GivesCorrectFiles_WhenCalledConcurrently()
    {
        var inputs = Enumerable.Range(0, 8).Select(k => Readings(500 + (k * 300), T0.AddMinutes(k))).ToArray();

        var files = await Task.WhenAll(inputs.Select(events => Task.Run(() => CaptureAvro.Write(events), TestContext.CancellationToken)));

        for (var k = 0; k < inputs.Length; k++)
        {
            var records = ReadRecords(files[k], out _);
            Assert.HasCount(inputs[k].Count, records);
            for (var i = 0; i < records.Count; i++)
            {
                AssertRecord(inputs[k][i], records[i], $"file {k} event {i}");
            }
        }
    }

    [TestMethod]
    public void Write_DecodesLikeTheGenericRecordWriter_FieldByField()
    {
        var events = TrickyEvents();
        events.AddRange(Readings(2_000, T0.AddHours(1)));

        var oldFile = GenericRecordCaptureWriter.Write(events);
        var newFile = CaptureAvro.Write(events);
        var oldRecords = ReadRecords(oldFile, out _);
        var newRecords = ReadRecords(newFile, out _);
        var oldEvents = CaptureAvro.Read(new MemoryStream(oldFile));
        var newEvents = CaptureAvro.Read(new MemoryStream(newFile));

        Assert.HasCount(events.Count, oldRecords);
        Assert.HasCount(events.Count, newRecords);
        for (var i = 0; i < events.Count; i++)
        {
            var where = "event " + i.ToString(CultureInfo.InvariantCulture);
            AssertRecord(events[i], oldRecords[i], where + " (old)");
            AssertRecord(events[i], newRecords[i], where + " (new)");
            foreach (var field in CaptureAvro.Schema.Fields)
            {
                var oldValue = oldRecords[i][field.Name];
                var newValue = newRecords[i][field.Name];
                Assert.AreEqual(oldValue.GetType(), newValue.GetType(), where + " " + field.Name);
            }

            AssertSameEvent(oldEvents[i], newEvents[i]);
            Assert.AreEqual(oldEvents[i].EnqueuedTimeUtc, newEvents[i].EnqueuedTimeUtc, where);
        }

        // Same deflate level and similar blocks: the files are about the same size.
        Assert.IsLessThan(oldFile.Length * 1.1, (double)newFile.Length);
    }
}
