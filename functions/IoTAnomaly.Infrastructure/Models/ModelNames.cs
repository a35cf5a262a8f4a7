using System.Text.RegularExpressions;

namespace IoTAnomaly.Infrastructure.Models;

/// <summary>
/// Validates model and version names before they become blob paths: 1–64 characters of lower-case letters, digits,
/// dashes and dots, starting and ending with a letter or digit, no "..". So no name can escape its folder or
/// collide with the registry's own files.
/// </summary>
public static partial class ModelNames
{
    public const int MaxLength = 64;

    private static readonly string[] ReservedVersions = ["champion.json", "challenger.json", "audit.ndjson"];

    public static bool IsValid(string? name)
        => name is { Length: > 0 and <= MaxLength } && NamePattern().IsMatch(name) && !name.Contains("..", StringComparison.Ordinal);

    /// <exception cref="ArgumentException">The model name is not valid.</exception>
    public static void ThrowIfInvalidModel(string? model, string parameterName = "model")
    {
        if (!IsValid(model))
        {
            throw new ArgumentException(Describe("model name", model), parameterName);
        }
    }

    /// <exception cref="ArgumentException">The version is not valid.</exception>
    public static void ThrowIfInvalidVersion(string? version, string parameterName = "version")
    {
        if (!IsValid(version) || ReservedVersions.Contains(version, StringComparer.Ordinal))
        {
            throw new ArgumentException(Describe("model version", version), parameterName);
        }
    }

    private static string Describe(string what, string? value)
        => $"Invalid {what} '{Truncate(value)}': use 1–{MaxLength} lower-case letters, digits, '-' and '.', " +
           "starting and ending with a letter or digit, without '..'.";

    private static string Truncate(string? value)
        => value is null ? "(null)" : value.Length <= 80 ? value : string.Concat(value.AsSpan(0, 80), "…");

    [GeneratedRegex("^[a-z0-9](?:[a-z0-9.-]*[a-z0-9])?$", RegexOptions.CultureInvariant)]
    private static partial Regex NamePattern();
}
