using IoTAnomaly.Infra.Tests.Bicep;
using System.Text.Json;

namespace IoTAnomaly.Infra.Tests;

/// <summary>Security invariants of the compiled ARM template: identity everywhere, no keys anywhere.</summary>
[TestClass]
public sealed class TemplateSecurityTests
{
    private static readonly string[] RequiredContainers =
        ["models", "capture", "deadletters", "anomalies", "drift", "checkpoints", "retraining"];

    private static readonly string[] RequiredAppSettings =
    [
        "AzureWebJobsStorage__blobServiceUri",
        "AzureWebJobsStorage__queueServiceUri",
        "AzureWebJobsStorage__tableServiceUri",
        "AzureWebJobsStorage__credential",
        "AzureWebJobsStorage__clientId",
        "EventHubConnection__fullyQualifiedNamespace",
        "EventHubConnection__credential",
        "EventHubConnection__clientId",
        "Storage__BlobServiceUri",
        "Storage__ManagedIdentityClientId",
        "AZURE_CLIENT_ID",
        "EventHubName",
        "EventHubConsumerGroup",
        "Capture__Namespace",
        "Capture__EventHub",
        "Scoring__ModelName",
        "ModelLoader__ModelName",
        "APPLICATIONINSIGHTS_CONNECTION_STRING",
        "APPLICATIONINSIGHTS_AUTHENTICATION_STRING",
        "Drift__Schedule",
        "DriftSchedule",
        "Retraining__Mode",
    ];

    [TestMethod]
    public void StorageAccount_DisallowsSharedKeyAndPublicBlobs_AndRequiresTls12()
    {
        var properties = CompiledTemplate.Single("Microsoft.Storage/storageAccounts").Properties;

        Assert.IsFalse(properties.GetProperty("allowSharedKeyAccess").GetBoolean());
        Assert.AreEqual("TLS1_2", properties.GetProperty("minimumTlsVersion").GetString());
        Assert.IsFalse(properties.GetProperty("allowBlobPublicAccess").GetBoolean());
        Assert.IsTrue(properties.GetProperty("supportsHttpsTrafficOnly").GetBoolean());
        Assert.IsTrue(properties.GetProperty("defaultToOAuthAuthentication").GetBoolean());
    }

    [TestMethod]
    public void StorageContainers_ArePrivate_AndIncludeEveryApplicationContainer()
    {
        var container = CompiledTemplate.Single("Microsoft.Storage/storageAccounts/blobServices/containers");
        var defaults = container.Template.GetProperty("parameters").GetProperty("containerNames").GetProperty("defaultValue")
            .EnumerateArray().Select(e => e.GetString()).ToArray();

        Assert.AreEqual("None", container.Properties.GetProperty("publicAccess").GetString());
        foreach (var name in RequiredContainers)
        {
            Assert.Contains(name, defaults);
        }
    }

    [TestMethod]
    public void StorageLifecycle_DeletesCaptureAndDeadLetters_AfterConfiguredDays()
    {
        var rules = CompiledTemplate.Single("Microsoft.Storage/storageAccounts/managementPolicies")
            .Properties.GetProperty("policy").GetProperty("rules").EnumerateArray().ToArray();

        var prefixes = rules.SelectMany(rule => rule.GetProperty("definition").GetProperty("filters").GetProperty("prefixMatch").EnumerateArray())
            .Select(p => p.GetString()).ToArray();
        Assert.Contains("capture/", prefixes);
        Assert.Contains("deadletters/", prefixes);
        Assert.IsTrue(rules.All(rule => rule.GetProperty("definition").GetProperty("actions").GetProperty("baseBlob").TryGetProperty("delete", out _)),
            "every lifecycle rule ends in deletion");
    }

    [TestMethod]
    public void EventHubsNamespace_DisablesLocalAuth_AndRequiresTls12()
    {
        var properties = CompiledTemplate.Single("Microsoft.EventHub/namespaces").Properties;

        Assert.IsTrue(properties.GetProperty("disableLocalAuth").GetBoolean());
        Assert.AreEqual("1.2", properties.GetProperty("minimumTlsVersion").GetString());
    }

