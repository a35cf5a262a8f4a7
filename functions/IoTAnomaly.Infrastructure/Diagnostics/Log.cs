using Microsoft.Extensions.Logging;

namespace IoTAnomaly.Infrastructure.Diagnostics;

/// <summary>
/// Every log message of the Infrastructure assembly (event ids 2000–2999).
/// Storage 2000–2009, model registry 2010–2019, champion loader 2020–2039.
/// </summary>
internal static partial class Log
{
    [LoggerMessage(EventId = 2000, Level = LogLevel.Information, Message = "Blob containers ready: {Containers}")]
    public static partial void ContainersReady(ILogger logger, string containers);

    [LoggerMessage(EventId = 2001, Level = LogLevel.Warning, Message = "Could not create the Blob containers at start; they are created on first use instead")]
    public static partial void ContainersNotCreated(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 2010, Level = LogLevel.Information, Message = "Registered model {Model} version {Version} ({Bytes} bytes, sha256 {Sha256}) by {Actor}")]
    public static partial void ModelRegistered(ILogger logger, string model, string version, int bytes, string sha256, string actor);

    [LoggerMessage(EventId = 2011, Level = LogLevel.Information, Message = "Model {Model} {Action}: {PreviousVersion} -> {Version} by {Actor} ({Reason})")]
    public static partial void PointerChanged(ILogger logger, string model, string action, string? previousVersion, string version, string actor, string reason);

    [LoggerMessage(EventId = 2012, Level = LogLevel.Warning, Message = "Model {Model} {Action} to {Version} lost a race: the {Role} pointer changed since it was read")]
    public static partial void PointerConflict(ILogger logger, string model, string action, string version, string role);

    [LoggerMessage(EventId = 2020, Level = LogLevel.Information, Message = "Loaded champion of model {Model}: version {Version} (previous {PreviousVersion})")]
    public static partial void ChampionSwapped(ILogger logger, string model, string version, string? previousVersion);

    [LoggerMessage(EventId = 2021, Level = LogLevel.Error, Message = "Could not load champion {Version} of model {Model}; keeping {KeptVersion}: {Error}")]
    public static partial void ChampionLoadFailed(ILogger logger, string model, string version, string? keptVersion, string error, Exception? exception);

    [LoggerMessage(EventId = 2022, Level = LogLevel.Warning, Message = "Model {Model} has no champion yet")]
    public static partial void NoChampion(ILogger logger, string model);

    [LoggerMessage(EventId = 2023, Level = LogLevel.Warning, Message = "Could not read the champion pointer of model {Model}; keeping {KeptVersion}")]
    public static partial void PollFailed(ILogger logger, string model, string? keptVersion, Exception exception);

    [LoggerMessage(EventId = 2024, Level = LogLevel.Debug, Message = "Champion pointer {ETag} of model {Model} failed to load before; next retry at {RetryAt}")]
    public static partial void RetryDeferred(ILogger logger, string model, string etag, DateTimeOffset retryAt);
}
