namespace IoTAnomaly.Cli.Tests;

/// <summary>Runs the CLI in-process with captured standard output and error.</summary>
internal static class CliRun
{
    public static async Task<(int ExitCode, string Out, string Error)> RunAsync(params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var exitCode = await Program.RunAsync(args, CliConsole.FromWriters(output, error));
        return (exitCode, output.ToString(), error.ToString());
    }

    public static string LastLine(string text)
        => text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)[^1];
}
