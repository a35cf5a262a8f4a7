using System.Text;
using IoTAnomaly.Core.Detection;
using IoTAnomaly.Core.Processing;
using IoTAnomaly.Core.Telemetry;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace IoTAnomaly.Testing;

/// <summary>Builds a <see cref="TelemetryBatchHandler"/> around a <see cref="FakeDetector"/> with in-memory sinks and a fake clock.</summary>
public sealed class PipelineBuilder
{
    public static readonly string[] Sensors = ["temperature", "pressure", "vibration"];

    public static readonly DateTimeOffset Now = new(2026, 11, 22, 12, 0, 0, TimeSpan.Zero);

    public TelemetryOptions Telemetry { get; } = new();

    public ScoringOptions Scoring { get; } = new();

    public FakeTimeProvider Time { get; } = new(Now);

    public RecordingSinks Sinks { get; } = new();

    public ModelHolder Models { get; } = new();

    public bool LoadModel { get; set; } = true;

    public TelemetryBatchHandler Build()
    {
        if (LoadModel)
        {
            Models.Swap(new LoadedModel(new FakeDetector("v1", Sensors, physicalMin: -100, physicalMax: 100), "etag", Now));
        }

        return new TelemetryBatchHandler(
            Models,
            new DeviceTable(Telemetry.MaxDevices),
            new DuplicateFilter(Telemetry.DuplicateWindowSize),
            new TelemetryParser(Telemetry),
            Sinks,
            Sinks,
            [],
            Options.Create(Scoring),
            Time,
            NullLogger<TelemetryBatchHandler>.Instance);
    }

    public static string Reading(string device = "pump-001", string? messageId = "m-1", double t = 1, double p = 2, double v = 3, string? timestamp = null)
        => "{\"deviceId\":\"" + device + "\",\"timestamp\":\"" + (timestamp ?? Now.AddSeconds(-1).ToString("O")) + "\""
           + (messageId is null ? string.Empty : ",\"messageId\":\"" + messageId + "\"")
           + ",\"readings\":{\"temperature\":" + t.ToString("R", System.Globalization.CultureInfo.InvariantCulture)
           + ",\"pressure\":" + p.ToString("R", System.Globalization.CultureInfo.InvariantCulture)
           + ",\"vibration\":" + v.ToString("R", System.Globalization.CultureInfo.InvariantCulture) + "}}";

    public static TelemetryEvent Event(string body, string? systemDeviceId = null, long? sequence = null)
        => new(Encoding.UTF8.GetBytes(body), systemDeviceId, sequence);
}
