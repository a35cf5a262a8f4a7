using System.CommandLine;

namespace IoTAnomaly.Cli;

/// <summary>Value checks for options that run only when the value could be converted (a conversion error is reported by the parser itself).</summary>
internal static class OptionValidation
{
    /// <summary>Adds an error with <paramref name="message"/> (given the value) when <paramref name="valid"/> is false.</summary>
    public static Option<T> Require<T>(this Option<T> option, Func<T, bool> valid, Func<T, string> message)
    {
        option.Validators.Add(result =>
        {
            T value;
            try
            {
                value = result.GetValueOrDefault<T>();
            }
            catch (InvalidOperationException)
            {
                // "Cannot parse argument …": already a parse error.
                return;
            }

            if (!valid(value))
            {
                result.AddError(message(value));
            }
        });
        return option;
    }

    /// <summary>The option's value in a command validator, or default when it could not be converted (already a parse error).</summary>
    public static T? SafeValue<T>(this System.CommandLine.Parsing.CommandResult result, Option<T> option)
    {
        try
        {
            return result.GetValue(option);
        }
        catch (InvalidOperationException)
        {
            return default;
        }
    }

    /// <summary>The option's value must be at least 1.</summary>
    public static Option<int> RequirePositive(this Option<int> option)
        => option.Require(static v => v >= 1, _ => $"{option.Name} must be at least 1.");
}
