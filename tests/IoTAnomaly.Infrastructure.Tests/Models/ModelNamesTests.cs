using IoTAnomaly.Infrastructure.Models;

namespace IoTAnomaly.Infrastructure.Tests.Models;

[TestClass]
public sealed class ModelNamesTests
{
    [TestMethod]
    [DataRow("pump-fleet")]
    [DataRow("20261122-100000-ab12cd34")]
    [DataRow("v1.2.3")]
    [DataRow("a")]
    public void IsValid_ReturnsTrue_WhenNameIsLowerCaseDigitsDashesDots(string name)
        => Assert.IsTrue(ModelNames.IsValid(name));

    [TestMethod]
    [DataRow(null)]
    [DataRow("")]
    [DataRow("Pump")]
    [DataRow("../x")]
    [DataRow("a..b")]
    [DataRow("a/b")]
    [DataRow("a\\b")]
    [DataRow(".hidden")]
    [DataRow("x.")]
    [DataRow("a_b")]
    [DataRow("a%2fb")]
    public void IsValid_ReturnsFalse_WhenNameCouldEscapeOrIsMalformed(string? name)
        => Assert.IsFalse(ModelNames.IsValid(name));

    [TestMethod]
    public void IsValid_ReturnsFalse_WhenLongerThanMaxLength()
    {
        Assert.IsTrue(ModelNames.IsValid(new string('a', ModelNames.MaxLength)));
        Assert.IsFalse(ModelNames.IsValid(new string('a', ModelNames.MaxLength + 1)));
    }

    [TestMethod]
    public void ThrowIfInvalidVersion_Throws_WhenVersionIsAReservedFileName()
    {
        var ex = Assert.ThrowsExactly<ArgumentException>(() => ModelNames.ThrowIfInvalidVersion("champion.json"));
        StringAssert.Contains(ex.Message, "champion.json");
    }
}
