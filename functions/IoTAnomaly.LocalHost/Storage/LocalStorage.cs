using IoTAnomaly.Infrastructure.Storage;
using IoTAnomaly.LocalHost.Diagnostics;

namespace IoTAnomaly.LocalHost.Storage;

/// <summary>
/// Fills in the storage connection when none is configured: Azurite's development connection when something listens
/// on 127.0.0.1:10000, otherwise an Azurite started here (the pinned tools/azurite) and stopped when the host is
/// disposed. A configured <c>Storage:ConnectionString</c> or <c>Storage:BlobServiceUri</c> is left alone, so any
/// Azure Storage account works by configuration.
/// </summary>
public sealed class LocalStorage(ILogger<LocalStorage> logger) : IDisposable
{
    /// <summary>Azurite's development connection (well-known account, default ports).</summary>
    public const string DevelopmentConnection = "UseDevelopmentStorage=true";

    private readonly Lock _gate = new();
    private AzuriteLauncher? _launcher;
    private string? _connectionString;

    /// <summary>The Azurite this host started, or null.</summary>
    public AzuriteLauncher? StartedAzurite => _launcher;

    /// <summary>Post-configures <paramref name="options"/> (runs once per options instance, at start).</summary>
    public void Apply(StorageOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (!string.IsNullOrWhiteSpace(options.ConnectionString) || options.BlobServiceUri is not null)
        {
            return;
        }

        options.ConnectionString = Resolve();
    }

    private string Resolve()
    {
        lock (_gate)
        {
            if (_connectionString is not null)
            {
                return _connectionString;
            }

            const string host = "127.0.0.1";
            var endpoint = $"{host}:{AzuriteLauncher.DefaultBlobPort}";
            // Options are built synchronously; this runs once, at start, before anything serves requests.
            if (AzuriteLauncher.IsListeningAsync(host, AzuriteLauncher.DefaultBlobPort).GetAwaiter().GetResult())
            {
                Log.UsingRunningAzurite(logger, endpoint);
                _connectionString = DevelopmentConnection;
            }
            else
            {
                _launcher = AzuriteLauncher.StartAsync(new AzuriteLaunchOptions { Host = host }).GetAwaiter().GetResult();
                Log.StartedAzurite(logger, endpoint, _launcher.ProcessId, _launcher.BlobPort);
                _connectionString = _launcher.ConnectionString;
            }

            return _connectionString;
        }
    }

    public void Dispose()
    {
        var launcher = Interlocked.Exchange(ref _launcher, null);
        if (launcher is not null)
        {
            var pid = launcher.ProcessId;
            launcher.Dispose();
            try
            {
                Log.StoppedAzurite(logger, pid);
            }
            catch (ObjectDisposedException)
            {
                // Logging already shut down.
            }
        }
    }
}
