using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace IoTAnomaly.Infrastructure.Storage;

/// <summary>Where and how to start Azurite.</summary>
public sealed class AzuriteLaunchOptions
{
    /// <summary>The folder holding Azurite's package.json (tools/azurite); found automatically when null.</summary>
    public string? AzuriteDirectory { get; init; }

    /// <summary>Loopback address Azurite listens on.</summary>
    public string Host { get; init; } = "127.0.0.1";

    /// <summary>Blob port; 0 picks a free port.</summary>
    public int BlobPort { get; init; }

    /// <summary>Queue port; 0 picks a free port.</summary>
    public int QueuePort { get; init; }

    /// <summary>Table port; 0 picks a free port.</summary>
    public int TablePort { get; init; }

    /// <summary>
    /// A folder where Azurite keeps its data on disk, so a restart on the same folder (and ports) finds the blobs again;
    /// null (the default) keeps everything in memory. The launcher never deletes this folder.
    /// </summary>
    public string? Location { get; init; }

    /// <summary>How long to wait for the blob endpoint to accept connections.</summary>
    public TimeSpan StartTimeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>How long <c>npm ci</c> may take when node_modules is missing.</summary>
    public TimeSpan InstallTimeout { get; init; } = TimeSpan.FromMinutes(5);
}

/// <summary>
/// Starts the pinned Azurite (tools/azurite) as a child process on loopback ports, in memory (or on disk at
/// <see cref="AzuriteLaunchOptions.Location"/>),
/// and kills its process tree on dispose. Used by the tests and by the local host when nothing serves storage.
/// </summary>
public sealed class AzuriteLauncher : IAsyncDisposable, IDisposable
{
    /// <summary>Environment variable naming the Azurite folder (holding package.json), overriding the search.</summary>
    public const string DirectoryEnvironmentVariable = "IOTANOMALY_AZURITE_DIR";

    /// <summary>Azurite's well-known development account (public, documented by Microsoft; not a secret).</summary>
    public const string DevelopmentAccountName = "devstoreaccount1";

    /// <summary>Azurite's well-known development account key (public, documented by Microsoft; not a secret).</summary>
    public const string DevelopmentAccountKey =
        "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

    /// <summary>Azurite's default blob port.</summary>
    public const int DefaultBlobPort = 10000;

    private const int MaxOutputLines = 50;

    private readonly Process _process;
    private readonly Queue<string> _output;
    private readonly string _workspace;
    private int _disposed;

    private AzuriteLauncher(Process process, Queue<string> output, string workspace, string host, int blobPort, int queuePort, int tablePort)
    {
        _process = process;
        _output = output;
        _workspace = workspace;
        Host = host;
        BlobPort = blobPort;
        QueuePort = queuePort;
        TablePort = tablePort;
        ConnectionString = BuildConnectionString(host, blobPort, queuePort, tablePort);

        // Do not leave Azurite behind when this process ends without disposing it (a test host exiting, Ctrl+C).
        AppDomain.CurrentDomain.ProcessExit += OnProcessExit;
    }

    public string Host { get; }

    public int BlobPort { get; }

    public int QueuePort { get; }

    public int TablePort { get; }

    /// <summary>The development-account connection string for this instance's actual ports.</summary>
    public string ConnectionString { get; }

    /// <summary>The Azurite process id.</summary>
    public int ProcessId => _process.Id;

    public bool HasExited => _process.HasExited;

    /// <summary>The development-account connection string for Azurite on the given endpoints.</summary>
    public static string BuildConnectionString(string host, int blobPort, int queuePort, int tablePort)
        => string.Create(
            CultureInfo.InvariantCulture,
            $"DefaultEndpointsProtocol=http;AccountName={DevelopmentAccountName};AccountKey={DevelopmentAccountKey};" +
            $"BlobEndpoint=http://{host}:{blobPort}/{DevelopmentAccountName};" +
            $"QueueEndpoint=http://{host}:{queuePort}/{DevelopmentAccountName};" +
            $"TableEndpoint=http://{host}:{tablePort}/{DevelopmentAccountName};");

