using IoTAnomaly.Infra.Tests.Bicep;

namespace IoTAnomaly.Infra.Tests;

/// <summary>Role assignments exist before the resources that rely on them are created.</summary>
[TestClass]
public sealed class DeploymentOrderTests
{
    [TestMethod]
    [DataRow("eventhubs", "rbac-storage", DisplayName = "Capture can write to the capture container")]
    [DataRow("iothub", "rbac-eventhubs", DisplayName = "IoT Hub's identity-based route can send")]
    [DataRow("functionapp", "rbac-storage", DisplayName = "the app can reach host storage and its deployment package")]
    [DataRow("functionapp", "rbac-eventhubs", DisplayName = "the app can receive telemetry")]
    [DataRow("functionapp", "rbac-monitoring", DisplayName = "the app can publish telemetry")]
    public void Module_DependsOnRoleAssignments_ItNeedsAtStart(string module, string roleModule)
    {
        Assert.Contains(roleModule, DependenciesOf(module));
    }

    [TestMethod]
    public void RoleAssignmentModules_DependOnTheIdentitiesTheyGrant()
    {
        foreach (var roleModule in new[] { "rbac-storage", "rbac-eventhubs", "rbac-monitoring" })
        {
            Assert.Contains("identity-app", DependenciesOf(roleModule), roleModule);
        }

        Assert.Contains("identity-capture", DependenciesOf("rbac-storage"));
        Assert.Contains("identity-iothub", DependenciesOf("rbac-eventhubs"));
    }

    /// <summary>Deployment names of the modules a top-level module depends on (dependsOn lists symbolic names).</summary>
    private static string[] DependenciesOf(string deploymentName)
    {
        var modules = CompiledTemplate.Root.GetProperty("resources").EnumerateObject()
            .Where(p => p.Value.GetProperty("type").GetString() == "Microsoft.Resources/deployments")
            .ToDictionary(p => p.Name, p => p.Value, StringComparer.Ordinal);
        var module = modules.Values.Single(m => m.GetProperty("name").GetString() == deploymentName);
        if (!module.TryGetProperty("dependsOn", out var dependsOn))
        {
            return [];
        }

        return dependsOn.EnumerateArray()
            .Select(d => d.GetString()!)
            .Select(symbol => modules.TryGetValue(symbol, out var m) ? m.GetProperty("name").GetString()! : symbol)
            .ToArray();
    }
}
