using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using Azure.Storage.Blobs;
using IoTAnomaly.Infrastructure.Capture;

namespace IoTAnomaly.LocalHost.Tests.Reliability;

/// <summary>
/// The client side of the fault tests: requests of NDJSON readings for the <see cref="LocalHostFactory.Sensors"/>
/// schema (every tenth reading an anomaly for the <see cref="IoTAnomaly.Testing.FakeDetector"/>: |z| = 5 &gt; 4), each
/// with a unique message id, sent with retries until the host acknowledges them; and readers for what the sinks hold.
/// </summary>
public static class ReliabilityStream
{
    public const int DeviceCount = 10;

    /// <summary>The message id of reading <paramref name="index"/> of request <paramref name="request"/>.</summary>
    public static string MessageId(string run, int request, int index) => string.Create(CultureInfo.InvariantCulture, $"{run}-{request}-{index}");

    /// <summary>True for the readings built as anomalies.</summary>
    public static bool IsAnomalous(int index) => index % 10 == 0;

    /// <summary>One request body of <paramref name="count"/> readings.</summary>
    public static byte[] Body(string run, int request, int count)
    {
        var sb = new StringBuilder(count * 200);
        var timestamp = DateTimeOffset.UtcNow.AddSeconds(-1).ToString("O", CultureInfo.InvariantCulture);
        for (var i = 0; i < count; i++)
        {
            // Small varying values (no stuck-sensor flags); an anomaly every tenth reading.
            var jitter = ((request * 31) + i) % 17 * 0.01;
            var temperature = IsAnomalous(i) ? 5 + jitter : 1 + jitter;
            sb.Append(CultureInfo.InvariantCulture, $"{{\"deviceId\":\"dev-{i % DeviceCount}\",\"timestamp\":\"{timestamp}\",\"messageId\":\"{MessageId(run, request, i)}\",")
              .Append(CultureInfo.InvariantCulture, $"\"readings\":{{\"temperature\":{temperature},\"pressure\":{2 + jitter},\"vibration\":{-1 - jitter}}}}}\n");
        }

        return Encoding.UTF8.GetBytes(sb.ToString());
    }

    /// <summary>
    /// Posts until the host answers 2xx: connection failures, timeouts, 5xx and 429 are retried after a pause (bounded
    /// by <paramref name="giveUp"/>). Returns how many attempts it took.
    /// </summary>
    public static async Task<int> SendUntilAcceptedAsync(HttpClient client, byte[] body, TimeSpan giveUp, CancellationToken cancellationToken = default)
    {
        var deadline = DateTime.UtcNow + giveUp;
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                using var content = new ByteArrayContent(body);
                content.Headers.TryAddWithoutValidation("Content-Type", "application/x-ndjson");
                using var response = await client.PostAsync(new Uri("/api/telemetry", UriKind.Relative), content, cancellationToken);
                if (response.IsSuccessStatusCode)
                {
                    return attempt;
                }

                if (response.StatusCode is not (HttpStatusCode.ServiceUnavailable or HttpStatusCode.TooManyRequests) && (int)response.StatusCode < 500)
                {
                    throw new InvalidOperationException($"The host refused a valid request: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync(cancellationToken)}");
                }
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or IOException && !cancellationToken.IsCancellationRequested)
            {
                // Not acknowledged (connection refused or reset, host gone): send again.
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"No acknowledgement after {attempt} attempts.");
            }

            await Task.Delay(100, cancellationToken);
        }
    }

    /// <summary>Message ids of every captured event (with repeats, if an event was captured twice).</summary>
    public static async Task<List<string>> CapturedMessageIdsAsync(BlobContainerClient capture)
    {
        var reader = new AvroCaptureReader(capture);
        var ids = new List<string>();
        await foreach (var captured in reader.ReadAsync(DateTimeOffset.UtcNow.AddHours(-2), DateTimeOffset.UtcNow.AddHours(1), CancellationToken.None))
        {
            using var document = JsonDocument.Parse(captured.Body);
            ids.Add(document.RootElement.GetProperty("messageId").GetString()!);
        }

        return ids;
    }

    /// <summary><c>deviceId/messageId</c> of every captured event (with repeats).</summary>
    public static async Task<List<string>> CapturedReadingKeysAsync(BlobContainerClient capture)
    {
        var reader = new AvroCaptureReader(capture);
        var keys = new List<string>();
        await foreach (var captured in reader.ReadAsync(DateTimeOffset.UtcNow.AddHours(-2), DateTimeOffset.UtcNow.AddHours(1), CancellationToken.None))
        {
            using var document = JsonDocument.Parse(captured.Body);
            keys.Add(Key(document.RootElement));
        }

        return keys;
    }

    /// <summary><c>deviceId/messageId</c> of every stored anomaly record (with repeats).</summary>
    public static async Task<List<string>> AnomalyReadingKeysAsync(BlobContainerClient anomalies)
        => await StoredAnomaliesAsync(anomalies, Key);

    /// <summary>Message ids of every stored anomaly record (with repeats, if one were stored twice).</summary>
    public static async Task<List<string>> AnomalyMessageIdsAsync(BlobContainerClient anomalies)
        => await StoredAnomaliesAsync(anomalies, record => record.GetProperty("messageId").GetString()!);

    private static string Key(JsonElement reading) => reading.GetProperty("deviceId").GetString() + "/" + reading.GetProperty("messageId").GetString();

    /// <summary><paramref name="select"/> of every record of every anomaly page (one JSON record per line), with repeats.</summary>
    private static async Task<List<string>> StoredAnomaliesAsync(BlobContainerClient anomalies, Func<JsonElement, string> select)
    {
        var values = new List<string>();
        if (!await anomalies.ExistsAsync())
        {
            return values;
        }

        await foreach (var item in anomalies.GetBlobsAsync())
        {
            var content = await anomalies.GetBlobClient(item.Name).DownloadContentAsync();
            foreach (var line in content.Value.Content.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries))
            {
                using var document = JsonDocument.Parse(line);
                values.Add(select(document.RootElement));
            }
        }

        return values;
    }
}
