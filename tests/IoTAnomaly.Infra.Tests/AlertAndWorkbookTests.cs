using IoTAnomaly.Infra.Tests.Bicep;
using System.Text.Json;

namespace IoTAnomaly.Infra.Tests;

/// <summary>On-call: the action group, at least seven alert rules covering every required signal, and the workbook.</summary>
[TestClass]
public sealed class AlertAndWorkbookTests
{
    [TestMethod]
    public void AlertRules_AreAtLeastSeven_CountingLoopedLogAlerts()
    {
        Assert.IsGreaterThanOrEqualTo(7, AlertRuleCount());
    }

    [TestMethod]
    [DataRow("anomaly rate per device", "iotanomaly.anomalies")]
    [DataRow("drift detected", "iotanomaly.drift.detected")]
    [DataRow("retraining failed", "iotanomaly.retraining.runs")]
    [DataRow("dead-letter rate", "iotanomaly.readings.rejected")]
    [DataRow("function failures", "requests | where success == false")]
    [DataRow("Event Hubs consumer lag", "OutgoingMessages")]
    [DataRow("device silent", "iotanomaly.devices.silent")]
    public void LogAlert_QueriesItsSignal_ForEachOnCallCondition(string condition, string signal)
    {
        var queries = LogAlertDefinitions().Select(a => a.GetProperty("query").GetString()!).ToArray();

        Assert.IsTrue(queries.Any(q => q.Contains(signal, StringComparison.Ordinal)), $"no alert for {condition} (query containing '{signal}')");
    }

    [TestMethod]
    public void RetrainingFailedAlert_FiltersOnFailedOutcome()
    {
        var query = LogAlertDefinitions().Single(a => a.GetProperty("key").GetString() == "retraining-failed").GetProperty("query").GetString()!;

        Assert.Contains("customDimensions[\"outcome\"]) == \"failed\"", query);
    }

    [TestMethod]
    public void AnomalyAndSilenceAlerts_SplitByDevice()
    {
        foreach (var key in new[] { "anomaly-rate-per-device", "device-silent" })
        {
            var dimensions = LogAlertDefinitions().Single(a => a.GetProperty("key").GetString() == key)
                .GetProperty("dimensions").EnumerateArray().Select(d => d.GetString()).ToArray();
            Assert.Contains("device", dimensions, key);
        }
    }

    [TestMethod]
    public void LogAlerts_AllNotifyTheActionGroup()
    {
        var rules = CompiledTemplate.Single("Microsoft.Insights/scheduledQueryRules").Properties;
        var groups = rules.GetProperty("actions").GetProperty("actionGroups").EnumerateArray().Select(g => g.GetString()!).ToArray();

        Assert.HasCount(1, groups);
        Assert.Contains("Microsoft.Insights/actionGroups", groups[0]);
    }

    [TestMethod]
    public void ActionGroup_BuildsOptionalEmailSmsAndWebhookReceivers_WithSecureWebhook()
    {
        var group = CompiledTemplate.Single("Microsoft.Insights/actionGroups");
        var properties = group.Properties;
        var webhookParameter = group.Template.GetProperty("parameters").GetProperty("webhookUri");

        Assert.IsTrue(properties.TryGetProperty("emailReceivers", out _) || HasCopy(properties, "emailReceivers"));
        Assert.IsTrue(properties.TryGetProperty("smsReceivers", out _) || HasCopy(properties, "smsReceivers"));
        Assert.IsTrue(properties.TryGetProperty("webhookReceivers", out _));
        Assert.AreEqual("securestring", webhookParameter.GetProperty("type").GetString());
        Assert.AreEqual(string.Empty, webhookParameter.GetProperty("defaultValue").GetString(), "each receiver is optional");
    }

    [TestMethod]
    public void Workbook_LoadsValidJson_CoveringDevicesDriftModelsAndRetraining()
    {
        var workbook = CompiledTemplate.Single("Microsoft.Insights/workbooks");
        var serialized = workbook.Properties.GetProperty("serializedData").GetString()!;

        // loadTextContent compiles to a template variable: "[variables('$fxv#0')]".
        var match = System.Text.RegularExpressions.Regex.Match(serialized, @"^\[variables\('(?<name>[^']+)'\)\]$");
        if (match.Success)
        {
            serialized = workbook.Template.GetProperty("variables").GetProperty(match.Groups["name"].Value).GetString()!;
        }

        using var document = JsonDocument.Parse(serialized);
        Assert.AreEqual("Notebook/1.0", document.RootElement.GetProperty("version").GetString());
        var queries = CompiledTemplate.Objects(document.RootElement)
            .Where(o => o.TryGetProperty("query", out var q) && q.ValueKind == JsonValueKind.String)
            .Select(o => o.GetProperty("query").GetString()!)
            .ToArray();

        foreach (var required in new[] { "device.id", "customDimensions[\"sensor\"]", "iotanomaly.drift.psi", "model.version", "iotanomaly.retraining.runs" })
        {
            Assert.IsTrue(queries.Any(q => q.Contains(required, StringComparison.Ordinal)), $"the workbook has no query over {required}");
        }
    }

    private static int AlertRuleCount()
    {
        var count = 0;
        foreach (var rule in CompiledTemplate.OfType("Microsoft.Insights/scheduledQueryRules").Concat(CompiledTemplate.OfType("Microsoft.Insights/metricAlerts")))
        {
            count += rule.Resource.TryGetProperty("copy", out _) ? LogAlertDefinitions().Length : 1;
        }

        return count;
    }

    /// <summary>The log alerts are one looped resource over the <c>logAlerts</c> variable of the alerts module.</summary>
    private static JsonElement[] LogAlertDefinitions()
    {
        var rules = CompiledTemplate.Single("Microsoft.Insights/scheduledQueryRules");
        Assert.Contains("variables('logAlerts')", rules.Resource.GetProperty("copy").GetProperty("count").GetString()!);
        return rules.Template.GetProperty("variables").GetProperty("logAlerts").EnumerateArray().ToArray();
    }

    private static bool HasCopy(JsonElement properties, string name) =>
        properties.TryGetProperty("copy", out var copy) && copy.EnumerateArray().Any(c => c.GetProperty("name").GetString() == name);
}
