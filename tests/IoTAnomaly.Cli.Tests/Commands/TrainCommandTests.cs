using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using IoTAnomaly.Testing;

namespace IoTAnomaly.Cli.Tests.Commands;

[TestClass]
public sealed class TrainCommandTests
{
    public TestContext TestContext { get; set; } = null!;

    [TestMethod]
    public async Task Train_ModelTypePca_TrainsTheEarlierType()
    {
        var (exitCode, stdout, error) = await CliRun.RunAsync(
            "train", "--synthetic", "1000", "--model", "pca-test", "--model-type", "pca-t2q", "--output", CliRun.TempFolder(TestContext), "--json");

        Assert.AreEqual(0, exitCode, error);
        using var summary = JsonDocument.Parse(CliRun.LastLine(stdout));
        Assert.AreEqual("pca-t2q", summary.RootElement.GetProperty("modelType").GetString());
        Assert.IsTrue(summary.RootElement.GetProperty("rank").GetInt32() is >= 1 and < 8);

        var (unknown, _, message) = await CliRun.RunAsync("train", "--synthetic", "1000", "--model", "x", "--model-type", "lstm", "--output", CliRun.TempFolder(TestContext));
        Assert.AreNotEqual(0, unknown);
        Assert.Contains("lstm", message);
    }

