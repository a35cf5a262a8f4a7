using System.CommandLine;
using IoTAnomaly.Cli.Commands;
using IoTAnomaly.Cli.Hosting;

namespace IoTAnomaly.Cli;

/// <summary>The <c>iotanomaly</c> command line: the root command and one registration line per verb.</summary>
internal static class Program
{
    public static Task<int> Main(string[] args) => RunAsync(args, CliConsole.FromSystemConsole());

    /// <summary>Parses and runs <paramref name="args"/> against <paramref name="console"/> (in-process for tests).</summary>
    internal static Task<int> RunAsync(string[] args, CliConsole console, CancellationToken cancellationToken = default)
        => RunAsync(args, console, new CliHost(), cancellationToken);

    /// <summary>As above, with the host composition given (tests pass configuration overrides such as their Azurite).</summary>
    internal static Task<int> RunAsync(string[] args, CliConsole console, CliHost host, CancellationToken cancellationToken = default)
    {
        var root = new RootCommand("IoTAnomaly: anomaly detection for streaming IoT sensor telemetry.");
        root.Subcommands.Add(new EvaluateCommand(console));
        root.Subcommands.Add(new TrainCommand(console, host));
        root.Subcommands.Add(new ModelsCommand(console, host));
        root.Subcommands.Add(new ScoreCommand(console, host));
        root.Subcommands.Add(new BenchCommand(console));
        root.Subcommands.Add(new SimulateCommand(console, host));
        return root.Parse(args).InvokeAsync(console.InvocationConfiguration, cancellationToken);
    }
}
