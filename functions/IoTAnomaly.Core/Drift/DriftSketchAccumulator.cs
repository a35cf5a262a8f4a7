using IoTAnomaly.Core.Detection;
using IoTAnomaly.Core.Processing;
using IoTAnomaly.Core.Telemetry;

namespace IoTAnomaly.Core.Drift;

/// <summary>
/// Builds drift sketches from every scored batch (an <see cref="IScoredBatchObserver"/> of the batch handler).
/// <see cref="TakeSnapshot"/> hands over the current window and starts a new one; a flusher stores snapshots.
/// </summary>
public sealed class DriftSketchAccumulator(TimeProvider time) : IScoredBatchObserver
{
    private readonly Lock _gate = new();
    private DriftSketchSet? _current;
    private BinFinder[] _finders = [];

    // Bumped whenever a new window starts, so rows cached on device entries for an older window are ignored.
    private long _generation = 1;

    public void OnScored(ReadingBatch batch, LoadedModel? model)
    {
        ArgumentNullException.ThrowIfNull(batch);
        if (model is null || batch.ScoredCount == 0)
        {
            return;
        }

        lock (_gate)
        {
            if (_current is null || !string.Equals(_current.ModelVersion, model.Version, StringComparison.Ordinal))
            {
                _current = DriftSketchSet.Empty(model.Manifest, model.Detector.Sensors, time.GetUtcNow());
                _finders = _current.Edges.Select(e => new BinFinder(e)).ToArray();
                _generation++;
            }

            var set = _current;
            var finders = _finders;
            var sensors = set.Sensors.Length;
            for (var row = 0; row < batch.Count; row++)
            {
                if (batch.Reasons[row] != RejectReason.None)
                {
                    continue;
                }

                // The device's row of this window is cached on the device entry (touched only under this lock).
                var device = batch.Devices[row]!;
                var deviceCounts = device.DriftGeneration == _generation ? device.DriftCounts : null;
                if (deviceCounts is null)
                {
                    if (!set.Devices.TryGetValue(device.Id, out deviceCounts))
                    {
                        deviceCounts = set.Edges.Select(e => new long[e.Length - 1]).ToArray();
                        set.Devices[device.Id] = deviceCounts;
                    }

                    device.DriftCounts = deviceCounts;
                    device.DriftGeneration = _generation;
                }

                var values = batch.GetValues(row);
                for (var s = 0; s < sensors; s++)
                {
                    var bin = finders[s].Find(values[s]);
                    set.Fleet[s][bin]++;
                    deviceCounts[s][bin]++;
                }

                set.Scored++;
                if (batch.Scores[row].IsAnomaly)
                {
                    set.Anomalies++;
                }
            }

            set.WindowEnd = time.GetUtcNow();
        }
    }

    /// <summary>Returns the current window (null when nothing was scored) and starts a new one.</summary>
    public DriftSketchSet? TakeSnapshot()
    {
        lock (_gate)
        {
            var snapshot = _current;
            _current = null;
            _generation++;
            if (snapshot is not null)
            {
                snapshot.WindowEnd = time.GetUtcNow();
            }

            return snapshot is { Scored: > 0 } ? snapshot : null;
        }
    }
}