    [TestMethod]
    public void EventHubCapture_WritesAvroToCaptureContainer_WithUserAssignedIdentity()
    {
        var capture = CompiledTemplate.Single("Microsoft.EventHub/namespaces/eventhubs").Properties.GetProperty("captureDescription");
        var destination = capture.GetProperty("destination");

        Assert.IsTrue(capture.GetProperty("enabled").GetBoolean());
        Assert.AreEqual("Avro", capture.GetProperty("encoding").GetString());
        Assert.AreEqual("UserAssigned", destination.GetProperty("identity").GetProperty("type").GetString());
        Assert.AreEqual("EventHubArchive.AzureBlockBlob", destination.GetProperty("name").GetString());
    }

    [TestMethod]
    public void ApplicationInsightsAndWorkspace_DisableLocalAuth()
    {
        var appInsights = CompiledTemplate.Single("Microsoft.Insights/components").Properties;
        var workspace = CompiledTemplate.Single("Microsoft.OperationalInsights/workspaces").Properties;

        Assert.IsTrue(appInsights.GetProperty("DisableLocalAuth").GetBoolean());
        Assert.IsTrue(workspace.GetProperty("features").GetProperty("disableLocalAuth").GetBoolean());
    }

    [TestMethod]
    public void IotHubRoute_UsesIdentityBasedEventHubEndpoint_AndNoServiceKeys()
    {
        var iotHub = CompiledTemplate.Single("Microsoft.Devices/IotHubs");
        var endpoint = iotHub.Properties.GetProperty("routing").GetProperty("endpoints").GetProperty("eventHubs")[0];
        var routes = iotHub.Properties.GetProperty("routing").GetProperty("routes").EnumerateArray().ToArray();

        Assert.AreEqual("identityBased", endpoint.GetProperty("authenticationType").GetString());
        Assert.IsFalse(endpoint.TryGetProperty("connectionString", out _), "the endpoint must not carry a connection string");
        Assert.IsTrue(routes.Any(r => r.GetProperty("source").GetString() == "DeviceMessages" && r.GetProperty("isEnabled").GetBoolean()));
        Assert.AreEqual("UserAssigned", iotHub.Resource.GetProperty("identity").GetProperty("type").GetString());
    }

    [TestMethod]
    public void FunctionApp_RunsOnFlexConsumption_WithUserAssignedIdentity()
    {
        var plan = CompiledTemplate.Single("Microsoft.Web/serverfarms").Resource;
        var site = CompiledTemplate.Single("Microsoft.Web/sites");
        var config = site.Properties.GetProperty("functionAppConfig");

        Assert.AreEqual("FC1", plan.GetProperty("sku").GetProperty("name").GetString());
        Assert.AreEqual("FlexConsumption", plan.GetProperty("sku").GetProperty("tier").GetString());
        Assert.AreEqual("UserAssigned", site.Resource.GetProperty("identity").GetProperty("type").GetString());
        Assert.AreEqual("dotnet-isolated", config.GetProperty("runtime").GetProperty("name").GetString());
        Assert.AreEqual("UserAssignedIdentity", config.GetProperty("deployment").GetProperty("storage").GetProperty("authentication").GetProperty("type").GetString());
        Assert.IsTrue(site.Properties.GetProperty("httpsOnly").GetBoolean());
        Assert.AreEqual("Disabled", site.Properties.GetProperty("siteConfig").GetProperty("ftpsState").GetString());
    }

    [TestMethod]
    public void EveryTlsSetting_RequiresTls12_AndEveryServiceThatHasOneSetsIt()
    {
        // Issue 8: TLS 1.2 on every resource that has a minimum-TLS setting, wherever it sits in its properties.
        var settings = CompiledTemplate.Resources
            .SelectMany(r => CompiledTemplate.Objects(r.Resource).SelectMany(o => o.EnumerateObject())
                .Where(p => p.Name is "minimumTlsVersion" or "minTlsVersion")
                .Select(p => (r.Type, p.Value.GetString())))
            .ToList();

        foreach (var type in new[] { "Microsoft.Storage/storageAccounts", "Microsoft.EventHub/namespaces", "Microsoft.Devices/IotHubs", "Microsoft.Web/sites" })
        {
            Assert.IsTrue(settings.Any(s => string.Equals(s.Type, type, StringComparison.OrdinalIgnoreCase)), type + " sets a minimum TLS version");
        }

        foreach (var (type, value) in settings)
        {
            Assert.IsTrue(value is "1.2" or "TLS1_2", $"{type}: minimum TLS {value}");
        }
    }

