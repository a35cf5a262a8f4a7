using System.ComponentModel.DataAnnotations;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using IoTAnomaly.Core.Simulation;

namespace IoTAnomaly.Infrastructure.Simulation;

/// <summary>Where simulated readings go.</summary>
public interface ISimulatorTarget
{
    /// <summary>A short description for logs and progress output (never contains a secret).</summary>
    string Description { get; }

    /// <summary>Sends <paramref name="readings"/>; throws when the target refuses them for good.</summary>
    Task<TargetSendResult> SendAsync(IReadOnlyList<SimulatedReading> readings, CancellationToken cancellationToken);
}

/// <summary>What one <see cref="ISimulatorTarget.SendAsync"/> did.</summary>
/// <param name="Readings">Readings handed over.</param>
/// <param name="Requests">HTTP requests that succeeded or were answered 400 (see <paramref name="BadRequests"/>).</param>
/// <param name="BadRequests">Requests answered 400 Bad Request: bodies the target rejected as a whole (deliberately broken messages).</param>
/// <param name="Retries">Requests repeated after 429/503 (backpressure).</param>
public sealed record TargetSendResult(int Readings, int Requests, int BadRequests, int Retries)
{
    public static TargetSendResult operator +(TargetSendResult a, TargetSendResult b)
        => new(a.Readings + b.Readings, a.Requests + b.Requests, a.BadRequests + b.BadRequests, a.Retries + b.Retries);

    public static TargetSendResult Add(TargetSendResult a, TargetSendResult b) => a + b;

    public static TargetSendResult Empty { get; } = new(0, 0, 0, 0);
}

/// <summary>Which target <see cref="SimulatorTargets.Create"/> builds.</summary>
public enum SimulatorTargetKind
{
    /// <summary>The local host: <c>POST {BaseUrl}/api/telemetry</c>.</summary>
    LocalHost,

    /// <summary>An event hub through the Event Hubs REST API (batch send).</summary>
    EventHub,

    /// <summary>An IoT hub through the device HTTPS API (one message per request).</summary>
    IotHub,
}

/// <summary>
/// Section <c>SimulatorTarget</c>. Secrets (<see cref="SasKey"/>, <see cref="IotHubGroupKey"/>, <see cref="ApiKey"/>)
/// come from the environment or user secrets, never from files in the repository.
/// </summary>
public sealed class SimulatorTargetOptions
{
    public const string SectionName = "SimulatorTarget";

    public SimulatorTargetKind Kind { get; set; } = SimulatorTargetKind.LocalHost;

    /// <summary>Local host base address.</summary>
    public Uri BaseUrl { get; set; } = new("http://localhost:5000");

    /// <summary>Local host key, sent as <c>x-api-key</c>.</summary>
    public string? ApiKey { get; set; }

    /// <summary>Event Hubs namespace: <c>my-ns</c> or <c>my-ns.servicebus.windows.net</c>.</summary>
    public string? EventHubsNamespace { get; set; }

    public string? EventHubName { get; set; }

    /// <summary>SAS policy name (with <see cref="SasKey"/>); when both are empty, an Entra token from <c>DefaultAzureCredential</c> is used.</summary>
    public string? SasKeyName { get; set; }

    public string? SasKey { get; set; }

    /// <summary>IoT hub: <c>my-hub</c> or <c>my-hub.azure-devices.net</c>.</summary>
    public string? IotHubName { get; set; }

    /// <summary>Base64 group enrollment key: each device's key is derived from it (<see cref="SasTokens.DeriveDeviceKey"/>).</summary>
    public string? IotHubGroupKey { get; set; }

    /// <summary>Readings per request (local host array, Event Hubs batch; an Event Hubs batch must stay under 1 MB).</summary>
    [Range(1, 2000)]
    public int MaxReadingsPerRequest { get; set; } = 100;

    /// <summary>Requests in flight at once (IoT Hub sends one reading per request).</summary>
    [Range(1, 256)]
    public int MaxConcurrency { get; set; } = 8;

    /// <summary>Attempts per request when the target answers 429 or 503.</summary>
    [Range(1, 1000)]
    public int MaxAttempts { get; set; } = 20;

