using IoTAnomaly.Core.Drift;

namespace IoTAnomaly.Core.Tests.Drift;

[TestClass]
public sealed class DriftStatisticsTests
{
    [TestMethod]
    public void KolmogorovQ_MatchesTabulatedCriticalValues()
    {
        Assert.AreEqual(0.049486, DriftStatistics.KolmogorovQ(1.36), 1e-5);
        Assert.AreEqual(0.009976, DriftStatistics.KolmogorovQ(1.628), 1e-5);
        Assert.AreEqual(1.0, DriftStatistics.KolmogorovQ(0.1));
    }

    [TestMethod]
    public void KolmogorovSmirnov_GivesDOneAndKnownPValue_WhenSamplesAreDisjoint()
    {
        var (d, p) = DriftStatistics.KolmogorovSmirnov([1.0, 2, 3, 4, 5], [6.0, 7, 8, 9, 10]);
        Assert.AreEqual(1.0, d, 1e-12);
        Assert.AreEqual(0.0037814, p, 1e-6);
    }

    [TestMethod]
    public void KolmogorovSmirnov_GivesZero_WhenSamplesAreIdentical()
    {
        var (d, p) = DriftStatistics.KolmogorovSmirnov([1.0, 2, 3, 4, 5], [1.0, 2, 3, 4, 5]);
        Assert.AreEqual(0, d);
        Assert.AreEqual(1, p);
    }

    [TestMethod]
    public void KolmogorovSmirnov_OnHistograms_EqualsSampleVersion_WhenValuesSitInBins()
    {
        // Values 0.5, 1.5, 2.5 (one per bin) vs histograms over edges 0,1,2,3.
        var samples = DriftStatistics.KolmogorovSmirnov([0.5, 0.5, 1.5, 2.5], [1.5, 2.5, 2.5, 2.5]);
        var binned = DriftStatistics.KolmogorovSmirnov([2L, 1, 1], [0L, 1, 3]);
        Assert.AreEqual(samples.D, binned.D, 1e-12);
        Assert.AreEqual(0.5, binned.D, 1e-12);
    }

    [TestMethod]
    public void PopulationStabilityIndex_MatchesHandComputedValue()
    {
        Assert.AreEqual(0.2746531, DriftStatistics.PopulationStabilityIndex([50L, 50], [25L, 75]), 1e-6);
        Assert.AreEqual(0, DriftStatistics.PopulationStabilityIndex([10L, 30, 60], [1L, 3, 6]), 1e-12);
    }

    [TestMethod]
    public void JensenShannonDistance_MatchesHandComputedValues()
    {
        Assert.AreEqual(0.2208958, DriftStatistics.JensenShannonDistance([50L, 50], [25L, 75]), 1e-6);
        Assert.AreEqual(1.0, DriftStatistics.JensenShannonDistance([10L, 0], [0L, 10]), 1e-12);
        Assert.AreEqual(0.0, DriftStatistics.JensenShannonDistance([3L, 7], [30L, 70]), 1e-12);
    }

    [TestMethod]
    public void AnomalyRateZ_IsLarge_WhenRateFarAboveExpected()
    {
        Assert.IsGreaterThan(3.0, DriftStatistics.AnomalyRateZ(100, 1000, 0.01));
        Assert.IsLessThan(1.0, DriftStatistics.AnomalyRateZ(10, 1000, 0.01));
    }

    [TestMethod]
    public void HistogramSketch_MergeEqualsSketchOfConcatenation_InAnyOrder()
    {
        double[] edges = [0, 1, 2, 3, 4];
        var random = new Random(3);
        var values = Enumerable.Range(0, 1000).Select(_ => (random.NextDouble() * 6) - 1).ToArray();
        var all = new HistogramSketch(edges);
        foreach (var v in values)
        {
            all.Add(v);
        }

        var parts = Enumerable.Range(0, 4).Select(_ => new HistogramSketch(edges)).ToArray();
        for (var i = 0; i < values.Length; i++)
        {
            parts[i % 4].Add(values[i]);
        }

        var merged = new HistogramSketch(edges);
        foreach (var part in parts.Reverse())
        {
            merged.Merge(part);
        }

        CollectionAssert.AreEqual(all.Counts, merged.Counts);
        Assert.AreEqual(1000, merged.Total);
    }

    [TestMethod]
    public void HistogramSketch_ClampsOutliers_IntoOuterBins()
    {
        double[] edges = [0, 1, 2];
        Assert.AreEqual(0, HistogramSketch.BinOf(edges, -100));
        Assert.AreEqual(1, HistogramSketch.BinOf(edges, 100));
        Assert.AreEqual(0, HistogramSketch.BinOf(edges, double.NaN));
        Assert.AreEqual(1, HistogramSketch.BinOf(edges, 1));
    }

    [TestMethod]
    public void HistogramSketch_RefusesMerge_WhenEdgesDiffer()
        => Assert.ThrowsExactly<InvalidOperationException>(() => new HistogramSketch([0, 1, 2]).Merge(new HistogramSketch([0, 1, 3])));

    [TestMethod]
    public void BinFinder_AgreesWithBinarySearch_OnEvenAndUnevenEdges()
    {
        const int bins = 64;
        double lo = -3.7, hi = 12.9;
        var even = Enumerable.Range(0, bins + 1).Select(b => lo + ((hi - lo) * b / bins)).ToArray();
        double[] uneven = [-5, -1, 0, 0.5, 3, 10];
        var random = new Random(9);
        foreach (var edges in new[] { even, uneven })
        {
            var finder = new BinFinder(edges);
            var probes = edges.Concat(edges.Select(e => Math.BitIncrement(e))).Concat(edges.Select(e => Math.BitDecrement(e)))
                .Concat(Enumerable.Range(0, 100_000).Select(_ => (random.NextDouble() * 30) - 10))
                .Append(double.NaN).Append(double.PositiveInfinity).Append(double.NegativeInfinity);
            foreach (var value in probes)
            {
                Assert.AreEqual(HistogramSketch.BinOf(edges, value), finder.Find(value), $"value {value:R}");
            }
        }
    }
}
