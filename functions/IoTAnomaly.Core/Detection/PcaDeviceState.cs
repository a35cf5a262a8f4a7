namespace IoTAnomaly.Core.Detection;

/// <summary>
/// Per-device state of the <c>pca-t2q</c> detector: the device's own baseline (a running mean of its first
/// readings the fleet model did not flag), the trailing windows of the scaled T² and Q, and scratch buffers,
/// all allocated once so that scoring allocates nothing.
/// </summary>
public sealed class PcaDeviceState : DeviceDetectorState
{
    private int _calibrationTarget;

    internal PcaDeviceState(int dimension, int rank, int smoothingWindow, int calibrationReadings)
    {
        _calibrationTarget = calibrationReadings;
        DeviceMean = new double[dimension];
        Z = new double[dimension];
        T = new double[rank];
        Reconstructed = new double[dimension];
        Ewma = new double[dimension];
        Weighted = new double[dimension];
        T2Window = new double[smoothingWindow];
        QWindow = new double[smoothingWindow];
        SortScratch = new double[smoothingWindow];
    }

    /// <inheritdoc />
    public override void UseFleetBaseline() => _calibrationTarget = 0;

    /// <inheritdoc />
    public override DeviceDetectorState Snapshot()
    {
        var copy = new PcaDeviceState(DeviceMean.Length, T.Length, T2Window.Length, _calibrationTarget);
        TryCopyTo(copy);
        return copy;
    }

    /// <inheritdoc />
    public override bool TryCopyTo(DeviceDetectorState target)
    {
        if (target is not PcaDeviceState copy || copy.DeviceMean.Length != DeviceMean.Length || copy.T.Length != T.Length
            || copy.T2Window.Length != T2Window.Length)
        {
            return false;
        }

        CopyCountersTo(copy);
        copy._calibrationTarget = _calibrationTarget;
        copy.CalibrationCount = CalibrationCount;
        copy.WindowPosition = WindowPosition;
        copy.WindowFill = WindowFill;
        DeviceMean.AsSpan().CopyTo(copy.DeviceMean);
        Ewma.AsSpan().CopyTo(copy.Ewma);
        T2Window.AsSpan().CopyTo(copy.T2Window);
        QWindow.AsSpan().CopyTo(copy.QWindow);
        return true;
    }

    /// <summary>Readings that went into the device's own baseline so far.</summary>
    public long CalibrationCount { get; private set; }

    /// <summary>The device's own mean per sensor (meaningful once <see cref="DeviceDetectorState.IsCalibrated"/>).</summary>
    public ReadOnlySpan<double> DeviceBaseline => DeviceMean;

    internal double[] DeviceMean { get; }

    internal double[] Z { get; }

    internal double[] T { get; }

    internal double[] Reconstructed { get; }

    /// <summary>MEWMA of the standardized readings (unused when the detector's EWMA weight is 0).</summary>
    internal double[] Ewma { get; }

    internal double[] Weighted { get; }

    internal double[] T2Window { get; }

    internal double[] QWindow { get; }

    internal double[] SortScratch { get; }

    /// <summary>Next write position in the smoothing windows.</summary>
    internal int WindowPosition { get; set; }

    /// <summary>Filled entries of the smoothing windows.</summary>
    internal int WindowFill { get; set; }

    internal void Seen() => Count++;

    /// <summary>Adds an unflagged reading to the device baseline (Welford mean).</summary>
    internal void AddToBaseline(ReadOnlySpan<double> values, double adaptation)
    {
        if (_calibrationTarget == 0 || (IsCalibrated && adaptation == 0))
        {
            return;
        }

        CalibrationCount++;
        var inv = IsCalibrated ? adaptation : 1.0 / CalibrationCount;
        var mean = DeviceMean;
        for (var i = 0; i < mean.Length; i++)
        {
            mean[i] += (values[i] - mean[i]) * inv;
        }

        if (CalibrationCount >= _calibrationTarget)
        {
            IsCalibrated = true;
        }
    }
}
