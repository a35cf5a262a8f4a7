using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using IoTAnomaly.Core.Simulation;
using IoTAnomaly.LocalHost.Diagnostics;
using IoTAnomaly.LocalHost.Ingest;

namespace IoTAnomaly.LocalHost.Run;

/// <summary>
/// Streams a <see cref="FleetSimulator"/> into an ingest over HTTP: NDJSON requests of <c>batchSize</c> readings to
/// <c>/api/telemetry</c> (a malformed reading breaks only its own line), paced to <c>readingsPerSecond</c>. A refused
/// request (503/429) is sent again, whole, after its Retry-After, so nothing is lost; the tracker learns which readings
/// were faulty before they are sent. Cancellation is checked between requests only, so a request is never left
/// half-known.
/// </summary>
public sealed class FleetStreamer(HttpClient client, RunTracker tracker, ILogger logger)
{
    private static readonly MediaTypeHeaderValue Ndjson = new(IngestEndpoints.NdjsonContentType);

    /// <summary>Streams until <paramref name="cancellationToken"/> is cancelled or <paramref name="maxReadings"/> were accepted. Returns readings accepted.</summary>
    public async Task<long> RunAsync(FleetSimulator simulator, double readingsPerSecond, int batchSize, long? maxReadings, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(simulator);
        var pending = new List<SimulatedReading>(batchSize * 2);
        var started = Stopwatch.GetTimestamp();
        long sent = 0;
        while (!cancellationToken.IsCancellationRequested && (maxReadings is null || sent < maxReadings))
        {
            while (pending.Count < batchSize)
            {
                var step = simulator.NextStep();
                tracker.OnEpisodes(simulator.LastStepEpisodes);
                pending.AddRange(step);
            }

            var take = (int)Math.Min(batchSize, (maxReadings ?? long.MaxValue) - sent);
            var batch = pending.GetRange(0, take);
            pending.RemoveRange(0, take);
            tracker.Register(batch);
            if (!await SendAsync(batch, cancellationToken))
            {
                tracker.Withdraw(batch);
                break;
            }

            tracker.Accepted(batch.Count);
            sent += batch.Count;
            var ahead = TimeSpan.FromSeconds(sent / readingsPerSecond) - Stopwatch.GetElapsedTime(started);
            if (ahead > TimeSpan.Zero)
            {
                try
                {
                    await Task.Delay(ahead, cancellationToken);
                }
                catch (OperationCanceledException)
                {
                    break;
                }
            }
        }

        return sent;
    }

    /// <summary>Sends one request until the ingest accepts it; false when the run stopped before that.</summary>
    private async Task<bool> SendAsync(List<SimulatedReading> batch, CancellationToken cancellationToken)
    {
        var body = BuildNdjson(batch);
        while (true)
        {
            TimeSpan wait;
            try
            {
                using var content = new ByteArrayContent(body);
                content.Headers.ContentType = Ndjson;
                using var response = await client.PostAsync(new Uri("/api/telemetry", UriKind.Relative), content, CancellationToken.None);
                if (response.StatusCode == HttpStatusCode.Accepted)
                {
                    return true;
                }

                wait = response.Headers.RetryAfter?.Delta ?? TimeSpan.FromSeconds(1);
                if (response.StatusCode is not (HttpStatusCode.ServiceUnavailable or HttpStatusCode.TooManyRequests))
                {
                    Log.SimulatorSendFailed(logger, ((int)response.StatusCode).ToString(CultureInfo.InvariantCulture), null);
                }
            }
            catch (HttpRequestException ex)
            {
                Log.SimulatorSendFailed(logger, ex.Message, ex);
                wait = TimeSpan.FromSeconds(1);
            }

            try
            {
                await Task.Delay(wait, cancellationToken);
            }
            catch (OperationCanceledException)
            {
                return false;
            }
        }
    }

    internal static byte[] BuildNdjson(IReadOnlyList<SimulatedReading> batch)
    {
        using var stream = new MemoryStream(batch.Count * 320);
        foreach (var reading in batch)
        {
            var json = FleetSimulator.ToJson(reading);
            // A malformed payload must stay on its own line.
            foreach (var b in json)
            {
                stream.WriteByte(b is (byte)'\n' or (byte)'\r' ? (byte)' ' : b);
            }

            stream.WriteByte((byte)'\n');
        }

        return stream.ToArray();
    }
}
