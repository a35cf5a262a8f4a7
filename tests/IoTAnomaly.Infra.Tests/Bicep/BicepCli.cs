using System.Diagnostics;
using System.Reflection;
using System.Runtime.InteropServices;
using System.Text.RegularExpressions;

namespace IoTAnomaly.Infra.Tests.Bicep;

/// <summary>The outcome of one Bicep CLI invocation.</summary>
/// <param name="ExitCode">The process exit code.</param>
/// <param name="StandardOutput">Everything written to stdout (the ARM JSON for <c>--stdout</c>).</param>
/// <param name="StandardError">Everything written to stderr, where Bicep reports diagnostics.</param>
public sealed record BicepResult(int ExitCode, string StandardOutput, string StandardError)
{
    /// <summary>Diagnostic lines (<c>file(line,col) : Error|Warning|Info code: message</c>) in either stream.</summary>
    public IReadOnlyList<string> Diagnostics { get; } =
        (StandardError + "\n" + StandardOutput)
            .Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Where(line => BicepCli.DiagnosticLine().IsMatch(line))
            .ToArray();

    /// <summary>A readable summary for assertion messages.</summary>
    public string Describe() =>
        $"exit code {ExitCode}; diagnostics:{Environment.NewLine}{string.Join(Environment.NewLine, Diagnostics)}{Environment.NewLine}stderr:{Environment.NewLine}{StandardError}";
}

/// <summary>Runs the Bicep CLI that the NuGet package Azure.Bicep.CommandLine.linux-x64 provides.</summary>
/// <remarks>The project file resolves the executable's path at build time and stores it, with the repository root,
/// in <see cref="AssemblyMetadataAttribute"/>s of this assembly.</remarks>
public static partial class BicepCli
{
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(3);

    /// <summary>The absolute path of the bicep executable from the NuGet package.</summary>
    public static string ExecutablePath { get; } = ReadMetadata("BicepExecutable");

    /// <summary>The repository root (the folder holding IoTAnomaly.Functions.sln).</summary>
    public static string RepositoryRoot { get; } = ReadMetadata("RepositoryRoot");

    /// <summary>The infra-bicep folder.</summary>
    public static string InfraDirectory => Path.Combine(RepositoryRoot, "infra-bicep");

    /// <summary>Whether this machine can run the linux-x64 executable at all.</summary>
    public static bool IsSupportedPlatform =>
        RuntimeInformation.IsOSPlatform(OSPlatform.Linux) && RuntimeInformation.OSArchitecture == Architecture.X64;

    /// <summary>Matches one diagnostic line of the Bicep CLI.</summary>
    [GeneratedRegex(@"\(\d+,\d+\)\s*:\s*(Error|Warning|Info)\s", RegexOptions.CultureInvariant)]
    public static partial Regex DiagnosticLine();

    /// <summary>Marks the test inconclusive on machines where the linux-x64 CLI cannot run.</summary>
    public static void RequireSupportedPlatform()
    {
        if (!IsSupportedPlatform)
        {
            Assert.Inconclusive("The Bicep CLI package used here is linux-x64 only; this check runs on Linux x64 (CI and the build machines).");
        }
    }

    /// <summary>Runs <c>bicep</c> with the given arguments in <paramref name="workingDirectory"/> and waits for it.</summary>
    public static BicepResult Run(string workingDirectory, params string[] arguments)
    {
        RequireSupportedPlatform();
        Assert.IsTrue(File.Exists(ExecutablePath), $"Bicep CLI not found at '{ExecutablePath}' (restore the test project).");

        var startInfo = new ProcessStartInfo(ExecutablePath)
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            startInfo.ArgumentList.Add(argument);
        }

        // No update checks or telemetry, so the run needs no network.
        startInfo.Environment["BICEP_TELEMETRY_ENABLED"] = "false";
        startInfo.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";

        using var process = Process.Start(startInfo) ?? throw new InvalidOperationException("Could not start " + ExecutablePath);
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(Timeout))
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail($"bicep {string.Join(' ', arguments)} did not finish within {Timeout}.");
        }

        process.WaitForExit();
        return new BicepResult(process.ExitCode, stdout.GetAwaiter().GetResult(), stderr.GetAwaiter().GetResult());
    }

    private static string ReadMetadata(string key) =>
        typeof(BicepCli).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
            .SingleOrDefault(attribute => attribute.Key == key)?.Value
        ?? throw new InvalidOperationException($"Assembly metadata '{key}' is missing; it is written by IoTAnomaly.Infra.Tests.csproj.");
}
