using System.Buffers;
using System.Buffers.Text;
using System.Globalization;
using System.IO.Compression;
using System.Security.Cryptography;
using System.Text;
using IoTAnomaly.Core.Capture;

namespace IoTAnomaly.Infrastructure.Capture;

/// <summary>
/// Writes <see cref="CaptureAvro.SchemaJson"/> records as an Avro object container file by hand (Avro 1.11
/// specification: binary encoding and object container files), for this one fixed schema. Apache.Avro's
/// <c>GenericRecord</c> path (two dictionaries, two strings and a body copy per event) cost the local host about half
/// its CPU under full ingest; this one formats into pooled buffers. The file: magic <c>Obj\x01</c>, metadata
/// (<c>avro.schema</c>, <c>avro.codec</c> = <c>deflate</c>), a random 16-byte sync marker, then blocks of about
/// <see cref="BlockSize"/> uncompressed bytes, each raw deflate (<see cref="CompressionLevel.Fastest"/>) and followed
/// by the marker. Apache.Avro still reads every file (<see cref="CaptureAvro.Read"/>).
/// </summary>
internal static class CaptureAvroEncoder
{
    /// <summary>Uncompressed bytes after which a block is closed (a block ends after the record that crosses it).</summary>
    public const int BlockSize = 256 * 1024;

    private const int SyncSize = 16;
    private const int MaxLongSize = 10;
    private const int MaxTimeSize = 32;

    // Zig-zag encodings of the union branch indexes: 2 ("string" of the property maps) and 1 ("bytes" of Body).
    private const byte MapValueStringBranch = 4;
    private const byte BodyBytesBranch = 2;

    private static readonly byte[] Header = BuildHeader();

    /// <summary>One container file holding <paramref name="events"/> in order; <paramref name="blockSize"/> is for tests.</summary>
    public static byte[] Write(IReadOnlyList<CapturedEvent> events, int blockSize = BlockSize)
    {
        ArgumentNullException.ThrowIfNull(events);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(blockSize);
        Span<byte> sync = stackalloc byte[SyncSize];
        RandomNumberGenerator.Fill(sync);

        using var file = new PooledBuffer(Header.Length + SyncSize + (events.Count * 96));
        using var block = new PooledBuffer(blockSize + 4096);
        using var compressed = new PooledBuffer((blockSize / 4) + 4096);
        file.Write(Header);
        file.Write(sync);
        var time = new TimeText();
        var count = 0;
        for (var i = 0; i < events.Count; i++)
        {
            WriteRecord(block, events[i], time);
            count++;
            if (block.Length >= blockSize)
            {
                WriteBlock(file, block, compressed, count, sync);
                count = 0;
            }
        }

        if (count > 0)
        {
            WriteBlock(file, block, compressed, count, sync);
        }

        return file.WrittenSpan.ToArray();
    }

    private static void WriteBlock(PooledBuffer file, PooledBuffer block, PooledBuffer compressed, int count, ReadOnlySpan<byte> sync)
    {
        compressed.Clear();
        using (var deflate = new DeflateStream(compressed, CompressionLevel.Fastest, leaveOpen: true))
        {
            deflate.Write(block.WrittenSpan);
        }

        var span = file.GetSpan(2 * MaxLongSize);
        var n = WriteLong(span, count);
        n += WriteLong(span[n..], compressed.Length);
        file.Advance(n);
        file.Write(compressed.WrittenSpan);
        file.Write(sync);
        block.Clear();
    }

    private static void WriteRecord(PooledBuffer buffer, CapturedEvent e, TimeText time)
    {
        // SequenceNumber (long), Offset (string: decimal digits), EnqueuedTimeUtc (string). Both strings are shorter
        // than 64 bytes, so their length prefix is one byte.
        var span = buffer.GetSpan(MaxLongSize + 1 + 20 + 1 + MaxTimeSize);
        var n = WriteLong(span, e.SequenceNumber);
        if (!Utf8Formatter.TryFormat(e.Offset, span[(n + 1)..], out var digits))
        {
            throw new InvalidOperationException("A long has at most 20 characters.");
        }

        span[n] = (byte)(digits << 1);
        n += 1 + digits;
        var text = time.Get(e.EnqueuedTimeUtc);
        span[n] = (byte)(text.Length << 1);
        text.CopyTo(span[(n + 1)..]);
        n += 1 + text.Length;
        buffer.Advance(n);

        WriteMap(buffer, e.SystemProperties);
        WriteMap(buffer, e.Properties);

        // Body: union branch "bytes", also for an empty body (as the GenericRecord writer did: an empty byte[]).
        var body = e.Body.Span;
        span = buffer.GetSpan(1 + MaxLongSize + body.Length);
        span[0] = BodyBytesBranch;
        n = 1 + WriteLong(span[1..], body.Length);
        body.CopyTo(span[n..]);
        buffer.Advance(n + body.Length);
    }

