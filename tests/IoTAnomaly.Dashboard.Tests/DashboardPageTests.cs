using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using IoTAnomaly.Core.Capture;
using IoTAnomaly.Core.Detection;
using IoTAnomaly.Core.Models;
using IoTAnomaly.Core.Simulation;
using Microsoft.Playwright;

namespace IoTAnomaly.Dashboard.Tests;

/// <summary>The dashboard in a real browser against the real host: it loads, it follows the stream, and Approve works.</summary>
[TestClass]
public sealed class DashboardPageTests
{
    /// <summary>Generous: the machine is shared; every wait polls and returns as soon as the condition holds.</summary>
    private static readonly float Timeout = 60_000;

    public TestContext TestContext { get; set; } = null!;

    [TestMethod]
    public async Task Page_LoadsEverySectionAndForgetsFragment_WhenOpenedWithKey()
    {
        await using var host = new DashboardHost();
        host.LoadFakeModel("fake-shell-v1");
        var page = await NewPageAsync();

        await page.GotoAsync(host.DashboardUrl.ToString());

        await Assertions.Expect(page.GetByTestId("connection")).ToHaveTextAsync("live", new() { Timeout = Timeout });
        await Assertions.Expect(page.GetByTestId("model-version")).ToHaveTextAsync("fake-shell-v1", new() { Timeout = Timeout });
        foreach (var title in new[] { "Readings / s", "Anomaly rate", "Devices", "Recent anomalies", "Drift per sensor", "Models", "Audit trail", "Retraining runs" })
        {
            await Assertions.Expect(page.GetByText(title, new() { Exact = true })).ToBeVisibleAsync();
        }

        Assert.DoesNotContain(DashboardHost.ApiKey, page.Url, "the key is removed from the address bar once read");
        Assert.AreEqual(DashboardHost.ApiKey, await page.EvaluateAsync<string>("() => sessionStorage.getItem('iotanomaly.apiKey')"));
        await SaveScreenshotAsync(page, "dashboard-empty.png");
    }

    [TestMethod]
    public async Task Page_AsksForKeyAndThenGoesLive_WhenOpenedWithoutKey()
    {
        await using var host = new DashboardHost();
        host.LoadFakeModel();
        var page = await NewPageAsync();

        await page.GotoAsync(host.BaseAddress.ToString());
        await Assertions.Expect(page.Locator("#key-form")).ToBeVisibleAsync(new() { Timeout = Timeout });
        await page.FillAsync("#key-input", "wrong-key");
        await page.ClickAsync("#key-form button[type=submit]");
        await Assertions.Expect(page.GetByTestId("connection")).ToHaveTextAsync("API key rejected", new() { Timeout = Timeout });

        await page.FillAsync("#key-input", DashboardHost.ApiKey);
        await page.ClickAsync("#key-form button[type=submit]");
        await Assertions.Expect(page.GetByTestId("connection")).ToHaveTextAsync("live", new() { Timeout = Timeout });
        await Assertions.Expect(page.Locator("#key-form")).ToBeHiddenAsync();
    }

