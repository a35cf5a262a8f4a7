using System.Globalization;

namespace IoTAnomaly.LocalHost.Hosting;

/// <summary>
/// The local host's own switches, taken out of the arguments before ASP.NET Core sees them and mapped to configuration:
/// <c>--duration &lt;seconds&gt;</c> → <c>LocalHost:DurationSeconds</c>, <c>--no-simulator</c> → <c>LocalHost:Simulator=false</c>.
/// Everything else (<c>--urls</c>, <c>--Section:Key=value</c>) is handed on unchanged.
/// </summary>
public static class CommandLine
{
    /// <summary>Returns the arguments for the builder, with the local host's switches rewritten as configuration.</summary>
    /// <exception cref="ArgumentException">A switch has a missing or invalid value.</exception>
    public static string[] Translate(string[] args)
    {
        ArgumentNullException.ThrowIfNull(args);
        var result = new List<string>(args.Length + 2);
        for (var i = 0; i < args.Length; i++)
        {
            var arg = args[i];
            if (arg is "--no-simulator")
            {
                result.Add("--LocalHost:Simulator=false");
            }
            else if (arg is "--duration" || arg.StartsWith("--duration=", StringComparison.Ordinal))
            {
                string? value = arg.Length > "--duration".Length ? arg["--duration=".Length..] : (i + 1 < args.Length ? args[++i] : null);
                if (value is null || !double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds) || !(seconds > 0) || !double.IsFinite(seconds))
                {
                    throw new ArgumentException($"--duration needs a positive number of seconds, got '{value}'.", nameof(args));
                }

                result.Add("--LocalHost:DurationSeconds=" + seconds.ToString("R", CultureInfo.InvariantCulture));
            }
            else
            {
                result.Add(arg);
            }
        }

        return [.. result];
    }
}
