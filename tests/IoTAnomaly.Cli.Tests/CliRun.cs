using IoTAnomaly.Cli.Hosting;

namespace IoTAnomaly.Cli.Tests;

/// <summary>Runs the CLI in-process with captured standard output and error.</summary>
internal static class CliRun
{
    public static Task<(int ExitCode, string Out, string Error)> RunAsync(params string[] args) => RunAsync(new CliHost(), args);

    /// <summary>Runs with configuration overrides (e.g. <c>Storage:ConnectionString</c> of the test's Azurite).</summary>
    public static async Task<(int ExitCode, string Out, string Error)> RunAsync(CliHost host, params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var exitCode = await Program.RunAsync(args, CliConsole.FromWriters(output, error), host);
        return (exitCode, output.ToString(), error.ToString());
    }

    public static string LastLine(string text)
        => text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)[^1];

    /// <summary>A new empty folder under the test run's directory.</summary>
    public static string TempFolder(TestContext context)
    {
        var folder = Path.Combine(context.TestRunDirectory ?? Path.GetTempPath(), "cli-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(folder);
        return folder;
    }
}