    [TestMethod]
    public async Task Page_UpdatesCountersDevicesAndAnomalies_WhileTelemetryStreams()
    {
        await using var host = new DashboardHost();
        host.LoadFakeModel();
        using var client = host.CreateApiClient();
        var page = await NewPageAsync();
        await page.GotoAsync(host.DashboardUrl.ToString());
        await Assertions.Expect(page.GetByTestId("connection")).ToHaveTextAsync("live", new() { Timeout = Timeout });
        await Assertions.Expect(page.GetByTestId("received")).ToHaveTextAsync("0", new() { Timeout = Timeout });

        // Three waves while the page is open; after each, the page must show exactly what the host processed.
        var sent = 0;
        for (var wave = 1; wave <= 3; wave++)
        {
            var lines = new StringBuilder();
            for (var i = 0; i < 100; i++)
            {
                var n = sent + i;
                var anomalous = i == 42; // one anomaly per wave, on pump-w{wave}
                lines.Append(Reading($"pump-w{wave}", $"w{wave}-{i}", t: anomalous ? 9 : 0.5 + (n * 0.001), p: 0.1 + (n * 0.002), v: -0.2 - (n * 0.003))).Append('\n');
            }

            lines.Append("{not json\n"); // one rejection per wave (malformed-json)
            using (var response = await client.PostAsync(new Uri("/api/telemetry", UriKind.Relative), new StringContent(lines.ToString(), Encoding.UTF8, "application/x-ndjson")))
            {
                Assert.AreEqual(HttpStatusCode.Accepted, response.StatusCode);
            }

            sent += 101;
            var expected = sent.ToString("#,0", NumberFormatInfo.InvariantInfo); // the page formats en-US: 1,234
            await Assertions.Expect(page.GetByTestId("received")).ToHaveTextAsync(expected, new() { Timeout = Timeout });
            await Assertions.Expect(page.GetByTestId("anomalies")).ToHaveTextAsync(wave.ToString(CultureInfo.InvariantCulture), new() { Timeout = Timeout });
            await Assertions.Expect(page.Locator($"#devices tr[data-device='pump-w{wave}'] td").Nth(1)).ToHaveTextAsync("100", new() { Timeout = Timeout });
            await Assertions.Expect(page.Locator($"#recent-anomalies tr[data-device='pump-w{wave}']")).ToContainTextAsync("temperature", new() { Timeout = Timeout });
            await Assertions.Expect(page.Locator("#reasons [data-reason='malformed-json']")).ToHaveTextAsync("malformed-json " + wave.ToString(CultureInfo.InvariantCulture), new() { Timeout = Timeout });
        }

        // The live rate is the host's readings/s over about ten seconds: while the waves arrived it was above zero at least once.
        var points = await page.Locator("#readings-spark polyline").GetAttributeAsync("points");
        Assert.IsFalse(string.IsNullOrEmpty(points), "the readings/s sparkline has points");
        Assert.IsTrue(points!.Split(' ').Select(p => double.Parse(p.Split(',')[1], CultureInfo.InvariantCulture)).Any(y => y < 29), "some sample above zero: " + points);
        await SaveScreenshotAsync(page, "dashboard-streaming.png");
    }

    [TestMethod]
    public async Task Approve_PromotesChallenger_WhenClickedInPage()
    {
        await using var host = new DashboardHost(new Dictionary<string, string?>
        {
            // Captured promptly, looked back far enough, enough rows for a small fleet; no out-of-range flags, so the
            // window keeps the readings the (deliberately wrong) champion calls anomalous.
            ["LocalHost:CaptureWindow"] = "00:00:00.200",
            ["LocalHost:CaptureMaxEvents"] = "500",
            ["Retraining:LookBack"] = "00:30:00",
            ["Retraining:MinTrainingRows"] = "1000",
            ["Scoring:OutOfRangeMargin"] = "100",
            ["ModelLoader:PollInterval"] = "00:00:00.500",
            ["Drift:Schedule"] = "*/2 * * * * *",
            ["Drift:Window"] = "00:30:00",
            ["Drift:FlushInterval"] = "00:00:01",
            ["Drift:MinSamples"] = "200",
        });
        using var client = host.CreateApiClient();

        // A champion trained on data 4 σ away from what the fleet sends: a challenger trained on the fleet beats it.
        var champion = await RegisterShiftedChampionAsync(host);
        await WaitUntilAsync(async () => (await client.GetFromJsonAsync<JsonElement>(new Uri("/api/stats", UriKind.Relative))).GetProperty("modelVersion").GetString() == champion, "the champion is loaded");

        var now = DateTimeOffset.UtcNow;
        var readings = new FleetSimulator(new SimulatorOptions
        {
            DeviceCount = 10,
            Seed = 21,
            RunId = "dash" + now.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture),
            StartTime = now.AddSeconds(-300),
            FaultRate = 0,
            MalformedRate = 0,
        }).NextSteps(300);
        foreach (var body in SimulatorJson.BuildBodies(readings, 100))
        {
            using var response = await client.PostAsync(new Uri("/api/telemetry", UriKind.Relative), new ByteArrayContent(body) { Headers = { ContentType = new("application/json") } });
            Assert.AreEqual(HttpStatusCode.Accepted, response.StatusCode);
        }

