using IoTAnomaly.Core.Evaluation;

namespace IoTAnomaly.Cli.Reports;

/// <summary>Writes an evaluation as <c>index.html</c> with one PNG plot per file (placeholder until plots land).</summary>
internal static class SkabHtmlReport
{
    /// <summary>Writes the report into <paramref name="folder"/>; returns the path of <c>index.html</c>.</summary>
    public static string Write(SkabEvaluation evaluation, string folder)
    {
        Directory.CreateDirectory(folder);
        var index = Path.Combine(folder, "index.html");
        File.WriteAllText(index, $"<html><body><h1>{evaluation.Report.Detector}</h1></body></html>");
        return index;
    }
}
