using System.CommandLine;
using System.Globalization;
using System.Text;
using System.Text.Json;
using IoTAnomaly.Cli.Hosting;
using IoTAnomaly.Core.Detection;
using IoTAnomaly.Core.Models;
using IoTAnomaly.Core.Processing;
using IoTAnomaly.Core.Serialization;
using IoTAnomaly.Core.Telemetry;
using IoTAnomaly.Infrastructure.Models;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace IoTAnomaly.Cli.Commands;

/// <summary>
/// <c>iotanomaly score --model-file &lt;dir&gt; | --model &lt;name&gt; [--version] --input &lt;file&gt; [--max-age] [--json]</c>:
/// replays a file of readings (JSON array, NDJSON or an Event Hubs REST batch) through <see cref="TelemetryBatchHandler"/>
/// with per-device state and duplicate detection, as the streaming hosts do, and prints one line per reading.
/// </summary>
internal sealed class ScoreCommand : Command
{
    private readonly CliConsole console;
    private readonly CliHost host;

    private readonly Option<DirectoryInfo?> modelFile = new("--model-file")
    {
        Description = "Folder holding model.zip and manifest.json (as written by 'train --output').",
        HelpName = "dir",
    };

    private readonly Option<string?> model = new("--model")
    {
        Description = "Registry model name: its champion (or --version) is downloaded.",
    };

    private readonly Option<string?> version = new("--version")
    {
        Description = "With --model: this version instead of the champion.",
    };

    private readonly Option<FileInfo> input = new("--input")
    {
        Description = "Readings: one JSON value (a reading, an array, an Event Hubs batch) or NDJSON (one reading per line).",
        HelpName = "file",
        Required = true,
    };

    private readonly Option<TimeSpan> maxAge = new("--max-age")
    {
        Description = "Oldest timestamp accepted, as a time span (d.hh:mm:ss); large by default so historical files are scored.",
        DefaultValueFactory = _ => TimeSpan.FromDays(36500),
    };

    private readonly Option<bool> json = new("--json") { Description = "Print every result and the summary as one JSON object on the last line." };

    public ScoreCommand(CliConsole console, CliHost host)
        : base("score", "Score a file of readings with a model file or a registered model.")
    {
        this.console = console;
        this.host = host;
        input.Require(static f => f is not { Exists: false }, static f => $"File '{f.FullName}' does not exist.");
        modelFile.Require(static d => d is not { Exists: false }, static d => $"Folder '{d!.FullName}' does not exist.");
        maxAge.Require(static t => t > TimeSpan.Zero, static _ => "--max-age must be positive.");
        Options.Add(modelFile);
        Options.Add(model);
        Options.Add(version);
        Options.Add(input);
        Options.Add(maxAge);
        Options.Add(json);
        Validators.Add(result =>
        {
            if ((result.SafeValue(modelFile) is null) == (result.SafeValue(model) is null))
            {
                result.AddError("Give exactly one of --model-file and --model.");
            }

            if (result.SafeValue(version) is not null && result.SafeValue(model) is null)
            {
                result.AddError("--version needs --model.");
            }
        });
        SetAction((parseResult, cancellationToken) => RunAsync(parseResult, cancellationToken));
    }

    private async Task<int> RunAsync(ParseResult parseResult, CancellationToken cancellationToken)
    {
        try
        {
            var settings = new Dictionary<string, string?>
            {
                [$"{TelemetryOptions.SectionName}:{nameof(TelemetryOptions.MaxAge)}"] = parseResult.GetValue(maxAge).ToString("c", CultureInfo.InvariantCulture),
            };
            var fromRegistry = parseResult.GetValue(model);
            using var app = host.Build(storage: fromRegistry is not null, settings);
            var bundle = fromRegistry is null
                ? ReadBundle(parseResult.GetRequiredValue(modelFile)!.FullName)
                : await DownloadAsync(app.Services.GetRequiredService<IModelRegistry>(), fromRegistry, parseResult.GetValue(version), cancellationToken);
            var detector = app.Services.GetRequiredService<IDetectorFactory>().Create(bundle);
            app.Services.GetRequiredService<ModelHolder>().Swap(new LoadedModel(detector, null, DateTimeOffset.UtcNow));

            var events = ReadEvents(File.ReadAllBytes(parseResult.GetRequiredValue(input).FullName));
            var handler = app.Services.GetRequiredService<TelemetryBatchHandler>();
            var batch = new ReadingBatch();
            var loaded = handler.Process(events, batch, updateState: true, deduplicate: true)
                ?? throw new InvalidOperationException("The model was not loaded.");
            var top = app.Services.GetRequiredService<IOptions<ScoringOptions>>().Value.TopContributors;
            var results = ScoreResults.From(batch, loaded, top);
            Render(results);
            if (parseResult.GetValue(json))
            {
                console.Out.WriteLine(results.ToJson());
            }

            return 0;
        }
        catch (Exception e) when (CliErrors.Report(e, console) is { } code)
        {
            return code;
        }
    }

