using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using IoTAnomaly.Cli.Hosting;
using IoTAnomaly.Core.Simulation;
using IoTAnomaly.Infrastructure.Simulation;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Spectre.Console;

namespace IoTAnomaly.Cli.Commands;

/// <summary>
/// <c>iotanomaly simulate --devices N --rate &lt;readings/s&gt; --duration &lt;s&gt; --target local|eventhub|iothub …</c>:
/// streams <c>rate × duration</c> readings of the seeded <see cref="FleetSimulator"/> to the local host, an event hub
/// or an IoT hub, paced to the rate, with a live progress display and a summary of what was sent and injected.
/// Secrets may also come from configuration (<c>SimulatorTarget__SasKey</c>, <c>SimulatorTarget__ApiKey</c>, …).
/// </summary>
internal sealed class SimulateCommand : Command
{
    /// <summary>Upper bound of readings one run sends.</summary>
    private const double MaxReadings = 1e10;

    private readonly CliConsole console;
    private readonly CliHost host;

    private readonly Option<int> devices = new("--devices") { Description = "Pumps in the fleet.", DefaultValueFactory = _ => 10 };
    private readonly Option<double> rate = new("--rate") { Description = "Readings per second, whole fleet.", DefaultValueFactory = _ => 100, HelpName = "readings/s" };
    private readonly Option<double> duration = new("--duration") { Description = "Seconds to stream (rate × duration readings are sent).", DefaultValueFactory = _ => 10, HelpName = "s" };
    private readonly Option<string> target = new("--target") { Description = "Where to send.", DefaultValueFactory = _ => "local" };
    private readonly Option<string?> url = new("--url") { Description = "Local host base address (default http://localhost:5000)." };
    private readonly Option<string?> apiKey = new("--api-key") { Description = "Local host API key (x-api-key)." };
    private readonly Option<string?> @namespace = new("--namespace") { Description = "Event Hubs namespace (name or host name)." };
    private readonly Option<string?> hub = new("--hub") { Description = "Event hub name (eventhub) or IoT hub name (iothub)." };
    private readonly Option<string?> sasKeyName = new("--sas-key-name") { Description = "Event Hubs SAS policy name." };
    private readonly Option<string?> sasKey = new("--sas-key") { Description = "Event Hubs SAS policy key, or the IoT Hub group enrollment key (base64) devices' keys derive from." };
    private readonly Option<string?> credential = new("--credential") { Description = "'default': an Entra token from DefaultAzureCredential (eventhub)." };
    private readonly Option<bool> faults = new("--faults") { Description = "Inject faults (spike, level shift, stuck sensor, slow drift, dropout, malformed messages)." };
    private readonly Option<double> faultRate = new("--fault-rate") { Description = "With --faults: chance per device and step that an episode starts.", DefaultValueFactory = _ => new SimulatorOptions().FaultRate };
    private readonly Option<int> seed = new("--seed") { Description = "Simulator seed.", DefaultValueFactory = _ => 42 };
    private readonly Option<int> batchSize = new("--batch-size") { Description = "Readings per request (local host, event hub).", DefaultValueFactory = _ => 100 };
    private readonly Option<bool> json = new("--json") { Description = "Print the summary as one JSON object on the last line." };

