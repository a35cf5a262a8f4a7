namespace IoTAnomaly.Core.Simulation;

/// <summary>Fault-free simulated readings to train on, grouped the way a per-device model must see them.</summary>
public static class NormalTrainingRows
{
    /// <summary>
    /// The first <paramref name="rows"/> fault-free, well-formed readings of the fleet <paramref name="options"/>
    /// describes (its fault and malformed settings are ignored: both are off), grouped by device id (ordinal), time
    /// order within a device. Detectors keep per-device state (the <c>ridge-residual</c> smoothing window, the
    /// <c>pca-t2q</c> device baseline); trained on the fleet's interleaving, a 10-reading window would mix 10 devices.
    /// </summary>
    public static List<double[]> ByDevice(SimulatorOptions options, int rows)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentOutOfRangeException.ThrowIfLessThan(rows, 1);
        var normal = new SimulatorOptions
        {
            DeviceCount = options.DeviceCount,
            DeviceIdPrefix = options.DeviceIdPrefix,
            StepInterval = options.StepInterval,
            Seed = options.Seed,
            StartTime = options.StartTime,
            RunId = options.RunId,
            FaultRate = 0,
            MalformedRate = 0,
            EnabledFaults = [],
            DeviceOffsetScale = options.DeviceOffsetScale,
        };
        var simulator = new FleetSimulator(normal);
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
