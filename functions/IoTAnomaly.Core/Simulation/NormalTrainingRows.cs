namespace IoTAnomaly.Core.Simulation;

/// <summary>Fault-free simulated readings to train on, grouped the way a per-device model must see them.</summary>
public static class NormalTrainingRows
{
    /// <summary>
    /// <paramref name="rows"/> fault-free, well-formed readings of the fleet <paramref name="fleet"/> describes (device
    /// count, id prefix, time step, seed, device offsets; its fault and malformed settings are ignored: both are off),
    /// simulated so that the last step ends at <paramref name="endingAt"/> (<paramref name="from"/>: the first step),
    /// grouped by device id (ordinal), time order within a device. Detectors keep per-device state (the
    /// <c>ridge-residual</c> smoothing window, the <c>pca-t2q</c> device baseline); trained on the fleet's
    /// interleaving, a 10-reading window would mix 10 devices.
    /// </summary>
    public static List<double[]> ByDevice(SimulatorOptions fleet, int rows, DateTimeOffset endingAt, string runId, out DateTimeOffset from)
    {
        ArgumentNullException.ThrowIfNull(fleet);
        ArgumentOutOfRangeException.ThrowIfLessThan(rows, 1);
        var steps = (rows + fleet.DeviceCount - 1) / fleet.DeviceCount;
        from = endingAt - TimeSpan.FromTicks(fleet.StepInterval.Ticks * steps);
        var simulator = new FleetSimulator(new SimulatorOptions
        {
            DeviceCount = fleet.DeviceCount,
            DeviceIdPrefix = fleet.DeviceIdPrefix,
            StepInterval = fleet.StepInterval,
            Seed = fleet.Seed,
            StartTime = from,
            RunId = runId,
            FaultRate = 0,
            MalformedRate = 0,
            EnabledFaults = [],
            DeviceOffsetScale = fleet.DeviceOffsetScale,
        });
        var perDevice = new SortedDictionary<string, List<double[]>>(StringComparer.Ordinal);
        var collected = 0;
        while (collected < rows)
        {
            foreach (var reading in simulator.NextStep())
            {
                if (collected < rows && !reading.IsFaulty && !reading.Malformed)
                {
                    if (!perDevice.TryGetValue(reading.DeviceId, out var list))
                    {
                        perDevice[reading.DeviceId] = list = [];
                    }

                    list.Add(reading.Values);
                    collected++;
                }
            }
        }

        return [.. perDevice.Values.SelectMany(static list => list)];
    }
}
