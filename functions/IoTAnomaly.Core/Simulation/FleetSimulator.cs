using System.Buffers;
using System.Globalization;
using System.Text.Json;

namespace IoTAnomaly.Core.Simulation;

/// <summary>
/// A seeded, deterministic fleet of pumps with the SKAB sensor set (no I/O, no clock). Each <see cref="NextStep"/>
/// advances simulated time by <see cref="SimulatorOptions.StepInterval"/> and returns one reading per device that is
/// not in a dropout. Normal behaviour follows the statistics of SKAB's anomaly-free run: a slow latent operating
/// point ("load") shared by vibration, temperatures and flow (with SKAB's correlation signs), fast shared factors
/// between the two accelerometers and between current and voltage, per-sensor autocorrelated noise, per-device
/// offsets and a daily cycle on the temperatures. Faults are injected as episodes and recorded as ground truth in
/// <see cref="SimulatedReading.Fault"/> and <see cref="LastStepEpisodes"/>. See docs/simulator.md.
/// Not thread-safe: one caller steps it.
/// </summary>
public sealed class FleetSimulator
{
    /// <summary>The SKAB sensors, in SKAB's column order; <see cref="SimulatedReading.Values"/> follows this order.</summary>
    public static IReadOnlyList<string> SensorNames { get; } =
    [
        "Accelerometer1RMS", "Accelerometer2RMS", "Current", "Pressure", "Temperature", "Thermocouple", "Voltage", "Volume Flow RateRMS",
    ];

    internal const int SensorCount = 8;

    // Per-sensor model, SKAB column order. Figures from SKAB's anomaly-free run (9,405 rows at ~1 s):
    // mean and standard deviation; the slow part (the std that a ±30 s moving average keeps) with its sign on the
    // shared load; the fast residual std and its lag-1 autocorrelation.

    /// <summary>Fleet mean of each sensor.</summary>
    internal static readonly double[] Mean = [0.2126, 0.2684, 2.403, 0.1113, 89.47, 28.47, 228.65, 125.24];

    /// <summary>Total standard deviation of each sensor in SKAB: the unit of offsets, fault sizes and drift.</summary>
    internal static readonly double[] Scale = [0.0047, 0.0040, 0.486, 0.253, 0.667, 0.731, 10.98, 1.605];

    /// <summary>Signed std of the slow part: + moves with the load, − against it (SKAB: Temperature ↔ Thermocouple −0.89).</summary>
    private static readonly double[] SlowLoading = [0.0044, -0.0037, 0.03, 0, -0.62, 0.70, 0, 1.54];

    /// <summary>Std of the fast (sample-to-sample) part.</summary>
    private static readonly double[] FastStd = [0.0016, 0.0014, 0.48, 0.25, 0.228, 0.009, 10.9, 0.447];

    /// <summary>Lag-1 autocorrelation of the fast part.</summary>
    private static readonly double[] FastPhi = [0.33, 0.08, 0.06, 0.09, 0.47, 0.74, 0.0, 0.34];

    /// <summary>Amplitude of the daily cycle (ambient temperature), peaking mid-afternoon UTC plus a per-device phase.</summary>
    private static readonly double[] DailyAmplitude = [0, 0, 0, 0, 0.4, 0.8, 0, 0];

    /// <summary>Direction of the operating-point drift in sensor standard deviations (more load: more vibration, current, flow).</summary>
    private static readonly double[] DriftDirection = [1, -0.5, 0.8, 0.6, 0.3, 0.5, 0, 1];

    /// <summary>Decimals sent per sensor (SKAB's own precision).</summary>
    private static readonly int[] Decimals = [6, 6, 5, 6, 4, 4, 3, 3];

    private const double SharedLoadWeight = 0.95;
    private const double VibrationShare = 0.73;
    private const double ElectricalShare = 0.69;
    private static readonly TimeSpan SlowTimeConstant = TimeSpan.FromMinutes(30);
    private static readonly JsonEncodedText[] EncodedNames = SensorNames.Select(n => JsonEncodedText.Encode(n)).ToArray();
    private static readonly JsonEncodedText DeviceIdName = JsonEncodedText.Encode("deviceId");
    private static readonly JsonEncodedText TimestampName = JsonEncodedText.Encode("timestamp");
    private static readonly JsonEncodedText MessageIdName = JsonEncodedText.Encode("messageId");
    private static readonly JsonEncodedText ReadingsName = JsonEncodedText.Encode("readings");

