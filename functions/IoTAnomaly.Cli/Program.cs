using System.CommandLine;
using IoTAnomaly.Cli.Commands;

namespace IoTAnomaly.Cli;

/// <summary>The <c>iotanomaly</c> command line: the root command and one registration line per verb.</summary>
internal static class Program
{
    public static Task<int> Main(string[] args) => RunAsync(args, CliConsole.FromSystemConsole());

    /// <summary>Parses and runs <paramref name="args"/> against <paramref name="console"/> (in-process for tests).</summary>
    internal static Task<int> RunAsync(string[] args, CliConsole console, CancellationToken cancellationToken = default)
    {
        var root = new RootCommand("IoTAnomaly: anomaly detection for streaming IoT sensor telemetry.");
        root.Subcommands.Add(new EvaluateCommand(console));
        return root.Parse(args).InvokeAsync(console.InvocationConfiguration, cancellationToken);
    }
}
