using IoTAnomaly.Core.Detection;

namespace IoTAnomaly.Core.Tests.Detection;

[TestClass]
public sealed class PcaDeviceStateTests
{
    private const int CalibrationReadings = 200;

    [TestMethod]
    public void DeviceCalibration_RemovesConstantOffset_AfterNReadings()
    {
        var result = new PcaDetectorTrainer(new PcaDetectorOptions { DeviceCalibrationReadings = CalibrationReadings })
            .Train(SyntheticPlant.Request(new SyntheticPlant(21).Rows(4000)));
        var detector = new PcaDetectorFactory().Create(result.ToBundle());
        var state = (PcaDeviceState)detector.CreateDeviceState();
        var contributions = new double[8];

        // This device reads pressure 0.4 σ high (a mounting offset): below the alarm, but it inflates Q.
        var offset = 0.4 * SyntheticPlant.Sigma(3);
        var plant = new SyntheticPlant(22);
        double[] Reading()
        {
            var row = plant.Next();
            row[3] += offset;
            return row;
        }

        double before = 0;
        var n = 0;
        while (!state.IsCalibrated)
        {
            before += detector.Score(Reading(), state, contributions).Q;
            n++;
            Assert.IsLessThan(2 * CalibrationReadings, n, "The device never calibrated.");
        }

        before /= n;
        Assert.AreEqual(CalibrationReadings, state.CalibrationCount);
        Assert.AreEqual(SyntheticPlant.Offset(3) + offset, state.DeviceBaseline[3], 0.15 * SyntheticPlant.Sigma(3));

        double after = 0;
        for (var i = 0; i < 1000; i++)
        {
            after += detector.Score(Reading(), state, contributions).Q;
        }

        after /= 1000;
        Assert.IsLessThan(0.6 * before, after, $"mean Q before {before}, after {after}");
    }

    [TestMethod]
    public void DeviceCalibration_IsOff_WhenReadingsIsZero()
    {
        var result = new PcaDetectorTrainer(new PcaDetectorOptions { DeviceCalibrationReadings = 0 })
            .Train(SyntheticPlant.Request(new SyntheticPlant(23).Rows(500)));
        var detector = new PcaDetectorFactory().Create(result.ToBundle());
        var state = detector.CreateDeviceState();
        var contributions = new double[8];
        foreach (var row in new SyntheticPlant(24).Rows(500))
        {
            detector.Score(row, state, contributions);
        }

        Assert.IsFalse(state.IsCalibrated);
        Assert.AreEqual(500L, state.Count);
    }

    [TestMethod]
    public void Smoothing_IgnoresSingleSpike_ButNotSustainedFault()
    {
        var result = new PcaDetectorTrainer(new PcaDetectorOptions { DeviceCalibrationReadings = 0, SmoothingWindow = 5 })
            .Train(SyntheticPlant.Request(new SyntheticPlant(25).Rows(2000)));
        var detector = new PcaDetectorFactory().Create(result.ToBundle());
        var state = detector.CreateDeviceState();
        var contributions = new double[8];
        var plant = new SyntheticPlant(26);
        foreach (var row in plant.Rows(10))
        {
            detector.Score(row, state, contributions);
        }

        var spike = plant.Next();
        spike[4] += 20 * SyntheticPlant.Sigma(4);
        var single = detector.Score(spike, state, contributions);
        Assert.IsFalse(single.IsAnomaly, "one spike must not alarm through a 5-row median");
        Assert.IsGreaterThan(result.Manifest.Thresholds.QLimit, single.Q, "the raw Q still shows the spike");

        DetectorScore third = default;
        for (var i = 0; i < 3; i++)
        {
            var row = plant.Next();
            row[4] += 20 * SyntheticPlant.Sigma(4);
            third = detector.Score(row, state, contributions);
        }

        Assert.IsTrue(third.IsAnomaly, "three of the last five readings faulty must alarm");
    }

    [TestMethod]
    public void Ewma_DetectsSmallSustainedShift_ThatPointwiseScoringMisses()
    {
        var rows = new SyntheticPlant(27).Rows(3000);
        var pointwise = AlarmRate(new PcaDetectorOptions { DeviceCalibrationReadings = 0 }, rows, ShiftSigmas);
        var ewma = AlarmRate(new PcaDetectorOptions { DeviceCalibrationReadings = 0, EwmaWeight = 0.1 }, rows, ShiftSigmas);
        var ewmaNormal = AlarmRate(new PcaDetectorOptions { DeviceCalibrationReadings = 0, EwmaWeight = 0.1 }, rows, 0);

        Assert.IsLessThan(0.5, pointwise, $"pointwise alarm rate {pointwise}");
        Assert.IsGreaterThan(0.9, ewma, $"EWMA alarm rate {ewma}");
        Assert.IsLessThan(0.05, ewmaNormal, $"EWMA alarm rate on normal data {ewmaNormal}");
    }

    private const double ShiftSigmas = 0.35;

    private static double AlarmRate(PcaDetectorOptions options, double[][] training, double shiftSigmas)
    {
        var detector = new PcaDetectorFactory().Create(new PcaDetectorTrainer(options).Train(SyntheticPlant.Request(training)).ToBundle());
        var state = detector.CreateDeviceState();
        var contributions = new double[8];
        var plant = new SyntheticPlant(28);
        foreach (var row in plant.Rows(100))
        {
            detector.Score(row, state, contributions);
        }

        var alarms = 0;
        for (var i = 0; i < 500; i++)
        {
            var row = plant.Next();
            row[4] += shiftSigmas * SyntheticPlant.Sigma(4);
            alarms += detector.Score(row, state, contributions).IsAnomaly && i >= 50 ? 1 : 0;
        }

        return alarms / 450.0;
    }
}