    [TestMethod]
    public void FunctionApp_DisablesBasicPublishingCredentials()
    {
        var policies = CompiledTemplate.OfType("Microsoft.Web/sites/basicPublishingCredentialsPolicies");

        Assert.HasCount(2, policies);
        Assert.IsTrue(policies.All(p => !p.Properties.GetProperty("allow").GetBoolean()));
    }

    [TestMethod]
    public void AppSettings_UseManagedIdentityConnections_AndContainNoKeys()
    {
        var settings = AppSettings();

        foreach (var key in RequiredAppSettings)
        {
            Assert.IsTrue(settings.ContainsKey(key), $"app setting {key} is missing");
        }

        Assert.AreEqual("managedidentity", settings["AzureWebJobsStorage__credential"]);
        Assert.AreEqual("managedidentity", settings["EventHubConnection__credential"]);
        Assert.IsTrue(settings.Keys.Any(k => k.StartsWith("Scoring__", StringComparison.Ordinal)), "no Scoring__ settings");
        Assert.Contains("Authorization=AAD", settings["APPLICATIONINSIGHTS_AUTHENTICATION_STRING"]);

        // Flex Consumption rejects these (the runtime comes from functionAppConfig), and a plain AzureWebJobsStorage
        // would be a connection string.
        foreach (var forbidden in new[] { "AzureWebJobsStorage", "FUNCTIONS_WORKER_RUNTIME", "FUNCTIONS_EXTENSION_VERSION", "WEBSITE_RUN_FROM_PACKAGE", "APPINSIGHTS_INSTRUMENTATIONKEY" })
        {
            Assert.IsFalse(settings.ContainsKey(forbidden), $"app setting {forbidden} must not be set");
        }

        foreach (var (key, value) in settings)
        {
            Assert.DoesNotContain("AccountKey=", value, key);
            Assert.DoesNotContain("SharedAccessKey=", value, key);
        }
    }

    [TestMethod]
    public void OptionValues_MatchTheValidationOfTheOptionsClasses_InEveryEnvironment()
    {
        // RetrainingOptions.Mode: ^(auto|approval)$; ScoringOptions.ModelName: ^[a-z0-9][a-z0-9-]{0,62}$ (both validated on
        // start, so a value outside them stops the app).
        var parameters = CompiledTemplate.Root.GetProperty("parameters");
        var modes = parameters.GetProperty("retrainingMode").GetProperty("allowedValues").EnumerateArray().Select(v => v.GetString()!).ToArray();
        CollectionAssert.AreEquivalent(new[] { "auto", "approval" }, modes);

        var modelNames = new List<string> { parameters.GetProperty("modelName").GetProperty("defaultValue").GetString()! };
        foreach (var file in Directory.GetFiles(BicepCli.InfraDirectory, "*.bicepparam"))
        {
            var lines = File.ReadAllLines(file);
            modelNames.Add(lines.Single(l => l.StartsWith("param modelName = ", StringComparison.Ordinal))["param modelName = ".Length..].Trim('\''));
            var mode = lines.Single(l => l.StartsWith("param retrainingMode = ", StringComparison.Ordinal))["param retrainingMode = ".Length..].Trim('\'');
            Assert.Contains(mode, modes, file);
        }

        foreach (var name in modelNames)
        {
            Assert.MatchesRegex("^[a-z0-9][a-z0-9-]{0,62}$", name);
        }
    }

    [TestMethod]
    public void DriftSchedule_IsSixFieldCron_InEveryEnvironment()
    {
        var schedule = AppSettings()["Drift__Schedule"];
        var parameter = schedule.Trim('[', ']');
        Assert.AreEqual(schedule, AppSettings()["DriftSchedule"], "the timer trigger's DriftSchedule and the Drift__Schedule option must be the same cron");
        var defaultValue = CompiledTemplate.Root.GetProperty("parameters").GetProperty("driftSchedule").GetProperty("defaultValue").GetString()!;

        Assert.Contains("driftSchedule", parameter);
        Assert.HasCount(6, defaultValue.Split(' ', StringSplitOptions.RemoveEmptyEntries), defaultValue);
        foreach (var file in Directory.GetFiles(BicepCli.InfraDirectory, "*.bicepparam"))
        {
            var line = File.ReadAllLines(file).Single(l => l.StartsWith("param driftSchedule = ", StringComparison.Ordinal));
            var cron = line["param driftSchedule = ".Length..].Trim('\'');
            Assert.HasCount(6, cron.Split(' ', StringSplitOptions.RemoveEmptyEntries), file);
        }
    }

