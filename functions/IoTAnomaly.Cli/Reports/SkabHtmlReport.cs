using System.Globalization;
using System.Net;
using System.Text;
using IoTAnomaly.Core.Evaluation;
using ScottPlot;

namespace IoTAnomaly.Cli.Reports;

/// <summary>
/// Writes an evaluation as a static HTML page (<c>index.html</c>): the pooled metrics, the per-file table, and one PNG
/// per file under <c>plots/</c> showing the detector's score, its threshold, the shaded <c>anomaly</c> label, the
/// labelled change points (dashed) and the change-point alarms (dotted).
/// </summary>
internal static class SkabHtmlReport
{
    /// <summary>Plot size in pixels.</summary>
    public const int PlotWidth = 1100;

    /// <summary>Plot size in pixels.</summary>
    public const int PlotHeight = 320;

    /// <summary>Writes the report into <paramref name="folder"/>; returns the path of <c>index.html</c>.</summary>
    public static string Write(SkabEvaluation evaluation, string folder)
    {
        var plots = Path.Combine(folder, "plots");
        Directory.CreateDirectory(plots);
        var images = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var file in evaluation.Files)
        {
            var image = "plots/" + PlotFileName(file.File);
            WritePlot(file, Path.Combine(folder, image));
            images[file.File] = image;
        }

