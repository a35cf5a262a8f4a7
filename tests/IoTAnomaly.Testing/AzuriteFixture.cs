using System.Globalization;
using Azure.Storage.Blobs;
using IoTAnomaly.Infrastructure.Storage;

namespace IoTAnomaly.Testing;

/// <summary>
/// One Azurite per test assembly: started lazily on first use (thread-safe), stopped by <see cref="StopAsync"/>.
/// When the environment variable <see cref="ConnectionEnvironmentVariable"/> is set, that storage is used instead
/// and nothing is started. Each test works in its own container (<see cref="CreateContainerAsync"/>) or under
/// unique names (<see cref="UniqueName"/>), so tests do not see each other's blobs.
/// <code>
/// [AssemblyInitialize] public static Task Init(TestContext _) => AzuriteFixture.StartAsync();
/// [AssemblyCleanup] public static Task Cleanup() => AzuriteFixture.StopAsync();
/// </code>
/// </summary>
public static class AzuriteFixture
{
    /// <summary>A storage connection string to use instead of starting Azurite.</summary>
    public const string ConnectionEnvironmentVariable = "IOTANOMALY_STORAGE_CONNECTION";

    private static readonly SemaphoreSlim Gate = new(1, 1);
    private static AzuriteLauncher? _launcher;
    private static string? _connectionString;
    private static int _counter;

    /// <summary>The connection string once <see cref="StartAsync"/> has completed.</summary>
    public static string ConnectionString
        => Volatile.Read(ref _connectionString) ?? throw new InvalidOperationException("Azurite is not started: call AzuriteFixture.StartAsync first.");

    /// <summary>The Azurite process this fixture started, or null (not started, or external storage).</summary>
    public static AzuriteLauncher? Launcher => _launcher;

    /// <summary>Starts Azurite once (or takes <see cref="ConnectionEnvironmentVariable"/>) and returns the connection string.</summary>
    public static async Task<string> StartAsync(CancellationToken cancellationToken = default)
    {
        if (Volatile.Read(ref _connectionString) is { } ready)
        {
            return ready;
        }

        await Gate.WaitAsync(cancellationToken);
        try
        {
            if (_connectionString is not null)
            {
                return _connectionString;
            }

            var external = Environment.GetEnvironmentVariable(ConnectionEnvironmentVariable);
            if (!string.IsNullOrWhiteSpace(external))
            {
                Volatile.Write(ref _connectionString, external);
                return external;
            }

            _launcher = await AzuriteLauncher.StartAsync(cancellationToken: cancellationToken);
            Volatile.Write(ref _connectionString, _launcher.ConnectionString);
            return _launcher.ConnectionString;
        }
        finally
        {
            Gate.Release();
        }
    }

    /// <summary>Stops the Azurite this fixture started (if any); a later <see cref="StartAsync"/> starts a new one.</summary>
    public static async Task StopAsync()
    {
        await Gate.WaitAsync();
        try
        {
            if (_launcher is not null)
            {
                await _launcher.DisposeAsync();
                _launcher = null;
            }

            Volatile.Write(ref _connectionString, null);
        }
        finally
        {
            Gate.Release();
        }
    }

    /// <summary>A client of the fixture's storage, built by the production factory (same retry policy).</summary>
    public static async Task<BlobServiceClient> GetServiceClientAsync(CancellationToken cancellationToken = default)
        => BlobServiceClientFactory.Create(await StartAsync(cancellationToken));

    /// <summary>A new, empty, uniquely named container for one test.</summary>
    public static async Task<BlobContainerClient> CreateContainerAsync(string prefix = "test", CancellationToken cancellationToken = default)
    {
        var service = await GetServiceClientAsync(cancellationToken);
        var container = service.GetBlobContainerClient(UniqueName(prefix));
        await container.CreateIfNotExistsAsync(cancellationToken: cancellationToken);
        return container;
    }

    /// <summary>
    /// A name unique within this run and across runs against a shared storage account: lower-case prefix, a counter
    /// and random hex; at most 63 characters, valid for containers and model names.
    /// </summary>
    public static string UniqueName(string prefix = "t")
    {
        var clean = new string(prefix.ToLowerInvariant().Where(c => c is (>= 'a' and <= 'z') or (>= '0' and <= '9') or '-').ToArray()).Trim('-');
        if (clean.Length == 0)
        {
            clean = "t";
        }

        var suffix = string.Create(
            CultureInfo.InvariantCulture,
            $"{Interlocked.Increment(ref _counter)}-{Guid.NewGuid().ToString("N")[..10]}");
        var head = clean.Length > 63 - suffix.Length - 1 ? clean[..(63 - suffix.Length - 1)].TrimEnd('-') : clean;
        return $"{head}-{suffix}";
    }
}