    /// <summary>A map of strings: one block (count, then key and union-string value pairs) and the closing 0; a null map is empty.</summary>
    private static void WriteMap(PooledBuffer buffer, IReadOnlyDictionary<string, string>? map)
    {
        var count = map?.Count ?? 0;
        if (count > 0)
        {
            buffer.Advance(WriteLong(buffer.GetSpan(MaxLongSize), count));
            var written = 0;
            if (map is Dictionary<string, string> dictionary)
            {
                // The struct enumerator: no boxed enumerator per event.
                foreach (var (key, value) in dictionary)
                {
                    WriteEntry(buffer, key, value);
                    written++;
                }
            }
            else
            {
                foreach (var (key, value) in map!)
                {
                    WriteEntry(buffer, key, value);
                    written++;
                }
            }

            if (written != count)
            {
                throw new InvalidOperationException($"The map said it had {count} entries but enumerated {written}.");
            }
        }

        buffer.GetSpan(1)[0] = 0;
        buffer.Advance(1);
    }

    private static void WriteEntry(PooledBuffer buffer, string key, string value)
    {
        WriteString(buffer, key);
        buffer.GetSpan(1)[0] = MapValueStringBranch;
        buffer.Advance(1);
        WriteString(buffer, value);
    }

    private static void WriteString(PooledBuffer buffer, string value)
    {
        var size = Encoding.UTF8.GetByteCount(value);
        var span = buffer.GetSpan(MaxLongSize + size);
        var n = WriteLong(span, size);
        n += Encoding.UTF8.GetBytes(value, span[n..]);
        buffer.Advance(n);
    }

    /// <summary>Avro's long: zig-zag, then little-endian groups of 7 bits, the high bit set on all but the last byte.</summary>
    internal static int WriteLong(Span<byte> destination, long value)
    {
        var bits = (ulong)((value << 1) ^ (value >> 63));
        var i = 0;
        while (bits >= 0x80)
        {
            destination[i++] = (byte)(bits | 0x80);
            bits >>= 7;
        }

        destination[i++] = (byte)bits;
        return i;
    }

    private static byte[] BuildHeader()
    {
        using var header = new PooledBuffer(4096);
        header.Write("Obj\x01"u8);
        var span = header.GetSpan(MaxLongSize);
        header.Advance(WriteLong(span, 2));
        WriteBytes(header, "avro.schema"u8);
        WriteBytes(header, Encoding.UTF8.GetBytes(CaptureAvro.SchemaJson));
        WriteBytes(header, "avro.codec"u8);
        WriteBytes(header, "deflate"u8);
        header.WriteByte(0);
        return header.WrittenSpan.ToArray();

        static void WriteBytes(PooledBuffer buffer, ReadOnlySpan<byte> bytes)
        {
            buffer.Advance(WriteLong(buffer.GetSpan(MaxLongSize), bytes.Length));
            buffer.Write(bytes);
        }
    }

    /// <summary>The UTF-8 <see cref="CaptureAvro.EnqueuedTimeFormat"/> text of the last second seen (events come in time order).</summary>
    private sealed class TimeText
    {
        private readonly byte[] _text = new byte[MaxTimeSize];
        private long _second = long.MinValue;
        private int _length;

        public ReadOnlySpan<byte> Get(DateTimeOffset instant)
        {
            var second = instant.UtcTicks / TimeSpan.TicksPerSecond;
            if (second != _second)
            {
                if (!instant.UtcDateTime.TryFormat(_text, out _length, CaptureAvro.EnqueuedTimeFormat, CultureInfo.InvariantCulture))
                {
                    throw new InvalidOperationException("The enqueued time does not fit its buffer.");
                }

                _second = second;
            }

            return _text.AsSpan(0, _length);
        }
    }

    /// <summary>A growable byte buffer on <see cref="ArrayPool{T}.Shared"/>, writable as a stream (for <see cref="DeflateStream"/>).</summary>
    private sealed class PooledBuffer : Stream
    {
        private byte[] _buffer;
        private int _length;

        public PooledBuffer(int capacity) => _buffer = ArrayPool<byte>.Shared.Rent(capacity);

        public ReadOnlySpan<byte> WrittenSpan => _buffer.AsSpan(0, _length);

        public override bool CanRead => false;

        public override bool CanSeek => false;

        public override bool CanWrite => true;

        public override long Length => _length;

        public override long Position
        {
            get => _length;
            set => throw new NotSupportedException();
        }

        /// <summary>At least <paramref name="size"/> writable bytes after the written ones.</summary>
        public Span<byte> GetSpan(int size)
        {
            if (_buffer.Length - _length < size)
            {
                Grow(size);
            }

            return _buffer.AsSpan(_length);
        }

        public void Advance(int count) => _length += count;

        public void Clear() => _length = 0;

        public override void Write(ReadOnlySpan<byte> buffer)
        {
            buffer.CopyTo(GetSpan(buffer.Length));
            _length += buffer.Length;
        }

        public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

        public override void WriteByte(byte value)
        {
            GetSpan(1)[0] = value;
            _length++;
        }

        public override void Flush()
        {
        }

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing && _buffer.Length > 0)
            {
                ArrayPool<byte>.Shared.Return(_buffer);
                _buffer = [];
                _length = 0;
            }

            base.Dispose(disposing);
        }

        private void Grow(int size)
        {
            var needed = checked(_length + size);
            var next = ArrayPool<byte>.Shared.Rent(Math.Max(needed, (int)Math.Min(2L * _buffer.Length, Array.MaxLength)));
            WrittenSpan.CopyTo(next);
            ArrayPool<byte>.Shared.Return(_buffer);
            _buffer = next;
        }
    }
}
