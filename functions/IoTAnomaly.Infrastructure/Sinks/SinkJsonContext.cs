using System.Text.Json.Serialization;
using IoTAnomaly.Core.Processing;

namespace IoTAnomaly.Infrastructure.Sinks;

/// <summary>Source-generated JSON of the sink documents (one compact JSON object per blob, enums as strings).</summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    WriteIndented = false,
    UseStringEnumConverter = true,
    NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(AnomalyRecord))]
[JsonSerializable(typeof(DeadLetterRecord))]
internal sealed partial class SinkJsonContext : JsonSerializerContext;
