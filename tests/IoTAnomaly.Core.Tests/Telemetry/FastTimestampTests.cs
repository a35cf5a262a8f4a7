using System.Globalization;
using System.Text;
using System.Text.Json;
using IoTAnomaly.Core.Telemetry;

namespace IoTAnomaly.Core.Tests.Telemetry;

[TestClass]
public sealed class FastTimestampTests
{
    [TestMethod]
    public void TryParse_MatchesUtf8JsonReader_ForRandomInstantsOfEveryYear()
    {
        var random = new Random(17);
        var accepted = 0;
        for (var i = 0; i < 200_000; i++)
        {
            var instant = new DateTime(random.NextInt64(DateTime.MinValue.Ticks, DateTime.MaxValue.Ticks), DateTimeKind.Utc);
            var offset = random.Next(3) == 0 ? TimeSpan.FromMinutes(random.Next((-14 * 60) + 1, 14 * 60)) : TimeSpan.Zero;
            var fraction = random.Next(8);
            var format = "yyyy-MM-ddTHH:mm:ss" + (fraction == 0 ? string.Empty : "." + new string('f', fraction));
            var local = instant + offset;
            if (local < DateTime.MinValue.AddDays(1) || local > DateTime.MaxValue.AddDays(-1))
            {
                continue;
            }

            var zone = offset == TimeSpan.Zero && random.Next(2) == 0 ? "Z" : (offset < TimeSpan.Zero ? "-" : "+") + offset.ToString("hh\\:mm", CultureInfo.InvariantCulture);
            var text = local.ToString(format, CultureInfo.InvariantCulture) + zone;
            var expected = ReaderTicks(text);
            if (FastTimestamp.TryParse(Encoding.UTF8.GetBytes(text), out var ticks))
            {
                accepted++;
                Assert.AreEqual(expected, ticks, text);
            }
        }

        Assert.IsGreaterThan(150_000, accepted, "the fast path should take the common forms");
    }

    [TestMethod]
    [DataRow("2026-11-22T11:59:59Z")]
    [DataRow("2026-11-22T11:59:59.5Z")]
    [DataRow("2026-11-22T11:59:59.1234567Z")]
    [DataRow("2026-11-22T11:59:59.0000000+00:00")]
    [DataRow("2026-11-22T17:29:59+05:30")]
    [DataRow("2026-11-22T03:59:59-08:00")]
    [DataRow("2024-02-29T00:00:00Z")]
    [DataRow("2000-02-29T23:59:59.9999999Z")]
    [DataRow("0001-01-01T00:00:00Z")]
    [DataRow("9999-12-31T23:59:59.9999999Z")]
    public void TryParse_ReturnsReaderTicks_ForCommonForms(string text)
    {
        Assert.IsTrue(FastTimestamp.TryParse(Encoding.UTF8.GetBytes(text), out var ticks));
        Assert.AreEqual(ReaderTicks(text), ticks);
    }

    [TestMethod]
    [DataRow("2026-11-22T11:59:59")]
    [DataRow("2026-11-22T11:59:59.12345678Z")]
    [DataRow("2026-11-22T11:59:59.Z")]
    [DataRow("2026-11-22t11:59:59Z")]
    [DataRow("2026-11-22T11:59:59z")]
    [DataRow("2026-11-22 11:59:59Z")]
    [DataRow("2026-11-22T11:59Z")]
    [DataRow("2026-11-22")]
    [DataRow("2026-02-29T00:00:00Z")]
    [DataRow("1900-02-29T00:00:00Z")]
    [DataRow("2026-13-01T00:00:00Z")]
    [DataRow("0000-01-01T00:00:00Z")]
    [DataRow("2026-11-22T24:00:00Z")]
    [DataRow("2026-11-22T11:59:60Z")]
    [DataRow("2026-11-22T11:59:59+14:00")]
    [DataRow("2026-11-22T11:59:59+0100")]
    [DataRow("0001-01-01T00:00:00+01:00")]
    [DataRow("9999-12-31T23:59:59-01:00")]
    public void TryParse_DefersToGeneralParser_WhenNotACommonForm(string text)
        => Assert.IsFalse(FastTimestamp.TryParse(Encoding.UTF8.GetBytes(text), out _));

    private static long ReaderTicks(string text)
    {
        var reader = new Utf8JsonReader(Encoding.UTF8.GetBytes("\"" + text + "\""));
        reader.Read();
        return reader.TryGetDateTimeOffset(out var value) ? value.UtcTicks : -1;
    }
}
