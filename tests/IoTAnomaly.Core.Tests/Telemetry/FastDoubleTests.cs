using System.Globalization;
using System.Text;
using IoTAnomaly.Core.Telemetry;

namespace IoTAnomaly.Core.Tests.Telemetry;

[TestClass]
public sealed class FastDoubleTests
{
    [TestMethod]
    public void TryParse_MatchesDoubleParseBitForBit_ForRandomSensorLikeDecimals()
    {
        var random = new Random(11);
        var accepted = 0;
        for (var i = 0; i < 200_000; i++)
        {
            var magnitude = Math.Pow(10, random.Next(-6, 8));
            var value = (random.NextDouble() - 0.3) * magnitude;
            var format = (i % 4) switch { 0 => "G6", 1 => "G15", 2 => "R", _ => "E4" };
            var text = value.ToString(format, CultureInfo.InvariantCulture);
            var expected = double.Parse(text, CultureInfo.InvariantCulture);
            if (FastDouble.TryParse(Encoding.UTF8.GetBytes(text), out var actual))
            {
                accepted++;
                Assert.AreEqual(BitConverter.DoubleToInt64Bits(expected), BitConverter.DoubleToInt64Bits(actual), text);
            }
        }

        Assert.IsGreaterThan(100_000, accepted, "the fast path should take most sensor-like numbers");
    }

    [TestMethod]
    [DataRow("0")]
    [DataRow("-0.5")]
    [DataRow("123.456")]
    [DataRow("1e3")]
    [DataRow("2.5E-7")]
    [DataRow("0.000123")]
    public void TryParse_ReturnsExactValue_ForPlainDecimals(string text)
    {
        Assert.IsTrue(FastDouble.TryParse(Encoding.UTF8.GetBytes(text), out var value));
        Assert.AreEqual(double.Parse(text, CultureInfo.InvariantCulture), value);
    }

    [TestMethod]
    [DataRow("12345678901234567")]
    [DataRow("1e400")]
    [DataRow("1.")]
    [DataRow("-")]
    [DataRow("1e")]
    [DataRow("1.5e-30")]
    [DataRow("0x10")]
    public void TryParse_DefersToGeneralParser_WhenNotOnTheExactFastPath(string text)
        => Assert.IsFalse(FastDouble.TryParse(Encoding.UTF8.GetBytes(text), out _));
}
