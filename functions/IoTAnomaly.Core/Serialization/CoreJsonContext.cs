using System.Text.Json.Serialization;
using IoTAnomaly.Core.Models;

namespace IoTAnomaly.Core.Serialization;

/// <summary>Source-generated JSON for every document Core reads or writes.</summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    WriteIndented = true,
    NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(ModelManifest))]
[JsonSerializable(typeof(ModelPointer))]
[JsonSerializable(typeof(AuditEntry))]
[JsonSerializable(typeof(List<AuditEntry>))]
[JsonSerializable(typeof(Drift.DriftReport))]
[JsonSerializable(typeof(Drift.DriftSketchSet))]
[JsonSerializable(typeof(Retraining.RetrainingRun))]
[JsonSerializable(typeof(Retraining.RetrainingRequest))]
[JsonSerializable(typeof(Retraining.TrainingWindowRef))]
[JsonSerializable(typeof(Retraining.ChallengerRef))]
[JsonSerializable(typeof(Retraining.EvaluationResult))]
[JsonSerializable(typeof(Retraining.RetrainingOutcome))]
[JsonSerializable(typeof(Retraining.ApprovalDecision))]
[JsonSerializable(typeof(string))]
public sealed partial class CoreJsonContext : JsonSerializerContext;
