using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using IoTAnomaly.Cli.Hosting;
using IoTAnomaly.Cli.Training;
using IoTAnomaly.Core.Detection;
using IoTAnomaly.Core.Models;
using IoTAnomaly.Core.Serialization;
using IoTAnomaly.Infrastructure.Models;
using Microsoft.Extensions.DependencyInjection;
using Spectre.Console;

namespace IoTAnomaly.Cli.Commands;

/// <summary>
/// <c>iotanomaly train --input &lt;csv files or dirs&gt; | --synthetic &lt;rows&gt; --model &lt;name&gt; [--sensors a,b,…]
/// [--register] [--promote] [--output &lt;dir&gt;] [--json]</c>: trains a <c>pca-t2q</c> model on normal operation, prints
/// the manifest summary, writes <c>model.zip</c> + <c>manifest.json</c> and/or registers (and promotes) it.
/// </summary>
internal sealed class TrainCommand : Command
{
    public const string ModelFileName = "model.zip";
    public const string ManifestFileName = "manifest.json";

    private readonly CliConsole console;
    private readonly CliHost host;

    private readonly Option<string[]> input = new("--input")
    {
        Description = "CSV files or folders (searched recursively) with a header row; ';' or ',' separated.",
        HelpName = "path",
        AllowMultipleArgumentsPerToken = true,
    };

    private readonly Option<int?> synthetic = new("--synthetic")
    {
        Description = "Train on this many fault-free readings of the simulated pump fleet instead of CSV files.",
        HelpName = "rows",
    };

    private readonly Option<string> model = new("--model")
    {
        Description = "Model name (lower-case letters, digits, dashes).",
        Required = true,
    };

    private readonly Option<string?> sensors = new("--sensors")
    {
        Description = "Comma-separated sensor columns to use (default: every column except time and labels).",
        HelpName = "a,b,…",
    };

    private readonly Option<bool> register = new("--register") { Description = "Register the model in the registry (Storage__* configuration; Azurite by default)." };

    private readonly Option<bool> promote = new("--promote") { Description = "Register and make the new version the champion." };

    private readonly Option<string> reason = new("--reason")
    {
        Description = "Reason recorded in the audit log when promoting.",
        DefaultValueFactory = _ => "trained with the CLI",
    };

    private readonly Option<DirectoryInfo?> output = new("--output")
    {
        Description = "Write model.zip and manifest.json into this folder (created if missing).",
        HelpName = "dir",
    };

    private readonly Option<int> devices = new("--devices")
    {
        Description = "Simulated devices for --synthetic.",
        DefaultValueFactory = _ => 10,
    };

    private readonly Option<int> seed = new("--seed")
    {
        Description = "Simulator seed for --synthetic.",
        DefaultValueFactory = _ => 42,
    };

    private readonly Option<string> modelType = new("--model-type")
    {
        Description = "Model type: ridge-residual (default; per-sensor ridge residuals, docs/detection-quality.md) or pca-t2q.",
        DefaultValueFactory = _ => DetectorTrainers.DefaultModelType,
    };

    private readonly Option<bool> json = new("--json") { Description = "Print the summary as one JSON object on the last line." };

    public TrainCommand(CliConsole console, CliHost host)
        : base("train", "Train a model (ridge-residual by default, or pca-t2q) on normal operation (CSV files or simulated data).")
    {
        this.console = console;
        this.host = host;
        synthetic.Require(
            static rows => rows is null or >= PcaDetectorOptions.MinimumTrainingRows,
            static _ => $"--synthetic needs at least {PcaDetectorOptions.MinimumTrainingRows} rows.");
        model.Require(
            static name => ModelNames.IsValid(name),
            static name => $"'{name}' is not a valid model name: use lower-case letters, digits and dashes (at most {ModelNames.MaxLength}).");
        devices.RequirePositive();
        modelType.AcceptOnlyFromAmong([.. DetectorTrainers.ModelTypes]);
        Options.Add(input);
        Options.Add(synthetic);
        Options.Add(model);
        Options.Add(sensors);
        Options.Add(register);
        Options.Add(promote);
        Options.Add(reason);
        Options.Add(output);
        Options.Add(devices);
        Options.Add(seed);
        Options.Add(modelType);
        Options.Add(json);
        Validators.Add(result =>
        {
            var hasInput = result.SafeValue(input) is { Length: > 0 };
            var hasSynthetic = result.SafeValue(synthetic) is not null;
            if (hasInput == hasSynthetic)
            {
                result.AddError("Give exactly one of --input and --synthetic.");
            }

            if (result.SafeValue(output) is null && !result.SafeValue(register) && !result.SafeValue(promote))
            {
                result.AddError("Nothing would keep the model: give --output and/or --register (or --promote).");
            }
        });
        SetAction((parseResult, cancellationToken) => RunAsync(parseResult, cancellationToken));
    }