    public SimulateCommand(CliConsole console, CliHost host)
        : base("simulate", "Stream the simulated pump fleet to the local host, an event hub or an IoT hub.")
    {
        this.console = console;
        this.host = host;
        target.AcceptOnlyFromAmong("local", "eventhub", "iothub");
        credential.AcceptOnlyFromAmong("default");
        devices.RequirePositive();
        batchSize.RequirePositive();
        rate.Require(static r => r > 0 && double.IsFinite(r), static _ => "--rate must be positive.");
        duration.Require(static d => d > 0 && double.IsFinite(d), static _ => "--duration must be positive.");
        faultRate.Require(static f => f is >= 0 and <= 1, static _ => "--fault-rate must be between 0 and 1.");
        url.Require(
            static u => u is null || (Uri.TryCreate(u, UriKind.Absolute, out var parsed) && parsed.Scheme is "http" or "https"),
            static u => $"--url '{u}' must be an absolute http(s) URL such as http://localhost:5000.");
        Validators.Add(result =>
        {
            if (result.SafeValue(rate) * result.SafeValue(duration) > MaxReadings)
            {
                result.AddError($"--rate × --duration must be at most {MaxReadings:N0} readings.");
            }
        });
        Options.Add(devices);
        Options.Add(rate);
        Options.Add(duration);
        Options.Add(target);
        Options.Add(url);
        Options.Add(apiKey);
        Options.Add(@namespace);
        Options.Add(hub);
        Options.Add(sasKeyName);
        Options.Add(sasKey);
        Options.Add(credential);
        Options.Add(faults);
        Options.Add(faultRate);
        Options.Add(seed);
        Options.Add(batchSize);
        Options.Add(json);
        SetAction((parseResult, cancellationToken) => RunAsync(parseResult, cancellationToken));
    }

    private async Task<int> RunAsync(ParseResult parseResult, CancellationToken cancellationToken)
    {
        try
        {
            var options = TargetOptions(parseResult);
            using var http = new HttpClient();
            var sender = SimulatorTargets.Create(options, http);
            var now = DateTimeOffset.UtcNow;
            var readingsPerSecond = parseResult.GetValue(rate);
            var fleetSize = parseResult.GetValue(devices);
            var withFaults = parseResult.GetValue(faults);
            var simulator = new FleetSimulator(new SimulatorOptions
            {
                DeviceCount = fleetSize,
                // Simulated time advances at the sending pace (at least one tick per step).
                StepInterval = TimeSpan.FromTicks(Math.Max(1, (long)Math.Min(TimeSpan.TicksPerDay, TimeSpan.TicksPerSecond * fleetSize / readingsPerSecond))),
                Seed = parseResult.GetValue(seed),
                StartTime = now,
                RunId = string.Create(CultureInfo.InvariantCulture, $"cli-{now:yyyyMMddHHmmss}"),
                FaultRate = withFaults ? parseResult.GetValue(faultRate) : 0,
                MalformedRate = withFaults ? new SimulatorOptions().MalformedRate : 0,
                EnabledFaults = withFaults ? null : [],
            });
            var total = Math.Max(1, (long)Math.Round(readingsPerSecond * parseResult.GetValue(duration)));
            console.Ansi.WriteLine(string.Create(CultureInfo.InvariantCulture, $"Streaming {total} readings of {fleetSize} devices at {readingsPerSecond:G6}/s to {sender.Description}"));
            var summary = await StreamAsync(simulator, sender, total, readingsPerSecond, parseResult.GetValue(batchSize), cancellationToken);
            Render(summary, sender.Description);
            if (parseResult.GetValue(json))
            {
                console.Out.WriteLine(summary.ToJson(sender.Description));
            }

            return summary.Cancelled ? CliErrors.Cancelled : 0;
        }
        catch (Exception e) when (CliErrors.Report(e, console) is { } code)
        {
            return code;
        }
    }

