using IoTAnomaly.Core.Drift;
using IoTAnomaly.Core.Processing;
using IoTAnomaly.Functions.Http;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.Options;

namespace IoTAnomaly.Functions.Drift;

/// <summary><c>GET /api/drift</c> (function-level auth; as on the local host): the newest drift reports of the scored model.</summary>
public sealed class DriftReportsApi(IDriftReportStore reports, IOptions<ScoringOptions> scoring)
{
    /// <summary>How many reports are listed, newest first.</summary>
    public const int ReportsListed = 20;

    [Function(nameof(ListDriftReports))]
    public async Task<IActionResult> ListDriftReports(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = "drift")] HttpRequest request,
        CancellationToken cancellationToken)
        => HttpBodies.Json(await reports.ListRecentAsync(scoring.Value.ModelName, ReportsListed, cancellationToken).ConfigureAwait(false));
}
