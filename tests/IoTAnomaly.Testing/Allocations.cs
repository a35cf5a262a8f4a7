namespace IoTAnomaly.Testing;

/// <summary>Measures what a call allocates on the calling thread, per call.</summary>
public static class Allocations
{
    /// <summary>
    /// Runs <paramref name="call"/> <paramref name="warmup"/> times, then <paramref name="rounds"/> rounds of
    /// <paramref name="calls"/> calls, and returns the fewest bytes allocated per call in any round. The runtime
    /// allocates a few kilobytes once now and then on the calling thread (a tiered-JIT rejit or an on-stack
    /// replacement in the middle of a measured loop); that lands in one round, while an allocation made by the call
    /// itself lands in every round at 24 bytes per call or more. So a result under 1 byte per call means the call
    /// allocates nothing.
    /// </summary>
    public static double PerCall(Action<int> call, int calls = 100_000, int rounds = 3, int warmup = 1_000)
    {
        ArgumentNullException.ThrowIfNull(call);
        ArgumentOutOfRangeException.ThrowIfLessThan(calls, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(rounds, 1);
        for (var i = 0; i < warmup; i++)
        {
            call(i);
        }

        var fewest = long.MaxValue;
        for (var r = 0; r < rounds; r++)
        {
            var before = GC.GetAllocatedBytesForCurrentThread();
            for (var i = 0; i < calls; i++)
            {
                call(i);
            }

            fewest = Math.Min(fewest, GC.GetAllocatedBytesForCurrentThread() - before);
        }

        return (double)fewest / calls;
    }
}
