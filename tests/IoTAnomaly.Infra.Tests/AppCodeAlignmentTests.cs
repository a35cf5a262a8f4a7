using System.Text.Json;
using System.Text.RegularExpressions;
using IoTAnomaly.Infra.Tests.Bicep;

namespace IoTAnomaly.Infra.Tests;

/// <summary>
/// The templates against the application's source (read as text: this project references no application project):
/// every binding expression and options setting the code reads is an app setting, and every metric and attribute the
/// alerts and the workbook query is one that Core's IoTAnomalyTelemetry emits.
/// </summary>
[TestClass]
public sealed partial class AppCodeAlignmentTests
{
    private static string FunctionsDirectory => Path.Combine(BicepCli.RepositoryRoot, "functions");

    private static string TelemetrySource => File.ReadAllText(Path.Combine(FunctionsDirectory, "IoTAnomaly.Core", "Diagnostics", "IoTAnomalyTelemetry.cs"));

    [TestMethod]
    public void BindingExpressions_OfTheFunctionsApp_AreAppSettings()
    {
        var settings = AppSettings();
        var source = FunctionsAppSource();
        var expressions = BindingExpression().Matches(source).Select(m => m.Groups["name"].Value).Distinct(StringComparer.Ordinal).ToArray();

        Assert.IsNotEmpty(expressions, "the Functions app declares no %Setting% binding expressions");
        foreach (var name in expressions)
        {
            Assert.IsTrue(settings.ContainsKey(name), $"binding expression %{name}% has no app setting");
        }
    }

    [TestMethod]
    public void TriggerConnections_OfTheFunctionsApp_AreIdentityBasedAppSettings()
    {
        var settings = AppSettings();
        var connections = ConnectionName().Matches(FunctionsAppSource()).Select(m => m.Groups["name"].Value).Distinct(StringComparer.Ordinal).ToArray();

        Assert.IsNotEmpty(connections);
        foreach (var connection in connections)
        {
            Assert.IsTrue(settings.ContainsKey(connection + "__fullyQualifiedNamespace"), $"connection {connection} has no {connection}__fullyQualifiedNamespace");
            Assert.AreEqual("managedidentity", settings.GetValueOrDefault(connection + "__credential"), connection);
        }
    }

    [TestMethod]
    public void SectionSettings_BindToAPropertyOfAnOptionsClassOfThatSection()
    {
        var sources = Directory.GetFiles(FunctionsDirectory, "*.cs", SearchOption.AllDirectories)
            .Where(f => !IsBuildOutput(f))
            .Select(File.ReadAllText)
            .ToArray();
        var connectionPrefixes = new[] { "AzureWebJobsStorage", "EventHubConnection" };

        foreach (var key in AppSettings().Keys.Where(k => k.Contains("__", StringComparison.Ordinal)))
        {
            var parts = key.Split("__");
            if (connectionPrefixes.Contains(parts[0], StringComparer.Ordinal))
            {
                continue;
            }

            Assert.HasCount(2, parts, key);
            var sectionClasses = sources.Where(s => s.Contains($"SectionName = \"{parts[0]}\";", StringComparison.Ordinal)).ToArray();
            Assert.IsNotEmpty(sectionClasses, $"no options class has section {parts[0]} (app setting {key})");
            Assert.IsTrue(
                sectionClasses.Any(s => Regex.IsMatch(s, $@"public [^\s]+ {Regex.Escape(parts[1])} \{{ get; set; \}}")),
                $"no options class of section {parts[0]} has a settable property {parts[1]} (app setting {key})");
        }
    }

    [TestMethod]
    public void MetricNames_InAlertsAndWorkbook_AreInstrumentsOfCore()
    {
        var instruments = InstrumentName().Matches(TelemetrySource).Select(m => m.Groups["name"].Value).ToHashSet(StringComparer.Ordinal);

        Assert.IsNotEmpty(instruments);
        foreach (var query in Queries())
        {
            foreach (var name in InstrumentName().Matches(query).Select(m => m.Groups["name"].Value))
            {
                Assert.Contains(name, instruments, $"metric {name} is not an IoTAnomalyTelemetry instrument (query: {query})");
            }
        }
    }

    [TestMethod]
    public void Dimensions_InAlertsAndWorkbook_AreTagsOfCore()
    {
        var tags = TagConstant().Matches(TelemetrySource).Select(m => m.Groups["tag"].Value).ToHashSet(StringComparer.Ordinal);

        Assert.IsNotEmpty(tags);
        foreach (var query in Queries())
        {
            foreach (var tag in Dimension().Matches(query).Select(m => m.Groups["tag"].Value))
            {
                Assert.Contains(tag, tags, $"attribute {tag} is not an IoTAnomalyTelemetry tag (query: {query})");
            }
        }
    }

    private static string FunctionsAppSource() => string.Join(
        '\n',
        Directory.GetFiles(Path.Combine(FunctionsDirectory, "IoTAnomaly.Functions"), "*.cs", SearchOption.AllDirectories)
            .Where(f => !IsBuildOutput(f))
            .Select(File.ReadAllText));

    private static bool IsBuildOutput(string path) =>
        path.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal)
        || path.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}", StringComparison.Ordinal);

    /// <summary>The log alert queries of the compiled template and the workbook's queries.</summary>
    private static IEnumerable<string> Queries()
    {
        var rules = CompiledTemplate.Single("Microsoft.Insights/scheduledQueryRules");
        foreach (var rule in rules.Template.GetProperty("variables").GetProperty("logAlerts").EnumerateArray())
        {
            yield return rule.GetProperty("query").GetString()!;
        }

        using var workbook = JsonDocument.Parse(File.ReadAllText(Path.Combine(BicepCli.InfraDirectory, "modules", "workbook.json")));
        foreach (var item in CompiledTemplate.Objects(workbook.RootElement))
        {
            if (item.TryGetProperty("query", out var query) && query.ValueKind == JsonValueKind.String)
            {
                yield return query.GetString()!;
            }
        }
    }

    private static Dictionary<string, string> AppSettings()
    {
        var config = CompiledTemplate.OfType("Microsoft.Web/sites/config")
            .Single(r => r.Resource.GetProperty("name").GetString()!.Contains("'appsettings'", StringComparison.Ordinal));
        return config.Properties.EnumerateObject().ToDictionary(
            p => p.Name,
            p => p.Value.ValueKind == JsonValueKind.String ? p.Value.GetString()! : p.Value.GetRawText(),
            StringComparer.Ordinal);
    }

    [GeneratedRegex("\"%(?<name>[A-Za-z0-9_]+)%\"")]
    private static partial Regex BindingExpression();

    [GeneratedRegex("Connection = \"(?<name>[A-Za-z0-9_]+)\"")]
    private static partial Regex ConnectionName();

    [GeneratedRegex("(?<name>iotanomaly(?:\\.[a-z0-9_]+)+)")]
    private static partial Regex InstrumentName();

    [GeneratedRegex("public const string \\w+Tag = \"(?<tag>[^\"]+)\";")]
    private static partial Regex TagConstant();

    [GeneratedRegex("customDimensions\\[\"(?<tag>[^\"]+)\"\\]")]
    private static partial Regex Dimension();
}
