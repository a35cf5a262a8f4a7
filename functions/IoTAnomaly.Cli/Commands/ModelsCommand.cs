using System.CommandLine;
using System.Globalization;
using System.Text;
using System.Text.Json;
using IoTAnomaly.Cli.Hosting;
using IoTAnomaly.Core.Models;
using IoTAnomaly.Infrastructure.Models;
using Microsoft.Extensions.DependencyInjection;
using Spectre.Console;

namespace IoTAnomaly.Cli.Commands;

/// <summary>
/// <c>iotanomaly models list|promote|rollback|audit</c>: the model registry (Storage__* configuration; Azurite by
/// default). A lost promotion race or an <c>--if-match</c> that no longer holds exits with <see cref="CliErrors.Conflict"/>.
/// </summary>
internal sealed class ModelsCommand : Command
{
    public ModelsCommand(CliConsole console, CliHost host)
        : base("models", "List, promote, roll back and audit models in the registry.")
    {
        Subcommands.Add(new ListCommand(console, host));
        Subcommands.Add(new PromoteCommand(console, host));
        Subcommands.Add(new RollbackCommand(console, host));
        Subcommands.Add(new AuditCommand(console, host));
    }

    private static Option<string> ModelOption(bool required)
        => new Option<string>("--model") { Description = "Model name.", Required = required }.Require(
            static name => name is null || ModelNames.IsValid(name),
            static name => $"'{name}' is not a valid model name: use lower-case letters, digits and dashes.");

    private static Option<string> ReasonOption(string defaultReason) => new("--reason")
    {
        Description = "Why: recorded in the pointer and the audit log.",
        DefaultValueFactory = _ => defaultReason,
    };

    private static async Task<int> WithRegistryAsync(CliConsole console, CliHost host, Func<IModelRegistry, Task> action)
    {
        try
        {
            using var app = host.Build(storage: true);
            await action(app.Services.GetRequiredService<IModelRegistry>());
            return 0;
        }
        catch (Exception e) when (CliErrors.Report(e, console) is { } code)
        {
            return code;
        }
    }

    /// <summary>Training bookkeeping left out of the human table (still in <c>--json</c>).</summary>
    private static readonly HashSet<string> HiddenMetrics = new(StringComparer.Ordinal) { "fitRows", "calibrationRows", "fitFalseAlarmRate" };