    /// <summary>True when something accepts TCP connections on host:port (within about a second).</summary>
    public static async Task<bool> IsListeningAsync(string host, int port, CancellationToken cancellationToken = default)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(1));
        using var client = new TcpClient();
        try
        {
            await client.ConnectAsync(host, port, timeout.Token);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return false;
        }
    }

    /// <summary>
    /// The Azurite folder: <see cref="DirectoryEnvironmentVariable"/>, else <c>tools/azurite</c> in the first folder
    /// above <see cref="AppContext.BaseDirectory"/> or the current directory that has one. Null when not found.
    /// </summary>
    public static string? FindAzuriteDirectory()
    {
        var fromEnvironment = Environment.GetEnvironmentVariable(DirectoryEnvironmentVariable);
        if (!string.IsNullOrWhiteSpace(fromEnvironment))
        {
            return Directory.Exists(fromEnvironment) ? Path.GetFullPath(fromEnvironment) : null;
        }

        foreach (var start in new[] { AppContext.BaseDirectory, Directory.GetCurrentDirectory() })
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                var candidate = Path.Combine(dir.FullName, "tools", "azurite");
                if (File.Exists(Path.Combine(candidate, "package.json")))
                {
                    return candidate;
                }
            }
        }

        return null;
    }

    /// <summary>A TCP port on loopback that is free right now.</summary>
    public static int GetFreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }

    /// <summary>Installs Azurite if needed, starts it and waits until its blob endpoint answers.</summary>
    /// <exception cref="InvalidOperationException">Azurite or Node.js cannot be found, or Azurite does not start.</exception>
    public static async Task<AzuriteLauncher> StartAsync(AzuriteLaunchOptions? options = null, CancellationToken cancellationToken = default)
    {
        options ??= new AzuriteLaunchOptions();
        var directory = options.AzuriteDirectory ?? FindAzuriteDirectory()
            ?? throw new InvalidOperationException(
                $"Azurite not found: no tools/azurite/package.json above '{AppContext.BaseDirectory}' or '{Directory.GetCurrentDirectory()}', " +
                $"and {DirectoryEnvironmentVariable} is not set.");
        await EnsureInstalledAsync(directory, options.InstallTimeout, cancellationToken);

        // A port picked as free can be taken before Azurite binds it; pick again a few times when only ports were chosen by us.
        var attempts = options.BlobPort == 0 || options.QueuePort == 0 || options.TablePort == 0 ? 3 : 1;
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await StartOnceAsync(directory, options, cancellationToken);
            }
            catch (AzuriteStartException) when (attempt < attempts)
            {
            }
        }
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        AppDomain.CurrentDomain.ProcessExit -= OnProcessExit;

        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                _process.WaitForExit(10_000);
            }
        }
        catch (InvalidOperationException)
        {
            // Already gone.
        }
        finally
        {
            _process.Dispose();
            TryDeleteDirectory(_workspace);
        }
    }

    public ValueTask DisposeAsync()
    {
        Dispose();
        return ValueTask.CompletedTask;
    }

    /// <summary>The last lines Azurite printed (for diagnostics).</summary>
    public string RecentOutput()
    {
        lock (_output)
        {
            return string.Join(Environment.NewLine, _output);
        }
    }

    private static async Task<AzuriteLauncher> StartOnceAsync(string directory, AzuriteLaunchOptions options, CancellationToken cancellationToken)
    {
        var blobPort = options.BlobPort == 0 ? GetFreePort() : options.BlobPort;
        var queuePort = options.QueuePort == 0 ? GetFreePort() : options.QueuePort;
        var tablePort = options.TablePort == 0 ? GetFreePort() : options.TablePort;
        var workspace = Directory.CreateTempSubdirectory("iotanomaly-azurite-").FullName;

        var script = Path.Combine(directory, "node_modules", "azurite", "dist", "src", "azurite.js");
        var start = new ProcessStartInfo("node")
        {
            WorkingDirectory = workspace,
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
        };
        start.ArgumentList.Add(script);
        foreach (var argument in new[] { "--skipApiVersionCheck", "--loose", "--silent", "--disableTelemetry" })
        {
            start.ArgumentList.Add(argument);
        }

        if (options.Location is null)
        {
            start.ArgumentList.Add("--inMemoryPersistence");
        }
        else
        {
            Directory.CreateDirectory(options.Location);
            AddOption(start, "--location", options.Location);
        }

        AddOption(start, "--blobHost", options.Host);
        AddOption(start, "--blobPort", blobPort.ToString(CultureInfo.InvariantCulture));
        AddOption(start, "--queueHost", options.Host);
        AddOption(start, "--queuePort", queuePort.ToString(CultureInfo.InvariantCulture));
        AddOption(start, "--tableHost", options.Host);
        AddOption(start, "--tablePort", tablePort.ToString(CultureInfo.InvariantCulture));

        var output = new Queue<string>();
        Process process;
        try
        {
            process = Process.Start(start) ?? throw new InvalidOperationException("Could not start node for Azurite.");
        }
        catch (System.ComponentModel.Win32Exception ex)
        {
            TryDeleteDirectory(workspace);
            throw new InvalidOperationException("Could not start Azurite: Node.js ('node') is not on the PATH.", ex);
        }

        var launcher = new AzuriteLauncher(process, output, workspace, options.Host, blobPort, queuePort, tablePort);
        process.OutputDataReceived += (_, e) => Remember(output, e.Data);
        process.ErrorDataReceived += (_, e) => Remember(output, e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        try
        {
            var deadline = Stopwatch.StartNew();
            while (!await IsListeningAsync(options.Host, blobPort, cancellationToken))
            {
                if (process.HasExited)
                {
                    throw new AzuriteStartException(
                        $"Azurite exited with code {process.ExitCode} before listening on {options.Host}:{blobPort}. Output:{Environment.NewLine}{launcher.RecentOutput()}");
                }

                if (deadline.Elapsed > options.StartTimeout)
                {
                    throw new InvalidOperationException(
                        $"Azurite did not listen on {options.Host}:{blobPort} within {options.StartTimeout.TotalSeconds:0} s. Output:{Environment.NewLine}{launcher.RecentOutput()}");
                }

                await Task.Delay(100, cancellationToken);
            }

            return launcher;
        }
        catch
        {
            launcher.Dispose();
            throw;
        }
    }

    private static async Task EnsureInstalledAsync(string directory, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var script = Path.Combine(directory, "node_modules", "azurite", "dist", "src", "azurite.js");
        if (File.Exists(script))
        {
            return;
        }

        // Several test assemblies may start at once; one installs, the others wait for its lock and then find the script.
        await using var installLock = await AcquireLockAsync(Path.Combine(directory, ".install.lock"), timeout, cancellationToken);
        if (File.Exists(script))
        {
            return;
        }

        var start = new ProcessStartInfo("npm")
        {
            WorkingDirectory = directory,
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var argument in new[] { "ci", "--no-audit", "--no-fund", "--loglevel=error" })
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException("Could not start npm to install Azurite.");
        var stdout = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var stderr = process.StandardError.ReadToEndAsync(cancellationToken);
        using var timeoutSource = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeoutSource.CancelAfter(timeout);
        try
        {
            await process.WaitForExitAsync(timeoutSource.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new InvalidOperationException($"'npm ci' in {directory} did not finish within {timeout.TotalMinutes:0} min.");
        }

        if (process.ExitCode != 0 || !File.Exists(script))
        {
            throw new InvalidOperationException(
                $"'npm ci' in {directory} failed with exit code {process.ExitCode}: {await stderr}{await stdout}");
        }
    }

    private static async Task<FileStream> AcquireLockAsync(string path, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var waited = Stopwatch.StartNew();
        while (true)
        {
            try
            {
                return new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None, 1, FileOptions.DeleteOnClose);
            }
            catch (IOException) when (waited.Elapsed < timeout)
            {
                await Task.Delay(250, cancellationToken);
            }
        }
    }

    private void OnProcessExit(object? sender, EventArgs e) => Dispose();

    private static void AddOption(ProcessStartInfo start, string name, string value)
    {
        start.ArgumentList.Add(name);
        start.ArgumentList.Add(value);
    }

    private static void Remember(Queue<string> output, string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (output)
        {
            output.Enqueue(line);
            while (output.Count > MaxOutputLines)
            {
                output.Dequeue();
            }
        }
    }

    private static void TryDeleteDirectory(string path)
    {
        try
        {
            Directory.Delete(path, recursive: true);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }

    /// <summary>Azurite exited while starting (typically a port taken between choosing and binding it).</summary>
    private sealed class AzuriteStartException(string message) : InvalidOperationException(message);
}
