using IoTAnomaly.Testing;

namespace IoTAnomaly.Core.Tests;

/// <summary>The allocation probe the zero-allocation tests rely on: it must see a per-call allocation.</summary>
[TestClass]
public sealed class AllocationsTests
{
    private static object? s_kept;

    [TestMethod]
    public void PerCall_SeesOneObjectPerCall()
    {
        var perCall = Allocations.PerCall(i => s_kept = new object(), calls: 10_000);

        Assert.IsGreaterThanOrEqualTo(24.0, perCall);
        Assert.IsNotNull(s_kept);
    }

    [TestMethod]
    public void PerCall_IsUnderOneByte_WhenTheCallAllocatesNothing()
    {
        var values = new double[64];
        double sum = 0;

        var perCall = Allocations.PerCall(i => sum += values[i & 63] + i, calls: 10_000);

        Assert.IsLessThan(1.0, perCall);
        Assert.IsGreaterThan(0.0, sum);
    }

    [TestMethod]
    public void PerCall_KeepsTheQuietestRound_WhenOneRoundAllocatesOnce()
    {
        var calls = 0;

        // One 80 KB allocation (8 bytes per call of its round) in the middle of the second round, as a rejit on the
        // calling thread would make (a few KB).
        var perCall = Allocations.PerCall(i => { if (++calls == 1_000 + 10_000 + 5_000) { s_kept = new byte[80_000]; } }, calls: 10_000);

        Assert.IsLessThan(1.0, perCall);
        Assert.AreEqual(1_000 + 3 * 10_000, calls);
    }
}