    private SimulatorTargetOptions TargetOptions(ParseResult parseResult)
    {
        var options = new SimulatorTargetOptions();
        using (var app = host.Build(storage: false))
        {
            app.Services.GetRequiredService<IConfiguration>().GetSection(SimulatorTargetOptions.SectionName).Bind(options);
        }

        options.MaxReadingsPerRequest = parseResult.GetValue(batchSize);
        options.ApiKey = parseResult.GetValue(apiKey) ?? options.ApiKey;
        options.SasKeyName = parseResult.GetValue(sasKeyName) ?? options.SasKeyName;
        var key = parseResult.GetValue(sasKey);
        switch (parseResult.GetRequiredValue(target))
        {
            case "local":
                options.Kind = SimulatorTargetKind.LocalHost;
                options.BaseUrl = parseResult.GetValue(url) is { } address ? new Uri(address, UriKind.Absolute) : options.BaseUrl;

                break;
            case "eventhub":
                options.Kind = SimulatorTargetKind.EventHub;
                options.EventHubsNamespace = parseResult.GetValue(@namespace) ?? options.EventHubsNamespace;
                options.EventHubName = parseResult.GetValue(hub) ?? options.EventHubName;
                options.SasKey = key ?? options.SasKey;
                if (string.IsNullOrWhiteSpace(options.EventHubsNamespace) || string.IsNullOrWhiteSpace(options.EventHubName))
                {
                    throw new ArgumentException("--target eventhub needs --namespace and --hub.");
                }

                var hasSas = !string.IsNullOrWhiteSpace(options.SasKeyName) && !string.IsNullOrWhiteSpace(options.SasKey);
                var useEntra = parseResult.GetValue(credential) is not null;
                if (hasSas == useEntra)
                {
                    throw new ArgumentException("--target eventhub needs either --sas-key-name with --sas-key, or --credential default.");
                }

                break;
            default:
                options.Kind = SimulatorTargetKind.IotHub;
                options.IotHubName = parseResult.GetValue(hub) ?? options.IotHubName;
                options.IotHubGroupKey = key ?? options.IotHubGroupKey;
                if (string.IsNullOrWhiteSpace(options.IotHubName) || string.IsNullOrWhiteSpace(options.IotHubGroupKey))
                {
                    throw new ArgumentException("--target iothub needs --hub and --sas-key (the group enrollment key device keys derive from).");
                }

                break;
        }

        return options;
    }

    private async Task<SimulationSummary> StreamAsync(
        FleetSimulator simulator, ISimulatorTarget sender, long total, double readingsPerSecond, int perRequest, CancellationToken cancellationToken)
    {
        var summary = new SimulationSummary();
        var pending = new List<SimulatedReading>(perRequest * 2);
        var started = Stopwatch.GetTimestamp();
        await console.Ansi.Progress()
            .AutoClear(false)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn())
            .StartAsync(async context =>
            {
                var task = context.AddTask("starting", maxValue: total);
                while (summary.Sent < total)
                {
                    if (cancellationToken.IsCancellationRequested)
                    {
                        summary.Cancelled = true;
                        break;
                    }

                    while (pending.Count < perRequest)
                    {
                        pending.AddRange(simulator.NextStep());
                        foreach (var episode in simulator.LastStepEpisodes)
                        {
                            summary.Episodes[episode.Kind] = summary.Episodes.GetValueOrDefault(episode.Kind) + 1;
                        }
                    }

                    var take = (int)Math.Min(perRequest, total - summary.Sent);
                    var batch = pending.GetRange(0, take);
                    pending.RemoveRange(0, take);
                    var result = await sender.SendAsync(batch, CancellationToken.None);
                    summary.Add(batch, result);
                    summary.Seconds = Stopwatch.GetElapsedTime(started).TotalSeconds;
                    task.Value = summary.Sent;
                    task.Description = string.Create(
                        CultureInfo.InvariantCulture,
                        $"sent {summary.Sent}, refused by target {summary.BadRequests}, {summary.ReadingsPerSecond:F0} readings/s");

                    var ahead = TimeSpan.FromSeconds(summary.Sent / readingsPerSecond) - Stopwatch.GetElapsedTime(started);
                    if (ahead > TimeSpan.Zero && summary.Sent < total)
                    {
                        try
                        {
                            await Task.Delay(ahead, cancellationToken);
                        }
                        catch (OperationCanceledException)
                        {
                            summary.Cancelled = true;
                            break;
                        }
                    }
                }

                summary.Seconds = Stopwatch.GetElapsedTime(started).TotalSeconds;
            });
        return summary;
    }

    private void Render(SimulationSummary summary, string description)
    {
        var table = new Table().Border(TableBorder.Simple).Title(Markup.Escape($"simulated fleet → {description}"))
            .AddColumn(new TableColumn("figure").NoWrap())
            .AddColumn(new TableColumn("value").RightAligned())
            .AddRow("readings sent", Int(summary.Sent))
            .AddRow("requests", Int(summary.Requests))
            .AddRow("requests refused (400)", Int(summary.BadRequests))
            .AddRow("retries (429/503)", Int(summary.Retries))
            .AddRow("seconds", summary.Seconds.ToString("F2", CultureInfo.InvariantCulture))
            .AddRow("readings/s", summary.ReadingsPerSecond.ToString("F0", CultureInfo.InvariantCulture))
            .AddRow("malformed readings sent", Int(summary.Malformed));
        foreach (var (kind, count) in summary.FaultyReadings.OrderBy(static k => k.Key))
        {
            table.AddRow(Markup.Escape($"faulty readings: {kind}"), Int(count));
        }

        foreach (var (kind, count) in summary.Episodes.OrderBy(static k => k.Key))
        {
            table.AddRow(Markup.Escape($"fault episodes: {kind}"), Int(count));
        }

        console.Ansi.Write(table);
        if (summary.Cancelled)
        {
            console.Error.WriteLine("cancelled");
        }
    }

    private static string Int(long value) => value.ToString(CultureInfo.InvariantCulture);
}

