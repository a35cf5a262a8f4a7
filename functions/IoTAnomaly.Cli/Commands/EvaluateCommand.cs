using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using IoTAnomaly.Cli.Reports;
using IoTAnomaly.Core.Evaluation;
using Spectre.Console;

namespace IoTAnomaly.Cli.Commands;

/// <summary>
/// <c>iotanomaly evaluate --dataset skab --path &lt;dir&gt; [--detector &lt;name&gt;] [--json] [--report &lt;dir&gt;]</c>:
/// runs a detector over every SKAB CSV under the folder with the benchmark protocol and prints the leaderboard
/// metrics; with <c>--json</c> the last line is one JSON object (<c>f1</c>, <c>far</c>, <c>mar</c>, <c>nabStandard</c>, …).
/// </summary>
internal sealed class EvaluateCommand : Command
{
    /// <summary>Exit code when the evaluation itself fails (bad data, detector error).</summary>
    public const int FailureExitCode = 1;

    /// <summary>Exit code when cancelled.</summary>
    public const int CancelledExitCode = 130;

    private readonly CliConsole console;

    private readonly Option<string> dataset = new("--dataset")
    {
        Description = "Benchmark dataset layout. Only 'skab' is supported.",
        Required = true,
    };

    private readonly Option<DirectoryInfo> path = new("--path")
    {
        Description = "Folder searched recursively for experiment CSV files (reference-predictions.csv is skipped).",
        HelpName = "dir",
        Required = true,
    };

    private readonly Option<string> detector = new("--detector")
    {
        Description = "Detector to evaluate.",
        DefaultValueFactory = _ => ExperimentDetectorCatalog.DefaultName,
    };

    private readonly Option<bool> json = new("--json")
    {
        Description = "Print the report as one JSON object on the last line.",
    };

    private readonly Option<DirectoryInfo?> report = new("--report")
    {
        Description = "Write an HTML report with one PNG plot per file into this folder (created if missing).",
        HelpName = "dir",
    };

    public EvaluateCommand(CliConsole console)
        : base("evaluate", "Evaluate a detector on a labelled benchmark: train on each file's first 400 rows, score the rest in time order.")
    {
        this.console = console;
        dataset.AcceptOnlyFromAmong("skab");
        detector.AcceptOnlyFromAmong([.. ExperimentDetectorCatalog.Names]);
        path.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<DirectoryInfo>() is { Exists: false } missing)
            {
                result.AddError($"Folder '{missing.FullName}' does not exist.");
            }
        });
        Options.Add(dataset);
        Options.Add(path);
        Options.Add(detector);
        Options.Add(json);
        Options.Add(report);
        SetAction((parseResult, cancellationToken) => Task.FromResult(Run(parseResult, cancellationToken)));
    }

    private int Run(ParseResult parseResult, CancellationToken cancellationToken)
    {
        var folder = parseResult.GetRequiredValue(path).FullName;
        var reportFolder = parseResult.GetValue(report);
        try
        {
            var files = SkabDataset.Discover(folder);
            if (files.Count == 0)
            {
                console.Error.WriteLine($"error: no CSV files under '{folder}'.");
                return FailureExitCode;
            }

            var instance = ExperimentDetectorCatalog.Create(parseResult.GetRequiredValue(detector));
            var evaluation = Evaluate(folder, files, instance, cancellationToken);
            Render(evaluation.Report);
            if (reportFolder is not null)
            {
                var index = SkabHtmlReport.Write(evaluation, reportFolder.FullName);
                console.Ansi.MarkupLineInterpolated($"Report written to [link]{index}[/]");
            }

            if (parseResult.GetValue(json))
            {
                console.Out.WriteLine(JsonSerializer.Serialize(evaluation.Report, EvaluationJsonContext.Default.SkabEvaluationReport));
            }

            return 0;
        }
        catch (OperationCanceledException)
        {
            console.Error.WriteLine("cancelled");
            return CancelledExitCode;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException or ArgumentException or InvalidOperationException)
        {
            console.Error.WriteLine($"error: {e.Message}");
            return FailureExitCode;
        }
    }

    private SkabEvaluation Evaluate(string folder, IReadOnlyList<string> files, IExperimentDetector instance, CancellationToken cancellationToken)
    {
        SkabEvaluation? evaluation = null;
        console.Ansi.Progress()
            .AutoClear(false)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn())
            .Start(context =>
            {
                var task = context.AddTask($"{instance.Name} on {files.Count} files", maxValue: files.Count);
                var experiments = files.Select(file =>
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    return SkabDataset.Load(file, SkabDataset.RelativeName(folder, file));
                });
                evaluation = SkabEvaluator.Evaluate(
                    experiments,
                    instance,
                    SkabEvaluator.DefaultTrainRows,
                    new InlineProgress<SkabEvaluationProgress>(_ => task.Increment(1)));
            });
        return evaluation!;
    }

    private void Render(SkabEvaluationReport result)
    {
        // Narrow enough for an 80-column terminal; every figure is also in the JSON and the HTML report.
        var perFile = new Table().Border(TableBorder.Simple).Title($"{Markup.Escape(result.Detector)}: per file (test part after {result.TrainRows} rows)")
            .AddColumn(new TableColumn("file").NoWrap())
            .AddColumns("rows", "TP", "FP", "FN", "TN", "F1", "missed", "CP FPs", "NAB std");
        foreach (var file in result.PerFile)
        {
            perFile.AddRow(
                Markup.Escape(file.File), Int(file.TestRows), Int(file.TruePositives), Int(file.FalsePositives), Int(file.FalseNegatives),
                Int(file.TrueNegatives), Fixed(file.F1), $"{Int(file.MissedChangePoints)}/{Int(file.ChangePoints)}",
                Int(file.FalsePositiveAlarms), Fixed(file.NabStandard));
        }

        var summary = new Table().Border(TableBorder.Simple).Title($"{Markup.Escape(result.Detector)}: {result.Files} labelled files, pooled (anomaly-free check not pooled)")
            .AddColumn(new TableColumn("metric").NoWrap())
            .AddColumn(new TableColumn("value").NoWrap())
            .AddRow("F1", Fixed(result.F1))
            .AddRow("FAR %", Fixed(result.Far))
            .AddRow("MAR %", Fixed(result.Mar))
            .AddRow("NAB standard", Fixed(result.NabStandard))
            .AddRow("NAB LowFP", Fixed(result.NabLowFp))
            .AddRow("NAB LowFN", Fixed(result.NabLowFn))
            .AddRow("missed CPs", $"{Int(result.MissedChangePoints)} of {Int(result.ChangePoints)}")
            .AddRow("CP false alarms", Int(result.FalsePositiveAlarms))
            .AddRow("average delay s", result.AverageDelaySeconds is { } delay ? Fixed(delay) : "-");
        foreach (var free in result.AnomalyFree)
        {
            summary.AddRow(
                Markup.Escape($"alarm % on {free.File}"),
                $"{Fixed(free.AlarmRate)} ({Int(free.Alarms)}/{Int(free.TestRows)})");
        }

        console.Ansi.Write(perFile);
        console.Ansi.Write(summary);
    }

    private static string Fixed(double value) => value.ToString("F2", CultureInfo.InvariantCulture);

    private static string Int(long value) => value.ToString(CultureInfo.InvariantCulture);

    private sealed class InlineProgress<T>(Action<T> report) : IProgress<T>
    {
        public void Report(T value) => report(value);
    }
}
