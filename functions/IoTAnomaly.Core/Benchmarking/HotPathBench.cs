using System.Diagnostics;
using System.Globalization;
using System.Text;
using IoTAnomaly.Core.Composition;
using IoTAnomaly.Core.Detection;
using IoTAnomaly.Core.Processing;
using IoTAnomaly.Core.Telemetry;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace IoTAnomaly.Core.Benchmarking;

/// <summary>Figures of one hot-path run.</summary>
public sealed record HotPathResult(
    long Readings,
    double Seconds,
    double ReadingsPerSecond,
    double AllocatedBytesPerReading,
    int BatchSize,
    int Sensors,
    string ModelVersion,
    string ModelType);

/// <summary>
/// The hot-path benchmark behind <c>iotanomaly bench</c>: UTF-8 batch bodies of <c>batchSize</c> readings with 8 sensors
/// → parsed, validated (duplicate window included), scored with per-sensor contributions by a real trained
/// model of the default type (<c>ridge-residual</c>; <c>pca-t2q</c> by name), on the calling thread (one core). Bodies are generated up front with distinct message ids, so
/// the duplicate window does real work and nothing is rejected.
/// </summary>
public static class HotPathBench
{
    public static readonly string[] Sensors =
    [
        "Accelerometer1RMS", "Accelerometer2RMS", "Current", "Pressure", "Temperature", "Thermocouple", "Voltage", "Volume Flow RateRMS",
    ];

    private static readonly double[] Means = [0.21, 0.27, 2.0, 0.25, 68.0, 24.0, 230.0, 32.0];
    private static readonly double[] Scales = [0.01, 0.012, 0.35, 0.05, 1.2, 0.6, 4.0, 1.5];

    public static HotPathResult Run(int batchSize = 100, int bodies = 2000, int passes = 3, int devices = 100, IProgress<double>? progress = null, string? modelType = null)
    {
        var now = new DateTimeOffset(2026, 11, 22, 12, 0, 0, TimeSpan.Zero);
        var time = new FixedTimeProvider(now);
        var random = new Random(7);

        // Train a real model on synthetic normal data (correlated through a shared load variable).
        var trainRows = 20_000;
        var flat = new double[trainRows * Sensors.Length];
        for (var r = 0; r < trainRows; r++)
        {
            Sample(random, flat.AsSpan(r * Sensors.Length, Sensors.Length));
        }

        var trained = DetectorTrainers.Create(modelType).Train(new PcaTrainingRequest
        {
            ModelName = "bench",
            Sensors = Sensors,
            Rows = flat,
            CreatedAt = now,
            Source = "synthetic:bench",
        });
        var detector = DetectorCatalog.CreateDefault().Create(trained.ToBundle());
        var holder = new ModelHolder();
        holder.Swap(new LoadedModel(detector, null, now));

        // Distinct bodies: every reading has its own message id.
        var payloads = new TelemetryEvent[bodies];
        var sb = new StringBuilder(batchSize * 320);
        Span<double> values = stackalloc double[Sensors.Length];
        long sequence = 0;
        for (var b = 0; b < bodies; b++)
        {
            sb.Clear().Append('[');
            for (var i = 0; i < batchSize; i++)
            {
                Sample(random, values);
                if (i > 0)
                {
                    sb.Append(',');
                }

                sb.Append("{\"deviceId\":\"pump-").Append((sequence % devices).ToString("D4", CultureInfo.InvariantCulture))
                  .Append("\",\"timestamp\":\"").Append(now.AddSeconds(-60 + (i * 0.01)).ToString("O", CultureInfo.InvariantCulture))
                  .Append("\",\"messageId\":\"m-").Append(sequence.ToString(CultureInfo.InvariantCulture)).Append("\",\"readings\":{");
                for (var s = 0; s < Sensors.Length; s++)
                {
                    if (s > 0)
                    {
                        sb.Append(',');
                    }

                    sb.Append('"').Append(Sensors[s]).Append("\":").Append(values[s].ToString("G6", CultureInfo.InvariantCulture));
                }

                sb.Append("}}");
                sequence++;
            }

            sb.Append(']');
            payloads[b] = new TelemetryEvent(Encoding.UTF8.GetBytes(sb.ToString()));
        }

        var options = new TelemetryOptions { MaxAge = TimeSpan.FromDays(3650), DuplicateWindowSize = bodies * batchSize * 2 };
        var devicesTable = new DeviceTable(options.MaxDevices);
        var parser = new TelemetryParser(options);
        var sink = new NullSink();
        var batch = new ReadingBatch(batchSize);
        var single = new TelemetryEvent[1];

        // Warm-up: JIT (tiered up), device table and device states.
        var warm = Create(holder, devicesTable, new DuplicateFilter(0), parser, sink, time);
        for (var i = 0; i < Math.Min(bodies, 1000); i++)
        {
            single[0] = payloads[i];
            warm.Process(single, batch, updateState: true, deduplicate: false);
        }

        long readings = 0;
        double seconds = 0;
        long allocated = 0;
        for (var pass = 0; pass < passes; pass++)
        {
            var handler = Create(holder, devicesTable, new DuplicateFilter(options.DuplicateWindowSize), parser, sink, time);
            var allocatedBefore = GC.GetAllocatedBytesForCurrentThread();
            var started = Stopwatch.GetTimestamp();
            for (var b = 0; b < bodies; b++)
            {
                single[0] = payloads[b];
                handler.Process(single, batch, updateState: true, deduplicate: true);
                if (batch.ScoredCount != batchSize)
                {
                    throw new InvalidOperationException($"Benchmark batch was not fully scored: {batch.ScoredCount} of {batchSize} ({batch.Reasons[0]}: {batch.Details[0]}).");
                }

                readings += batch.ScoredCount;
            }

            seconds += Stopwatch.GetElapsedTime(started).TotalSeconds;
            allocated += GC.GetAllocatedBytesForCurrentThread() - allocatedBefore;
            progress?.Report((pass + 1.0) / passes);
        }

        return new HotPathResult(readings, seconds, readings / seconds, (double)allocated / readings, batchSize, Sensors.Length, detector.Manifest.Version, detector.Manifest.ModelType);
    }

    private static TelemetryBatchHandler Create(ModelHolder holder, DeviceTable devices, DuplicateFilter duplicates, TelemetryParser parser, NullSink sink, TimeProvider time)
        => new(holder, devices, duplicates, parser, sink, sink, [], Options.Create(new ScoringOptions()), time, NullLogger<TelemetryBatchHandler>.Instance);

    private static void Sample(Random random, Span<double> values)
    {
        var load = Gaussian(random);
        for (var s = 0; s < values.Length; s++)
        {
            var coupling = s is 4 or 5 ? 0.2 : 0.8;
            values[s] = Means[s] + (Scales[s] * ((coupling * load) + (Math.Sqrt(1 - (coupling * coupling)) * Gaussian(random))));
        }
    }

    private static double Gaussian(Random random)
    {
        var u1 = 1.0 - random.NextDouble();
        var u2 = random.NextDouble();
        return Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2.0 * Math.PI * u2);
    }

    private sealed class NullSink : IAnomalySink, IDeadLetterSink
    {
        public Task WriteAsync(IReadOnlyList<AnomalyRecord> anomalies, CancellationToken cancellationToken) => Task.CompletedTask;

        public Task WriteAsync(IReadOnlyList<DeadLetterRecord> records, CancellationToken cancellationToken) => Task.CompletedTask;
    }

    private sealed class FixedTimeProvider(DateTimeOffset now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => now;
    }
}