    /// <summary>Lifetime of the SAS tokens this process makes.</summary>
    [Range(typeof(TimeSpan), "00:10:00", "7.00:00:00")]
    public TimeSpan TokenLifetime { get; set; } = TimeSpan.FromHours(1);
}

/// <summary>Builds the configured <see cref="ISimulatorTarget"/>.</summary>
public static class SimulatorTargets
{
    public static ISimulatorTarget Create(SimulatorTargetOptions options, HttpClient http, TimeProvider? time = null, Azure.Core.TokenCredential? credential = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(http);
        Validator.ValidateObject(options, new ValidationContext(options), validateAllProperties: true);
        time ??= TimeProvider.System;
        switch (options.Kind)
        {
            case SimulatorTargetKind.LocalHost:
                return new LocalHostTarget(http, options.BaseUrl, options.ApiKey, options.MaxReadingsPerRequest, options.MaxAttempts, time);
            case SimulatorTargetKind.EventHub:
            {
                var ns = Require(options.EventHubsNamespace, nameof(options.EventHubsNamespace));
                var hub = Require(options.EventHubName, nameof(options.EventHubName));
                ITargetAuthorization auth = !string.IsNullOrWhiteSpace(options.SasKeyName) && !string.IsNullOrWhiteSpace(options.SasKey)
                    ? new SasAuthorization((resource, expiry) => SasTokens.ForEventHubs(resource, options.SasKeyName, options.SasKey, expiry), options.TokenLifetime, time)
                    : new EntraAuthorization(credential ?? new Azure.Identity.DefaultAzureCredential(), EntraAuthorization.EventHubsScope);
                return new EventHubTarget(http, ns, hub, auth, options.MaxReadingsPerRequest, options.MaxAttempts, time);
            }

            case SimulatorTargetKind.IotHub:
            {
                var hub = Require(options.IotHubName, nameof(options.IotHubName));
                var groupKey = Require(options.IotHubGroupKey, nameof(options.IotHubGroupKey));
                var auth = new SasAuthorization(
                    (resource, expiry) => SasTokens.ForIotHubDevice(resource, SasTokens.DeriveDeviceKey(groupKey, resource[(resource.LastIndexOf('/') + 1)..]), expiry),
                    options.TokenLifetime,
                    time);
                return new IotHubTarget(http, hub, auth, options.MaxConcurrency, options.MaxAttempts, time);
            }

            default:
                throw new ArgumentOutOfRangeException(nameof(options), options.Kind, "Unknown simulator target.");
        }
    }

    private static string Require(string? value, string name)
        => string.IsNullOrWhiteSpace(value) ? throw new InvalidOperationException($"{SimulatorTargetOptions.SectionName}:{name} is required for this target.") : value;

    /// <summary>
    /// Sends one request (made afresh per attempt), repeating it while the target answers 429 or 503, after its
    /// Retry-After (default one second). 2xx succeeds, 400 is returned as a rejected body, anything else throws.
    /// </summary>
    internal static async Task<(bool BadRequest, int Retries)> SendAsync(
        HttpClient http, Func<CancellationToken, ValueTask<HttpRequestMessage>> request, int maxAttempts, TimeProvider time, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxAttempts, 1);
        for (var attempt = 1; ; attempt++)
        {
            using var message = await request(cancellationToken);
            using var response = await http.SendAsync(message, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
            if (response.IsSuccessStatusCode)
            {
                return (false, attempt - 1);
            }

            if (response.StatusCode == HttpStatusCode.BadRequest)
            {
                return (true, attempt - 1);
            }

            if (response.StatusCode is HttpStatusCode.TooManyRequests or HttpStatusCode.ServiceUnavailable && attempt < maxAttempts)
            {
                await Task.Delay(RetryAfter(response.Headers.RetryAfter, time), time, cancellationToken);
                continue;
            }

            var detail = await response.Content.ReadAsStringAsync(cancellationToken);
            throw new HttpRequestException(
                $"{message.Method} {message.RequestUri?.GetLeftPart(UriPartial.Path)} answered {(int)response.StatusCode} {response.ReasonPhrase} after {attempt} attempt(s): {Truncate(detail, 512)}",
                inner: null,
                response.StatusCode);
        }
    }

