using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using IoTAnomaly.Cli.Benchmarking;

namespace IoTAnomaly.Cli.Commands;

/// <summary>
/// <c>iotanomaly bench drift [--devices 1000] [--hours 24] [--json]</c>: one drift check over hourly sketch roll-ups
/// (<see cref="DriftBench"/>): decode, merge, KS/PSI/JSD per sensor, fleet-wide and per device.
/// </summary>
internal sealed class DriftBenchCommand : Command
{
    private readonly CliConsole console;

    private readonly Option<int> devices = new("--devices") { Description = "Devices in the sketches.", DefaultValueFactory = _ => 1000 };

    private readonly Option<int> hours = new("--hours") { Description = "Hours of sketches (one roll-up per hour).", DefaultValueFactory = _ => 24 };

    private readonly Option<bool> json = new("--json") { Description = "Print the figures as one JSON object on the last line." };

    public DriftBenchCommand(CliConsole console)
        : base("drift", "Time one drift check over devices × 8 sensors × hours of sketches (storage I/O excluded).")
    {
        this.console = console;
        Options.Add(devices.Require(static n => n >= 1, static _ => "--devices must be at least 1."));
        Options.Add(hours.Require(static n => n >= 1, static _ => "--hours must be at least 1."));
        Options.Add(json);
        SetAction(Run);
    }

    private int Run(ParseResult parseResult)
    {
        var result = DriftBench.Run(parseResult.GetValue(devices), parseResult.GetValue(hours));
        console.Out.WriteLine(string.Create(
            CultureInfo.InvariantCulture,
            $"drift check: {result.Devices:N0} devices × {result.Sensors} sensors × {result.Hours} h ({result.Readings:N0} readings, {result.EncodedBytes:N0} bytes of sketches): decode {result.DecodeSeconds:F3} s + evaluate {result.EvaluateSeconds:F3} s = {result.TotalSeconds:F3} s; verdict {result.Verdict}, {result.DriftedDevices} drifted devices listed"));
        if (parseResult.GetValue(json))
        {
            console.Out.WriteLine(JsonSerializer.Serialize(
                new
                {
                    seconds = result.TotalSeconds,
                    decodeSeconds = result.DecodeSeconds,
                    evaluateSeconds = result.EvaluateSeconds,
                    devices = result.Devices,
                    sensors = result.Sensors,
                    hours = result.Hours,
                    readings = result.Readings,
                    encodedBytes = result.EncodedBytes,
                    verdict = result.Verdict,
                    driftedDevices = result.DriftedDevices,
                }));
        }

        return 0;
    }
}
