using IoTAnomaly.Core.Detection;
using IoTAnomaly.Core.Telemetry;

namespace IoTAnomaly.Core.Processing;

/// <summary>One scored reading of a predict request.</summary>
public sealed record PredictedReading(
    string DeviceId,
    string MessageId,
    DateTimeOffset? Timestamp,
    double Score,
    double T2,
    double Q,
    bool IsAnomaly,
    string Severity,
    IReadOnlyDictionary<string, double> Contributions,
    IReadOnlyList<string> Quality);

/// <summary>Why one reading of a predict request is invalid (<see cref="Reason"/> is a <see cref="RejectReason"/> code).</summary>
public sealed record PredictionError(int Index, string Reason, string Detail, string? DeviceId);

/// <summary>What a predict request amounts to.</summary>
public enum PredictionStatus
{
    /// <summary>Every reading was scored: answer 200 with <see cref="PredictionResponse"/>.</summary>
    Scored,

    /// <summary>At least one reading is invalid (nothing is returned as scored): answer 400 with the reasons.</summary>
    Invalid,

    /// <summary>No champion model is loaded: answer 503.</summary>
    NoModel,
}

/// <summary>The answer of <c>POST /api/predict</c> when every reading was scored.</summary>
public sealed record PredictionResponse(string ModelVersion, int Count, IReadOnlyList<PredictedReading> Results)
{
    /// <summary>
    /// Maps a batch that <see cref="TelemetryBatchHandler.Process"/> filled (ad hoc: <c>updateState: false,
    /// deduplicate: false</c>) and the model it returned to the predict outcome. Pure: every host (the Functions
    /// <c>Predict</c> function, the local host) answers the same way from it.
    /// </summary>
    public static PredictionOutcome From(ReadingBatch batch, LoadedModel? model)
    {
        ArgumentNullException.ThrowIfNull(batch);
        if (model is null)
        {
            return new PredictionOutcome(PredictionStatus.NoModel, null, []);
        }

        var errors = new List<PredictionError>();
        for (var row = 0; row < batch.Count; row++)
        {
            var reason = batch.Reasons[row];
            if (reason != RejectReason.None)
            {
                errors.Add(new PredictionError(row, reason.ToCode(), batch.Details[row] ?? reason.ToCode(), batch.GetDeviceId(row)));
            }
        }

        if (batch.Count == 0)
        {
            errors.Add(new PredictionError(0, RejectReason.InvalidShape.ToCode(), "The request holds no readings.", null));
        }

        if (errors.Count > 0)
        {
            return new PredictionOutcome(PredictionStatus.Invalid, null, errors);
        }

        var names = SensorSchema.For(model.Detector).Names;
        var results = new List<PredictedReading>(batch.Count);
        for (var row = 0; row < batch.Count; row++)
        {
            var score = batch.Scores[row];
            var contributions = batch.GetContributions(row);
            var map = new Dictionary<string, double>(names.Length, StringComparer.Ordinal);
            for (var s = 0; s < names.Length; s++)
            {
                map[names[s]] = Math.Round(contributions[s], 6);
            }

            results.Add(new PredictedReading(
                batch.GetDeviceId(row) ?? string.Empty,
                batch.GetMessageId(row),
                batch.GetTimestamp(row),
                score.Score,
                score.T2,
                score.Q,
                score.IsAnomaly,
                score.Severity.ToString(),
                map,
                QualityNames(batch.Quality[row])));
        }

        return new PredictionOutcome(PredictionStatus.Scored, new PredictionResponse(model.Version, results.Count, results), []);
    }

    private static List<string> QualityNames(QualityFlags flags)
    {
        var names = new List<string>(2);
        foreach (var flag in Enum.GetValues<QualityFlags>())
        {
            if (flag != QualityFlags.None && flags.HasFlag(flag))
            {
                names.Add(flag.ToString());
            }
        }

        return names;
    }
}

/// <summary>The outcome of a predict request: the status, the response when scored, the errors when invalid.</summary>
public sealed record PredictionOutcome(PredictionStatus Status, PredictionResponse? Response, IReadOnlyList<PredictionError> Errors)
{
    /// <summary>The distinct reason codes of <see cref="Errors"/>, in first-seen order.</summary>
    public IReadOnlyList<string> ReasonCodes => Errors.Select(e => e.Reason).Distinct(StringComparer.Ordinal).ToArray();
}
