using System.Globalization;
using IoTAnomaly.Core.Evaluation;
using IoTAnomaly.Core.Simulation;

namespace IoTAnomaly.Cli.Training;

/// <summary>Normal-operation rows to train on, in time order, with where they came from.</summary>
public sealed class TrainingData
{
    public required IReadOnlyList<string> Sensors { get; init; }

    public required List<double[]> Rows { get; init; }

    public DateTimeOffset? From { get; init; }

    public DateTimeOffset? To { get; init; }

    /// <summary>Rows read in total, before labelled anomalies were left out.</summary>
    public long RowsRead { get; init; }

    /// <summary>Rows left out because their <c>anomaly</c> label was 1.</summary>
    public long ExcludedAnomalyRows { get; init; }

    public required string Source { get; init; }

    /// <summary>The label columns that are never sensors.</summary>
    public static readonly IReadOnlyList<string> LabelColumns = ["anomaly", "changepoint"];

    /// <summary>The columns that carry the reading time.</summary>
    public static readonly IReadOnlyList<string> TimeColumns = ["datetime", "timestamp"];

    /// <summary>
    /// Every CSV of <paramref name="inputs"/> (files, or folders searched recursively, in natural order; SKAB's
    /// <c>reference-predictions.csv</c> is skipped). A header row names the columns; <c>;</c> or <c>,</c> separates them
    /// (detected per file from the header). A <c>datetime</c>/<c>timestamp</c> column gives the training window; rows
    /// whose <c>anomaly</c> column is 1 are left out; <c>changepoint</c> is ignored. Sensors are
    /// <paramref name="sensors"/>, or every other column of the first file; every file must have them all.
    /// </summary>
    /// <exception cref="FormatException">A file is not usable (message names the file and line).</exception>
    public static TrainingData FromCsv(IReadOnlyList<string> inputs, IReadOnlyList<string>? sensors)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        var files = ExpandInputs(inputs);
        if (files.Count == 0)
        {
            throw new FileNotFoundException($"No CSV files found in: {string.Join(", ", inputs)}.");
        }

        IReadOnlyList<string>? chosen = sensors is { Count: > 0 } ? sensors : null;
        var rows = new List<double[]>();
        long read = 0, excluded = 0;
        DateTimeOffset? from = null, to = null;
        foreach (var file in files)
        {
            using var reader = new StreamReader(file);
            var lineNumber = 0;
            string? header;
            do
            {
                header = reader.ReadLine();
                lineNumber++;
            }
            while (header is not null && string.IsNullOrWhiteSpace(header));

            if (header is null)
            {
                throw new FormatException($"{file}: the file is empty (a header row is required).");
            }

            var separator = DetectSeparator(header);
            var columns = header.Split(separator).Select(static c => c.Trim().Trim('"').Trim()).ToArray();
            var timeColumn = IndexOfAny(columns, TimeColumns);
            var anomalyColumn = IndexOfAny(columns, ["anomaly"]);
            chosen ??= columns.Where((c, i) => i != timeColumn && !LabelColumns.Contains(c, StringComparer.OrdinalIgnoreCase)).ToArray();
            var indexes = new int[chosen.Count];
            for (var s = 0; s < chosen.Count; s++)
            {
                indexes[s] = Array.FindIndex(columns, c => string.Equals(c, chosen[s], StringComparison.Ordinal));
                if (indexes[s] < 0)
                {
                    throw new FormatException(
                        $"{file}: no column '{chosen[s]}'. Columns: {string.Join(", ", columns)}.");
                }
            }

            string? line;
            while ((line = reader.ReadLine()) is not null)
            {
                lineNumber++;
                if (string.IsNullOrWhiteSpace(line))
                {
                    continue;
                }

                var fields = line.Split(separator);
                if (fields.Length != columns.Length)
                {
                    throw new FormatException($"{file}:{lineNumber}: {fields.Length} fields, the header has {columns.Length}.");
                }

                read++;
                if (anomalyColumn >= 0 && Number(fields[anomalyColumn], file, lineNumber, columns[anomalyColumn]) != 0)
                {
                    excluded++;
                    continue;
                }

                var row = new double[indexes.Length];
                for (var s = 0; s < indexes.Length; s++)
                {
                    row[s] = Number(fields[indexes[s]], file, lineNumber, columns[indexes[s]]);
                }

                rows.Add(row);
                if (timeColumn >= 0)
                {
                    var time = Time(fields[timeColumn], file, lineNumber);
                    from = from is null || time < from ? time : from;
                    to = to is null || time > to ? time : to;
                }
            }
        }

