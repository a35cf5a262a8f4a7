using System.Text.Json.Serialization;

namespace IoTAnomaly.Core.Evaluation;

/// <summary>
/// Source-generated JSON for evaluation reports: camelCase (<c>f1</c>, <c>far</c>, <c>mar</c>, <c>nabStandard</c>,
/// <c>nabLowFp</c>, <c>nabLowFn</c>, …), compact (one line), nulls left out.
/// </summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    WriteIndented = false,
    NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(SkabEvaluationReport))]
public sealed partial class EvaluationJsonContext : JsonSerializerContext;
