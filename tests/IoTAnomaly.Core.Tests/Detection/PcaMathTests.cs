using IoTAnomaly.Core.Detection;

namespace IoTAnomaly.Core.Tests.Detection;

[TestClass]
public sealed class PcaMathTests
{
    [TestMethod]
    [DataRow(0.975, 1.959964)]
    [DataRow(0.999, 3.090232)]
    [DataRow(0.5, 0.0)]
    public void NormalQuantile_MatchesTables(double p, double expected)
        => Assert.AreEqual(expected, PcaMath.NormalQuantile(p), 1e-5);

    [TestMethod]
    [DataRow(0.95, 3.0, 10.0, 3.708265)]
    [DataRow(0.99, 2.0, 20.0, 5.848932)]
    public void FQuantile_MatchesTables(double p, double d1, double d2, double expected)
        => Assert.AreEqual(expected, PcaMath.FQuantile(p, d1, d2), 2e-3);

    [TestMethod]
    public void SymmetricEigen_RecoversKnownDecomposition()
    {
        // A = [[4,1,0],[1,3,1],[0,1,2]]: check A v = λ v and orthonormality instead of memorised values.
        double[] a = [4, 1, 0, 1, 3, 1, 0, 1, 2];
        var (values, vectors) = PcaMath.SymmetricEigen(a, 3);
        Assert.IsTrue(values[0] >= values[1] && values[1] >= values[2]);
        Assert.AreEqual(9.0, values.Sum(), 1e-10);
        for (var k = 0; k < 3; k++)
        {
            for (var i = 0; i < 3; i++)
            {
                double av = 0;
                for (var j = 0; j < 3; j++)
                {
                    av += a[(i * 3) + j] * vectors[(k * 3) + j];
                }

                Assert.AreEqual(values[k] * vectors[(k * 3) + i], av, 1e-10);
            }

            for (var l = 0; l < 3; l++)
            {
                var dot = Enumerable.Range(0, 3).Sum(i => vectors[(k * 3) + i] * vectors[(l * 3) + i]);
                Assert.AreEqual(k == l ? 1.0 : 0.0, dot, 1e-10);
            }
        }
    }

    [TestMethod]
    public void ChooseRank_TakesFewestComponentsReachingShare_AndLeavesAResidual()
    {
        Assert.AreEqual(2, PcaDetectorTrainer.ChooseRank([5, 3, 1, 1], 0.8, 4));
        Assert.AreEqual(1, PcaDetectorTrainer.ChooseRank([9, 0.5, 0.5], 0.85, 3));
        Assert.AreEqual(2, PcaDetectorTrainer.ChooseRank([1, 1, 1], 1.0, 3));
    }
}
