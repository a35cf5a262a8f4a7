using System.CommandLine;
using System.Globalization;
using System.Text;
using System.Text.Json;
using IoTAnomaly.Cli.Benchmarking;
using Spectre.Console;

namespace IoTAnomaly.Cli.Commands;

/// <summary>
/// <c>iotanomaly bench parser-fuzz [--inputs 1000000] [--seed 1] [--json]</c>: the seeded property-based fuzz of the
/// telemetry parser (<see cref="ParserFuzz"/>). Exit code 1 when any property fails; the failing inputs are printed
/// in base64 so they can be replayed.
/// </summary>
internal sealed class ParserFuzzCommand : Command
{
    private readonly CliConsole console;

    private readonly Option<long> inputs = new("--inputs") { Description = "Generated inputs.", DefaultValueFactory = _ => 1_000_000 };

    private readonly Option<int> seed = new("--seed") { Description = "Generator seed (same seed, same inputs).", DefaultValueFactory = _ => 1 };

    private readonly Option<bool> json = new("--json") { Description = "Print the figures as one JSON object on the last line." };

    private readonly Option<int> show = new("--show") { Description = "Failing inputs to print (and keep in the JSON).", DefaultValueFactory = _ => 20 };

    public ParserFuzzCommand(CliConsole console)
        : base("parser-fuzz", "Property-based fuzz of the telemetry parser: valid, semantically broken, mutated and hostile bodies.")
    {
        this.console = console;
        inputs.Require(static n => n >= 1, static _ => "--inputs must be at least 1.");
        Options.Add(inputs);
        Options.Add(seed);
        Options.Add(json);
        Options.Add(show.Require(static n => n >= 0, static _ => "--show must not be negative."));
        SetAction(Run);
    }

    private int Run(ParseResult parseResult)
    {
        FuzzReport report = null!;
        var count = parseResult.GetValue(inputs);
        console.Ansi.Progress()
            .AutoClear(false)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn())
            .Start(context =>
            {
                var task = context.AddTask(string.Create(CultureInfo.InvariantCulture, $"fuzzing the parser with {count:N0} inputs"), maxValue: 1.0);
                report = ParserFuzz.Run(count, parseResult.GetValue(seed), new InlineProgress(value => task.Value = value), parseResult.GetValue(show));
                task.Value = 1.0;
            });

        var table = new Table().Border(TableBorder.Simple).Title("parser fuzz")
            .AddColumn(new TableColumn("figure").NoWrap())
            .AddColumn(new TableColumn("value").RightAligned())
            .AddRow("inputs", Int(report.Inputs))
            .AddRow("inputs/s", report.InputsPerSecond.ToString("N0", CultureInfo.InvariantCulture))
            .AddRow("rows", Int(report.Rows))
            .AddRow("accepted rows", Int(report.Accepted))
            .AddRow("rejected rows", Int(report.Rejected))
            .AddRow("property failures", Int(report.FailureCount));
        foreach (var (kind, value) in report.InputsByCase)
        {
            table.AddRow(Markup.Escape($"inputs: {kind}"), Int(value));
        }

        foreach (var (reason, value) in report.RowsByReason)
        {
            table.AddRow(Markup.Escape($"rejected: {reason}"), Int(value));
        }

        console.Ansi.Write(table);
        foreach (var failure in report.Failures)
        {
            console.Error.WriteLine(string.Create(
                CultureInfo.InvariantCulture,
                $"FAIL input {failure.Input} ({failure.Case}) {failure.Property}: {failure.Detail} | base64 {failure.PayloadBase64}"));
        }

        if (parseResult.GetValue(json))
        {
            console.Out.WriteLine(Json(report));
        }

        return report.FailureCount == 0 ? 0 : CliErrors.Failure;
    }

    private static string Json(FuzzReport report)
    {
        using var stream = new MemoryStream();
        using (var writer = new Utf8JsonWriter(stream))
        {
            writer.WriteStartObject();
            writer.WriteNumber("inputs", report.Inputs);
            writer.WriteNumber("inputsPerSecond", Math.Round(report.InputsPerSecond, 1));
            writer.WriteNumber("rows", report.Rows);
            writer.WriteNumber("accepted", report.Accepted);
            writer.WriteNumber("rejected", report.Rejected);
            writer.WriteNumber("failures", report.FailureCount);
            writer.WriteStartObject("inputsByCase");
            foreach (var (kind, value) in report.InputsByCase)
            {
                writer.WriteNumber(kind, value);
            }

            writer.WriteEndObject();
            writer.WriteStartObject("rowsByReason");
            foreach (var (reason, value) in report.RowsByReason)
            {
                writer.WriteNumber(reason, value);
            }

            writer.WriteEndObject();
            writer.WriteStartArray("firstFailures");
            foreach (var failure in report.Failures)
            {
                writer.WriteStartObject();
                writer.WriteNumber("input", failure.Input);
                writer.WriteString("case", failure.Case);
                writer.WriteString("property", failure.Property);
                writer.WriteString("detail", failure.Detail);
                writer.WriteString("payloadBase64", failure.PayloadBase64);
                writer.WriteEndObject();
            }

            writer.WriteEndArray();
            writer.WriteEndObject();
        }

        return Encoding.UTF8.GetString(stream.ToArray());
    }

    private static string Int(long value) => value.ToString(CultureInfo.InvariantCulture);

    private sealed class InlineProgress(Action<double> report) : IProgress<double>
    {
        public void Report(double value) => report(value);
    }
}