    /// <summary>Reads <c>model.zip</c> + <c>manifest.json</c> from a folder and checks the zip against the manifest's hash.</summary>
    internal static ModelBundle ReadBundle(string folder)
    {
        var manifestPath = Path.Combine(folder, TrainCommand.ManifestFileName);
        var zipPath = Path.Combine(folder, TrainCommand.ModelFileName);
        if (!File.Exists(manifestPath) || !File.Exists(zipPath))
        {
            throw new FileNotFoundException($"'{folder}' must hold {TrainCommand.ModelFileName} and {TrainCommand.ManifestFileName}.");
        }

        ModelManifest manifest;
        try
        {
            manifest = JsonSerializer.Deserialize(File.ReadAllBytes(manifestPath), CoreJsonContext.Default.ModelManifest)
                ?? throw new InvalidDataException($"{manifestPath} is empty.");
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{manifestPath} is not a valid manifest: {e.Message}", e);
        }

        var zip = File.ReadAllBytes(zipPath);
        var sha = BlobModelRegistry.ComputeSha256(zip);
        if (manifest.ModelSha256 is { } expected && !string.Equals(expected, sha, StringComparison.OrdinalIgnoreCase))
        {
            throw new InvalidDataException($"{zipPath} does not match the manifest (sha256 {sha}, manifest says {expected}).");
        }

        return new ModelBundle(manifest, zip);
    }

    private async Task<ModelBundle> DownloadAsync(IModelRegistry registry, string name, string? wanted, CancellationToken cancellationToken)
    {
        var target = wanted
            ?? (await registry.GetPointerAsync(name, ModelRole.Champion, cancellationToken))?.Version
            ?? throw new ModelNotFoundException($"Model '{name}' has no champion; promote a version or pass --version.");
        console.Error.WriteLine($"scoring with {name}/{target}");
        return await registry.DownloadAsync(name, target, cancellationToken);
    }

    /// <summary>
    /// Splits a file into events: a file that starts with <c>[</c>, or that is exactly one JSON value, is one event (the
    /// parser handles arrays and Event Hubs batches); anything else is NDJSON, one event per non-blank line, so a broken
    /// line is rejected alone.
    /// </summary>
    internal static IReadOnlyList<TelemetryEvent> ReadEvents(byte[] content)
    {
        var bytes = content.AsMemory();
        if (bytes.Span.StartsWith("\uFEFF"u8))
        {
            bytes = bytes[3..];
        }

        var trimmed = bytes.Span.TrimStart(" \t\r\n"u8);
        if (trimmed.IsEmpty || trimmed[0] == (byte)'[' || IsSingleValue(bytes.Span))
        {
            return [new TelemetryEvent(bytes)];
        }

        var events = new List<TelemetryEvent>();
        var start = 0;
        var span = bytes.Span;
        while (start < span.Length)
        {
            var end = span[start..].IndexOf((byte)'\n');
            var length = end < 0 ? span.Length - start : end;
            var line = bytes.Slice(start, length);
            if (!line.Span.Trim(" \t\r"u8).IsEmpty)
            {
                events.Add(new TelemetryEvent(line));
            }

            start += length + 1;
        }

        return events;
    }

    private static bool IsSingleValue(ReadOnlySpan<byte> json)
    {
        try
        {
            var reader = new Utf8JsonReader(json, new JsonReaderOptions { AllowMultipleValues = false });
            return reader.Read() && reader.TrySkip() && !reader.Read();
        }
        catch (JsonException)
        {
            return false;
        }
    }

    private void Render(ScoreResults results)
    {
        // Plain lines on standard output (never wrapped): one per reading, then the summary.
        foreach (var row in results.Rows)
        {
            if (row.Reason is { } reason)
            {
                console.Out.WriteLine(string.Create(
                    CultureInfo.InvariantCulture,
                    $"#{row.Index} {row.DeviceId ?? "-"} {row.MessageId} REJECTED {reason}: {row.Detail}"));
                continue;
            }

            var top = string.Join(", ", row.TopContributors.Select(static c => string.Create(CultureInfo.InvariantCulture, $"{c.Sensor} {c.Share:P0} ={c.Value:G6}")));
            var quality = row.Quality == "None" ? string.Empty : " quality " + row.Quality;
            console.Out.WriteLine(string.Create(
                CultureInfo.InvariantCulture,
                $"#{row.Index} {row.DeviceId} {row.MessageId} score {row.Score:0.000} {(row.IsAnomaly ? "ANOMALY " + row.Severity : "normal")}{quality} top: {top}"));
        }

        var reasons = results.RejectedByReason.Count == 0
            ? string.Empty
            : " (" + string.Join(", ", results.RejectedByReason.Select(static r => string.Create(CultureInfo.InvariantCulture, $"{r.Key} {r.Value}"))) + ")";
        console.Out.WriteLine(string.Create(
            CultureInfo.InvariantCulture,
            $"{results.Received} readings: {results.Scored} scored, {results.Anomalies} anomalies, {results.Rejected} rejected{reasons}; model {results.Model}/{results.ModelVersion}"));
    }
}