        var capture = host.Get<ICaptureReader>();
        await WaitUntilAsync(
            async () =>
            {
                var events = 0;
                await foreach (var _ in capture.ReadAsync(now.AddHours(-1), DateTimeOffset.UtcNow.AddMinutes(1), TestContext.CancellationToken))
                {
                    events++;
                }

                return events >= readings.Count;
            },
            "every reading is in capture (the training window)");

        var page = await NewPageAsync();
        await page.GotoAsync(host.DashboardUrl.ToString());
        await Assertions.Expect(page.GetByTestId("connection")).ToHaveTextAsync("live", new() { Timeout = Timeout });

        using var start = await client.PostAsJsonAsync(new Uri("/api/retraining", UriKind.Relative), new { mode = "approval", reason = "dashboard browser test" });
        Assert.AreEqual(HttpStatusCode.Accepted, start.StatusCode, await start.Content.ReadAsStringAsync());
        var id = (await start.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;

        var approve = page.Locator($"#retraining tr[data-run='{id}'] button[data-action='approve']");
        try
        {
            await Assertions.Expect(approve).ToBeVisibleAsync(new() { Timeout = 180_000 });
        }
        catch (PlaywrightException ex)
        {
            Assert.Fail("The run never waited for approval: " + await client.GetStringAsync(new Uri("/api/retraining/" + id, UriKind.Relative)) + " — " + ex.Message);
        }

        var waiting = await client.GetFromJsonAsync<JsonElement>(new Uri("/api/retraining/" + id, UriKind.Relative));
        Assert.AreEqual("waiting-for-approval", waiting.GetProperty("customStatus").GetProperty("stage").GetString());
        var challenger = waiting.GetProperty("customStatus").GetProperty("detail").GetProperty("challenger").GetProperty("version").GetString();
        Assert.IsNotNull(challenger);
        await SaveScreenshotAsync(page, "dashboard-awaiting-approval.png");

        await approve.ClickAsync();

        JsonElement run = default;
        await WaitUntilAsync(
            async () =>
            {
                run = await client.GetFromJsonAsync<JsonElement>(new Uri("/api/retraining/" + id, UriKind.Relative));
                return run.GetProperty("runtimeStatus").GetString() is "Completed" or "Failed";
            },
            "the approved run finishes");
        Assert.AreEqual("Completed", run.GetProperty("runtimeStatus").GetString(), run.ToString());
        var output = run.GetProperty("output");
        Assert.AreEqual("promoted", output.GetProperty("decision").GetString(), output.ToString());
        Assert.AreEqual(challenger, output.GetProperty("challengerVersion").GetString());
        StringAssert.StartsWith(output.GetProperty("reason").GetString(), "Approved by dashboard");
        var pointer = await host.Get<IModelRegistry>().GetPointerAsync(host.ModelName, ModelRole.Champion, TestContext.CancellationToken);
        Assert.AreEqual(challenger, pointer?.Version);

        // The page follows: the run shows as promoted, the new champion and its audit entry appear, no button is left.
        var row = page.Locator($"#retraining tr[data-run='{id}']");
        await Assertions.Expect(row.Locator("[data-field='decision']")).ToHaveTextAsync("promoted", new() { Timeout = Timeout });
        await Assertions.Expect(row.Locator("button")).ToHaveCountAsync(0);
        await Assertions.Expect(page.GetByTestId("champion")).ToHaveTextAsync(challenger!, new() { Timeout = Timeout });
        await Assertions.Expect(page.Locator("#audit tbody tr").First).ToContainTextAsync("dashboard", new() { Timeout = Timeout });
        await Assertions.Expect(page.GetByTestId("model-version")).ToHaveTextAsync(challenger!, new() { Timeout = Timeout });
        await SaveScreenshotAsync(page, "dashboard.png");
    }

