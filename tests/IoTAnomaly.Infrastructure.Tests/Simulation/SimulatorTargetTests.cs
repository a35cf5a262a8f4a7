using System.Collections.Concurrent;
using System.Net;
using System.Text;
using System.Text.Json;
using IoTAnomaly.Core.Simulation;
using IoTAnomaly.Infrastructure.Simulation;
using Microsoft.Extensions.Time.Testing;

namespace IoTAnomaly.Infrastructure.Tests.Simulation;

[TestClass]
public sealed class SimulatorTargetTests
{
    private static readonly DateTimeOffset Expiry = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero); // 1767225600

    public TestContext TestContext { get; set; } = null!;

    // The expected tokens were computed independently (Python hmac/hashlib/base64, urllib quote_plus).
    [TestMethod]
    public void ForEventHubs_MatchesHandComputedToken_WhenKeyUsedAsUtf8()
    {
        var token = SasTokens.ForEventHubs("https://my-ns.servicebus.windows.net/telemetry", "send", "c2VjcmV0LWtleQ==", Expiry);

        Assert.AreEqual(
            "SharedAccessSignature sr=https%3A%2F%2Fmy-ns.servicebus.windows.net%2Ftelemetry&sig=eY%2BhAojU99Qlm16ow1yO9fSHPfeRQ5DA8giRm6RgL5o%3D&se=1767225600&skn=send",
            token);
    }

    [TestMethod]
    public void ForIotHubDevice_MatchesHandComputedToken_WhenKeyIsBase64Decoded()
    {
        var key = Convert.ToBase64String(Enumerable.Range(0, 32).Select(i => (byte)i).ToArray());

        var token = SasTokens.ForIotHubDevice("my-hub.azure-devices.net/devices/pump-001", key, Expiry);

        Assert.AreEqual(
            "SharedAccessSignature sr=my-hub.azure-devices.net%2Fdevices%2Fpump-001&sig=PsTuvTigauOlM3MGvNfQVVmerHTz%2FveEewRz9sw%2BzKQ%3D&se=1767225600",
            token);
    }

    [TestMethod]
    public void DeriveDeviceKey_MatchesHandComputedKey()
    {
        var group = Convert.ToBase64String(Enumerable.Range(0, 32).Select(i => (byte)i).ToArray());

        Assert.AreEqual("Hw5m9zVUlHyvJV6i5V+WKVCwbcHSQAsEnxjlePKjUlU=", SasTokens.DeriveDeviceKey(group, "pump-001"));
    }

    [TestMethod]
    public async Task SasAuthorization_ReusesTokenUntilRefreshWindow_ThenMakesANewOne()
    {
        var time = new FakeTimeProvider(Expiry);
        var made = 0;
        var auth = new SasAuthorization((resource, expiry) => $"{resource}|{expiry.ToUnixTimeSeconds()}|{++made}", TimeSpan.FromHours(1), time, TimeSpan.FromMinutes(5));

        var first = await auth.GetAsync("r", TestContext.CancellationToken);
        time.Advance(TimeSpan.FromMinutes(54));
        var reused = await auth.GetAsync("r", TestContext.CancellationToken);
        var other = await auth.GetAsync("s", TestContext.CancellationToken);
        time.Advance(TimeSpan.FromMinutes(2));
        var renewed = await auth.GetAsync("r", TestContext.CancellationToken);

        Assert.AreEqual("r|1767229200|1", first);
        Assert.AreSame(first, reused);
        Assert.AreEqual("s|1767232440|2", other);
        Assert.AreEqual("r|1767232560|3", renewed);
    }

    private static List<SimulatedReading> Readings(int steps, double malformedRate = 0)
        => new FleetSimulator(new SimulatorOptions { DeviceCount = 10, Seed = 1, FaultRate = 0, MalformedRate = malformedRate }).NextSteps(steps).ToList();

    [TestMethod]
    public async Task LocalHostTarget_PostsArraysWithApiKey_AndBrokenMessagesAlone()
    {
        var handler = new RecordingHandler();
        var target = new LocalHostTarget(new HttpClient(handler), new Uri("http://localhost:5123/"), "secret-key", maxReadingsPerRequest: 25);
        var readings = Readings(30, malformedRate: 0.05);
        var broken = readings.Count(SimulatorJson.IsSyntacticallyBroken);
        Assert.IsGreaterThan(0, broken);

        var result = await target.SendAsync(readings, TestContext.CancellationToken);

        Assert.AreEqual(readings.Count, result.Readings);
        Assert.AreEqual(broken + (int)Math.Ceiling((readings.Count - broken) / 25.0), result.Requests);
        Assert.HasCount(result.Requests, handler.Requests);
        Assert.IsTrue(handler.Requests.All(r => r.Method == HttpMethod.Post && r.Uri == new Uri("http://localhost:5123/api/telemetry")));
        Assert.IsTrue(handler.Requests.All(r => r.Headers["x-api-key"] == "secret-key" && r.ContentType == "application/json; charset=utf-8"));
        var arrays = handler.Requests.Where(r => r.Body.StartsWith('[')).ToArray();
        Assert.AreEqual(readings.Count - broken, arrays.Sum(r => JsonDocument.Parse(r.Body).RootElement.GetArrayLength()));
        Assert.AreEqual(broken, handler.Requests.Count(r => !r.Body.StartsWith('[')));
    }

    [TestMethod]
    public async Task LocalHostTarget_WaitsRetryAfterAndResends_WhenHostAnswers503()
    {
        var time = new FakeTimeProvider(Expiry);
        var handler = new RecordingHandler(time) { Script = new Queue<HttpResponseMessage>([Backpressure(2), Backpressure(3)]) };
        var target = new LocalHostTarget(new HttpClient(handler), new Uri("http://localhost:5123"), apiKey: null, time: time);

        var send = target.SendAsync(Readings(1), TestContext.CancellationToken);
        while (!send.IsCompleted)
        {
            time.Advance(TimeSpan.FromMilliseconds(250));
            await Task.Yield();
        }

        var result = await send;
        Assert.AreEqual(2, result.Retries);
        Assert.HasCount(3, handler.Requests);
        Assert.IsGreaterThanOrEqualTo(TimeSpan.FromSeconds(2), handler.Requests[1].At - handler.Requests[0].At);
        Assert.IsGreaterThanOrEqualTo(TimeSpan.FromSeconds(3), handler.Requests[2].At - handler.Requests[1].At);
        Assert.IsFalse(handler.Requests[0].Headers.ContainsKey("x-api-key"));
    }

    [TestMethod]
    public async Task LocalHostTarget_CountsBadRequests_AndThrowsOnUnauthorized()
    {
        var handler = new RecordingHandler { Script = new Queue<HttpResponseMessage>([new HttpResponseMessage(HttpStatusCode.BadRequest)]) };
        var target = new LocalHostTarget(new HttpClient(handler), new Uri("http://localhost:5123"));
        var result = await target.SendAsync(Readings(1), TestContext.CancellationToken);
        Assert.AreEqual(1, result.BadRequests);

        var refusing = new RecordingHandler { Script = new Queue<HttpResponseMessage>([new HttpResponseMessage(HttpStatusCode.Unauthorized)]) };
        var ex = await Assert.ThrowsExactlyAsync<HttpRequestException>(
            () => new LocalHostTarget(new HttpClient(refusing), new Uri("http://localhost:5123")).SendAsync(Readings(1), TestContext.CancellationToken));
        Assert.AreEqual(HttpStatusCode.Unauthorized, ex.StatusCode);
    }

    [TestMethod]
    public async Task EventHubTarget_SendsRestBatchWithSasToken()
    {
        var time = new FakeTimeProvider(Expiry.AddHours(-1));
        var handler = new RecordingHandler();
        var target = SimulatorTargets.Create(
            new SimulatorTargetOptions { Kind = SimulatorTargetKind.EventHub, EventHubsNamespace = "my-ns", EventHubName = "telemetry", SasKeyName = "send", SasKey = "c2VjcmV0LWtleQ==", MaxReadingsPerRequest = 7 },
            new HttpClient(handler),
            time);
        var readings = Readings(1);

        var result = await target.SendAsync(readings, TestContext.CancellationToken);

        Assert.AreEqual(2, result.Requests);
        var first = handler.Requests[0];
        Assert.AreEqual(new Uri("https://my-ns.servicebus.windows.net/telemetry/messages?timeout=60&api-version=2014-01"), first.Uri);
        Assert.AreEqual("application/vnd.microsoft.servicebus.json; charset=utf-8", first.ContentType);
        Assert.AreEqual(SasTokens.ForEventHubs("https://my-ns.servicebus.windows.net/telemetry", "send", "c2VjcmV0LWtleQ==", Expiry), first.Headers["Authorization"]);
        var events = JsonDocument.Parse(first.Body).RootElement.EnumerateArray().ToArray();
        Assert.HasCount(7, events);
        Assert.AreEqual(Encoding.UTF8.GetString(FleetSimulator.ToJson(readings[0])), events[0].GetProperty("Body").GetString());
        Assert.AreEqual(readings[0].DeviceId, events[0].GetProperty("UserProperties").GetProperty("deviceId").GetString());
        Assert.AreEqual(readings[0].MessageId, events[0].GetProperty("BrokerProperties").GetProperty("MessageId").GetString());
    }

    [TestMethod]
    public async Task IotHubTarget_SendsOneMessagePerReadingWithDeviceToken()
    {
        var time = new FakeTimeProvider(Expiry.AddHours(-1));
        var handler = new RecordingHandler();
        var group = Convert.ToBase64String(Enumerable.Range(0, 32).Select(i => (byte)i).ToArray());
        var target = SimulatorTargets.Create(
            new SimulatorTargetOptions { Kind = SimulatorTargetKind.IotHub, IotHubName = "my-hub", IotHubGroupKey = group },
            new HttpClient(handler),
            time);
        var readings = Readings(1);

        var result = await target.SendAsync(readings, TestContext.CancellationToken);

        Assert.AreEqual(10, result.Requests);
        var pump1 = handler.Requests.Single(r => r.Uri.AbsolutePath == "/devices/pump-001/messages/events");
        Assert.AreEqual("?api-version=2020-03-13", pump1.Uri.Query);
        Assert.AreEqual(
            SasTokens.ForIotHubDevice("my-hub.azure-devices.net/devices/pump-001", SasTokens.DeriveDeviceKey(group, "pump-001"), Expiry),
            pump1.Headers["Authorization"]);
        Assert.AreEqual(readings[0].MessageId, pump1.Headers["iothub-messageid"]);
        Assert.AreEqual("application/json", pump1.Headers["iothub-contenttype"]);
        Assert.AreEqual(Encoding.UTF8.GetString(FleetSimulator.ToJson(readings[0])), pump1.Body);
    }

    [TestMethod]
    public void Create_Throws_WhenOptionsInvalidOrIncomplete()
    {
        using var http = new HttpClient(new RecordingHandler());

        Assert.ThrowsExactly<System.ComponentModel.DataAnnotations.ValidationException>(
            () => SimulatorTargets.Create(new SimulatorTargetOptions { MaxReadingsPerRequest = 0 }, http));
        var missing = Assert.ThrowsExactly<InvalidOperationException>(
            () => SimulatorTargets.Create(new SimulatorTargetOptions { Kind = SimulatorTargetKind.EventHub, EventHubName = "hub" }, http));
        StringAssert.Contains(missing.Message, "EventHubsNamespace");
        Assert.IsInstanceOfType<LocalHostTarget>(SimulatorTargets.Create(new SimulatorTargetOptions(), http));
    }

    private static HttpResponseMessage Backpressure(int seconds)
    {
        var response = new HttpResponseMessage(HttpStatusCode.ServiceUnavailable);
        response.Headers.RetryAfter = new System.Net.Http.Headers.RetryConditionHeaderValue(TimeSpan.FromSeconds(seconds));
        return response;
    }

    private sealed record Recorded(HttpMethod Method, Uri Uri, Dictionary<string, string> Headers, string? ContentType, string Body, DateTimeOffset At);

    /// <summary>Records every request and answers from <see cref="Script"/> (then 200 OK).</summary>
    private sealed class RecordingHandler(TimeProvider? time = null) : HttpMessageHandler
    {
        private readonly ConcurrentQueue<Recorded> _requests = new();

        public Queue<HttpResponseMessage> Script { get; init; } = new();

        public List<Recorded> Requests => [.. _requests];

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var body = request.Content is null ? string.Empty : await request.Content.ReadAsStringAsync(cancellationToken);
            var headers = request.Headers.ToDictionary(h => h.Key, h => string.Join(",", h.Value), StringComparer.OrdinalIgnoreCase);
            _requests.Enqueue(new Recorded(request.Method, request.RequestUri!, headers, request.Content?.Headers.ContentType?.ToString(), body, (time ?? TimeProvider.System).GetUtcNow()));
            lock (Script)
            {
                return Script.Count > 0 ? Script.Dequeue() : new HttpResponseMessage(HttpStatusCode.Created);
            }
        }
    }
}
