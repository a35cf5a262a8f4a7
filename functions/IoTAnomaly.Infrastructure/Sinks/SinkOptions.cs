using System.ComponentModel.DataAnnotations;

namespace IoTAnomaly.Infrastructure.Sinks;

/// <summary>Section <c>Sinks</c>: how the Blob anomaly and dead-letter sinks write.</summary>
public sealed class SinkOptions
{
    public const string SectionName = "Sinks";

    /// <summary>Most blob uploads of one batch in flight at once (per sink call).</summary>
    [Range(1, 256)]
    public int MaxParallelWrites { get; set; } = 16;

    /// <summary>Most records in one anomaly or dead-letter page blob (a larger write is split into pages).</summary>
    [Range(1, 1_000_000)]
    public int MaxPageRecords { get; set; } = 10_000;
}
