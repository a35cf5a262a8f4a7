using System.IO.Compression;

namespace IoTAnomaly.Core.Detection;

/// <summary>
/// Model zips as a pure function of the training: every entry's timestamp set to the model's creation time (zip
/// writers stamp the wall clock, so the same data trained twice gave different bytes under the same version, and a
/// second registration of that version conflicted with the first).
/// </summary>
internal static class DeterministicZip
{
    /// <summary>The zip rewritten with the same entries, in order, each stamped <paramref name="stamp"/>.</summary>
    public static byte[] Restamp(byte[] zip, DateTimeOffset stamp)
    {
        using var output = new MemoryStream();
        using (var source = new ZipArchive(new MemoryStream(zip, writable: false), ZipArchiveMode.Read))
        using (var target = new ZipArchive(output, ZipArchiveMode.Create, leaveOpen: true))
        {
            foreach (var entry in source.Entries)
            {
                var copy = target.CreateEntry(entry.FullName, CompressionLevel.Optimal);
                copy.LastWriteTime = Clamp(stamp);
                using var from = entry.Open();
                using var to = copy.Open();
                from.CopyTo(to);
            }
        }

        return output.ToArray();
    }

    /// <summary>Zip times lie in 1980–2107.</summary>
    public static DateTimeOffset Clamp(DateTimeOffset stamp)
    {
        var min = new DateTimeOffset(1980, 1, 2, 0, 0, 0, TimeSpan.Zero);
        var max = new DateTimeOffset(2107, 12, 30, 0, 0, 0, TimeSpan.Zero);
        return stamp < min ? min : stamp > max ? max : stamp;
    }
}
