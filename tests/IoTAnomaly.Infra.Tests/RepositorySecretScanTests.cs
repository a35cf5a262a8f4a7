using System.Text.RegularExpressions;
using IoTAnomaly.Infra.Tests.Bicep;

namespace IoTAnomaly.Infra.Tests;

/// <summary>
/// Issue 8: no secrets in the repository. Scans every source, configuration, script and document file of the
/// repository (build output, node_modules and .git excluded) for credential shapes. The one exception is Azurite's
/// well-known development account key, which Microsoft publishes and which only opens the local emulator.
/// </summary>
[TestClass]
public sealed partial class RepositorySecretScanTests
{
    /// <summary>Azurite's published development key (documented in docs/reliability.md as the only allowed key).</summary>
    public const string AzuriteDevelopmentKey = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

    /// <summary>
    /// Findings that are not secrets, each with the reason (repeated in docs/reliability.md). Keyed by the file's path
    /// relative to the repository root and the kind of finding.
    /// </summary>
    private static readonly Dictionary<(string File, string Kind), string> Exceptions = new()
    {
        [("tests/IoTAnomaly.Infrastructure.Tests/Simulation/SimulatorTargetTests.cs", "SAS signature")] =
            "known-answer test vectors of SasTokens, signed with the made-up keys 'c2VjcmV0LWtleQ==' and bytes 0..31 for the fictitious my-ns/my-hub, expired 2026-01-01",
    };

    private static readonly string[] SkippedDirectories = ["bin", "obj", "node_modules", ".git", "TestResults", ".vs", "BenchmarkDotNet.Artifacts"];

    private static readonly string[] ScannedExtensions =
    [
        ".cs", ".csproj", ".props", ".targets", ".json", ".bicep", ".bicepparam", ".yml", ".yaml", ".sh", ".md", ".txt", ".xml", ".config", ".env", ".ps1", ".js", ".html", ".ndjson",
    ];

    [TestMethod]
    public void Repository_HoldsNoCredentials_ExceptAzuritesPublishedDevelopmentKey()
    {
        var files = RepositoryFiles().ToList();
        Assert.IsGreaterThan(100, files.Count, "the scan sees the repository");
        var findings = new List<string>();
        foreach (var file in files)
        {
            var text = File.ReadAllText(file);
            var relative = Path.GetRelativePath(BicepCli.RepositoryRoot, file).Replace('\\', '/');
            findings.AddRange(Scan(text).Where(kind => !Exceptions.ContainsKey((relative, kind))).Select(kind => $"{relative}: {kind}"));
        }

        Assert.IsEmpty(findings, string.Join(Environment.NewLine, findings));
    }

    // The planted values are split in the source so that this file itself passes the scan.
    [TestMethod]
    [DataRow("DefaultEndpointsProtocol=https;AccountName=prod;Account" + "Key=c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0Cg==;EndpointSuffix=core.windows.net")]
    [DataRow("Endpoint=sb://ns.servicebus.windows.net/;SharedAccessKeyName=send;SharedAccess" + "Key=AbCdEfGhIjKlMnOpQrStUvWxYz0123456789+/abc=")]
    [DataRow("https://acct.blob.core.windows.net/models?sv=2022-11-02&ss=b&srt=co&sp=rl&se=2030-01-01&s" + "ig=AbCdEfGhIjKlMnOpQrStUvWxYz0123456789%2Babc%3D")]
    [DataRow("Instrumentation" + "Key=00000000-1111-2222-3333-444444444444;IngestionEndpoint=https://x")]
    [DataRow("-----BEGIN RSA PRIVATE " + "KEY-----")]
    [DataRow("token gh" + "p_0123456789abcdefghijABCDEFGHIJ012345")]
    [DataRow("AK" + "IAABCDEFGHIJKLMNOP")]
    public void Scan_FindsCredential_WhenOneIsPlanted(string planted)
        => Assert.IsNotEmpty(Scan("var x = \"" + planted + "\";"), planted);

    [TestMethod]
    public void Scan_AllowsAzuriteDevelopmentKey_AndMarkersWithoutValues()
    {
        Assert.IsEmpty(Scan("DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=" + AzuriteDevelopmentKey + ";BlobEndpoint=http://127.0.0.1:10000/devstoreaccount1;"));
        Assert.IsEmpty(Scan("Assert.DoesNotContain(\"AccountKey=\", value); foreach (var m in new[] { \"SharedAccessKey=\" })"));
    }

    /// <summary>Every credential-shaped string in a text (Azurite's published key excepted).</summary>
    public static IEnumerable<string> Scan(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        foreach (Match match in AccountKey().Matches(text))
        {
            if (match.Groups[1].Value != AzuriteDevelopmentKey)
            {
                yield return "storage account key";
            }
        }

        foreach (var (pattern, what) in new (Regex, string)[]
        {
            (SharedAccessKey(), "shared access key"),
            (SasSignature(), "SAS signature"),
            (InstrumentationKey(), "Application Insights instrumentation key"),
            (PrivateKey(), "private key"),
            (GitHubToken(), "GitHub token"),
            (AwsAccessKey(), "AWS access key id"),
        })
        {
            if (pattern.IsMatch(text))
            {
                yield return what;
            }
        }
    }

    private static IEnumerable<string> RepositoryFiles()
    {
        var pending = new Stack<string>([BicepCli.RepositoryRoot]);
        while (pending.Count > 0)
        {
            var directory = pending.Pop();
            foreach (var child in Directory.EnumerateDirectories(directory))
            {
                if (!SkippedDirectories.Contains(Path.GetFileName(child), StringComparer.OrdinalIgnoreCase))
                {
                    pending.Push(child);
                }
            }

            foreach (var file in Directory.EnumerateFiles(directory))
            {
                if (ScannedExtensions.Contains(Path.GetExtension(file), StringComparer.OrdinalIgnoreCase) && new FileInfo(file).Length < 4 * 1024 * 1024)
                {
                    yield return file;
                }
            }
        }
    }

    [GeneratedRegex(@"AccountKey=([A-Za-z0-9+/=]{20,})", RegexOptions.CultureInvariant)]
    private static partial Regex AccountKey();

    [GeneratedRegex(@"SharedAccessKey=[A-Za-z0-9+/=]{20,}", RegexOptions.CultureInvariant)]
    private static partial Regex SharedAccessKey();

    [GeneratedRegex(@"[?&]sig=[A-Za-z0-9%+/=]{20,}", RegexOptions.CultureInvariant)]
    private static partial Regex SasSignature();

    [GeneratedRegex(@"InstrumentationKey=[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-", RegexOptions.CultureInvariant)]
    private static partial Regex InstrumentationKey();

    [GeneratedRegex(@"-----BEGIN (?:RSA |EC |OPENSSH |DSA )?PRIVATE KEY-----", RegexOptions.CultureInvariant)]
    private static partial Regex PrivateKey();

    [GeneratedRegex(@"\bgh[pousr]_[A-Za-z0-9]{36}\b", RegexOptions.CultureInvariant)]
    private static partial Regex GitHubToken();

    [GeneratedRegex(@"\bAKIA[0-9A-Z]{16}\b", RegexOptions.CultureInvariant)]
    private static partial Regex AwsAccessKey();
}
