using System.Net;
using System.Net.Sockets;
using System.Text.Json;

namespace IoTAnomaly.Cli.Tests.Commands;

/// <summary><c>simulate --target local</c> against a stand-in ingest on loopback that counts what it receives.</summary>
[TestClass]
public sealed class SimulateCommandTests
{
    [TestMethod]
    public async Task Simulate_SendsRateTimesDurationReadings_AndSummarizesInjectedFaults()
    {
        await using var ingest = FakeIngest.Start();

        var (exitCode, stdout, error) = await CliRun.RunAsync(
            "simulate", "--target", "local", "--url", ingest.BaseUrl, "--api-key", "secret-key", "--devices", "20", "--rate", "2000",
            "--duration", "0.6", "--faults", "--fault-rate", "0.02", "--seed", "7", "--batch-size", "50", "--json");

        Assert.AreEqual(0, exitCode, error);
        using var summary = JsonDocument.Parse(CliRun.LastLine(stdout));
        var root = summary.RootElement;
        Assert.AreEqual(1200, root.GetProperty("sent").GetInt64(), "rate × duration readings");
        Assert.AreEqual(1200, ingest.Readings, "the ingest received every reading");
        Assert.AreEqual(ingest.Requests, root.GetProperty("requests").GetInt64());
        Assert.AreEqual(ingest.BadRequests, root.GetProperty("badRequests").GetInt64(), "bodies the target refused");
        Assert.IsTrue(ingest.AllHadApiKey, "x-api-key sent with every request");
        var faulty = root.GetProperty("faultyReadings").EnumerateObject().Sum(static p => p.Value.GetInt64());
        Assert.IsTrue(faulty > 0, "a 2 % episode rate over 60 steps of 20 devices injects faults");
        Assert.IsTrue(root.GetProperty("episodes").EnumerateObject().Any(), "episodes are counted by kind");
        Assert.Contains("readings sent", stdout);
    }

    [TestMethod]
    public async Task Simulate_SendsNoFaults_WithoutFaultsOption()
    {
        await using var ingest = FakeIngest.Start();

        var (exitCode, stdout, error) = await CliRun.RunAsync(
            "simulate", "--url", ingest.BaseUrl, "--devices", "5", "--rate", "1000", "--duration", "0.2", "--json");

        Assert.AreEqual(0, exitCode, error);
        using var summary = JsonDocument.Parse(CliRun.LastLine(stdout));
        Assert.AreEqual(200, summary.RootElement.GetProperty("sent").GetInt64());
        Assert.AreEqual(0, summary.RootElement.GetProperty("malformed").GetInt64());
        Assert.IsFalse(summary.RootElement.GetProperty("faultyReadings").EnumerateObject().Any());
        Assert.AreEqual(0, ingest.BadRequests);
    }

    [TestMethod]
    public async Task Simulate_ExitsOne_WhenTargetAnswersServerError()
    {
        await using var ingest = FakeIngest.Start(HttpStatusCode.InternalServerError);

        var (exitCode, _, error) = await CliRun.RunAsync("simulate", "--url", ingest.BaseUrl, "--rate", "100", "--duration", "0.1");

        Assert.AreEqual(1, exitCode);
        Assert.Contains("500", error);
    }

    [TestMethod]
    [DataRow(new[] { "simulate", "--target", "kafka" }, "kafka")]
    [DataRow(new[] { "simulate", "--rate", "0" }, "--rate")]
    [DataRow(new[] { "simulate", "--duration", "-1" }, "--duration")]
    [DataRow(new[] { "simulate", "--devices", "0" }, "--devices")]
    [DataRow(new[] { "simulate", "--target", "eventhub", "--hub", "h" }, "--namespace")]
    [DataRow(new[] { "simulate", "--target", "eventhub", "--namespace", "n", "--hub", "h" }, "--credential default")]
    [DataRow(new[] { "simulate", "--target", "eventhub", "--namespace", "n", "--hub", "h", "--sas-key-name", "k", "--sas-key", "s", "--credential", "default" }, "--credential default")]
    [DataRow(new[] { "simulate", "--target", "iothub", "--hub", "h" }, "--sas-key")]
    [DataRow(new[] { "simulate", "--credential", "magic" }, "magic")]
    [DataRow(new[] { "simulate", "--url", "localhost-5000" }, "--url")]
    [DataRow(new[] { "simulate", "--rate", "fast" }, "fast")]
    [DataRow(new[] { "simulate", "--rate", "1e9", "--duration", "1e9" }, "at most")]
    public async Task Simulate_ExitsNonZeroWithClearMessage_OnArgumentError(string[] args, string expected)
    {
        var (exitCode, _, error) = await CliRun.RunAsync(args);

        Assert.AreNotEqual(0, exitCode);
        Assert.Contains(expected, error);
    }

    /// <summary>An HTTP listener on a free loopback port standing in for <c>POST /api/telemetry</c>: 400 for bodies that are not JSON, else 202.</summary>
    private sealed class FakeIngest : IAsyncDisposable
    {
        private readonly HttpListener _listener = new();
        private readonly HttpStatusCode? _forced;
        private readonly Task _loop;
        private long _readings;
        private long _requests;
        private long _badRequests;
        private bool _missingKey;

        private FakeIngest(HttpStatusCode? forced)
        {
            _forced = forced;
            var probe = new TcpListener(IPAddress.Loopback, 0);
            probe.Start();
            var port = ((IPEndPoint)probe.LocalEndpoint).Port;
            probe.Stop();
            BaseUrl = $"http://127.0.0.1:{port}/";
            _listener.Prefixes.Add(BaseUrl);
            _listener.Start();
            _loop = Task.Run(LoopAsync);
        }

        public string BaseUrl { get; }

        public long Readings => Interlocked.Read(ref _readings);

        public long Requests => Interlocked.Read(ref _requests);

        public long BadRequests => Interlocked.Read(ref _badRequests);

        public bool AllHadApiKey => !_missingKey && Requests > 0;

        public static FakeIngest Start(HttpStatusCode? forced = null) => new(forced);

        public async ValueTask DisposeAsync()
        {
            _listener.Stop();
            _listener.Close();
            try
            {
                await _loop;
            }
            catch (HttpListenerException)
            {
                // Stopped while waiting for a request.
            }
            catch (ObjectDisposedException)
            {
                // Same.
            }
        }

        private async Task LoopAsync()
        {
            while (_listener.IsListening)
            {
                HttpListenerContext context;
                try
                {
                    context = await _listener.GetContextAsync();
                }
                catch (Exception e) when (e is HttpListenerException or ObjectDisposedException or InvalidOperationException)
                {
                    return;
                }

                using var body = new MemoryStream();
                await context.Request.InputStream.CopyToAsync(body);
                Interlocked.Increment(ref _requests);
                if (context.Request.Headers["x-api-key"] != "secret-key")
                {
                    _missingKey = true;
                }

                var status = _forced ?? Count(body.ToArray());
                context.Response.StatusCode = (int)status;
                context.Response.Close();
            }
        }

        private HttpStatusCode Count(byte[] body)
        {
            try
            {
                using var json = JsonDocument.Parse(body);
                Interlocked.Add(ref _readings, json.RootElement.ValueKind == JsonValueKind.Array ? json.RootElement.GetArrayLength() : 1);
                return HttpStatusCode.Accepted;
            }
            catch (JsonException)
            {
                Interlocked.Increment(ref _readings);
                Interlocked.Increment(ref _badRequests);
                return HttpStatusCode.BadRequest;
            }
        }
    }
}
