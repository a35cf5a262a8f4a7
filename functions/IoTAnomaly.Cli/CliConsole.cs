using System.CommandLine;
using Spectre.Console;

namespace IoTAnomaly.Cli;

/// <summary>
/// Where a verb writes: <see cref="Ansi"/> for human output (tables, progress), <see cref="Out"/> for machine output
/// such as the closing JSON line (never wrapped or styled), <see cref="Error"/> for errors.
/// </summary>
public sealed class CliConsole
{
    /// <summary>Table width used when output does not go to a terminal.</summary>
    public const int RedirectedWidth = 160;

    private CliConsole(IAnsiConsole ansi, TextWriter output, TextWriter error)
    {
        Ansi = ansi;
        Out = output;
        Error = error;
        InvocationConfiguration = new InvocationConfiguration { Output = output, Error = error };
    }

    /// <summary>Human output.</summary>
    public IAnsiConsole Ansi { get; }

    /// <summary>Plain standard output.</summary>
    public TextWriter Out { get; }

    /// <summary>Plain standard error.</summary>
    public TextWriter Error { get; }

    /// <summary>System.CommandLine's writers (help, parse errors) pointed at the same streams.</summary>
    public InvocationConfiguration InvocationConfiguration { get; }

    /// <summary>The process console.</summary>
    public static CliConsole FromSystemConsole()
    {
        var ansi = AnsiConsole.Console;
        if (Console.IsOutputRedirected)
        {
            // Redirected output has no terminal width; keep tables on one line per row.
            ansi.Profile.Width = RedirectedWidth;
        }

        return new CliConsole(ansi, Console.Out, Console.Error);
    }

    /// <summary>A non-interactive, colourless console over the given writers (tests, redirection).</summary>
    public static CliConsole FromWriters(TextWriter output, TextWriter error)
    {
        var ansi = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Ansi = AnsiSupport.No,
            ColorSystem = ColorSystemSupport.NoColors,
            Interactive = InteractionSupport.No,
            Out = new AnsiConsoleOutput(output),
        });
        ansi.Profile.Width = RedirectedWidth;
        return new CliConsole(ansi, output, error);
    }
}