    private async Task<int> RunAsync(ParseResult parseResult, CancellationToken cancellationToken)
    {
        try
        {
            var name = parseResult.GetRequiredValue(model);
            var chosen = parseResult.GetValue(sensors) is { } list
                ? list.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)
                : null;
            var now = DateTimeOffset.UtcNow;
            var data = parseResult.GetValue(synthetic) is { } rows
                ? TrainingData.Synthetic(rows, parseResult.GetValue(devices), parseResult.GetValue(seed), now, chosen)
                : TrainingData.FromCsv(parseResult.GetRequiredValue(input), chosen);
            var request = new PcaTrainingRequest
            {
                ModelName = name,
                Sensors = data.Sensors,
                Rows = PcaTrainingRequest.Flatten(data.Rows, data.Sensors.Count),
                CreatedAt = now,
                From = data.From,
                To = data.To,
                Source = data.Source,
            };

            var result = Train(DetectorTrainers.Create(parseResult.GetValue(modelType)), request, data);
            var manifest = result.Manifest;
            manifest.ModelSha256 = BlobModelRegistry.ComputeSha256(result.ModelZip);
            RenderSummary(manifest, data);

            string? folder = null;
            if (parseResult.GetValue(output) is { } directory)
            {
                folder = Write(result, directory);
                console.Ansi.WriteLine($"Wrote {Path.Combine(folder, ModelFileName)} and {ManifestFileName}");
            }

            var doPromote = parseResult.GetValue(promote);
            var registered = false;
            if (parseResult.GetValue(register) || doPromote)
            {
                using var app = host.Build(storage: true);
                var registry = app.Services.GetRequiredService<IModelRegistry>();
                await registry.RegisterAsync(manifest, result.ModelZip, CliHost.Actor, cancellationToken);
                registered = true;
                console.Ansi.WriteLine($"Registered {manifest.Name}/{manifest.Version}");
                if (doPromote)
                {
                    await registry.PromoteAsync(manifest.Name, manifest.Version, parseResult.GetRequiredValue(reason), CliHost.Actor, expectedETag: null, cancellationToken);
                    console.Ansi.WriteLine($"Promoted {manifest.Name}/{manifest.Version} to champion");
                }
            }

            if (parseResult.GetValue(json))
            {
                console.Out.WriteLine(SummaryJson(manifest, data, folder, registered, registered && doPromote));
            }

            return 0;
        }
        catch (Exception e) when (CliErrors.Report(e, console) is { } code)
        {
            return code;
        }
    }

    private PcaTrainingResult Train(IDetectorTrainer trainer, PcaTrainingRequest request, TrainingData data)
    {
        PcaTrainingResult? result = null;
        console.Ansi.Progress()
            .AutoClear(false)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn())
            .Start(context =>
            {
                var task = context.AddTask(
                    string.Create(CultureInfo.InvariantCulture, $"training {trainer.ModelType} {request.ModelName} on {data.Rows.Count} rows × {data.Sensors.Count} sensors"),
                    maxValue: 1.0);
                result = trainer.Train(request, new InlineProgress(value => task.Value = value));
                task.Value = 1.0;
            });
        return result!;
    }

    /// <summary>Writes the bundle the way the registry stores it (also what <c>score --model-file</c> reads).</summary>
    internal static string Write(PcaTrainingResult result, DirectoryInfo directory)
    {
        directory.Create();
        File.WriteAllBytes(Path.Combine(directory.FullName, ModelFileName), result.ModelZip);
        File.WriteAllBytes(
            Path.Combine(directory.FullName, ManifestFileName),
            JsonSerializer.SerializeToUtf8Bytes(result.Manifest, CoreJsonContext.Default.ModelManifest));
        return directory.FullName;
    }

    private void RenderSummary(ModelManifest manifest, TrainingData data)
    {
        var table = new Table().Border(TableBorder.Simple).Title($"{Markup.Escape(manifest.Name)} {Markup.Escape(manifest.Version)}")
            .AddColumn(new TableColumn("field").NoWrap())
            .AddColumn("value");
        table.AddRow("version", Markup.Escape(manifest.Version));
        table.AddRow("model type", Markup.Escape(manifest.ModelType));
        table.AddRow("rank", Markup.Escape(manifest.HyperParameters.TryGetValue(PcaManifestKeys.Rank, out var rank) ? rank : "-"));
        table.AddRow("T² limit", Fixed(manifest.Thresholds.T2Limit));
        table.AddRow("Q limit", Fixed(manifest.Thresholds.QLimit));
        table.AddRow("severity bands", string.Join(" / ", manifest.Thresholds.SeverityBands.Select(Fixed)));
        table.AddRow("training rows", Int(manifest.Training.Rows));
        if (data.ExcludedAnomalyRows > 0)
        {
            table.AddRow("left out (anomaly=1)", $"{Int(data.ExcludedAnomalyRows)} of {Int(data.RowsRead)}");
        }

        table.AddRow("training window", Markup.Escape($"{Time(manifest.Training.From)} → {Time(manifest.Training.To)}"));
        table.AddRow("data sha256", manifest.Training.DataSha256);
        table.AddRow("model sha256", manifest.ModelSha256 ?? "-");
        foreach (var (key, value) in manifest.Metrics.OrderBy(static m => m.Key, StringComparer.Ordinal))
        {
            table.AddRow(Markup.Escape(key), Fixed(value));
        }

        table.AddRow("sensors", Markup.Escape(string.Join(", ", manifest.Sensors.Select(static s => s.Name))));
        table.AddRow("source", Markup.Escape(manifest.Training.Source ?? "-"));
        console.Ansi.Write(table);
    }

    private static string SummaryJson(ModelManifest manifest, TrainingData data, string? folder, bool registered, bool promoted)
    {
        using var stream = new MemoryStream();
        using (var writer = new Utf8JsonWriter(stream))
        {
            writer.WriteStartObject();
            writer.WriteString("model", manifest.Name);
            writer.WriteString("version", manifest.Version);
            writer.WriteString("modelType", manifest.ModelType);
            writer.WriteNumber("rank", manifest.HyperParameters.TryGetValue(PcaManifestKeys.Rank, out var rank) ? int.Parse(rank, CultureInfo.InvariantCulture) : 0);
            writer.WriteNumber("t2Limit", manifest.Thresholds.T2Limit);
            writer.WriteNumber("qLimit", manifest.Thresholds.QLimit);
            writer.WriteNumber("rows", manifest.Training.Rows);
            writer.WriteNumber("rowsRead", data.RowsRead);
            writer.WriteNumber("excludedAnomalyRows", data.ExcludedAnomalyRows);
            writer.WriteString("dataSha256", manifest.Training.DataSha256);
            writer.WriteString("modelSha256", manifest.ModelSha256);
            writer.WriteStartArray("sensors");
            foreach (var sensor in manifest.Sensors)
            {
                writer.WriteStringValue(sensor.Name);
            }

            writer.WriteEndArray();
            if (folder is null)
            {
                writer.WriteNull("output");
            }
            else
            {
                writer.WriteString("output", folder);
            }

            writer.WriteBoolean("registered", registered);
            writer.WriteBoolean("promoted", promoted);
            writer.WriteEndObject();
        }

        return System.Text.Encoding.UTF8.GetString(stream.ToArray());
    }

    private static string Time(DateTimeOffset? time) => time?.ToString("u", CultureInfo.InvariantCulture) ?? "-";

    private static string Fixed(double value) => value.ToString("G6", CultureInfo.InvariantCulture);

    private static string Int(long value) => value.ToString(CultureInfo.InvariantCulture);

    private sealed class InlineProgress(Action<double> report) : IProgress<double>
    {
        public void Report(double value) => report(value);
    }
}