/// <summary>Running totals of a simulation.</summary>
internal sealed class SimulationSummary
{
    public long Sent { get; private set; }

    public long Requests { get; private set; }

    public long BadRequests { get; private set; }

    public long Retries { get; private set; }

    public long Malformed { get; private set; }

    public double Seconds { get; set; }

    public bool Cancelled { get; set; }

    public double ReadingsPerSecond => Seconds > 0 ? Sent / Seconds : 0;

    /// <summary>Sent readings the simulator made faulty, by kind (malformed ones included).</summary>
    public SortedDictionary<FaultKind, long> FaultyReadings { get; } = [];

    /// <summary>Fault episodes started in the simulated steps (dropouts produce no readings, so they show only here).</summary>
    public SortedDictionary<FaultKind, long> Episodes { get; } = [];

    public void Add(IReadOnlyList<SimulatedReading> batch, TargetSendResult result)
    {
        Sent += result.Readings;
        Requests += result.Requests;
        BadRequests += result.BadRequests;
        Retries += result.Retries;
        foreach (var reading in batch)
        {
            if (reading.Malformed)
            {
                Malformed++;
            }

            if (reading.Fault != FaultKind.None)
            {
                FaultyReadings[reading.Fault] = FaultyReadings.GetValueOrDefault(reading.Fault) + 1;
            }
        }
    }

    public string ToJson(string target)
    {
        using var stream = new MemoryStream();
        using (var writer = new Utf8JsonWriter(stream))
        {
            writer.WriteStartObject();
            writer.WriteNumber("sent", Sent);
            writer.WriteNumber("requests", Requests);
            writer.WriteNumber("badRequests", BadRequests);
            writer.WriteNumber("retries", Retries);
            writer.WriteNumber("seconds", Math.Round(Seconds, 3));
            writer.WriteNumber("readingsPerSecond", Math.Round(ReadingsPerSecond, 1));
            writer.WriteNumber("malformed", Malformed);
            writer.WriteStartObject("faultyReadings");
            foreach (var (kind, count) in FaultyReadings)
            {
                writer.WriteNumber(JsonNamingPolicy.CamelCase.ConvertName(kind.ToString()), count);
            }

            writer.WriteEndObject();
            writer.WriteStartObject("episodes");
            foreach (var (kind, count) in Episodes)
            {
                writer.WriteNumber(JsonNamingPolicy.CamelCase.ConvertName(kind.ToString()), count);
            }

            writer.WriteEndObject();
            writer.WriteString("target", target);
            writer.WriteBoolean("cancelled", Cancelled);
            writer.WriteEndObject();
        }

        return Encoding.UTF8.GetString(stream.ToArray());
    }
}
