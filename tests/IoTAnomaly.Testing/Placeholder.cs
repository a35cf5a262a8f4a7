namespace IoTAnomaly.Testing;

/// <summary>Shared test support: Azurite, datasets, builders.</summary>
public static class TestPaths
{
    /// <summary>The repository root (the folder holding IoTAnomaly.Functions.sln).</summary>
    public static string RepositoryRoot { get; } = FindRoot();

    private static string FindRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "IoTAnomaly.Functions.sln")))
        {
            dir = dir.Parent;
        }

        return dir?.FullName ?? throw new InvalidOperationException("Repository root not found above " + AppContext.BaseDirectory);
    }
}
