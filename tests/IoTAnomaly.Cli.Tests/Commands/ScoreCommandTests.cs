using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace IoTAnomaly.Cli.Tests.Commands;

/// <summary>Trains once on simulated normal data with <c>train --output</c>, then scores crafted files with <c>score --model-file</c>.</summary>
[TestClass]
public sealed class ScoreCommandTests
{
    private static string modelFolder = null!;
    private static string workFolder = null!;
    private static Dictionary<string, (double Mean, double StdDev)> sensors = null!;

    public TestContext TestContext { get; set; } = null!;

    [ClassInitialize]
    public static async Task TrainAsync(TestContext context)
    {
        workFolder = CliRun.TempFolder(context);
        modelFolder = Path.Combine(workFolder, "model");
        var (exitCode, _, error) = await CliRun.RunAsync("train", "--synthetic", "3000", "--model", "score-test", "--output", modelFolder);
        Assert.AreEqual(0, exitCode, error);
        using var manifest = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(modelFolder, "manifest.json")));
        sensors = manifest.RootElement.GetProperty("sensors").EnumerateArray().ToDictionary(
            static s => s.GetProperty("name").GetString()!,
            static s => (s.GetProperty("mean").GetDouble(), s.GetProperty("stdDev").GetDouble()));
    }

    [TestMethod]
    public async Task Score_FlagsCraftedAnomaliesOnly_AndRejectsBadReadingsWithCodes()
    {
        var lines = new List<string>
        {
            Reading("pump-001", "n-1", Normal()),
            Reading("pump-002", "n-2", Normal()),
            Reading("pump-003", "n-3", Normal()),
            Reading("pump-004", "a-pressure", Normal(("Pressure", 12))),
            Reading("pump-005", "a-temperature", Normal(("Temperature", -12))),
            Reading("pump-006", "r-string", Normal(), replace: ("Current", JsonValue.Create("oops"))),
            Reading("pump-007", "r-nan", Normal(), replace: ("Voltage", JsonValue.Create("NaN"))),
            Reading("pump-008", "r-unknown", Normal(), replace: ("Humidity", JsonValue.Create(40.0))),
            Reading("pump-009", "r-bounds", Normal(), replace: ("Pressure", JsonValue.Create(1e9))),
            Reading(null, "r-device", Normal()),
            "{\"deviceId\": \"pump-010\", \"readings\": {broken",
            Reading("pump-001", "n-1", Normal()),
        };
        var file = Write("mixed.ndjson", string.Join('\n', lines) + "\n");

        var (exitCode, stdout, error) = await CliRun.RunAsync("score", "--model-file", modelFolder, "--input", file, "--json");

        Assert.AreEqual(0, exitCode, error);
        using var result = JsonDocument.Parse(CliRun.LastLine(stdout));
        var root = result.RootElement;
        var readings = root.GetProperty("readings").EnumerateArray().ToArray();
        Assert.AreEqual(12, root.GetProperty("received").GetInt32());
        Assert.AreEqual(12, readings.Length, "every reading ends as scored or rejected");
        Assert.AreEqual(5, root.GetProperty("scored").GetInt32());
        Assert.AreEqual(7, root.GetProperty("rejected").GetInt32());
        Assert.AreEqual(2, root.GetProperty("anomalies").GetInt32());

        var byMessage = readings.Where(static r => r.GetProperty("messageId").GetString()!.Length < 16).GroupBy(static r => r.GetProperty("messageId").GetString()!)
            .ToDictionary(static g => g.Key, static g => g.First());
        foreach (var normal in new[] { "n-1", "n-2", "n-3" })
        {
            Assert.IsFalse(byMessage[normal].GetProperty("isAnomaly").GetBoolean(), normal);
        }

        Assert.IsTrue(byMessage["a-pressure"].GetProperty("isAnomaly").GetBoolean());
        Assert.AreEqual("Pressure", byMessage["a-pressure"].GetProperty("topContributors")[0].GetProperty("sensor").GetString());
        Assert.IsTrue(byMessage["a-temperature"].GetProperty("isAnomaly").GetBoolean());
        Assert.AreEqual("Temperature", byMessage["a-temperature"].GetProperty("topContributors")[0].GetProperty("sensor").GetString());
        Assert.AreEqual("non-numeric-value", byMessage["r-string"].GetProperty("rejected").GetString());
        Assert.AreEqual("non-finite-value", byMessage["r-nan"].GetProperty("rejected").GetString());
        Assert.AreEqual("unknown-sensor", byMessage["r-unknown"].GetProperty("rejected").GetString());
        Assert.AreEqual("out-of-bounds", byMessage["r-bounds"].GetProperty("rejected").GetString());
        Assert.AreEqual("missing-device-id", byMessage["r-device"].GetProperty("rejected").GetString());
        Assert.AreEqual("malformed-json", readings[10].GetProperty("rejected").GetString());
        Assert.AreEqual("duplicate-message", readings[11].GetProperty("rejected").GetString());

        // The human lines: one per reading, then the summary.
        Assert.AreEqual(12, stdout.Split('\n').Count(static l => l.StartsWith('#')), "one line per reading");
        Assert.Contains("a-pressure score", stdout);
        Assert.Contains("ANOMALY", stdout);
        Assert.Contains("r-bounds REJECTED out-of-bounds", stdout);
        Assert.Contains("12 readings: 5 scored, 2 anomalies, 7 rejected", stdout);
    }

    [TestMethod]
    public async Task Score_ScoresEventHubsBatchAndJsonArray_AsOneBodyEach()
    {
        var bodies = new JsonArray();
        for (var i = 0; i < 3; i++)
        {
            bodies.Add(new JsonObject
            {
                ["Body"] = Reading($"pump-{i:D3}", $"eh-{i}", Normal()),
                ["UserProperties"] = new JsonObject(),
                ["BrokerProperties"] = new JsonObject { ["PartitionKey"] = $"pump-{i:D3}" },
            });
        }

        var batchFile = Write("batch.json", bodies.ToJsonString());
        var arrayFile = Write("array.json", "[\n" + string.Join(",\n", Enumerable.Range(0, 4).Select(i => Reading($"pump-{i:D3}", $"arr-{i}", Normal()))) + "\n]");

        var batch = await CliRun.RunAsync("score", "--model-file", modelFolder, "--input", batchFile, "--json");
        var array = await CliRun.RunAsync("score", "--model-file", modelFolder, "--input", arrayFile, "--json");

        Assert.AreEqual(0, batch.ExitCode, batch.Error);
        Assert.AreEqual(0, array.ExitCode, array.Error);
        using var batchJson = JsonDocument.Parse(CliRun.LastLine(batch.Out));
        using var arrayJson = JsonDocument.Parse(CliRun.LastLine(array.Out));
        Assert.AreEqual(3, batchJson.RootElement.GetProperty("scored").GetInt32());
        Assert.AreEqual(4, arrayJson.RootElement.GetProperty("scored").GetInt32());
        Assert.AreEqual("eh-2", batchJson.RootElement.GetProperty("readings")[2].GetProperty("messageId").GetString());
    }

    [TestMethod]
    public async Task Score_RejectsOldReadingsAsTooOld_WhenMaxAgeIsShort()
    {
        var file = Write("old.ndjson", Reading("pump-001", "old-1", Normal()) + "\n" + Reading("pump-002", "old-2", Normal()) + "\n");

        var (defaultExit, defaultOut, _) = await CliRun.RunAsync("score", "--model-file", modelFolder, "--input", file, "--json");
        var (exitCode, stdout, error) = await CliRun.RunAsync("score", "--model-file", modelFolder, "--input", file, "--max-age", "1.00:00:00", "--json");

        Assert.AreEqual(0, defaultExit);
        Assert.AreEqual(2, JsonDocument.Parse(CliRun.LastLine(defaultOut)).RootElement.GetProperty("scored").GetInt32(), "2020 readings are accepted by default");
        Assert.AreEqual(0, exitCode, error);
        using var result = JsonDocument.Parse(CliRun.LastLine(stdout));
        Assert.AreEqual(2, result.RootElement.GetProperty("rejectedByReason").GetProperty("timestamp-too-old").GetInt32());
    }

    [TestMethod]
    public async Task Score_ExitsOne_WhenModelFolderLacksBundle()
    {
        var empty = CliRun.TempFolder(TestContext);
        var file = Write("one.ndjson", Reading("pump-001", "x-1", Normal()));

        var (exitCode, _, error) = await CliRun.RunAsync("score", "--model-file", empty, "--input", file);

        Assert.AreEqual(1, exitCode);
        Assert.Contains("model.zip", error);
    }

    [TestMethod]
    public async Task Score_ExitsOne_WhenModelZipDoesNotMatchManifest()
    {
        var tampered = CliRun.TempFolder(TestContext);
        File.Copy(Path.Combine(modelFolder, "manifest.json"), Path.Combine(tampered, "manifest.json"));
        var zip = File.ReadAllBytes(Path.Combine(modelFolder, "model.zip"));
        zip[^1] ^= 0xFF;
        File.WriteAllBytes(Path.Combine(tampered, "model.zip"), zip);
        var file = Write("two.ndjson", Reading("pump-001", "x-1", Normal()));

        var (exitCode, _, error) = await CliRun.RunAsync("score", "--model-file", tampered, "--input", file);

        Assert.AreEqual(1, exitCode);
        Assert.Contains("does not match the manifest", error);
    }

    [TestMethod]
    [DataRow(new[] { "score", "--input", "x.json" }, "exactly one of --model-file and --model")]
    [DataRow(new[] { "score", "--model-file", ".", "--model", "m", "--input", "x.json" }, "exactly one of --model-file and --model")]
    [DataRow(new[] { "score", "--model-file", "." }, "--input")]
    [DataRow(new[] { "score", "--model-file", ".", "--input", "/no/such/readings.json" }, "does not exist")]
    [DataRow(new[] { "score", "--model-file", ".", "--version", "v", "--input", "x.json" }, "--version needs --model")]
    [DataRow(new[] { "score", "--model-file", ".", "--input", "x.json", "--max-age", "soon" }, "soon")]
    public async Task Score_ExitsNonZeroWithClearMessage_OnArgumentError(string[] args, string expected)
    {
        var (exitCode, _, error) = await CliRun.RunAsync(args);

        Assert.AreNotEqual(0, exitCode);
        Assert.Contains(expected, error);
    }

    private static JsonObject Normal(params (string Sensor, double Sigmas)[] shifts)
    {
        var readings = new JsonObject();
        foreach (var (name, (mean, std)) in sensors)
        {
            var shift = shifts.FirstOrDefault(s => s.Sensor == name).Sigmas;
            readings[name] = mean + (shift * std);
        }

        return readings;
    }

    private static string Reading(string? deviceId, string messageId, JsonObject readings, (string Sensor, JsonNode Value)? replace = null)
    {
        if (replace is { } r)
        {
            readings[r.Sensor] = r.Value;
        }

        var reading = new JsonObject();
        if (deviceId is not null)
        {
            reading["deviceId"] = deviceId;
        }

        reading["timestamp"] = new DateTimeOffset(2020, 3, 9, 10, 14, 33, TimeSpan.Zero).ToString("O", CultureInfo.InvariantCulture);
        reading["messageId"] = messageId;
        reading["readings"] = readings;
        return reading.ToJsonString();
    }

    private static string Write(string name, string content)
    {
        var path = Path.Combine(workFolder, Guid.NewGuid().ToString("N") + "-" + name);
        File.WriteAllText(path, content, new UTF8Encoding(false));
        return path;
    }
}