    [TestMethod]
    public async Task Train_WritesBundleAndPrintsSummary_OnSyntheticData()
    {
        var output = Path.Combine(CliRun.TempFolder(TestContext), "model");

        var (exitCode, stdout, error) = await CliRun.RunAsync("train", "--synthetic", "1000", "--model", "synthetic-test", "--output", output, "--json");

        Assert.AreEqual(0, exitCode, error);
        using var summary = JsonDocument.Parse(CliRun.LastLine(stdout));
        var root = summary.RootElement;
        Assert.AreEqual("synthetic-test", root.GetProperty("model").GetString());
        Assert.AreEqual(1000, root.GetProperty("rows").GetInt32());
        Assert.AreEqual("ridge-residual", root.GetProperty("modelType").GetString(), "the default model type");
        Assert.AreEqual(0, root.GetProperty("rank").GetInt32(), "rank is a pca-t2q figure");
        Assert.AreEqual(8, root.GetProperty("sensors").GetArrayLength());
        Assert.IsFalse(root.GetProperty("registered").GetBoolean());

        var version = root.GetProperty("version").GetString()!;
        Assert.Contains(version, stdout, "human summary before the JSON line");
        Assert.Contains("Q limit", stdout);
        using var manifest = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(output, "manifest.json")));
        Assert.AreEqual(version, manifest.RootElement.GetProperty("version").GetString());
        Assert.AreEqual(
            Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(Path.Combine(output, "model.zip")))),
            manifest.RootElement.GetProperty("modelSha256").GetString());
        Assert.AreEqual(root.GetProperty("dataSha256").GetString(), manifest.RootElement.GetProperty("training").GetProperty("dataSha256").GetString());
    }

    [TestMethod]
    public async Task Train_UsesOnlyChosenSensors_WhenSensorsGiven()
    {
        var output = CliRun.TempFolder(TestContext);

        var (exitCode, stdout, error) = await CliRun.RunAsync(
            "train", "--synthetic", "500", "--model", "subset", "--sensors", "Current,Voltage,Pressure", "--output", output, "--json");

        Assert.AreEqual(0, exitCode, error);
        using var summary = JsonDocument.Parse(CliRun.LastLine(stdout));
        CollectionAssert.AreEqual(
            new[] { "Current", "Voltage", "Pressure" },
            summary.RootElement.GetProperty("sensors").EnumerateArray().Select(static s => s.GetString()).ToArray());
    }

    [TestMethod]
    public async Task Train_ExcludesAnomalyRowsAndReadsWindow_OnCommaSeparatedCsv()
    {
        var folder = CliRun.TempFolder(TestContext);
        var csv = new StringBuilder("timestamp,a,b,c,anomaly\n");
        var start = new DateTimeOffset(2025, 5, 1, 0, 0, 0, TimeSpan.Zero);
        var kept = new List<double[]>();
        for (var i = 0; i < 120; i++)
        {
            var anomaly = i % 10 == 3;
            double[] row = [Math.Sin(i * 0.3) + (i % 7 * 0.01), Math.Cos(i * 0.2) + (i % 5 * 0.02), (i % 11) * 0.1];
            if (anomaly)
            {
                row[0] = 1000;
            }
            else
            {
                kept.Add(row);
            }

            csv.Append(CultureInfo.InvariantCulture, $"{start.AddSeconds(i):yyyy-MM-dd HH:mm:ss},{row[0]:R},{row[1]:R},{row[2]:R},{(anomaly ? 1 : 0)}\n");
        }

        var file = Path.Combine(folder, "data.csv");
        File.WriteAllText(file, csv.ToString());

        var (exitCode, stdout, error) = await CliRun.RunAsync("train", "--input", file, "--model", "csv-test", "--output", Path.Combine(folder, "m"), "--json");

        Assert.AreEqual(0, exitCode, error);
        using var summary = JsonDocument.Parse(CliRun.LastLine(stdout));
        Assert.AreEqual(120, summary.RootElement.GetProperty("rowsRead").GetInt32());
        Assert.AreEqual(12, summary.RootElement.GetProperty("excludedAnomalyRows").GetInt32());
        Assert.AreEqual(108, summary.RootElement.GetProperty("rows").GetInt32());
        Assert.AreEqual(Sha256(kept), summary.RootElement.GetProperty("dataSha256").GetString());
        using var manifest = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(folder, "m", "manifest.json")));
        var training = manifest.RootElement.GetProperty("training");
        Assert.AreEqual(start, training.GetProperty("from").GetDateTimeOffset());
        Assert.AreEqual(start.AddSeconds(119), training.GetProperty("to").GetDateTimeOffset());
    }

    [TestMethod]
    public async Task Train_ExcludesAnomalyRows_OnSkabFile()
    {
        var file = Datasets.TryGet(Path.Combine("skab", "valve1", "1.csv"), out var missing) ?? throw new AssertInconclusiveException(missing);
        var lines = File.ReadAllLines(file).Where(static l => !string.IsNullOrWhiteSpace(l)).ToArray();
        var header = lines[0].Split(';');
        var anomalyColumn = Array.IndexOf(header, "anomaly");
        var sensorColumns = Enumerable.Range(0, header.Length).Where(i => header[i] is not ("datetime" or "anomaly" or "changepoint")).ToArray();
        var rows = lines.Skip(1).Select(static l => l.Split(';')).ToArray();
        var normal = rows.Where(r => double.Parse(r[anomalyColumn], CultureInfo.InvariantCulture) == 0)
            .Select(r => sensorColumns.Select(i => double.Parse(r[i], CultureInfo.InvariantCulture)).ToArray()).ToList();
        Assert.IsTrue(normal.Count < rows.Length, "the chosen SKAB file has anomaly=1 rows");

        var (exitCode, stdout, error) = await CliRun.RunAsync(
            "train", "--input", file, "--model", "skab-valve1-1", "--output", CliRun.TempFolder(TestContext), "--json");

        Assert.AreEqual(0, exitCode, error);
        using var summary = JsonDocument.Parse(CliRun.LastLine(stdout));
        var root = summary.RootElement;
        Assert.AreEqual(rows.Length, root.GetProperty("rowsRead").GetInt32());
        Assert.AreEqual(rows.Length - normal.Count, root.GetProperty("excludedAnomalyRows").GetInt32());
        Assert.AreEqual(normal.Count, root.GetProperty("rows").GetInt32());
        Assert.AreEqual(Sha256(normal), root.GetProperty("dataSha256").GetString(), "trained on exactly the anomaly=0 rows, in file order");
        CollectionAssert.AreEqual(sensorColumns.Select(i => header[i]).ToArray(), root.GetProperty("sensors").EnumerateArray().Select(static s => s.GetString()).ToArray());
    }

    [TestMethod]
    public async Task Train_ExitsOneWithFileAndLine_WhenCsvHasBadNumber()
    {
        var folder = CliRun.TempFolder(TestContext);
        var file = Path.Combine(folder, "bad.csv");
        File.WriteAllText(file, "datetime;a;b\n2020-03-09 10:14:33;1.0;2.0\n2020-03-09 10:14:34;oops;2.0\n");

        var (exitCode, _, error) = await CliRun.RunAsync("train", "--input", folder, "--model", "bad", "--output", Path.Combine(folder, "m"));

        Assert.AreEqual(1, exitCode);
        Assert.Contains("bad.csv:3", error);
        Assert.Contains("'oops'", error);
    }

    [TestMethod]
    public async Task Train_ExitsOneWithMessage_WhenSensorColumnIsMissing()
    {
        var (exitCode, _, error) = await CliRun.RunAsync("train", "--synthetic", "100", "--model", "x", "--sensors", "Current,Humidity", "--output", CliRun.TempFolder(TestContext));

        Assert.AreEqual(1, exitCode);
        Assert.Contains("Humidity", error);
    }

    [TestMethod]
    [DataRow(new[] { "train", "--model", "m", "--output", "o" }, "exactly one of --input and --synthetic")]
    [DataRow(new[] { "train", "--synthetic", "100", "--input", "x.csv", "--model", "m", "--output", "o" }, "exactly one of --input and --synthetic")]
    [DataRow(new[] { "train", "--synthetic", "100", "--model", "m" }, "--output")]
    [DataRow(new[] { "train", "--synthetic", "100", "--model", "Bad_Name", "--output", "o" }, "Bad_Name")]
    [DataRow(new[] { "train", "--synthetic", "10", "--model", "m", "--output", "o" }, "at least 50")]
    [DataRow(new[] { "train", "--synthetic", "100", "--output", "o" }, "--model")]
    [DataRow(new[] { "train", "--synthetic", "lots", "--model", "m", "--output", "o" }, "lots")]
    [DataRow(new[] { "train", "--input", "/no/such/file.csv", "--model", "m", "--output", "o" }, "/no/such/file.csv")]
    public async Task Train_ExitsNonZeroWithClearMessage_OnArgumentError(string[] args, string expected)
    {
        var (exitCode, _, error) = await CliRun.RunAsync(args);

        Assert.AreNotEqual(0, exitCode);
        Assert.Contains(expected, error);
    }

    /// <summary>SHA-256 of rows as little-endian doubles in sensor order: the manifest's training data hash.</summary>
    private static string Sha256(List<double[]> rows)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        Span<byte> buffer = stackalloc byte[8];
        foreach (var row in rows)
        {
            foreach (var value in row)
            {
                System.Buffers.Binary.BinaryPrimitives.WriteDoubleLittleEndian(buffer, value);
                hash.AppendData(buffer);
            }
        }

        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }
}