    private readonly SimulatorOptions _options;
    private readonly Device[] _devices;
    private readonly FaultKind[] _episodeKinds;
    private readonly bool _malformedEnabled;
    private readonly double _slowPhi;
    private readonly double _slowInnovation;
    private readonly string _runId;
    private List<FaultEpisode> _lastEpisodes = [];
    private long _step;
    private string[]? _deviceIds;

    public FleetSimulator(SimulatorOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.DeviceCount < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(options), options.DeviceCount, "DeviceCount must be at least 1.");
        }

        if (options.StepInterval <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(options), options.StepInterval, "StepInterval must be positive.");
        }

        _options = options;
        _runId = options.RunId ?? ((uint)options.Seed).ToString("x8", CultureInfo.InvariantCulture);
        _episodeKinds = new[] { FaultKind.Spike, FaultKind.LevelShift, FaultKind.StuckSensor, FaultKind.SlowDrift, FaultKind.Dropout }
            .Where(options.IsEnabled).ToArray();
        _malformedEnabled = options.IsEnabled(FaultKind.Malformed) && options.MalformedRate > 0;
        _slowPhi = Math.Exp(-options.StepInterval.TotalSeconds / SlowTimeConstant.TotalSeconds);
        _slowInnovation = Math.Sqrt(1 - (_slowPhi * _slowPhi));

        var fleet = new SimulationRandom(unchecked((ulong)options.Seed * 0x9E3779B97F4A7C15UL) ^ 0xF1EE7UL);
        var width = Math.Max(3, options.DeviceCount.ToString(CultureInfo.InvariantCulture).Length);
        _devices = new Device[options.DeviceCount];
        for (var d = 0; d < _devices.Length; d++)
        {
            var id = options.DeviceIdPrefix + (d + 1).ToString("D" + width.ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture);
            _devices[d] = new Device(id, d, new SimulationRandom(fleet.NextUInt64()), new SimulationRandom(fleet.NextUInt64()), options.DeviceOffsetScale);
        }

        // Which devices drift: the first DriftFraction of a seeded shuffle.
        var order = Enumerable.Range(0, _devices.Length).ToArray();
        for (var i = order.Length - 1; i > 0; i--)
        {
            var j = fleet.Int(0, i);
            (order[i], order[j]) = (order[j], order[i]);
        }

        var drifting = (int)Math.Round(options.DriftFraction * _devices.Length);
        for (var i = 0; i < drifting; i++)
        {
            _devices[order[i]].Drifts = true;
        }
    }

    public SimulatorOptions Options => _options;

    /// <summary>Device ids, in device-index order.</summary>
    public IReadOnlyList<string> DeviceIds => _deviceIds ??= _devices.Select(d => d.Id).ToArray();

    /// <summary>How many steps have been produced so far (the next step's number).</summary>
    public long Step => _step;

    /// <summary>The timestamp the next step's readings will carry.</summary>
    public DateTimeOffset CurrentTime => TimeOf(_step);

    /// <summary>
    /// Fault episodes that started during the last <see cref="NextStep"/> (ground truth for scoring a detector). The list
    /// returned is not changed by later steps.
    /// </summary>
    public IReadOnlyList<FaultEpisode> LastStepEpisodes => _lastEpisodes;

    /// <summary>Whether the device takes part in the operating-point drift (<see cref="SimulatorOptions.DriftStart"/>).</summary>
    public bool IsDrifting(int deviceIndex) => _devices[deviceIndex].Drifts;

    /// <summary>The message id of a step: <c>{RunId}-{step}</c>.</summary>
    public string MessageIdOf(long step) => _runId + "-" + step.ToString(CultureInfo.InvariantCulture);

    public DateTimeOffset TimeOf(long step) => _options.StartTime + TimeSpan.FromTicks(_options.StepInterval.Ticks * step);

    /// <summary>Advances one step: one reading per device that is not in a dropout, in device order.</summary>
    public IReadOnlyList<SimulatedReading> NextStep()
    {
        var step = _step++;
        var time = TimeOf(step);
        var messageId = MessageIdOf(step);
        var drift = DriftProgress(time) * _options.DriftMagnitude;
        var daySeconds = time.UtcDateTime.TimeOfDay.TotalSeconds;
        if (_lastEpisodes.Count > 0)
        {
            _lastEpisodes = []; // a list handed out before is never changed afterwards
        }

        var readings = new List<SimulatedReading>(_devices.Length);
        Span<double> values = stackalloc double[SensorCount];
        foreach (var device in _devices)
        {
            device.Advance(values, _slowPhi, _slowInnovation);
            for (var s = 0; s < SensorCount; s++)
            {
                var daily = DailyAmplitude[s] == 0
                    ? 0
                    : DailyAmplitude[s] * Math.Sin(2 * Math.PI * ((daySeconds - (9 * 3600) + device.DailyPhaseSeconds) / 86400.0));
                var shift = device.Drifts ? drift * DriftDirection[s] * Scale[s] : 0;
                values[s] = Mean[s] + device.Offsets[s] + values[s] + daily + shift;
            }

            values[2] = Math.Max(values[2], 0); // current cannot be negative

            var fault = ApplyFault(device, step, values);
            if (fault == FaultKind.Dropout)
            {
                continue;
            }

            var rounded = new double[SensorCount];
            for (var s = 0; s < SensorCount; s++)
            {
                rounded[s] = device.Stuck is { } stuck && stuck.Sensor == s ? stuck.Value : Math.Round(values[s], Decimals[s]);
            }

            var reading = new SimulatedReading(device.Id, messageId, time, rounded, fault);
            if (_malformedEnabled && device.FaultRandom.Chance(_options.MalformedRate))
            {
                var kind = (MalformedKind)device.FaultRandom.Int(0, 3);
                var sensor = device.FaultRandom.Int(0, SensorCount - 1);
                reading = reading with { Fault = FaultKind.Malformed, MalformedPayload = MalformedPayload(reading, kind, sensor) };
            }

            readings.Add(reading);
        }

        return readings;
    }

    /// <summary>Readings of the next <paramref name="steps"/> steps, step after step.</summary>
    public IReadOnlyList<SimulatedReading> NextSteps(int steps)
    {
        var all = new List<SimulatedReading>(steps * _devices.Length);
        for (var i = 0; i < steps; i++)
        {
            all.AddRange(NextStep());
        }

        return all;
    }

    private double DriftProgress(DateTimeOffset time)
    {
        if (_options.DriftStart is not { } start || time < start || _options.DriftMagnitude == 0)
        {
            return 0;
        }

        return _options.DriftRamp <= TimeSpan.Zero ? 1 : Math.Min(1, (time - start) / _options.DriftRamp);
    }

    /// <summary>Starts an episode when due and applies the running one to <paramref name="values"/>; returns this reading's fault.</summary>
    private FaultKind ApplyFault(Device device, long step, Span<double> values)
    {
        if (device.Episode is null && _episodeKinds.Length > 0 && device.FaultRandom.Chance(_options.FaultRate))
        {
            device.Episode = StartEpisode(device, step);
            _lastEpisodes.Add(device.Episode);
        }

        if (device.Episode is not { } episode)
        {
            device.Stuck = null;
            return FaultKind.None;
        }

        var k = (int)(step - episode.StartStep);
        switch (episode.Kind)
        {
            case FaultKind.Spike:
            case FaultKind.LevelShift:
                foreach (var s in episode.Sensors)
                {
                    values[s] += device.Magnitudes[s] * Scale[s];
                }

                break;
            case FaultKind.SlowDrift:
                foreach (var s in episode.Sensors)
                {
                    values[s] += device.Magnitudes[s] * Scale[s] * (k + 1) / episode.Length;
                }

                break;
            case FaultKind.StuckSensor:
                var sensor = episode.Sensors[0];
                device.Stuck ??= (sensor, Math.Round(values[sensor], Decimals[sensor]));
                break;
        }

        if (k + 1 >= episode.Length)
        {
            device.Episode = null;
        }

        return episode.Kind;
    }

    private FaultEpisode StartEpisode(Device device, long step)
    {
        var rng = device.FaultRandom;
        var kind = _episodeKinds[rng.Int(0, _episodeKinds.Length - 1)];
        Array.Clear(device.Magnitudes);
        int length;
        int[] sensors;
        switch (kind)
        {
            case FaultKind.Spike:
                length = rng.Int(1, 3);
                sensors = [rng.Int(0, SensorCount - 1)];
                device.Magnitudes[sensors[0]] = rng.Sign() * rng.Uniform(6, 12);
                break;
            case FaultKind.LevelShift:
                length = rng.Int(60, 600);
                sensors = PickSensors(rng, rng.Int(1, 3));
                foreach (var s in sensors)
                {
                    device.Magnitudes[s] = rng.Sign() * rng.Uniform(3, 6);
                }

                break;
            case FaultKind.StuckSensor:
                length = rng.Int(60, 600);
                sensors = [rng.Int(0, SensorCount - 1)];
                break;
            case FaultKind.SlowDrift:
                length = rng.Int(300, 1800);
                sensors = [rng.Int(0, SensorCount - 1)];
                device.Magnitudes[sensors[0]] = rng.Sign() * rng.Uniform(4, 8);
                break;
            default:
                length = rng.Int(30, 600);
                sensors = [];
                break;
        }

        device.Stuck = null;
        return new FaultEpisode(device.Id, device.Index, kind, step, length, sensors);
    }

    private static int[] PickSensors(SimulationRandom rng, int count)
    {
        var picked = new List<int>(count);
        while (picked.Count < count)
        {
            var s = rng.Int(0, SensorCount - 1);
            if (!picked.Contains(s))
            {
                picked.Add(s);
            }
        }

        picked.Sort();
        return [.. picked];
    }

    /// <summary>
    /// Writes a reading in the telemetry contract: <c>{"deviceId","timestamp","messageId","readings":{…}}</c>, the
    /// timestamp in UTC ISO 8601, the sensors in <see cref="SensorNames"/> order. A malformed reading is written as its
    /// <see cref="SimulatedReading.MalformedPayload"/>, verbatim (which may break the surrounding JSON: see
    /// <see cref="SimulatorJson"/>).
    /// </summary>
    public static void WriteJson(SimulatedReading reading, Utf8JsonWriter writer)
    {
        ArgumentNullException.ThrowIfNull(reading);
        ArgumentNullException.ThrowIfNull(writer);
        if (reading.MalformedPayload is { } payload)
        {
            writer.WriteRawValue(payload, skipInputValidation: true);
            return;
        }

        WriteObject(reading, writer, skipSensor: -1, replaceSensor: -1, replacement: null);
    }

    /// <summary>Writes a reading (see <see cref="WriteJson(SimulatedReading, Utf8JsonWriter)"/>) as UTF-8 to <paramref name="buffer"/>.</summary>
    public static void WriteJson(SimulatedReading reading, IBufferWriter<byte> buffer)
    {
        using var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { SkipValidation = true });
        WriteJson(reading, writer);
    }

    /// <summary>The UTF-8 JSON of one reading.</summary>
    public static byte[] ToJson(SimulatedReading reading)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        WriteJson(reading, buffer);
        return buffer.WrittenSpan.ToArray();
    }

    private static void WriteObject(SimulatedReading reading, Utf8JsonWriter writer, int skipSensor, int replaceSensor, string? replacement)
    {
        writer.WriteStartObject();
        writer.WriteString(DeviceIdName, reading.DeviceId);
        writer.WriteString(TimestampName, reading.Timestamp.UtcDateTime);
        writer.WriteString(MessageIdName, reading.MessageId);
        writer.WriteStartObject(ReadingsName);
        var values = reading.Values;
        for (var s = 0; s < values.Length && s < SensorCount; s++)
        {
            if (s == skipSensor)
            {
                continue;
            }

            if (s == replaceSensor)
            {
                writer.WriteString(EncodedNames[s], replacement);
            }
            else
            {
                writer.WriteNumber(EncodedNames[s], values[s]);
            }
        }

        writer.WriteEndObject();
        writer.WriteEndObject();
    }

    /// <summary>The wire form of <paramref name="reading"/> broken in the given way (<paramref name="sensor"/> picks the sensor to break).</summary>
    internal static string MalformedPayload(SimulatedReading reading, MalformedKind kind, int sensor)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            switch (kind)
            {
                case MalformedKind.StringValue:
                    WriteObject(reading, writer, -1, sensor, reading.Values[sensor].ToString("0.###", CultureInfo.InvariantCulture) + " units");
                    break;
                case MalformedKind.MissingSensor:
                    WriteObject(reading, writer, sensor, -1, null);
                    break;
                case MalformedKind.NaNString:
                    WriteObject(reading, writer, -1, sensor, "NaN");
                    break;
                default:
                    WriteObject(reading, writer, -1, -1, null);
                    break;
            }
        }

        var json = System.Text.Encoding.UTF8.GetString(buffer.WrittenSpan);
        if (kind == MalformedKind.BrokenJson)
        {
            // Cut inside the readings object, as a torn write or a dropped packet would: never valid JSON.
            var readingsAt = json.IndexOf("\"readings\"", StringComparison.Ordinal);
            var cut = readingsAt + 12 + ((sensor * 13) % Math.Max(1, json.Length - readingsAt - 14));
            json = json[..Math.Min(cut, json.Length - 2)];
        }

        return json;
    }

    private sealed class Device
    {
        public Device(string id, int index, SimulationRandom random, SimulationRandom faultRandom, double offsetScale)
        {
            Id = id;
            Index = index;
            Random = random;
            FaultRandom = faultRandom;
            for (var s = 0; s < SensorCount; s++)
            {
                Offsets[s] = offsetScale * Scale[s] * random.Gaussian();
                Own[s] = random.Gaussian();
                Fast[s] = random.Gaussian();
            }

            Load = random.Gaussian();
            DailyPhaseSeconds = random.Uniform(-3600, 3600);
        }

        public string Id { get; }

        public int Index { get; }

        /// <summary>Drives normal behaviour only, so the normal process is the same whatever faults are enabled.</summary>
        public SimulationRandom Random { get; }

        /// <summary>Drives fault episodes and malformed messages.</summary>
        public SimulationRandom FaultRandom { get; }

        public double[] Offsets { get; } = new double[SensorCount];

        public double DailyPhaseSeconds { get; }

        public bool Drifts { get; set; }

        public FaultEpisode? Episode { get; set; }

        public double[] Magnitudes { get; } = new double[SensorCount];

        public (int Sensor, double Value)? Stuck { get; set; }

        /// <summary>The shared slow load (unit variance AR(1)).</summary>
        private double Load { get; set; }

        /// <summary>Each sensor's own slow part (unit variance AR(1)).</summary>
        private double[] Own { get; } = new double[SensorCount];

        /// <summary>Each sensor's fast part (unit variance AR(1) with <see cref="FastPhi"/>).</summary>
        private double[] Fast { get; } = new double[SensorCount];

        /// <summary>Advances the latent state one step and writes the zero-mean normal deviation of each sensor.</summary>
        public void Advance(Span<double> deviation, double slowPhi, double slowInnovation)
        {
            Load = (slowPhi * Load) + (slowInnovation * Random.Gaussian());
            var vibration = Random.Gaussian();
            var electrical = Random.Gaussian();
            var ownWeight = Math.Sqrt(1 - (SharedLoadWeight * SharedLoadWeight));
            for (var s = 0; s < SensorCount; s++)
            {
                Own[s] = (slowPhi * Own[s]) + (slowInnovation * Random.Gaussian());
                var shock = Random.Gaussian();
                if (s is 0 or 1)
                {
                    shock = (VibrationShare * vibration) + (Math.Sqrt(1 - (VibrationShare * VibrationShare)) * shock);
                }
                else if (s is 2 or 6)
                {
                    shock = (ElectricalShare * electrical) + (Math.Sqrt(1 - (ElectricalShare * ElectricalShare)) * shock);
                }

                var phi = FastPhi[s];
                Fast[s] = (phi * Fast[s]) + (Math.Sqrt(1 - (phi * phi)) * shock);
                var slow = SlowLoading[s] * ((SharedLoadWeight * Load) + (ownWeight * Own[s]));
                deviation[s] = slow + (FastStd[s] * Fast[s]);
            }
        }
    }
}