    private static TimeSpan RetryAfter(RetryConditionHeaderValue? header, TimeProvider time)
    {
        var delay = header?.Delta ?? (header?.Date is { } date ? date - time.GetUtcNow() : TimeSpan.FromSeconds(1));
        return delay < TimeSpan.Zero ? TimeSpan.Zero : delay > TimeSpan.FromMinutes(1) ? TimeSpan.FromMinutes(1) : delay;
    }

    private static string Truncate(string text, int max) => text.Length <= max ? text : text[..max] + "…";

    internal static ByteArrayContent Json(byte[] body, string mediaType)
    {
        var content = new ByteArrayContent(body);
        content.Headers.ContentType = new MediaTypeHeaderValue(mediaType) { CharSet = "utf-8" };
        return content;
    }

    internal static string HostName(string name, string suffix)
        => name.Contains('.', StringComparison.Ordinal) ? name : name + suffix;

    internal static byte[] EventHubsBatch(IReadOnlyList<SimulatedReading> readings, int start, int count)
    {
        using var stream = new MemoryStream(count * 400);
        using (var writer = new Utf8JsonWriter(stream))
        {
            writer.WriteStartArray();
            for (var i = start; i < start + count; i++)
            {
                var reading = readings[i];
                writer.WriteStartObject();
                writer.WriteString("Body", Encoding.UTF8.GetString(FleetSimulator.ToJson(reading)));
                writer.WriteStartObject("UserProperties");
                writer.WriteString("deviceId", reading.DeviceId);
                writer.WriteEndObject();
                writer.WriteStartObject("BrokerProperties");
                writer.WriteString("MessageId", reading.MessageId);
                writer.WriteString("PartitionKey", reading.DeviceId);
                writer.WriteEndObject();
                writer.WriteEndObject();
            }

            writer.WriteEndArray();
        }

        return stream.ToArray();
    }
}

/// <summary>
/// The local host: <c>POST {baseUrl}/api/telemetry</c> with JSON array bodies built by <see cref="SimulatorJson.BuildBodies"/>
/// (syntactically broken messages alone), header <c>x-api-key</c> when a key is configured.
/// </summary>
public sealed class LocalHostTarget(HttpClient http, Uri baseUrl, string? apiKey = null, int maxReadingsPerRequest = 100, int maxAttempts = 20, TimeProvider? time = null) : ISimulatorTarget
{
    private readonly Uri _endpoint = new(baseUrl ?? throw new ArgumentNullException(nameof(baseUrl)), "api/telemetry");
    private readonly TimeProvider _time = time ?? TimeProvider.System;

    public string Description => "local host " + _endpoint;

    public async Task<TargetSendResult> SendAsync(IReadOnlyList<SimulatedReading> readings, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(readings);
        int requests = 0, bad = 0, retries = 0;
        foreach (var body in SimulatorJson.BuildBodies(readings, maxReadingsPerRequest))
        {
            var (badRequest, retried) = await SimulatorTargets.SendAsync(
                http,
                _ =>
                {
                    var request = new HttpRequestMessage(HttpMethod.Post, _endpoint) { Content = SimulatorTargets.Json(body, "application/json") };
                    if (!string.IsNullOrEmpty(apiKey))
                    {
                        request.Headers.Add("x-api-key", apiKey);
                    }

                    return ValueTask.FromResult(request);
                },
                maxAttempts,
                _time,
                cancellationToken);
            requests++;
            retries += retried;
            bad += badRequest ? 1 : 0;
        }

        return new TargetSendResult(readings.Count, requests, bad, retries);
    }
}

