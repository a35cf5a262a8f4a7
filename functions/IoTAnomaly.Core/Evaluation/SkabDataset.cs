using System.Globalization;
using System.Text;

namespace IoTAnomaly.Core.Evaluation;

/// <summary>
/// Reads SKAB CSV files: <c>;</c>-separated, a header row, <c>datetime</c> (<c>yyyy-MM-dd HH:mm:ss</c>), the sensor
/// columns, then <c>anomaly</c> and <c>changepoint</c> (absent in <c>anomaly-free.csv</c>).
/// </summary>
public static class SkabDataset
{
    /// <summary>File name of the derived predictions file that lives beside the data and is not an experiment.</summary>
    public const string ReferencePredictionsFileName = "reference-predictions.csv";

    private const string TimestampFormat = "yyyy-MM-dd HH:mm:ss";

    /// <summary>
    /// Every <c>*.csv</c> under <paramref name="directory"/> (recursively) except <see cref="ReferencePredictionsFileName"/>,
    /// as full paths, sorted by relative path with numbers in natural order (<c>valve1/2.csv</c> before <c>valve1/10.csv</c>).
    /// </summary>
    public static IReadOnlyList<string> Discover(string directory)
    {
        if (!Directory.Exists(directory))
        {
            throw new DirectoryNotFoundException($"SKAB folder '{directory}' does not exist.");
        }

        return Directory.EnumerateFiles(directory, "*.csv", SearchOption.AllDirectories)
            .Where(path => !string.Equals(Path.GetFileName(path), ReferencePredictionsFileName, StringComparison.OrdinalIgnoreCase))
            .OrderBy(path => RelativeName(directory, path), NaturalStringComparer.Instance)
            .ToArray();
    }

    /// <summary>Loads every experiment <see cref="Discover"/> finds, named relative to <paramref name="directory"/>; lazily.</summary>
    public static IEnumerable<SkabExperiment> LoadDirectory(string directory)
    {
        foreach (var path in Discover(directory))
        {
            yield return Load(path, RelativeName(directory, path));
        }
    }

    /// <summary>Loads one CSV file.</summary>
    public static SkabExperiment Load(string path, string name)
    {
        using var stream = File.OpenRead(path);
        return Read(stream, name);
    }

    /// <summary>Reads one SKAB CSV from <paramref name="stream"/>.</summary>
    /// <exception cref="FormatException">The header or a row does not follow the SKAB format.</exception>
    public static SkabExperiment Read(Stream stream, string name)
    {
        using var reader = new StreamReader(stream, Encoding.UTF8, detectEncodingFromByteOrderMarks: true, leaveOpen: true);
        var header = reader.ReadLine() ?? throw new FormatException($"{name}: empty file.");
        var columns = header.Split(';');
        if (columns.Length < 2 || !string.Equals(columns[0].Trim(), "datetime", StringComparison.Ordinal))
        {
            throw new FormatException($"{name}: expected a ';'-separated header starting with 'datetime', got '{header}'.");
        }

        var anomalyColumn = Array.IndexOf(columns, "anomaly");
        var changePointColumn = Array.IndexOf(columns, "changepoint");
        if ((anomalyColumn < 0) != (changePointColumn < 0))
        {
            throw new FormatException($"{name}: has only one of the 'anomaly' and 'changepoint' columns.");
        }

        var sensorColumns = Enumerable.Range(1, columns.Length - 1)
            .Where(c => c != anomalyColumn && c != changePointColumn)
            .ToArray();
        var labelled = anomalyColumn >= 0;

        var timestamps = new List<DateTime>();
        var rows = new List<double[]>();
        var anomaly = new List<bool>();
        var changePoint = new List<bool>();
        var lineNumber = 1;
        while (reader.ReadLine() is { } line)
        {
            lineNumber++;
            if (line.Length == 0)
            {
                continue;
            }

            var cells = line.Split(';');
            if (cells.Length != columns.Length)
            {
                throw new FormatException($"{name}:{lineNumber}: {cells.Length} cells, header has {columns.Length}.");
            }

            if (!DateTime.TryParseExact(cells[0], TimestampFormat, CultureInfo.InvariantCulture, DateTimeStyles.None, out var timestamp))
            {
                throw new FormatException($"{name}:{lineNumber}: bad datetime '{cells[0]}'.");
            }

            timestamps.Add(timestamp);
            var row = new double[sensorColumns.Length];
            for (var s = 0; s < sensorColumns.Length; s++)
            {
                row[s] = ParseNumber(cells[sensorColumns[s]], name, lineNumber);
            }

            rows.Add(row);
            if (labelled)
            {
                anomaly.Add(ParseNumber(cells[anomalyColumn], name, lineNumber) != 0);
                changePoint.Add(ParseNumber(cells[changePointColumn], name, lineNumber) != 0);
            }
        }

        return new SkabExperiment(
            name,
            sensorColumns.Select(c => columns[c]).ToArray(),
            [.. timestamps],
            [.. rows],
            labelled ? [.. anomaly] : null,
            labelled ? [.. changePoint] : null);
    }

    /// <summary>The path of <paramref name="path"/> relative to <paramref name="directory"/>, with '/' separators.</summary>
    public static string RelativeName(string directory, string path)
        => Path.GetRelativePath(directory, path).Replace(Path.DirectorySeparatorChar, '/');

    private static double ParseNumber(string cell, string name, int lineNumber)
        => double.TryParse(cell, NumberStyles.Float, CultureInfo.InvariantCulture, out var value)
            ? value
            : throw new FormatException($"{name}:{lineNumber}: bad number '{cell}'.");
}

/// <summary>Ordinal string order with runs of digits compared as numbers.</summary>
public sealed class NaturalStringComparer : IComparer<string>
{
    /// <summary>The shared instance.</summary>
    public static NaturalStringComparer Instance { get; } = new();

    /// <inheritdoc />
    public int Compare(string? x, string? y)
    {
        if (x is null || y is null)
        {
            return x is null ? (y is null ? 0 : -1) : 1;
        }

        int i = 0, j = 0;
        while (i < x.Length && j < y.Length)
        {
            if (char.IsAsciiDigit(x[i]) && char.IsAsciiDigit(y[j]))
            {
                var si = i;
                var sj = j;
                while (i < x.Length && char.IsAsciiDigit(x[i]))
                {
                    i++;
                }

                while (j < y.Length && char.IsAsciiDigit(y[j]))
                {
                    j++;
                }

                var a = x.AsSpan(si, i - si).TrimStart('0');
                var b = y.AsSpan(sj, j - sj).TrimStart('0');
                var byLength = a.Length.CompareTo(b.Length);
                if (byLength != 0)
                {
                    return byLength;
                }

                var byDigits = a.SequenceCompareTo(b);
                if (byDigits != 0)
                {
                    return byDigits;
                }

                continue;
            }

            var byChar = x[i].CompareTo(y[j]);
            if (byChar != 0)
            {
                return byChar;
            }

            i++;
            j++;
        }

        var byRest = (x.Length - i).CompareTo(y.Length - j);
        return byRest != 0 ? byRest : string.CompareOrdinal(x, y);
    }
}
