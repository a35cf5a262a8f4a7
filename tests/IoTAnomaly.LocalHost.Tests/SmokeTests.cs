using Microsoft.AspNetCore.Mvc.Testing;

namespace IoTAnomaly.LocalHost.Tests;

[TestClass]
public sealed class SmokeTests
{
    [TestMethod]
    public async Task Health_Answers_WhenHostStarts()
    {
        await using var factory = new WebApplicationFactory<Program>();
        using var client = factory.CreateClient();
        using var response = await client.GetAsync(new Uri("/health", UriKind.Relative));
        Assert.IsTrue(response.IsSuccessStatusCode);
    }
}
