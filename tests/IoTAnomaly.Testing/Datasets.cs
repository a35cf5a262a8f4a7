namespace IoTAnomaly.Testing;

/// <summary>
/// Locates the shared, read-only benchmark datasets (never copied into the repository; SKAB is GPL-3.0).
/// Order: the <c>IOTANOMALY_DATASETS</c> environment variable, else <c>&lt;repository root&gt;/../shared/datasets</c>.
/// </summary>
public static class Datasets
{
    /// <summary>Environment variable that overrides the dataset root.</summary>
    public const string EnvironmentVariable = "IOTANOMALY_DATASETS";

    /// <summary>
    /// The dataset root folder (it may not exist; see <see cref="TryGet"/>). Without the environment variable and
    /// outside a repository checkout, a folder that does not exist.
    /// </summary>
    public static string Root
    {
        get
        {
            var fromEnvironment = Environment.GetEnvironmentVariable(EnvironmentVariable);
            if (!string.IsNullOrWhiteSpace(fromEnvironment))
            {
                return Path.GetFullPath(fromEnvironment);
            }

            try
            {
                return Path.GetFullPath(Path.Combine(TestPaths.RepositoryRoot, "..", "shared", "datasets"));
            }
            catch (TypeInitializationException)
            {
                return Path.Combine(AppContext.BaseDirectory, "no-repository-root", "shared", "datasets");
            }
        }
    }

    /// <summary>The SKAB development folder (anomaly-free, valve1, valve2, reference-predictions.csv).</summary>
    public static string SkabDirectory => Path.Combine(Root, "skab");

    /// <summary>The NAB scorer check folder.</summary>
    public static string NabScorerCheckDirectory => Path.Combine(Root, "nab-scorer-check");

    /// <summary>
    /// Returns the full path of <paramref name="relativePath"/> under the dataset root when that file or folder
    /// exists; otherwise null and a message saying where it was looked for (for <c>Assert.Inconclusive</c>).
    /// </summary>
    public static string? TryGet(string relativePath, out string missingMessage)
    {
        var path = Path.Combine(Root, relativePath);
        if (File.Exists(path) || Directory.Exists(path))
        {
            missingMessage = string.Empty;
            return path;
        }

        missingMessage =
            $"Dataset '{relativePath}' not found at '{path}'. Set {EnvironmentVariable} to the folder holding skab/ and nab-scorer-check/ " +
            "(default: <repository root>/../shared/datasets).";
        return null;
    }
}
