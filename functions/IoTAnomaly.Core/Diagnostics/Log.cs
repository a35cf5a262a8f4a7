using Microsoft.Extensions.Logging;

namespace IoTAnomaly.Core;

/// <summary>Core's log messages. Event ids 1000–1999.</summary>
internal static partial class Log
{
    [LoggerMessage(EventId = 1001, Level = LogLevel.Warning, Message = "Writing to the {Sink} sink failed (attempt {Attempt}); retrying")]
    public static partial void SinkWriteRetry(ILogger logger, string sink, int attempt, Exception exception);
}
