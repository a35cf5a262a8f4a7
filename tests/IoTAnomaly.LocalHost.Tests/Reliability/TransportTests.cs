using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text;
using IoTAnomaly.Infrastructure.Storage;
using IoTAnomaly.LocalHost.Api;
using IoTAnomaly.Testing;

namespace IoTAnomaly.LocalHost.Tests.Reliability;

/// <summary>
/// Issue 8, bad input at the transport level, against the built host on a real Kestrel socket (the in-memory test
/// server cannot show a dropped connection): a declared body over the limit, a chunked body over the limit, a body cut
/// off before its declared length, a wrong content type. Each gets a 4xx (or, for the cut-off body, nothing to answer
/// to), nothing is counted, and the host keeps serving.
/// </summary>
[TestClass]
public sealed class TransportTests
{
    private const string Key = "transport-test-key";

    public TestContext TestContext { get; set; } = null!;

    [TestMethod]
    public async Task RealSocket_OversizedTruncatedAndWrongTypeRequests_Get4xxAndTheHostStaysUp()
    {
        var settings = LocalHostSettings.Isolated(AzuriteFixture.UniqueName("transport"), Key);
        settings["LocalHost:BootstrapReadings"] = "3000";
        settings["Simulator:DeviceCount"] = "5";
        var environment = LocalHostSettings.AsEnvironment(settings);
        await using var host = LocalHostProcess.Start(AzuriteLauncher.GetFreePort(), environment);
        await host.WaitReadyAsync(TimeSpan.FromMinutes(2));
        using var client = new HttpClient { BaseAddress = host.BaseAddress, Timeout = TimeSpan.FromSeconds(30) };
        client.DefaultRequestHeaders.Add("x-api-key", Key);
        var before = (await client.GetFromJsonAsync<StatsResponse>(new Uri("/api/stats", UriKind.Relative)))!;

        // 1. A declared Content-Length over the 4 MiB limit: 413 from the headers alone, before any body is sent.
        var declared = await RawAsync(host.Port, "POST /api/telemetry HTTP/1.1\r\nHost: x\r\nx-api-key: " + Key + "\r\nContent-Type: application/json\r\nContent-Length: 5242880\r\n\r\n", body: null);
        StringAssert.StartsWith(declared, "HTTP/1.1 413", declared);

        // 2. A chunked body (no length) growing past the limit: 413.
        using (var chunked = new HttpRequestMessage(HttpMethod.Post, new Uri("/api/telemetry", UriKind.Relative)))
        {
            chunked.Content = new StreamContent(new MemoryStream(Encoding.ASCII.GetBytes("[" + new string(' ', 5 * 1024 * 1024) + "]")));
            chunked.Content.Headers.TryAddWithoutValidation("Content-Type", "application/json");
            chunked.Headers.TransferEncodingChunked = true;
            using var response = await client.SendAsync(chunked);
            Assert.AreEqual(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        }

        // 3. A body cut off before its declared length (the client goes away): nothing to answer, nothing counted.
        var reading = "{\"deviceId\":\"pump-1\",\"timestamp\":\"" + DateTimeOffset.UtcNow.ToString("O", CultureInfo.InvariantCulture) + "\",\"readings\":{";
        var truncated = await RawAsync(host.Port, "POST /api/telemetry HTTP/1.1\r\nHost: x\r\nx-api-key: " + Key + "\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n", body: reading, closeAfterBody: true);
        Assert.IsFalse(truncated.StartsWith("HTTP/1.1 5", StringComparison.Ordinal), truncated);
        TestContext.WriteLine("declared 5 MiB: " + FirstLine(declared) + "; cut-off body: " + (truncated.Length == 0 ? "(connection closed, no answer)" : FirstLine(truncated)));

        // 4. A wrong content type: 415.
        using (var xml = new StringContent("<reading/>", Encoding.UTF8, "application/xml"))
        using (var response = await client.PostAsync(new Uri("/api/telemetry", UriKind.Relative), xml))
        {
            Assert.AreEqual(HttpStatusCode.UnsupportedMediaType, response.StatusCode);
        }

        // 5. A request line and headers that are not HTTP: 400 from Kestrel.
        var garbage = await RawAsync(host.Port, "HELLO\r\n\r\n", body: null);
        StringAssert.StartsWith(garbage, "HTTP/1.1 400", garbage);
        TestContext.WriteLine("not HTTP: " + FirstLine(garbage));

        // The host is up, still serves, logged no unhandled exception, and counted nothing of the above.
        Assert.IsFalse(host.HasExited, host.Output);
        Assert.DoesNotContain("unhandled exception", host.Output.ToLowerInvariant(), host.Output);
        using (var health = await client.GetAsync(new Uri("/health", UriKind.Relative)))
        {
            Assert.AreEqual(HttpStatusCode.OK, health.StatusCode);
        }

        var after = (await client.GetFromJsonAsync<StatsResponse>(new Uri("/api/stats", UriKind.Relative)))!;
        Assert.AreEqual(before.Received, after.Received);
        Assert.AreEqual(before.QueuedEvents, after.QueuedEvents);
        using (var ok = new StringContent(reading + "\"x\":1}}", Encoding.UTF8, "application/json"))
        using (var response = await client.PostAsync(new Uri("/api/telemetry", UriKind.Relative), ok))
        {
            Assert.AreEqual(HttpStatusCode.Accepted, response.StatusCode, "and a well-formed request is still accepted");
        }
    }

    private static string FirstLine(string response) => response.Split("\r\n")[0];

    /// <summary>Writes raw bytes, optionally closes the sending side, and returns what the server answered (empty if nothing).</summary>
    private static async Task<string> RawAsync(int port, string head, string? body, bool closeAfterBody = false)
    {
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(IPAddress.Loopback, port);
        var stream = tcp.GetStream();
        await stream.WriteAsync(Encoding.ASCII.GetBytes(head));
        if (body is not null)
        {
            await stream.WriteAsync(Encoding.ASCII.GetBytes(body));
        }

        if (closeAfterBody)
        {
            tcp.Client.Shutdown(SocketShutdown.Send);
        }

        var buffer = new byte[4096];
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        try
        {
            var read = await stream.ReadAsync(buffer, timeout.Token);
            return Encoding.ASCII.GetString(buffer, 0, read);
        }
        catch (Exception ex) when (ex is IOException or OperationCanceledException)
        {
            return string.Empty;
        }
    }
}