        var index = Path.Combine(folder, "index.html");
        File.WriteAllText(index, Html(evaluation.Report, images), new UTF8Encoding(encoderShouldEmitUTF8Identifier: false));
        return index;
    }

    /// <summary>A file name for the plot of <paramref name="file"/> (<c>valve1/0.csv</c> → <c>valve1_0.png</c>).</summary>
    public static string PlotFileName(string file)
    {
        var stem = Path.ChangeExtension(file, null) ?? file;
        var safe = new string([.. stem.Select(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' ? c : '_')]);
        return safe + ".png";
    }

    private static void WritePlot(SkabFileDetection file, string path)
    {
        var plot = new Plot();
        var xs = file.Timestamps.Select(t => t.ToOADate()).ToArray();
        var scores = file.Detection.Scores;
        var threshold = file.Detection.Threshold;

        // Label shading first, so the score line is drawn on top.
        foreach (var (from, to) in Runs(file.Anomaly))
        {
            var span = plot.Add.HorizontalSpan(xs[from], xs[to]);
            span.FillStyle.Color = Colors.OrangeRed.WithAlpha(0.18);
            span.LineStyle.Width = 0;
        }

        for (var i = 0; i < xs.Length; i++)
        {
            if (file.ChangePoint[i])
            {
                var line = plot.Add.VerticalLine(xs[i]);
                line.Color = Colors.DarkRed;
                line.LinePattern = LinePattern.Dashed;
                line.LineWidth = 1;
            }

            if (file.ChangePointAlarms[i])
            {
                var line = plot.Add.VerticalLine(xs[i]);
                line.Color = Colors.SeaGreen;
                line.LinePattern = LinePattern.Dotted;
                line.LineWidth = 1;
            }
        }

        var score = plot.Add.ScatterLine(xs, scores);
        score.Color = Colors.SteelBlue;
        score.LineWidth = 1;
        score.LegendText = "score";
        var limit = plot.Add.HorizontalLine(threshold);
        limit.Color = Colors.Black;
        limit.LineWidth = 1;
        limit.LegendText = "threshold";

        plot.Axes.DateTimeTicksBottom();
        var finite = scores.Where(double.IsFinite).ToArray();
        var top = finite.Length == 0 ? 1 : Math.Min(finite.Max(), Math.Max(5 * Math.Abs(threshold), Percentile(finite, 0.99)));
        var bottom = finite.Length == 0 ? 0 : Math.Min(0, finite.Min());
        plot.Axes.SetLimitsY(bottom, Math.Max(top, threshold) * 1.05);
        plot.Title($"{file.File}: score (blue), threshold (black), anomaly label (shaded), change points (dashed), CP alarms (dotted)");
        plot.Axes.Title.Label.FontSize = 13;
        plot.YLabel("score");
        plot.ShowLegend(Alignment.UpperLeft);
        plot.SavePng(path, PlotWidth, PlotHeight);
    }

    private static List<(int From, int To)> Runs(bool[] flags)
    {
        var runs = new List<(int, int)>();
        for (var i = 0; i < flags.Length; i++)
        {
            if (!flags[i])
            {
                continue;
            }

            var start = i;
            while (i + 1 < flags.Length && flags[i + 1])
            {
                i++;
            }

            runs.Add((start, i));
        }

        return runs;
    }

    private static double Percentile(double[] values, double q)
    {
        var sorted = values.Order().ToArray();
        return sorted[(int)Math.Min(sorted.Length - 1, Math.Floor(q * sorted.Length))];
    }

    private static string Html(SkabEvaluationReport report, Dictionary<string, string> images)
    {
        var html = new StringBuilder();
        html.Append(CultureInfo.InvariantCulture, $$"""
            <!DOCTYPE html>
            <html lang="en"><head><meta charset="utf-8"><title>IoTAnomaly evaluation: {{E(report.Detector)}}</title>
            <style>body{font-family:sans-serif;margin:2em}table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:2px 8px;text-align:right}td:first-child{text-align:left}img{max-width:100%}</style>
            </head><body>
            <h1>SKAB evaluation: {{E(report.Detector)}}</h1>
            <p>Protocol: per file, the first {{report.TrainRows}} rows train the detector and the remaining rows are scored in time order.
            Outlier counts are pooled over the {{report.Files}} labelled files; change points are scored with SKAB's NAB variant (60 s windows).
            The anomaly-free file is a separate false-alarm check and is not pooled.</p>
            <h2>Pooled metrics</h2>
            <table><tr><th>F1</th><th>FAR %</th><th>MAR %</th><th>NAB standard</th><th>NAB LowFP</th><th>NAB LowFN</th><th>CPs</th><th>missed CPs</th><th>FPs</th><th>avg delay s</th><th>anomaly-free alarm %</th></tr>
            <tr><td>{{F(report.F1)}}</td><td>{{F(report.Far)}}</td><td>{{F(report.Mar)}}</td><td>{{F(report.NabStandard)}}</td><td>{{F(report.NabLowFp)}}</td><td>{{F(report.NabLowFn)}}</td><td>{{report.ChangePoints}}</td><td>{{report.MissedChangePoints}}</td><td>{{report.FalsePositiveAlarms}}</td><td>{{F(report.AverageDelaySeconds)}}</td><td>{{F(report.AnomalyFreeAlarmRate)}}</td></tr></table>
            <h2>Per file</h2>
            <p>NAB columns are each file's additive share of the pooled score.</p>
            <table><tr><th>file</th><th>test rows</th><th>TP</th><th>FP</th><th>FN</th><th>TN</th><th>F1</th><th>CPs</th><th>missed</th><th>FP alarms</th><th>NAB std</th><th>NAB LowFP</th><th>NAB LowFN</th></tr>

            """);
        foreach (var f in report.PerFile)
        {
            html.Append(CultureInfo.InvariantCulture, $"<tr><td><a href=\"#{E(f.File)}\">{E(f.File)}</a></td><td>{f.TestRows}</td><td>{f.TruePositives}</td><td>{f.FalsePositives}</td><td>{f.FalseNegatives}</td><td>{f.TrueNegatives}</td><td>{F(f.F1)}</td><td>{f.ChangePoints}</td><td>{f.MissedChangePoints}</td><td>{f.FalsePositiveAlarms}</td><td>{F(f.NabStandard)}</td><td>{F(f.NabLowFp)}</td><td>{F(f.NabLowFn)}</td></tr>\n");
        }

        html.Append("</table>\n");
        if (report.AnomalyFree.Count > 0)
        {
            html.Append("<h2>False-alarm check (no labels)</h2>\n<table><tr><th>file</th><th>test rows</th><th>alarms</th><th>alarm %</th><th>CP alarms</th></tr>\n");
            foreach (var a in report.AnomalyFree)
            {
                html.Append(CultureInfo.InvariantCulture, $"<tr><td><a href=\"#{E(a.File)}\">{E(a.File)}</a></td><td>{a.TestRows}</td><td>{a.Alarms}</td><td>{F(a.AlarmRate)}</td><td>{a.ChangePointAlarms}</td></tr>\n");
            }

            html.Append("</table>\n");
        }

        html.Append("<h2>Plots</h2>\n");
        foreach (var (file, image) in images)
        {
            html.Append(CultureInfo.InvariantCulture, $"<h3 id=\"{E(file)}\">{E(file)}</h3>\n<img src=\"{E(image)}\" alt=\"score, threshold and labels of {E(file)}\">\n");
        }

        html.Append("</body></html>\n");
        return html.ToString();
    }

    private static string E(string text) => WebUtility.HtmlEncode(text);

    private static string F(double? value) => value is { } v ? v.ToString("F2", CultureInfo.InvariantCulture) : "-";
}
