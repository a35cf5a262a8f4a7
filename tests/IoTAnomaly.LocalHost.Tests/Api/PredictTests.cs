using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using IoTAnomaly.Core.Processing;
using IoTAnomaly.LocalHost.Api;

namespace IoTAnomaly.LocalHost.Tests.Api;

[TestClass]
public sealed class PredictTests
{
    private static LocalHostFactory _factory = null!;
    private static HttpClient _client = null!;

    [ClassInitialize]
    public static void Initialize(TestContext _)
    {
        _factory = new LocalHostFactory();
        _client = _factory.CreateApiClient();
        _factory.LoadFakeModel("fake-predict");
    }

    [ClassCleanup]
    public static async Task CleanupAsync()
    {
        _client.Dispose();
        await _factory.DisposeAsync();
    }

    [TestMethod]
    public async Task Predict_ReturnsScoreSeverityContributionsAndVersion_WhenReadingsAreValid()
    {
        var body = "[" + LocalHostFactory.Reading("pump-1", "p-1", t: 0.5, p: -0.2, v: 0.1) + "," + LocalHostFactory.Reading("pump-2", "p-2", t: 10, p: 0, v: 0) + "]";

        using var response = await _client.PostAsync(new Uri("/api/predict", UriKind.Relative), LocalHostFactory.Json(body));

        Assert.AreEqual(HttpStatusCode.OK, response.StatusCode);
        var result = await response.Content.ReadFromJsonAsync<PredictionResponse>();
        Assert.IsNotNull(result);
        Assert.AreEqual("fake-predict", result.ModelVersion);
        Assert.AreEqual(2, result.Count);
        var normal = result.Results[0];
        Assert.AreEqual("pump-1", normal.DeviceId);
        Assert.AreEqual("p-1", normal.MessageId);
        Assert.IsFalse(normal.IsAnomaly);
        Assert.AreEqual("None", normal.Severity);
        var anomalous = result.Results[1];
        Assert.IsTrue(anomalous.IsAnomaly);
        Assert.AreEqual("Medium", anomalous.Severity, "|z| = 10 against a threshold of 4 is a score of 2.5");
        Assert.AreEqual(2.5, anomalous.Score, 1e-9);
        CollectionAssert.AreEquivalent(LocalHostFactory.Sensors, anomalous.Contributions.Keys.ToArray());
        Assert.AreEqual(1.0, anomalous.Contributions["temperature"], 1e-6);
        Assert.AreEqual(1.0, normal.Contributions.Values.Sum(), 1e-4);
    }

    [TestMethod]
    public async Task Predict_DoesNotWriteSinksOrDeviceState_WhenScoringAdHoc()
    {
        using var response = await _client.PostAsync(new Uri("/api/predict", UriKind.Relative), LocalHostFactory.Json(LocalHostFactory.Reading("pump-adhoc", "p-9", t: 9)));
        Assert.AreEqual(HttpStatusCode.OK, response.StatusCode);
        var stats = await _client.GetFromJsonAsync<StatsResponse>(new Uri("/api/stats", UriKind.Relative));
        Assert.AreEqual(0, stats!.Received);
        Assert.AreEqual(0, stats.Anomalies);
        var devices = await _client.GetFromJsonAsync<List<DeviceRow>>(new Uri("/api/devices", UriKind.Relative));
        Assert.IsTrue(devices!.All(d => d.Scored == 0));
    }

    [TestMethod]
    public async Task Predict_Answers400WithReasonCodes_WhenAnyReadingIsInvalid()
    {
        var body = "[" + LocalHostFactory.Reading("pump-1", "p-1") + ","
            + "{\"deviceId\":\"pump-2\",\"timestamp\":\"" + DateTimeOffset.UtcNow.ToString("O", System.Globalization.CultureInfo.InvariantCulture) + "\",\"readings\":{\"temperature\":\"hot\",\"pressure\":1,\"vibration\":1}},"
            + "{\"timestamp\":\"2026-01-01T00:00:00Z\"}]";

        using var response = await _client.PostAsync(new Uri("/api/predict", UriKind.Relative), LocalHostFactory.Json(body));

        Assert.AreEqual(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.AreEqual("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        using var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var reasons = problem.RootElement.GetProperty("reasons").EnumerateArray().Select(r => r.GetString()).ToArray();
        CollectionAssert.Contains(reasons, "non-numeric-value");
        CollectionAssert.Contains(reasons, "missing-device-id");
        var errors = problem.RootElement.GetProperty("errors").EnumerateArray().ToArray();
        Assert.HasCount(2, errors);
        Assert.AreEqual(1, errors[0].GetProperty("index").GetInt32());
        Assert.AreEqual("pump-2", errors[0].GetProperty("deviceId").GetString());
    }

    [TestMethod]
    public async Task Predict_Answers400_WhenBodyIsMalformed()
    {
        using var response = await _client.PostAsync(new Uri("/api/predict", UriKind.Relative), LocalHostFactory.Json("{\"deviceId\":"));
        Assert.AreEqual(HttpStatusCode.BadRequest, response.StatusCode);
        using var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.AreEqual("malformed-json", problem.RootElement.GetProperty("reasons")[0].GetString());
    }
}
