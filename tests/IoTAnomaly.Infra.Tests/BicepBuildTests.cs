using IoTAnomaly.Infra.Tests.Bicep;

namespace IoTAnomaly.Infra.Tests;

/// <summary>main.bicep and its parameter files compile and lint with no diagnostics at all.</summary>
[TestClass]
public sealed class BicepBuildTests
{
    public static IEnumerable<object[]> ParameterFiles =>
        Directory.GetFiles(BicepCli.InfraDirectory, "*.bicepparam")
            .Select(path => new object[] { Path.GetFileName(path) })
            .OrderBy(row => (string)row[0], StringComparer.Ordinal);

    [TestMethod]
    public void MainBicep_BuildsWithoutDiagnostics_WithPackagedCli()
    {
        var result = CompiledTemplate.BuildResult;

        Assert.AreEqual(0, result.ExitCode, result.Describe());
        Assert.IsEmpty(result.Diagnostics, result.Describe());
        Assert.IsFalse(string.IsNullOrWhiteSpace(result.StandardOutput), "bicep build --stdout wrote no template");
    }

    [TestMethod]
    public void MainBicep_LintsWithoutDiagnostics_IncludingModules()
    {
        var result = BicepCli.Run(BicepCli.InfraDirectory, "lint", "main.bicep");

        Assert.AreEqual(0, result.ExitCode, result.Describe());
        Assert.IsEmpty(result.Diagnostics, result.Describe());
    }

    [TestMethod]
    public void ParameterFiles_CoverDevAndProd_AtInfraRoot()
    {
        var names = ParameterFiles.Select(row => (string)row[0]).ToArray();

        CollectionAssert.AreEquivalent(new[] { "main.dev.bicepparam", "main.prod.bicepparam" }, names);
    }

    [TestMethod]
    [DynamicData(nameof(ParameterFiles))]
    public void ParameterFile_BuildsWithoutDiagnostics_AgainstMain(string fileName)
    {
        var result = BicepCli.Run(BicepCli.InfraDirectory, "build-params", fileName, "--stdout");

        Assert.AreEqual(0, result.ExitCode, result.Describe());
        Assert.IsEmpty(result.Diagnostics, result.Describe());
        Assert.Contains("parametersJson", result.StandardOutput);
    }

    [TestMethod]
    public void Modules_DeclareMetadataNameAndResourceIdOutputsAndDescribeEveryParameter_AvmStyle()
    {
        var modules = Directory.GetFiles(Path.Combine(BicepCli.InfraDirectory, "modules"), "*.bicep").Append(Path.Combine(BicepCli.InfraDirectory, "main.bicep"));
        var problems = new List<string>();
        foreach (var path in modules)
        {
            var lines = File.ReadAllLines(path);
            var name = Path.GetFileName(path);
            if (!lines.Any(l => l.StartsWith("metadata name = ", StringComparison.Ordinal)))
            {
                problems.Add($"{name}: no metadata name");
            }

            if (!lines.Any(l => l.StartsWith("metadata description = ", StringComparison.Ordinal)))
            {
                problems.Add($"{name}: no metadata description");
            }

            if (name != "main.bicep" && !lines.Any(l => l.StartsWith("output name string = ", StringComparison.Ordinal)))
            {
                problems.Add($"{name}: no 'name' output");
            }

            if (name != "main.bicep" && !lines.Any(l => l.StartsWith("output resourceId string = ", StringComparison.Ordinal)))
            {
                problems.Add($"{name}: no 'resourceId' output");
            }

            for (var i = 0; i < lines.Length; i++)
            {
                if (!lines[i].StartsWith("param ", StringComparison.Ordinal))
                {
                    continue;
                }

                // The decorator block directly above a parameter (up to the blank line before it, multi-line
                // decorators such as @allowed([...]) included) must hold a Required./Optional. description.
                var described = false;
                for (var j = i - 1; j >= 0 && !string.IsNullOrWhiteSpace(lines[j]); j--)
                {
                    described |= lines[j].StartsWith("@description('Required. ", StringComparison.Ordinal)
                        || lines[j].StartsWith("@description('Optional. ", StringComparison.Ordinal);
                }

                if (!described)
                {
                    problems.Add($"{name}:{i + 1}: {lines[i]}");
                }
            }
        }

        Assert.IsEmpty(problems, string.Join(Environment.NewLine, problems));
    }
}
