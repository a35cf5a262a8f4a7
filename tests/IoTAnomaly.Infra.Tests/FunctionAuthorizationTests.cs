using System.Text.RegularExpressions;
using IoTAnomaly.Infra.Tests.Bicep;

namespace IoTAnomaly.Infra.Tests;

/// <summary>
/// Issue 8, security in Azure: every HTTP trigger of the Functions app needs a function key
/// (<c>AuthorizationLevel.Function</c>); none is anonymous. Read from the source (this project references no
/// application project), so a trigger added later is covered.
/// </summary>
[TestClass]
public sealed partial class FunctionAuthorizationTests
{
    [TestMethod]
    public void HttpTriggers_OfTheFunctionsApp_AllNeedAFunctionKey()
    {
        var directory = Path.Combine(BicepCli.RepositoryRoot, "functions", "IoTAnomaly.Functions");
        var triggers = Directory.EnumerateFiles(directory, "*.cs", SearchOption.AllDirectories)
            .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal) && !f.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}", StringComparison.Ordinal))
            .SelectMany(f => HttpTrigger().Matches(File.ReadAllText(f)).Select(m => (File: Path.GetFileName(f), Level: m.Groups["level"].Value, Route: m.Groups["route"].Value)))
            .ToList();

        Assert.IsGreaterThanOrEqualTo(8, triggers.Count, "predict, drift, models, rollback, retraining start/status/approve/reject");
        foreach (var (file, level, route) in triggers)
        {
            Assert.AreEqual("Function", level, $"{file}: route '{route}' must need a function key");
        }
    }

    [TestMethod]
    public void Pattern_FindsAnonymousTrigger_WhenOneIsWritten()
    {
        var match = HttpTrigger().Match("[HttpTrigger(AuthorizationLevel.Anonymous, \"get\", Route = \"x\")] HttpRequest request");
        Assert.IsTrue(match.Success);
        Assert.AreEqual("Anonymous", match.Groups["level"].Value);
    }

    [GeneratedRegex(@"HttpTrigger\(\s*AuthorizationLevel\.(?<level>\w+)[^)]*?Route\s*=\s*""(?<route>[^""]*)""", RegexOptions.CultureInvariant)]
    private static partial Regex HttpTrigger();
}