    private static string Time(DateTimeOffset time) => time.ToString("yyyy-MM-dd HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    private static string Number(double value) => value.ToString("G4", CultureInfo.InvariantCulture);

    private static void WritePointer(CliConsole console, string action, ModelPointer pointer)
        => console.Ansi.WriteLine($"{action}: {pointer.Model} champion is now {pointer.Version} (previous: {(pointer.History.Count > 0 ? pointer.History[0] : "none")}; etag {pointer.ETag})");

    /// <summary><c>models list [--model] [--json]</c>.</summary>
    private sealed class ListCommand : Command
    {
        private readonly Option<string> model = ModelOption(required: false);
        private readonly Option<bool> json = new("--json") { Description = "Print the listing as one JSON object on the last line." };

        public ListCommand(CliConsole console, CliHost host)
            : base("list", "Models and their versions, with champion (*) and challenger (c) markers, creation time and metrics.")
        {
            Options.Add(model);
            Options.Add(json);
            SetAction((parseResult, cancellationToken) => WithRegistryAsync(console, host, async registry =>
            {
                var names = parseResult.GetValue(model) is { } one ? [one] : await registry.ListModelsAsync(cancellationToken);
                var listings = new List<(string Name, ModelPointer? Champion, ModelPointer? Challenger, IReadOnlyList<ModelManifest> Versions)>();
                foreach (var name in names)
                {
                    var versions = await registry.ListVersionsAsync(name, cancellationToken);
                    if (versions.Count == 0 && parseResult.GetValue(model) is not null)
                    {
                        throw new ModelNotFoundException($"Model '{name}' has no registered versions.");
                    }

                    listings.Add((
                        name,
                        await registry.GetPointerAsync(name, ModelRole.Champion, cancellationToken),
                        await registry.GetPointerAsync(name, ModelRole.Challenger, cancellationToken),
                        versions));
                }

                Render(console, listings);
                if (parseResult.GetValue(json))
                {
                    console.Out.WriteLine(Json(listings));
                }
            }));
        }

        private static void Render(CliConsole console, List<(string Name, ModelPointer? Champion, ModelPointer? Challenger, IReadOnlyList<ModelManifest> Versions)> listings)
        {
            if (listings.Count == 0)
            {
                console.Ansi.WriteLine("No models registered.");
                return;
            }

            foreach (var (name, champion, challenger, versions) in listings)
            {
                var table = new Table().Border(TableBorder.Simple)
                    .Title(Markup.Escape($"{name}: champion {champion?.Version ?? "none"}, challenger {challenger?.Version ?? "none"}"))
                    .AddColumn(new TableColumn("role").NoWrap())
                    .AddColumn(new TableColumn("version").NoWrap())
                    .AddColumn(new TableColumn("created").NoWrap())
                    .AddColumn("rows")
                    .AddColumn("metrics");
                foreach (var version in versions)
                {
                    var role = (champion?.Version == version.Version ? "*" : string.Empty) + (challenger?.Version == version.Version ? "c" : string.Empty);
                    var metrics = string.Join(", ", version.Metrics
                        .Where(static m => !HiddenMetrics.Contains(m.Key))
                        .OrderBy(static m => m.Key, StringComparer.Ordinal)
                        .Select(static m => $"{m.Key}={Number(m.Value)}"));
                    table.AddRow(
                        role,
                        Markup.Escape(version.Version),
                        Time(version.CreatedAt),
                        version.Training.Rows.ToString(CultureInfo.InvariantCulture),
                        Markup.Escape(metrics));
                }

                console.Ansi.Write(table);
            }
        }

        private static string Json(List<(string Name, ModelPointer? Champion, ModelPointer? Challenger, IReadOnlyList<ModelManifest> Versions)> listings)
        {
            using var stream = new MemoryStream();
            using (var writer = new Utf8JsonWriter(stream))
            {
                writer.WriteStartObject();
                writer.WriteStartArray("models");
                foreach (var (name, champion, challenger, versions) in listings)
                {
                    writer.WriteStartObject();
                    writer.WriteString("name", name);
                    WriteRole(writer, "champion", champion);
                    WriteRole(writer, "challenger", challenger);
                    writer.WriteStartArray("versions");
                    foreach (var version in versions)
                    {
                        writer.WriteStartObject();
                        writer.WriteString("version", version.Version);
                        writer.WriteString("createdAt", version.CreatedAt);
                        writer.WriteNumber("rows", version.Training.Rows);
                        writer.WriteBoolean("champion", champion?.Version == version.Version);
                        writer.WriteBoolean("challenger", challenger?.Version == version.Version);
                        writer.WriteStartObject("metrics");
                        foreach (var (key, value) in version.Metrics.OrderBy(static m => m.Key, StringComparer.Ordinal))
                        {
                            writer.WriteNumber(key, value);
                        }

                        writer.WriteEndObject();
                        writer.WriteEndObject();
                    }

                    writer.WriteEndArray();
                    writer.WriteEndObject();
                }

                writer.WriteEndArray();
                writer.WriteEndObject();
            }

            return Encoding.UTF8.GetString(stream.ToArray());
        }

        private static void WriteRole(Utf8JsonWriter writer, string role, ModelPointer? pointer)
        {
            if (pointer is null)
            {
                writer.WriteNull(role);
                writer.WriteNull(role + "ETag");
                return;
            }

            writer.WriteString(role, pointer.Version);
            writer.WriteString(role + "ETag", pointer.ETag);
        }
    }

    /// <summary><c>models promote --model --version [--reason] [--if-match &lt;etag&gt;]</c>.</summary>
    private sealed class PromoteCommand : Command
    {
        private readonly Option<string> model = ModelOption(required: true);
        private readonly Option<string> version = new("--version") { Description = "Registered version to make the champion.", Required = true };
        private readonly Option<string> reason = ReasonOption("promoted with the CLI");
        private readonly Option<string?> ifMatch = new("--if-match")
        {
            Description = "Only promote if the champion pointer still has this ETag (from 'models list --json'); otherwise exit 2.",
            HelpName = "etag",
        };

        public PromoteCommand(CliConsole console, CliHost host)
            : base("promote", "Make a registered version the champion (conditional write: a concurrent change exits with code 2).")
        {
            Options.Add(model);
            Options.Add(version);
            Options.Add(reason);
            Options.Add(ifMatch);
            SetAction((parseResult, cancellationToken) => WithRegistryAsync(console, host, async registry =>
            {
                var pointer = await registry.PromoteAsync(
                    parseResult.GetRequiredValue(model),
                    parseResult.GetRequiredValue(version),
                    parseResult.GetRequiredValue(reason),
                    CliHost.Actor,
                    parseResult.GetValue(ifMatch),
                    cancellationToken);
                WritePointer(console, "promoted", pointer);
            }));
        }
    }

    /// <summary><c>models rollback --model [--reason]</c>.</summary>
    private sealed class RollbackCommand : Command
    {
        private readonly Option<string> model = ModelOption(required: true);
        private readonly Option<string> reason = ReasonOption("rolled back with the CLI");

        public RollbackCommand(CliConsole console, CliHost host)
            : base("rollback", "Make the previous champion the champion again.")
        {
            Options.Add(model);
            Options.Add(reason);
            SetAction((parseResult, cancellationToken) => WithRegistryAsync(console, host, async registry =>
            {
                var pointer = await registry.RollbackAsync(parseResult.GetRequiredValue(model), parseResult.GetRequiredValue(reason), CliHost.Actor, cancellationToken);
                WritePointer(console, "rolled back", pointer);
            }));
        }
    }

    /// <summary><c>models audit --model</c>.</summary>
    private sealed class AuditCommand : Command
    {
        private readonly Option<string> model = ModelOption(required: true);

        public AuditCommand(CliConsole console, CliHost host)
            : base("audit", "The model's append-only audit log: registrations, promotions, rollbacks, challengers, rejections.")
        {
            Options.Add(model);
            SetAction((parseResult, cancellationToken) => WithRegistryAsync(console, host, async registry =>
            {
                var name = parseResult.GetRequiredValue(model);
                var entries = await registry.GetAuditLogAsync(name, cancellationToken);
                if (entries.Count == 0)
                {
                    throw new ModelNotFoundException($"Model '{name}' has no audit log (nothing was registered under that name).");
                }

                var table = new Table().Border(TableBorder.Simple).Title(Markup.Escape($"{name}: audit log"))
                    .AddColumn(new TableColumn("at").NoWrap())
                    .AddColumn(new TableColumn("action").NoWrap())
                    .AddColumn(new TableColumn("version").NoWrap())
                    .AddColumn(new TableColumn("previous").NoWrap())
                    .AddColumn(new TableColumn("actor").NoWrap())
                    .AddColumn("reason");
                foreach (var entry in entries)
                {
                    table.AddRow(
                        Time(entry.At),
                        Markup.Escape(entry.Action),
                        Markup.Escape(entry.Version ?? "-"),
                        Markup.Escape(entry.PreviousVersion ?? "-"),
                        Markup.Escape(entry.Actor ?? "-"),
                        Markup.Escape(entry.Reason ?? string.Empty));
                }

                console.Ansi.Write(table);
            }));
        }
    }
}
