using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using IoTAnomaly.Core.Retraining;
using IoTAnomaly.Infrastructure.Retraining;
using IoTAnomaly.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace IoTAnomaly.LocalHost.Tests.Reliability;

/// <summary>
/// Issue 8, faults: concurrent retraining starts over HTTP, on two hosts sharing storage (two processes of the local
/// host): exactly one run starts (202), every other start gets 409 while it runs, and a start after it finished works.
/// </summary>
[TestClass]
public sealed class ConcurrentRetrainingTests
{
    [TestMethod]
    public async Task ConcurrentStarts_OnTwoHosts_StartExactlyOneRun_OthersGet409()
    {
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var shared = new Dictionary<string, string?>
        {
            ["Storage:ModelsContainer"] = AzuriteFixture.UniqueName("models"),
            ["Storage:RetrainingContainer"] = AzuriteFixture.UniqueName("retraining"),
            ["Storage:CaptureContainer"] = AzuriteFixture.UniqueName("capture"),
            ["Scoring:ModelName"] = AzuriteFixture.UniqueName("race"),
        };
        void Gated(IServiceCollection services)
            => services.AddSingleton<IRetrainingActivities>(sp => new GatedActivities(sp.GetRequiredService<RetrainingActivities>(), gate.Task));
        await using var one = new LocalHostFactory(shared, Gated);
        await using var two = new LocalHostFactory(shared, Gated);
        using var clientOne = one.CreateApiClient();
        using var clientTwo = two.CreateApiClient();

        var starts = Enumerable.Range(0, 6)
            .Select(i => (i % 2 == 0 ? clientOne : clientTwo).PostAsync(new Uri("/api/retraining", UriKind.Relative), LocalHostFactory.Json("{\"reason\":\"race\"}")))
            .ToArray();
        var responses = await Task.WhenAll(starts);
        var statuses = responses.Select(r => r.StatusCode).ToList();
        Assert.AreEqual(1, statuses.Count(s => s == HttpStatusCode.Accepted), string.Join(", ", statuses));
        Assert.AreEqual(5, statuses.Count(s => s == HttpStatusCode.Conflict), string.Join(", ", statuses));
        var winner = responses.Single(r => r.StatusCode == HttpStatusCode.Accepted);
        var id = JsonSerializer.Deserialize<JsonElement>(await winner.Content.ReadAsStringAsync()).GetProperty("id").GetString();
        foreach (var response in responses)
        {
            response.Dispose();
        }

        gate.SetResult();
        using (var wait = new CancellationTokenSource(TimeSpan.FromSeconds(60)))
        {
            while (true)
            {
                var run = await clientOne.GetFromJsonAsync<JsonElement>(new Uri("/api/retraining/" + id, UriKind.Relative), wait.Token);
                var status = run.GetProperty("runtimeStatus").GetString();
                if (status is RetrainingRunStatus.Completed or RetrainingRunStatus.Failed)
                {
                    Assert.AreEqual(RetrainingRunStatus.Completed, status, run.ToString());
                    break;
                }

                await Task.Delay(100, wait.Token);
            }
        }

        using var next = await clientTwo.PostAsync(new Uri("/api/retraining", UriKind.Relative), LocalHostFactory.Json("{}"));
        Assert.AreEqual(HttpStatusCode.Accepted, next.StatusCode, "a finished run does not block the next");
    }

    /// <summary>Holds every run in its first step until the gate opens.</summary>
    private sealed class GatedActivities(IRetrainingActivities inner, Task gate) : DelegatingRetrainingActivities(inner)
    {
        public override async Task<TrainingWindowRef> LoadTrainingWindowAsync(RetrainingRequest request, CancellationToken cancellationToken)
        {
            await gate;
            return await base.LoadTrainingWindowAsync(request, cancellationToken);
        }
    }
}
