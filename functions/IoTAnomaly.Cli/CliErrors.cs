using Azure;
using IoTAnomaly.Core.Models;
using Microsoft.Extensions.Options;

namespace IoTAnomaly.Cli;

/// <summary>Exit codes shared by every verb, and the one place that turns an exception into a message and a code.</summary>
public static class CliErrors
{
    /// <summary>The verb failed (bad input, missing model, storage error).</summary>
    public const int Failure = 1;

    /// <summary>A registry pointer changed under a conditional write (another promotion won), or the version exists.</summary>
    public const int Conflict = 2;

    /// <summary>Cancelled (Ctrl+C).</summary>
    public const int Cancelled = 130;

    /// <summary>
    /// Writes a one-line, clear message for <paramref name="exception"/> to standard error and returns the exit code,
    /// or returns null for exceptions that are bugs (they propagate with their stack trace).
    /// </summary>
    public static int? Report(Exception exception, CliConsole console)
    {
        ArgumentNullException.ThrowIfNull(exception);
        ArgumentNullException.ThrowIfNull(console);
        switch (exception)
        {
            case OperationCanceledException:
                console.Error.WriteLine("cancelled");
                return Cancelled;
            case ModelRegistryConflictException conflict:
                console.Error.WriteLine($"conflict: {conflict.Message}");
                return Conflict;
            case ModelNotFoundException notFound:
                console.Error.WriteLine($"error: {notFound.Message}");
                return Failure;
            case OptionsValidationException options:
                console.Error.WriteLine($"error: configuration: {string.Join(" ", options.Failures)}");
                return Failure;
            case RequestFailedException request:
                console.Error.WriteLine($"error: storage answered {request.Status} {request.ErrorCode}: {FirstLine(request.Message)}");
                return Failure;
            case AggregateException aggregate when aggregate.InnerExceptions.Any(static e => e is RequestFailedException or HttpRequestException or TimeoutException):
                // The Azure SDK's "retry failed after N tries": storage is unreachable.
                console.Error.WriteLine(
                    $"error: storage is unreachable ({FirstLine(aggregate.InnerExceptions[^1].Message)}). " +
                    "Start Azurite or set Storage__ConnectionString / Storage__BlobServiceUri.");
                return Failure;
            case HttpRequestException or IOException or UnauthorizedAccessException or InvalidDataException or FormatException
                or ArgumentException or InvalidOperationException or TimeoutException:
                console.Error.WriteLine($"error: {exception.Message}");
                return Failure;
            default:
                return null;
        }
    }

    private static string FirstLine(string text)
    {
        var end = text.IndexOfAny(['\r', '\n']);
        return end < 0 ? text : text[..end];
    }
}
