using System.Diagnostics;
using IoTAnomaly.Infrastructure.Storage;

namespace IoTAnomaly.Testing;

/// <summary>
/// An Azurite of its own for fault tests: data on disk in a temporary folder and fixed loopback ports, so it can be
/// stopped (gracefully, SIGTERM, as a storage restart would) and started again on the same ports and data while a host
/// keeps the same connection string. Disposing stops it and deletes the folder.
/// </summary>
public sealed class RestartableAzurite : IAsyncDisposable
{
    private readonly AzuriteLaunchOptions _options;
    private AzuriteLauncher? _launcher;

    private RestartableAzurite(AzuriteLaunchOptions options)
    {
        _options = options;
        ConnectionString = AzuriteLauncher.BuildConnectionString(options.Host, options.BlobPort, options.QueuePort, options.TablePort);
    }

    /// <summary>The connection string (the same before and after a restart).</summary>
    public string ConnectionString { get; }

    /// <summary>The blob port.</summary>
    public int BlobPort => _options.BlobPort;

    /// <summary>True while Azurite runs.</summary>
    public bool IsRunning => _launcher is { HasExited: false };

    /// <summary>Starts a new instance on free ports with a fresh data folder.</summary>
    public static async Task<RestartableAzurite> StartAsync(CancellationToken cancellationToken = default)
    {
        var azurite = new RestartableAzurite(new AzuriteLaunchOptions
        {
            BlobPort = AzuriteLauncher.GetFreePort(),
            QueuePort = AzuriteLauncher.GetFreePort(),
            TablePort = AzuriteLauncher.GetFreePort(),
            Location = Directory.CreateTempSubdirectory("iotanomaly-azurite-data-").FullName,
        });
        await azurite.StartAgainAsync(cancellationToken);
        return azurite;
    }

    /// <summary>Starts Azurite on the same ports and data folder.</summary>
    public async Task StartAgainAsync(CancellationToken cancellationToken = default)
    {
        if (IsRunning)
        {
            throw new InvalidOperationException("Azurite is already running.");
        }

        _launcher = await AzuriteLauncher.StartAsync(_options, cancellationToken);
    }

    /// <summary>Stops Azurite: SIGTERM (it closes its stores) and, if it has not exited within 10 s, a kill.</summary>
    public async Task StopAsync()
    {
        if (_launcher is not { } launcher)
        {
            return;
        }

        _launcher = null;
        if (!launcher.HasExited && !OperatingSystem.IsWindows())
        {
            using var term = Process.Start(new ProcessStartInfo("kill") { ArgumentList = { "-TERM", launcher.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture) }, UseShellExecute = false });
            if (term is not null)
            {
                await term.WaitForExitAsync();
            }

            var waited = Stopwatch.StartNew();
            while (!launcher.HasExited && waited.Elapsed < TimeSpan.FromSeconds(10))
            {
                await Task.Delay(50);
            }
        }

        await launcher.DisposeAsync();

        // The port must be free again before a restart can bind it.
        var closed = Stopwatch.StartNew();
        while (await AzuriteLauncher.IsListeningAsync(_options.Host, _options.BlobPort) && closed.Elapsed < TimeSpan.FromSeconds(10))
        {
            await Task.Delay(100);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        try
        {
            Directory.Delete(_options.Location!, recursive: true);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
