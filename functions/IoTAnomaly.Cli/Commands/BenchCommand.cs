using System.CommandLine;
using System.Globalization;
using System.Text;
using System.Text.Json;
using IoTAnomaly.Core.Benchmarking;
using IoTAnomaly.Core.Detection;
using Spectre.Console;

namespace IoTAnomaly.Cli.Commands;

/// <summary>
/// <c>iotanomaly bench [--json] [--batch-size 100] [--bodies 2000] [--passes 10] [--devices 100]</c>: the hot-path
/// benchmark (<see cref="HotPathBench"/>) on the calling thread. With <c>--json</c> the last line is
/// <c>{"readingsPerSecond": …, "allocatedBytesPerReading": …, …}</c>.
/// </summary>
internal sealed class BenchCommand : Command
{
    private readonly CliConsole console;

    private readonly Option<bool> json = new("--json") { Description = "Print the figures as one JSON object on the last line." };

    private readonly Option<int> batchSize = new("--batch-size") { Description = "Readings per event body.", DefaultValueFactory = _ => 100 };

    private readonly Option<int> bodies = new("--bodies") { Description = "Distinct event bodies per pass.", DefaultValueFactory = _ => 2000 };

    private readonly Option<int> passes = new("--passes") { Description = "Timed passes over all bodies (more passes, warmer JIT: steady state).", DefaultValueFactory = _ => 10 };

    private readonly Option<int> devices = new("--devices") { Description = "Distinct device ids.", DefaultValueFactory = _ => 100 };

    private readonly Option<string> modelType = new("--model-type")
    {
        Description = "Model type scored in the hot path: ridge-residual (default) or pca-t2q.",
        DefaultValueFactory = _ => DetectorTrainers.DefaultModelType,
    };

    public BenchCommand(CliConsole console)
        : base("bench", "Hot-path benchmark: UTF-8 batches → parsed, validated, scored readings with contributions, on one thread.")
    {
        this.console = console;
        foreach (var option in new[] { batchSize, bodies, passes, devices })
        {
            Options.Add(option.RequirePositive());
        }

        modelType.AcceptOnlyFromAmong([.. DetectorTrainers.ModelTypes]);
        Options.Add(modelType);
        Options.Add(json);
        Subcommands.Add(new ParserFuzzCommand(console));
        Subcommands.Add(new DriftBenchCommand(console));
        Subcommands.Add(new HttpBenchCommand(console));
        SetAction(Run);
    }

    private int Run(ParseResult parseResult)
    {
        var size = parseResult.GetValue(batchSize);
        var count = parseResult.GetValue(bodies);
        var rounds = parseResult.GetValue(passes);
        console.Ansi.WriteLine(string.Create(
            CultureInfo.InvariantCulture,
            $"Training the bench model, then {rounds} pass(es) over {count} bodies of {size} readings on this thread…"));
        HotPathResult result;
        try
        {
            // No live display while measuring: its render thread would compete for the machine's cores.
            result = HotPathBench.Run(size, count, rounds, parseResult.GetValue(devices), modelType: parseResult.GetValue(modelType));
        }
        catch (Exception e) when (CliErrors.Report(e, console) is { } code)
        {
            return code;
        }

        var table = new Table().Border(TableBorder.Simple).Title("hot path, one thread")
            .AddColumn(new TableColumn("figure").NoWrap())
            .AddColumn(new TableColumn("value").RightAligned())
            .AddRow("readings/s", result.ReadingsPerSecond.ToString("N0", CultureInfo.InvariantCulture))
            .AddRow("allocated bytes/reading", result.AllocatedBytesPerReading.ToString("F3", CultureInfo.InvariantCulture))
            .AddRow("readings", result.Readings.ToString("N0", CultureInfo.InvariantCulture))
            .AddRow("seconds", result.Seconds.ToString("F3", CultureInfo.InvariantCulture))
            .AddRow("batch size", result.BatchSize.ToString(CultureInfo.InvariantCulture))
            .AddRow("sensors", result.Sensors.ToString(CultureInfo.InvariantCulture))
            .AddRow("model", Markup.Escape($"{result.ModelType} {result.ModelVersion}"));
        console.Ansi.Write(table);
        if (parseResult.GetValue(json))
        {
            console.Out.WriteLine(Json(result));
        }

        return 0;
    }

    /// <summary>The two contract keys first, then the details.</summary>
    internal static string Json(HotPathResult result)
    {
        using var stream = new MemoryStream();
        using (var writer = new Utf8JsonWriter(stream))
        {
            writer.WriteStartObject();
            writer.WriteNumber("readingsPerSecond", Math.Round(result.ReadingsPerSecond, 1));
            writer.WriteNumber("allocatedBytesPerReading", Math.Round(result.AllocatedBytesPerReading, 4));
            writer.WriteNumber("readings", result.Readings);
            writer.WriteNumber("seconds", Math.Round(result.Seconds, 6));
            writer.WriteNumber("batchSize", result.BatchSize);
            writer.WriteNumber("sensors", result.Sensors);
            writer.WriteString("modelVersion", result.ModelVersion);
            writer.WriteString("modelType", result.ModelType);
            writer.WriteEndObject();
        }

        return Encoding.UTF8.GetString(stream.ToArray());
    }
}
