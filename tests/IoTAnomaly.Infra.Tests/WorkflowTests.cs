using IoTAnomaly.Infra.Tests.Bicep;
using System.Text.RegularExpressions;

namespace IoTAnomaly.Infra.Tests;

/// <summary>Supply-chain and permission rules of the GitHub workflows.</summary>
[TestClass]
public sealed partial class WorkflowTests
{
    private static string WorkflowDirectory => Path.Combine(BicepCli.RepositoryRoot, ".github", "workflows");

    public static IEnumerable<object[]> Workflows =>
        Directory.GetFiles(WorkflowDirectory, "*.yml").Select(path => new object[] { Path.GetFileName(path) });

    [GeneratedRegex(@"^\s*-?\s*uses:\s*(?<action>[^\s@]+)@(?<ref>\S+)(?<comment>\s+#\s*v\d+(\.\d+)*)?\s*$", RegexOptions.CultureInvariant)]
    private static partial Regex UsesLine();

    [GeneratedRegex("^[0-9a-f]{40}$", RegexOptions.CultureInvariant)]
    private static partial Regex FullSha();

    [TestMethod]
    public void Workflows_IncludeCiAndDeploy()
    {
        var names = Workflows.Select(row => (string)row[0]).ToArray();

        Assert.Contains("ci.yml", names);
        Assert.Contains("deploy.yml", names);
    }

    [TestMethod]
    [DynamicData(nameof(Workflows))]
    public void Workflow_PinsEveryActionByFullShaWithVersionComment(string fileName)
    {
        var problems = new List<string>();
        var uses = 0;
        foreach (var line in File.ReadAllLines(Path.Combine(WorkflowDirectory, fileName)).Where(l => l.TrimStart().TrimStart('-').TrimStart().StartsWith("uses:", StringComparison.Ordinal)))
        {
            uses++;
            var match = UsesLine().Match(line);
            if (!match.Success || !FullSha().IsMatch(match.Groups["ref"].Value) || !match.Groups["comment"].Success)
            {
                problems.Add(line.Trim());
            }
        }

        Assert.IsGreaterThan(0, uses, "no actions found; the check would be vacuous");
        Assert.IsEmpty(problems, string.Join(Environment.NewLine, problems));
    }

    [TestMethod]
    [DynamicData(nameof(Workflows))]
    public void Workflow_DeniesPermissionsByDefault_AndGrantsPerJob(string fileName)
    {
        var lines = File.ReadAllLines(Path.Combine(WorkflowDirectory, fileName));

        Assert.Contains("permissions: {}", lines, "workflow-level permissions must be empty");
        var jobs = lines.Count(l => l.StartsWith("    runs-on:", StringComparison.Ordinal));
        var jobPermissions = lines.Count(l => l.StartsWith("    permissions:", StringComparison.Ordinal));
        Assert.IsGreaterThan(0, jobs);
        Assert.AreEqual(jobs, jobPermissions, "each job declares its own permissions");
        Assert.IsFalse(lines.Any(l => l.Contains("write-all", StringComparison.Ordinal) || l.Contains("contents: write", StringComparison.Ordinal)));
    }

    [TestMethod]
    public void IdTokenWrite_AppearsOnlyInTheDeployJob()
    {
        var ci = File.ReadAllText(Path.Combine(WorkflowDirectory, "ci.yml"));
        var deploy = File.ReadAllText(Path.Combine(WorkflowDirectory, "deploy.yml"));

        Assert.DoesNotContain("id-token", ci);
        Assert.AreEqual(1, Regex.Count(deploy, "id-token: write"));
    }

    [TestMethod]
    public void Ci_BuildsTheFullSolution_AndChecksBicep()
    {
        var ci = File.ReadAllText(Path.Combine(WorkflowDirectory, "ci.yml"));

        Assert.Contains("dotnet restore IoTAnomaly.Functions.sln", ci);
        Assert.Contains("dotnet test --solution IoTAnomaly.Functions.sln", ci);
        Assert.Contains("npm ci --prefix tools/azurite", ci);
        Assert.Contains(".github/scripts/bicep-check.sh", ci);
    }
}
