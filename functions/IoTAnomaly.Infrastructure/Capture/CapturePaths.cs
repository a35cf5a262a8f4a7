using System.Globalization;

namespace IoTAnomaly.Infrastructure.Capture;

/// <summary>Capture blob names: <c>{namespace}/{eventHub}/{partitionId}/{yyyy}/{MM}/{dd}/{HH}/{mm}/{ss}[-{n}].avro</c>.</summary>
public static class CapturePaths
{
    /// <summary>The blob name of a capture file; <paramref name="attempt"/> 0 is Capture's own name, 1+ add <c>-{n}</c>.</summary>
    public static string BlobName(string @namespace, string eventHub, string partitionId, DateTimeOffset time, int attempt = 0)
    {
        var stamp = time.UtcDateTime.ToString("yyyy'/'MM'/'dd'/'HH'/'mm'/'ss", CultureInfo.InvariantCulture);
        var suffix = attempt == 0 ? string.Empty : "-" + attempt.ToString(CultureInfo.InvariantCulture);
        return $"{@namespace}/{eventHub}/{partitionId}/{stamp}{suffix}.avro";
    }

    /// <summary>The day folder of one partition: <c>{namespace}/{eventHub}/{partitionId}/{yyyy}/{MM}/{dd}/</c>.</summary>
    public static string DayPrefix(string @namespace, string eventHub, string partitionId, DateTime utcDay)
        => $"{@namespace}/{eventHub}/{partitionId}/{utcDay.ToString("yyyy'/'MM'/'dd", CultureInfo.InvariantCulture)}/";

    /// <summary>Parses the time, partition and suffix out of a capture blob name (false for anything else).</summary>
    public static bool TryParse(string blobName, out string partitionId, out DateTimeOffset time, out int attempt)
    {
        partitionId = string.Empty;
        time = default;
        attempt = 0;
        if (!blobName.EndsWith(".avro", StringComparison.Ordinal))
        {
            return false;
        }

        var parts = blobName[..^".avro".Length].Split('/');
        if (parts.Length < 9)
        {
            return false;
        }

        var n = parts.Length;
        var second = parts[n - 1];
        var dash = second.IndexOf('-', StringComparison.Ordinal);
        if (dash >= 0)
        {
            if (!int.TryParse(second.AsSpan(dash + 1), NumberStyles.None, CultureInfo.InvariantCulture, out attempt))
            {
                return false;
            }

            second = second[..dash];
        }

        var stamp = string.Join('/', parts[(n - 6)..(n - 1)]) + "/" + second;
        if (!DateTime.TryParseExact(stamp, "yyyy'/'MM'/'dd'/'HH'/'mm'/'ss", CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var parsed))
        {
            return false;
        }

        partitionId = parts[n - 7];
        time = new DateTimeOffset(parsed, TimeSpan.Zero);
        return true;
    }
}