        return new TrainingData
        {
            Sensors = chosen ?? [],
            Rows = rows,
            From = from,
            To = to,
            RowsRead = read,
            ExcludedAnomalyRows = excluded,
            Source = "csv:" + string.Join(';', files.Select(Path.GetFileName)),
        };
    }

    /// <summary>
    /// <paramref name="rows"/> fault-free readings of a simulated fleet (<see cref="FleetSimulator"/> with every fault
    /// off), ending at <paramref name="now"/>, grouped by device (<see cref="NormalTrainingRows.ByDevice"/>);
    /// <paramref name="sensors"/> picks a subset of the SKAB sensors.
    /// </summary>
    public static TrainingData Synthetic(int rows, int devices, int seed, DateTimeOffset now, IReadOnlyList<string>? sensors)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(rows, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(devices, 1);
        var all = FleetSimulator.SensorNames;
        var chosen = sensors is { Count: > 0 } ? sensors : all;
        var indexes = chosen.Select(name =>
        {
            var index = all.ToList().IndexOf(name);
            return index >= 0
                ? index
                : throw new ArgumentException($"The simulator has no sensor '{name}'. Sensors: {string.Join(", ", all)}.", nameof(sensors));
        }).ToArray();

        var fleet = new SimulatorOptions { DeviceCount = devices, StepInterval = TimeSpan.FromSeconds(1), Seed = seed };
        var result = NormalTrainingRows.ByDevice(fleet, rows, now, "train", out var from)
            .Select(values => indexes.Select(i => values[i]).ToArray())
            .ToList();

        return new TrainingData
        {
            Sensors = chosen,
            Rows = result,
            From = from,
            To = now,
            RowsRead = result.Count,
            Source = string.Create(CultureInfo.InvariantCulture, $"synthetic:fleet-simulator devices={devices} seed={seed} faults=off"),
        };
    }

    /// <summary>Files as given, and every <c>*.csv</c> under folders (recursively, natural order).</summary>
    public static IReadOnlyList<string> ExpandInputs(IReadOnlyList<string> inputs)
    {
        var files = new List<string>();
        foreach (var input in inputs)
        {
            if (Directory.Exists(input))
            {
                files.AddRange(Directory.EnumerateFiles(input, "*.csv", SearchOption.AllDirectories)
                    .Where(static f => !string.Equals(Path.GetFileName(f), SkabDataset.ReferencePredictionsFileName, StringComparison.OrdinalIgnoreCase))
                    .Order(NaturalStringComparer.Instance));
            }
            else if (File.Exists(input))
            {
                files.Add(input);
            }
            else
            {
                throw new FileNotFoundException($"Input '{input}' is neither a file nor a folder.", input);
            }
        }

        return files;
    }

    private static char DetectSeparator(string header)
        => header.Count(static c => c == ';') >= header.Count(static c => c == ',') && header.Contains(';', StringComparison.Ordinal) ? ';' : ',';

    private static int IndexOfAny(string[] columns, IReadOnlyList<string> names)
        => Array.FindIndex(columns, c => names.Contains(c, StringComparer.OrdinalIgnoreCase));

    private static double Number(string text, string file, int line, string column)
        => double.TryParse(text.Trim().Trim('"'), NumberStyles.Float, CultureInfo.InvariantCulture, out var value)
            ? value
            : throw new FormatException($"{file}:{line}: column '{column}' has '{text}', not a number.");

    private static DateTimeOffset Time(string text, string file, int line)
        => DateTimeOffset.TryParse(text.Trim().Trim('"'), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var value)
            ? value
            : throw new FormatException($"{file}:{line}: '{text}' is not a date and time.");
}
