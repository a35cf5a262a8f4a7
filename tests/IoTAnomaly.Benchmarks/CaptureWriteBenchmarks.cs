using System.Diagnostics;
using System.Globalization;
using System.Text;
using BenchmarkDotNet.Attributes;
using IoTAnomaly.Core.Capture;
using IoTAnomaly.Infrastructure.Capture;
using IoTAnomaly.Infrastructure.Tests.Capture;

namespace IoTAnomaly.Benchmarks;

/// <summary>
/// One capture file of <see cref="Events"/> readings (~330-byte JSON bodies, device and message id as system
/// properties): the old Apache.Avro <c>GenericRecord</c> writer against <see cref="CaptureAvro.Write"/>. Per event.
/// <c>dotnet run -c Release --project tests/IoTAnomaly.Benchmarks -- --filter *CaptureWrite*</c>, or
/// <c>-- capture-interleaved</c> for both writers alternated in one loop with the file sizes (<see cref="RunInterleaved"/>).
/// </summary>
[MemoryDiagnoser]
public class CaptureWriteBenchmarks
{
    public const int Events = 20_000;

    private static readonly string[] Sensors =
    [
        "Accelerometer1RMS", "Accelerometer2RMS", "Current", "Pressure", "Temperature", "Thermocouple", "Voltage", "Volume Flow RateRMS",
    ];

    private static readonly double[] Means = [0.21, 0.27, 2.0, 0.25, 68.0, 24.0, 230.0, 32.0];

    private List<CapturedEvent> _events = null!;

    [GlobalSetup]
    public void Setup() => _events = Readings(Events);

    [Benchmark(Baseline = true, OperationsPerInvoke = Events)]
    public byte[] GenericRecord() => GenericRecordCaptureWriter.Write(_events);

    [Benchmark(OperationsPerInvoke = Events)]
    public byte[] Encoder() => CaptureAvro.Write(_events);

    /// <summary>Events as the local host captures them: 100 devices, 100,000 events/s, byte offsets.</summary>
    public static List<CapturedEvent> Readings(int count)
    {
        var random = new Random(7);
        var start = new DateTimeOffset(2026, 11, 22, 12, 0, 0, TimeSpan.Zero);
        var none = new Dictionary<string, string>();
        var list = new List<CapturedEvent>(count);
        var sb = new StringBuilder(400);
        long offset = 0;
        for (var i = 0; i < count; i++)
        {
            var device = "pump-" + (i % 100).ToString("D4", CultureInfo.InvariantCulture);
            var messageId = "m-" + i.ToString(CultureInfo.InvariantCulture);
            var enqueued = start.AddTicks(i * 100L);
            sb.Clear().Append("{\"deviceId\":\"").Append(device)
              .Append("\",\"timestamp\":\"").Append(enqueued.AddMilliseconds(-40).ToString("O", CultureInfo.InvariantCulture))
              .Append("\",\"messageId\":\"").Append(messageId).Append("\",\"readings\":{");
            for (var s = 0; s < Sensors.Length; s++)
            {
                sb.Append(s > 0 ? ",\"" : "\"").Append(Sensors[s]).Append("\":")
                  .Append((Means[s] * (1 + ((random.NextDouble() - 0.5) * 0.1))).ToString("G9", CultureInfo.InvariantCulture));
            }

            var body = Encoding.UTF8.GetBytes(sb.Append("}}").ToString());
            var system = new Dictionary<string, string>(StringComparer.Ordinal) { ["iothub-connection-device-id"] = device, ["message-id"] = messageId };
            list.Add(new CapturedEvent(1_000_000 + i, offset, enqueued, body, none, system));
            offset += body.Length;
        }

        return list;
    }

    /// <summary>Both writers alternated round by round (a noisy machine slows both alike); prints ns, bytes allocated per event and file sizes.</summary>
    public static void RunInterleaved(int rounds = 30)
    {
        var events = Readings(Events);
        var writers = new (string Name, Func<IReadOnlyList<CapturedEvent>, byte[]> Write)[]
        {
            ("GenericRecord (old)", GenericRecordCaptureWriter.Write),
            ("Encoder (new)", CaptureAvro.Write),
        };
        var ticks = new long[writers.Length][];
        var allocated = new long[writers.Length];
        var sizes = new int[writers.Length];
        for (var w = 0; w < writers.Length; w++)
        {
            ticks[w] = new long[rounds];
            for (var warm = 0; warm < 5; warm++)
            {
                sizes[w] = writers[w].Write(events).Length;
            }
        }

        for (var r = 0; r < rounds; r++)
        {
            for (var k = 0; k < writers.Length; k++)
            {
                var w = (r + k) % writers.Length;
                var before = GC.GetAllocatedBytesForCurrentThread();
                var watch = Stopwatch.StartNew();
                writers[w].Write(events);
                ticks[w][r] = watch.ElapsedTicks;
                allocated[w] += GC.GetAllocatedBytesForCurrentThread() - before;
            }
        }

        var bodyBytes = events.Sum(e => (long)e.Body.Length);
        Console.WriteLine($"{Events:N0} events, mean body {bodyBytes / (double)Events:F0} B, {rounds} interleaved rounds");
        Console.WriteLine($"{"writer",-20} {"median ns/event",16} {"min ns/event",13} {"B/event",10} {"file bytes",12}");
        for (var w = 0; w < writers.Length; w++)
        {
            var sorted = ticks[w].Order().ToArray();
            double PerEvent(long t) => t * (1e9 / Stopwatch.Frequency) / Events;
            Console.WriteLine($"{writers[w].Name,-20} {PerEvent(sorted[rounds / 2]),16:F1} {PerEvent(sorted[0]),13:F1} {allocated[w] / (double)rounds / Events,10:F1} {sizes[w],12:N0}");
        }
    }
}