/// <summary>
/// An event hub through the REST batch send: <c>POST https://{namespace}.servicebus.windows.net/{hub}/messages</c>,
/// content type <c>application/vnd.microsoft.servicebus.json</c>, one event per reading
/// (<c>{"Body":"&lt;reading json&gt;","UserProperties":{"deviceId":…},"BrokerProperties":{"MessageId":…,"PartitionKey":…}}</c>),
/// so a broken message is one broken event and never spoils its neighbours. Authorization: SAS or Entra.
/// </summary>
public sealed class EventHubTarget(HttpClient http, string @namespace, string eventHub, ITargetAuthorization authorization, int maxReadingsPerRequest = 100, int maxAttempts = 20, TimeProvider? time = null) : ISimulatorTarget
{
    private const string BatchContentType = "application/vnd.microsoft.servicebus.json";
    private readonly string _resource = $"https://{SimulatorTargets.HostName(@namespace, ".servicebus.windows.net")}/{eventHub}";
    private readonly TimeProvider _time = time ?? TimeProvider.System;

    public string Description => "event hub " + _resource;

    public async Task<TargetSendResult> SendAsync(IReadOnlyList<SimulatedReading> readings, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(readings);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxReadingsPerRequest, 1);
        var endpoint = new Uri(_resource + "/messages?timeout=60&api-version=2014-01");
        int requests = 0, bad = 0, retries = 0;
        for (var start = 0; start < readings.Count; start += maxReadingsPerRequest)
        {
            var body = SimulatorTargets.EventHubsBatch(readings, start, Math.Min(maxReadingsPerRequest, readings.Count - start));
            var (badRequest, retried) = await SimulatorTargets.SendAsync(
                http,
                async ct =>
                {
                    var request = new HttpRequestMessage(HttpMethod.Post, endpoint) { Content = SimulatorTargets.Json(body, BatchContentType) };
                    request.Headers.TryAddWithoutValidation("Authorization", await authorization.GetAsync(_resource, ct));
                    return request;
                },
                maxAttempts,
                _time,
                cancellationToken);
            requests++;
            retries += retried;
            bad += badRequest ? 1 : 0;
        }

        return new TargetSendResult(readings.Count, requests, bad, retries);
    }
}

/// <summary>
/// An IoT hub through the device HTTPS API: <c>POST https://{hub}.azure-devices.net/devices/{deviceId}/messages/events?api-version=2020-03-13</c>,
/// one reading per request, with a device SAS token, <c>iothub-messageid</c>, and content type/encoding set so IoT Hub
/// routing can read the JSON body. Requests run concurrently, at most <c>maxConcurrency</c> at a time.
/// </summary>
public sealed class IotHubTarget(HttpClient http, string hubName, ITargetAuthorization deviceAuthorization, int maxConcurrency = 8, int maxAttempts = 20, TimeProvider? time = null) : ISimulatorTarget
{
    private const string ApiVersion = "2020-03-13";
    private readonly string _host = SimulatorTargets.HostName(hubName, ".azure-devices.net");
    private readonly TimeProvider _time = time ?? TimeProvider.System;

    public string Description => "IoT hub " + _host;

    public async Task<TargetSendResult> SendAsync(IReadOnlyList<SimulatedReading> readings, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(readings);
        int bad = 0, retries = 0;
        await Parallel.ForEachAsync(
            readings,
            new ParallelOptions { MaxDegreeOfParallelism = maxConcurrency, CancellationToken = cancellationToken },
            async (reading, ct) =>
            {
                var resource = $"{_host}/devices/{reading.DeviceId}";
                var endpoint = new Uri($"https://{_host}/devices/{Uri.EscapeDataString(reading.DeviceId)}/messages/events?api-version={ApiVersion}");
                var body = FleetSimulator.ToJson(reading);
                var (badRequest, retried) = await SimulatorTargets.SendAsync(
                    http,
                    async token =>
                    {
                        var request = new HttpRequestMessage(HttpMethod.Post, endpoint) { Content = SimulatorTargets.Json(body, "application/json") };
                        request.Headers.TryAddWithoutValidation("Authorization", await deviceAuthorization.GetAsync(resource, token));
                        request.Headers.Add("iothub-messageid", reading.MessageId);
                        request.Headers.Add("iothub-contenttype", "application/json");
                        request.Headers.Add("iothub-contentencoding", "utf-8");
                        return request;
                    },
                    maxAttempts,
                    _time,
                    ct);
                Interlocked.Add(ref retries, retried);
                if (badRequest)
                {
                    Interlocked.Increment(ref bad);
                }
            });

        return new TargetSendResult(readings.Count, readings.Count, bad, retries);
    }
}