/// <summary>What <c>score</c> found, per reading in input order.</summary>
internal sealed record ScoreResults(string Model, string ModelVersion, int Received, int Scored, int Rejected, int Anomalies, IReadOnlyDictionary<string, int> RejectedByReason, IReadOnlyList<ScoreRow> Rows)
{
    public static ScoreResults From(ReadingBatch batch, LoadedModel model, int topContributors)
    {
        var names = SensorSchema.For(model.Detector).Names;
        var rows = new List<ScoreRow>(batch.Count);
        var byReason = new SortedDictionary<string, int>(StringComparer.Ordinal);
        var anomalies = 0;
        for (var row = 0; row < batch.Count; row++)
        {
            var reason = batch.Reasons[row];
            if (reason != RejectReason.None)
            {
                var code = reason.ToCode();
                byReason[code] = byReason.GetValueOrDefault(code) + 1;
                rows.Add(new ScoreRow(row, batch.GetDeviceId(row), batch.GetMessageId(row), batch.GetTimestamp(row), 0, 0, 0, false, "None", "None", [], code, batch.Details[row] ?? code));
                continue;
            }

            var score = batch.Scores[row];
            anomalies += score.IsAnomaly ? 1 : 0;
            var top = TelemetryBatchHandler.TopContributors(batch.GetContributions(row), batch.GetValues(row), names, Math.Min(topContributors, names.Length));
            rows.Add(new ScoreRow(
                row, batch.GetDeviceId(row), batch.GetMessageId(row), batch.GetTimestamp(row), score.Score, score.T2, score.Q, score.IsAnomaly,
                score.Severity.ToString(), batch.Quality[row].ToString(), top, null, null));
        }

        return new ScoreResults(model.Manifest.Name, model.Version, batch.Count, batch.Count - byReason.Values.Sum(), byReason.Values.Sum(), anomalies, byReason, rows);
    }

    public string ToJson()
    {
        using var stream = new MemoryStream();
        using (var writer = new Utf8JsonWriter(stream))
        {
            writer.WriteStartObject();
            writer.WriteString("model", Model);
            writer.WriteString("modelVersion", ModelVersion);
            writer.WriteNumber("received", Received);
            writer.WriteNumber("scored", Scored);
            writer.WriteNumber("rejected", Rejected);
            writer.WriteNumber("anomalies", Anomalies);
            writer.WriteStartObject("rejectedByReason");
            foreach (var (reason, count) in RejectedByReason)
            {
                writer.WriteNumber(reason, count);
            }

            writer.WriteEndObject();
            writer.WriteStartArray("readings");
            foreach (var row in Rows)
            {
                writer.WriteStartObject();
                writer.WriteNumber("index", row.Index);
                writer.WriteString("deviceId", row.DeviceId);
                writer.WriteString("messageId", row.MessageId);
                if (row.Timestamp is { } timestamp)
                {
                    writer.WriteString("timestamp", timestamp);
                }

                if (row.Reason is { } reason)
                {
                    writer.WriteString("rejected", reason);
                    writer.WriteString("detail", row.Detail);
                }
                else
                {
                    writer.WriteNumber("score", Finite(row.Score));
                    writer.WriteNumber("t2", Finite(row.T2));
                    writer.WriteNumber("q", Finite(row.Q));
                    writer.WriteBoolean("isAnomaly", row.IsAnomaly);
                    writer.WriteString("severity", row.Severity);
                    writer.WriteString("quality", row.Quality);
                    writer.WriteStartArray("topContributors");
                    foreach (var contribution in row.TopContributors)
                    {
                        writer.WriteStartObject();
                        writer.WriteString("sensor", contribution.Sensor);
                        writer.WriteNumber("share", Finite(contribution.Share));
                        writer.WriteNumber("value", Finite(contribution.Value));
                        writer.WriteEndObject();
                    }

                    writer.WriteEndArray();
                }

                writer.WriteEndObject();
            }

            writer.WriteEndArray();
            writer.WriteEndObject();
        }

        return Encoding.UTF8.GetString(stream.ToArray());
    }

    private static double Finite(double value) => double.IsFinite(value) ? value : double.MaxValue;
}

/// <summary>One reading's outcome: scored (Reason null) or rejected with a reason code.</summary>
internal sealed record ScoreRow(
    int Index,
    string? DeviceId,
    string MessageId,
    DateTimeOffset? Timestamp,
    double Score,
    double T2,
    double Q,
    bool IsAnomaly,
    string Severity,
    string Quality,
    IReadOnlyList<SensorContribution> TopContributors,
    string? Reason,
    string? Detail);
