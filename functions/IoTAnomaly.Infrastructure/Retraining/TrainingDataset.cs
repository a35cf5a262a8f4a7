using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Text;

namespace IoTAnomaly.Infrastructure.Retraining;

/// <summary>
/// A staged training window: the sensor list and the rows in time order (row-major doubles), the first
/// <see cref="TrainingRows"/> for training and the rest (the most recent) held out. Binary layout, little-endian:
/// <c>"IOTADS01"</c>, int32 sensor count, per sensor int32 UTF-8 length + name, int64 rows, int64 training rows,
/// then rows × sensors doubles.
/// </summary>
public sealed class TrainingDataset
{
    private static readonly byte[] Magic = "IOTADS01"u8.ToArray();

    public TrainingDataset(IReadOnlyList<string> sensors, double[] values, long trainingRows, IReadOnlyList<int>? segments = null)
    {
        ArgumentNullException.ThrowIfNull(sensors);
        ArgumentNullException.ThrowIfNull(values);
        Sensors = sensors.ToArray();
        if (Sensors.Count == 0 ? values.Length != 0 : values.Length % Sensors.Count != 0)
        {
            throw new ArgumentException("The values are not a whole number of rows.", nameof(values));
        }

        Values = values;
        Rows = Sensors.Count == 0 ? 0 : values.Length / Sensors.Count;
        ArgumentOutOfRangeException.ThrowIfNegative(trainingRows);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(trainingRows, Rows);
        TrainingRows = trainingRows;
        if (segments is not null && (segments.Any(static l => l <= 0) || segments.Sum(static l => (long)l) != Rows))
        {
            throw new ArgumentException("The segments must be positive lengths adding up to the rows.", nameof(segments));
        }

        Segments = segments?.ToArray() ?? [];
    }

    /// <summary>
    /// Lengths of the consecutive runs of one device's rows, in order over all rows (training then holdout; no run
    /// crosses the split). Empty when unknown (every row its own stream).
    /// </summary>
    public IReadOnlyList<int> Segments { get; }

    /// <summary>The <see cref="Segments"/> of the holdout rows.</summary>
    public int[] HoldoutSegments
    {
        get
        {
            var result = new List<int>();
            long at = 0;
            foreach (var length in Segments)
            {
                if (at >= TrainingRows)
                {
                    result.Add(length);
                }

                at += length;
            }

            return [.. result];
        }
    }

    public IReadOnlyList<string> Sensors { get; }

    /// <summary>All rows, row-major, oldest first.</summary>
    public double[] Values { get; }

    public long Rows { get; }

    public long TrainingRows { get; }

    public long HoldoutRows => Rows - TrainingRows;

    /// <summary>The training part (the older rows).</summary>
    public ReadOnlyMemory<double> Training => Values.AsMemory(0, checked((int)(TrainingRows * Sensors.Count)));

    /// <summary>The held-out part (the most recent rows).</summary>
    public ReadOnlyMemory<double> Holdout => Values.AsMemory(checked((int)(TrainingRows * Sensors.Count)));

    public byte[] ToBytes()
    {
        var names = Sensors.Select(Encoding.UTF8.GetBytes).ToArray();
        var header = Magic.Length + 4 + names.Sum(n => 4 + n.Length) + 16;
        var bytes = new byte[checked(header + (Values.Length * sizeof(double)) + (Segments.Count == 0 ? 0 : 4 + (4 * Segments.Count)))];
        var span = bytes.AsSpan();
        Magic.CopyTo(span);
        var at = Magic.Length;
        BinaryPrimitives.WriteInt32LittleEndian(span[at..], names.Length);
        at += 4;
        foreach (var name in names)
        {
            BinaryPrimitives.WriteInt32LittleEndian(span[at..], name.Length);
            name.CopyTo(span[(at + 4)..]);
            at += 4 + name.Length;
        }

        BinaryPrimitives.WriteInt64LittleEndian(span[at..], Rows);
        BinaryPrimitives.WriteInt64LittleEndian(span[(at + 8)..], TrainingRows);
        at += 16;
        var body = span[at..];
        if (BitConverter.IsLittleEndian)
        {
            MemoryMarshal.AsBytes(Values.AsSpan()).CopyTo(body);
        }
        else
        {
            for (var i = 0; i < Values.Length; i++)
            {
                BinaryPrimitives.WriteDoubleLittleEndian(body[(i * 8)..], Values[i]);
            }
        }

        if (Segments.Count > 0)
        {
            // Trailer (optional): the device segments.
            var trailer = body[(Values.Length * sizeof(double))..];
            BinaryPrimitives.WriteInt32LittleEndian(trailer, Segments.Count);
            for (var i = 0; i < Segments.Count; i++)
            {
                BinaryPrimitives.WriteInt32LittleEndian(trailer[(4 + (4 * i))..], Segments[i]);
            }
        }

        return bytes;
    }

    /// <exception cref="InvalidDataException">Not a staged dataset, or cut short.</exception>
    public static TrainingDataset FromBytes(ReadOnlySpan<byte> bytes)
    {
        try
        {
            if (!bytes.StartsWith(Magic))
            {
                throw new InvalidDataException("Not a staged training dataset (bad magic).");
            }

            var at = Magic.Length;
            var count = BinaryPrimitives.ReadInt32LittleEndian(bytes[at..]);
            at += 4;
            if (count is < 0 or > 64)
            {
                throw new InvalidDataException($"A staged dataset with {count} sensors is not valid.");
            }

            var sensors = new string[count];
            for (var i = 0; i < count; i++)
            {
                var length = BinaryPrimitives.ReadInt32LittleEndian(bytes[at..]);
                sensors[i] = Encoding.UTF8.GetString(bytes.Slice(at + 4, length));
                at += 4 + length;
            }

            var rows = BinaryPrimitives.ReadInt64LittleEndian(bytes[at..]);
            var trainingRows = BinaryPrimitives.ReadInt64LittleEndian(bytes[(at + 8)..]);
            at += 16;
            var values = new double[checked((int)(rows * count))];
            var all = bytes[at..];
            var valueBytes = values.Length * sizeof(double);
            var body = all[..Math.Min(all.Length, valueBytes)];
            int[]? segments = null;
            if (all.Length > valueBytes)
            {
                var trailer = all[valueBytes..];
                var segmentCount = BinaryPrimitives.ReadInt32LittleEndian(trailer);
                if (segmentCount < 0 || trailer.Length != 4 + (4L * segmentCount))
                {
                    throw new InvalidDataException("The staged dataset's segment trailer is inconsistent.");
                }

                segments = new int[segmentCount];
                for (var i = 0; i < segmentCount; i++)
                {
                    segments[i] = BinaryPrimitives.ReadInt32LittleEndian(trailer[(4 + (4 * i))..]);
                }
            }

            if (body.Length != valueBytes)
            {
                throw new InvalidDataException($"The staged dataset should hold {rows} rows of {count} values; it holds {body.Length} bytes of rows.");
            }

            if (BitConverter.IsLittleEndian)
            {
                body.CopyTo(MemoryMarshal.AsBytes(values.AsSpan()));
            }
            else
            {
                for (var i = 0; i < values.Length; i++)
                {
                    values[i] = BinaryPrimitives.ReadDoubleLittleEndian(body[(i * 8)..]);
                }
            }

            return new TrainingDataset(sensors, values, trainingRows, segments);
        }
        catch (Exception ex) when (ex is ArgumentException or OverflowException)
        {
            throw new InvalidDataException("The staged training dataset is cut short or inconsistent: " + ex.Message, ex);
        }
    }
}
