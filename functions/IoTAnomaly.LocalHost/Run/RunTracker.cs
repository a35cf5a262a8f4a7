using IoTAnomaly.Core.Processing;
using IoTAnomaly.Core.Simulation;
using IoTAnomaly.LocalHost.Ingest;

namespace IoTAnomaly.LocalHost.Run;

/// <summary>The main job's last line: one JSON object. <c>Received == Scored + Rejected</c> always.</summary>
/// <param name="Received">Readings (and unparseable body parts) the handler finished.</param>
/// <param name="Scored">Readings scored.</param>
/// <param name="Rejected">Readings rejected with a reason (dead-lettered).</param>
/// <param name="Anomalies">Readings flagged as anomalies.</param>
/// <param name="InjectedFaults">Readings the simulator made faulty (spike, level shift, stuck sensor, slow drift) and the ingest accepted.</param>
/// <param name="DetectedFaults">Injected faulty readings flagged as anomalies.</param>
/// <param name="FalseAlarms">Anomalies on readings the simulator did not make faulty.</param>
/// <param name="FaultEpisodes">Fault episodes with at least one accepted reading.</param>
/// <param name="DetectedEpisodes">Episodes with at least one reading flagged.</param>
/// <param name="FaultRecall">DetectedEpisodes / FaultEpisodes (1 when there were none).</param>
/// <param name="ReadingRecall">DetectedFaults / InjectedFaults (1 when there were none).</param>
/// <param name="Sent">Readings the simulator sent and the ingest accepted.</param>
/// <param name="ModelVersion">The champion the run started with.</param>
public sealed record RunSummary(
    long Received,
    long Scored,
    long Rejected,
    long Anomalies,
    long InjectedFaults,
    long DetectedFaults,
    long FalseAlarms,
    long FaultEpisodes,
    long DetectedEpisodes,
    double FaultRecall,
    double ReadingRecall,
    long Sent,
    double DurationSeconds,
    double ReadingsPerSecond,
    string? ModelVersion)
{
    /// <summary>False when the host was stopped before every accepted reading was processed (the counts are then partial, but still consistent).</summary>
    public bool Drained { get; init; } = true;

    /// <summary>Whether any drift check during the run found drift.</summary>
    public bool DriftDetected { get; init; }

    /// <summary>Drift checks run during the run.</summary>
    public int DriftChecks { get; init; }

    /// <summary>Retraining runs that finished during the run (any outcome).</summary>
    public int Retrainings { get; init; }

    /// <summary>Retraining runs that promoted their challenger.</summary>
    public int Promoted { get; init; }

    /// <summary>The champion serving at the end (<see cref="ModelVersion"/> stays the one the run started with).</summary>
    public string? ChampionVersion { get; init; }

    /// <summary>Fault episodes and detected episodes by fault kind (camel-case kind names).</summary>
    public IReadOnlyDictionary<string, EpisodeCounts> EpisodesByKind { get; init; } = new Dictionary<string, EpisodeCounts>();
}

/// <summary>Fault episodes of one kind, and how many of them had at least one reading flagged.</summary>
public sealed record EpisodeCounts(int Episodes, int Detected);