    private static async Task<string> RegisterShiftedChampionAsync(DashboardHost host)
    {
        var options = new SimulatorOptions { DeviceCount = 10, Seed = 7, RunId = "champion", StartTime = DateTimeOffset.UtcNow.AddDays(-2), FaultRate = 0, MalformedRate = 0 };
        var readings = new FleetSimulator(options).NextSteps(400);
        var d = FleetSimulator.SensorNames.Count;
        var rows = PcaTrainingRequest.Flatten(readings.Select(r => r.Values).ToArray(), d).ToArray();
        var n = readings.Count;
        for (var s = 0; s < d; s++)
        {
            double sum = 0, sq = 0;
            for (var r = 0; r < n; r++)
            {
                sum += rows[(r * d) + s];
            }

            var mean = sum / n;
            for (var r = 0; r < n; r++)
            {
                sq += Math.Pow(rows[(r * d) + s] - mean, 2);
            }

            var shift = 4 * Math.Sqrt(sq / (n - 1));
            for (var r = 0; r < n; r++)
            {
                rows[(r * d) + s] += shift;
            }
        }

        var trained = new PcaDetectorTrainer().Train(new PcaTrainingRequest
        {
            ModelName = host.ModelName,
            Sensors = FleetSimulator.SensorNames,
            Rows = rows,
            CreatedAt = options.StartTime,
            Source = "test:shifted-simulator",
        });
        var registry = host.Get<IModelRegistry>();
        await registry.RegisterAsync(trained.Manifest, trained.ModelZip, "test", CancellationToken.None);
        await registry.PromoteAsync(host.ModelName, trained.Manifest.Version, "initial champion (4 sigma off)", "test", null, CancellationToken.None);
        return trained.Manifest.Version;
    }

    private static string Reading(string device, string messageId, double t, double p, double v)
        => "{\"deviceId\":\"" + device + "\",\"timestamp\":\"" + DateTimeOffset.UtcNow.AddSeconds(-1).ToString("O", CultureInfo.InvariantCulture) + "\",\"messageId\":\"" + messageId + "\""
           + ",\"readings\":{\"temperature\":" + t.ToString("R", CultureInfo.InvariantCulture)
           + ",\"pressure\":" + p.ToString("R", CultureInfo.InvariantCulture)
           + ",\"vibration\":" + v.ToString("R", CultureInfo.InvariantCulture) + "}}";

    private async Task WaitUntilAsync(Func<Task<bool>> condition, string what)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(TestContext.CancellationToken);
        timeout.CancelAfter(TimeSpan.FromMinutes(3));
        while (!await condition())
        {
            try
            {
                await Task.Delay(100, timeout.Token);
            }
            catch (OperationCanceledException)
            {
                Assert.Fail("Timed out waiting until " + what + ".");
            }
        }
    }

    private async Task<IPage> NewPageAsync()
    {
        var browser = await Browser.GetAsync();
        var context = await browser.NewContextAsync(new BrowserNewContextOptions { ViewportSize = new ViewportSize { Width = 1440, Height = 1000 }, Locale = "en-US", TimezoneId = "UTC" });
        TestContext.CancellationToken.Register(() => _ = context.CloseAsync());
        var page = await context.NewPageAsync();
        page.SetDefaultTimeout(Timeout);
        return page;
    }

    /// <summary>Keeps a screenshot under the test's output directory (screenshots/) and attaches it to the test result.</summary>
    private async Task SaveScreenshotAsync(IPage page, string name)
    {
        var directory = Path.Combine(AppContext.BaseDirectory, "screenshots");
        Directory.CreateDirectory(directory);
        var path = Path.Combine(directory, name);
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = path, FullPage = true });
        TestContext.AddResultFile(path);
    }
}