    [TestMethod]
    public void Template_NeverReadsKeysOrConnectionStrings_Anywhere()
    {
        var json = CompiledTemplate.Root.GetRawText();

        foreach (var marker in new[] { "AccountKey=", "SharedAccessKey=", "listKeys(", "listConnectionStrings(", "listKeys'", "InstrumentationKey=" })
        {
            Assert.DoesNotContain(marker, json, $"the compiled template contains {marker}");
        }
    }

    [TestMethod]
    public void MainOutputs_ExposeNoSecrets()
    {
        var outputs = CompiledTemplate.Root.GetProperty("outputs").EnumerateObject().ToArray();

        Assert.IsNotEmpty(outputs);
        foreach (var output in outputs)
        {
            Assert.IsFalse(output.Name.Contains("key", StringComparison.OrdinalIgnoreCase) || output.Name.Contains("connectionString", StringComparison.OrdinalIgnoreCase), output.Name);
            Assert.AreNotEqual("securestring", output.Value.GetProperty("type").GetString(), output.Name);
        }
    }

    [TestMethod]
    public void RoleAssignments_GrantOnlyDataPlaneRoles_NeverOwnerOrContributor()
    {
        var roleIds = CompiledTemplate.OfType("Microsoft.Authorization/roleAssignments")
            .Select(r => r.Properties.GetProperty("roleDefinitionId").GetRawText())
            .ToArray();
        var allRoleText = string.Join('\n', roleIds) + string.Join('\n', CompiledTemplate.Resources
            .Where(r => r.Type == "Microsoft.Authorization/roleAssignments")
            .Select(r => r.Template.TryGetProperty("variables", out var v) ? v.GetRawText() : string.Empty));

        foreach (var expected in new[]
        {
            "b7e6dc6d-f1e8-4753-8033-0f276bb0955b", // Storage Blob Data Owner (Functions host)
            "974c5e8b-45b9-4653-ba55-5f855dd0fb88", // Storage Queue Data Contributor (Durable)
            "0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3", // Storage Table Data Contributor (Durable)
            "ba92f5b4-2d11-453d-a403-e96b0029c9fe", // Storage Blob Data Contributor (Capture, container scope)
            "a638d3c7-ab3a-418d-83e6-5f17a39d4fde", // Azure Event Hubs Data Receiver (app)
            "2b629674-e913-4c01-ae53-ef4638d8f975", // Azure Event Hubs Data Sender (IoT Hub)
            "3913510d-42f4-4e42-8a64-420c390055eb", // Monitoring Metrics Publisher (app → App Insights)
        })
        {
            Assert.Contains(expected, allRoleText);
        }

        foreach (var forbidden in new[]
        {
            "8e3af657-a8ff-443c-a75c-2fe8c4bcb635", // Owner
            "b24988ac-6180-42a0-ab88-20f7382dd24c", // Contributor
            "17d1049b-9a84-46fb-8f53-869881c3d3ab", // Storage Account Contributor
            "f526a384-b230-433a-b45c-95f59c4a2dec", // Azure Event Hubs Data Owner
        })
        {
            Assert.DoesNotContain(forbidden, allRoleText);
        }

        Assert.IsTrue(CompiledTemplate.OfType("Microsoft.Authorization/roleAssignments")
            .All(r => r.Properties.GetProperty("principalType").GetString() == "ServicePrincipal"));
    }

    private static Dictionary<string, string> AppSettings()
    {
        var config = CompiledTemplate.OfType("Microsoft.Web/sites/config")
            .Single(r => r.Resource.GetProperty("name").GetString()!.Contains("'appsettings'", StringComparison.Ordinal));

        Assert.AreEqual(JsonValueKind.Object, config.Properties.ValueKind, "app settings should compile to an object literal, so every key is visible here");
        return config.Properties.EnumerateObject().ToDictionary(
            p => p.Name,
            p => p.Value.ValueKind == JsonValueKind.String ? p.Value.GetString()! : p.Value.GetRawText(),
            StringComparer.Ordinal);
    }
}