/// <summary>
/// Ground truth of a simulated run: which readings the simulator made faulty (by device id + message id, the anomaly
/// key) and in which episode, matched against the anomalies the workers produced. Readings are registered before
/// they are sent and withdrawn if the ingest did not accept them, so every anomaly is classified against what was
/// really sent.
/// </summary>
public sealed class RunTracker : IBatchCompletionObserver
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, int> _faultyReadings = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int> _currentEpisode = new(StringComparer.Ordinal);
    private readonly List<EpisodeState> _episodes = [];
    private readonly HashSet<string> _detected = new(StringComparer.Ordinal);
    private long _falseAlarms;
    private long _sent;

    /// <summary>Notes the episodes that started in the simulator's last step.</summary>
    public void OnEpisodes(IReadOnlyList<FaultEpisode> episodes)
    {
        ArgumentNullException.ThrowIfNull(episodes);
        lock (_gate)
        {
            foreach (var episode in episodes)
            {
                if (episode.Kind is FaultKind.Dropout or FaultKind.Malformed or FaultKind.None)
                {
                    continue;
                }

                _episodes.Add(new EpisodeState(episode.DeviceId, episode.Kind));
                _currentEpisode[episode.DeviceId] = _episodes.Count - 1;
            }
        }
    }

    /// <summary>Registers readings about to be sent.</summary>
    public void Register(IReadOnlyList<SimulatedReading> readings)
    {
        ArgumentNullException.ThrowIfNull(readings);
        lock (_gate)
        {
            foreach (var reading in readings)
            {
                if (!reading.IsFaulty || reading.Malformed)
                {
                    continue;
                }

                if (!_currentEpisode.TryGetValue(reading.DeviceId, out var index) || _episodes[index].Kind != reading.Fault)
                {
                    _episodes.Add(new EpisodeState(reading.DeviceId, reading.Fault));
                    index = _episodes.Count - 1;
                    _currentEpisode[reading.DeviceId] = index;
                }

                _faultyReadings[Key(reading)] = index;
                _episodes[index].Readings++;
            }
        }
    }

    /// <summary>Marks registered readings as sent (the ingest accepted them).</summary>
    public void Accepted(int count) => Interlocked.Add(ref _sent, count);

    /// <summary>Withdraws readings the ingest did not accept (the run stopped while they were being sent).</summary>
    public void Withdraw(IReadOnlyList<SimulatedReading> readings)
    {
        ArgumentNullException.ThrowIfNull(readings);
        lock (_gate)
        {
            foreach (var reading in readings)
            {
                if (_faultyReadings.Remove(Key(reading), out var index))
                {
                    _episodes[index].Readings--;
                }
            }
        }
    }

    public void OnBatchCompleted(int partition, BatchResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        if (result.Anomalies.Count == 0)
        {
            return;
        }

        lock (_gate)
        {
            foreach (var anomaly in result.Anomalies)
            {
                if (_faultyReadings.TryGetValue(anomaly.Key, out var index))
                {
                    if (_detected.Add(anomaly.Key))
                    {
                        _episodes[index].Detected++;
                    }
                }
                else
                {
                    _falseAlarms++;
                }
            }
        }
    }

    /// <summary>The summary over the finished counters of <paramref name="stats"/>.</summary>
    public RunSummary Summarize(IngestSnapshot stats, string? modelVersion, TimeSpan duration)
    {
        ArgumentNullException.ThrowIfNull(stats);
        lock (_gate)
        {
            var injected = _episodes.Sum(e => (long)e.Readings);
            var episodes = _episodes.Count(e => e.Readings > 0);
            var detectedEpisodes = _episodes.Count(e => e.Readings > 0 && e.Detected > 0);
            var seconds = Math.Max(duration.TotalSeconds, 1e-9);
            return new RunSummary(
                stats.Received,
                stats.Scored,
                stats.Rejected,
                stats.Anomalies,
                injected,
                _detected.Count,
                _falseAlarms,
                episodes,
                detectedEpisodes,
                episodes == 0 ? 1 : Math.Round((double)detectedEpisodes / episodes, 4),
                injected == 0 ? 1 : Math.Round((double)_detected.Count / injected, 4),
                Interlocked.Read(ref _sent),
                Math.Round(duration.TotalSeconds, 3),
                Math.Round(stats.Received / seconds, 1),
                modelVersion)
            {
                EpisodesByKind = _episodes.Where(e => e.Readings > 0)
                    .GroupBy(e => e.Kind)
                    .OrderBy(g => g.Key)
                    .ToDictionary(
                        g => System.Text.Json.JsonNamingPolicy.CamelCase.ConvertName(g.Key.ToString()),
                        g => new EpisodeCounts(g.Count(), g.Count(e => e.Detected > 0)),
                        StringComparer.Ordinal),
            };
        }
    }

    private static string Key(SimulatedReading reading) => reading.DeviceId + "/" + reading.MessageId;

    private sealed class EpisodeState(string deviceId, FaultKind kind)
    {
        public string DeviceId { get; } = deviceId;

        public FaultKind Kind { get; } = kind;

        public int Readings { get; set; }

        public int Detected { get; set; }
    }
}
