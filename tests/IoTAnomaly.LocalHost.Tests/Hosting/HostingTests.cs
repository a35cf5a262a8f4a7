using IoTAnomaly.LocalHost.Hosting;

namespace IoTAnomaly.LocalHost.Tests.Hosting;

[TestClass]
public sealed class HostingTests
{
    [TestMethod]
    public void CommandLine_MapsDurationAndNoSimulatorToConfiguration_AndKeepsOtherArguments()
    {
        var args = CommandLine.Translate(["--duration", "12.5", "--no-simulator", "--urls", "http://127.0.0.1:0"]);
        CollectionAssert.AreEqual(new[] { "--LocalHost:DurationSeconds=12.5", "--LocalHost:Simulator=false", "--urls", "http://127.0.0.1:0" }, args);
        CollectionAssert.AreEqual(new[] { "--LocalHost:DurationSeconds=3" }, CommandLine.Translate(["--duration=3"]));
    }

    [TestMethod]
    [DataRow("0")]
    [DataRow("-1")]
    [DataRow("soon")]
    [DataRow(null)]
    public void CommandLine_Throws_WhenDurationIsNotAPositiveNumber(string? value)
    {
        string[] args = value is null ? ["--duration"] : ["--duration", value];
        Assert.ThrowsExactly<ArgumentException>(() => CommandLine.Translate(args));
    }

    [TestMethod]
    public void EventHubsBatchSettings_ReadsTheRepositoryHostJson_WhenLinkedIntoTheOutput()
    {
        var settings = EventHubsBatchSettings.Load(null);
        Assert.AreEqual(100, settings.MaxEventBatchSize);
        Assert.AreEqual(TimeSpan.FromMilliseconds(200), settings.MaxWaitTime);
        StringAssert.EndsWith(settings.Source, "host.json");
    }

    [TestMethod]
    public void EventHubsBatchSettings_UsesDefaults_WhenFileIsMissing()
    {
        Assert.AreSame(EventHubsBatchSettings.Defaults, EventHubsBatchSettings.Load(Path.Combine(Path.GetTempPath(), Guid.NewGuid().ToString("N"), "host.json")));
    }

    [TestMethod]
    public void EventHubsBatchSettings_Throws_WhenValuesAreInvalid()
    {
        var path = Path.GetTempFileName();
        try
        {
            File.WriteAllText(path, "{\"extensions\":{\"eventHubs\":{\"maxEventBatchSize\":0}}}");
            Assert.ThrowsExactly<InvalidDataException>(() => EventHubsBatchSettings.Load(path));
        }
        finally
        {
            File.Delete(path);
        }
    }
}
