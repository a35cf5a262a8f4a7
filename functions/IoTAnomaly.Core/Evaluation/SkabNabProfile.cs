namespace IoTAnomaly.Core.Evaluation;

/// <summary>
/// A scoring profile of SKAB's NAB variant (METRICS.md §1.2). Unlike <see cref="NabProfile"/>, the FP and FN weights
/// are stored as the negative numbers SKAB uses: Standard is (1, −0.11, −1).
/// </summary>
/// <param name="Name">Profile name as SKAB prints it.</param>
/// <param name="TruePositive">A_tp, the credit of an alarm exactly at the window start.</param>
/// <param name="FalsePositive">A_fp (negative), the cost of one alarm outside every window; also the credit at the window end.</param>
/// <param name="FalseNegative">A_fn (negative), the cost of a window without alarm.</param>
public sealed record SkabNabProfile(string Name, double TruePositive, double FalsePositive, double FalseNegative)
{
    /// <summary>Standard: (1, −0.11, −1).</summary>
    public static SkabNabProfile Standard { get; } = new("Standard", 1.0, -0.11, -1.0);

    /// <summary>LowFP: (1, −0.22, −1).</summary>
    public static SkabNabProfile LowFp { get; } = new("LowFP", 1.0, -0.22, -1.0);

    /// <summary>LowFN: (1, −0.11, −2).</summary>
    public static SkabNabProfile LowFn { get; } = new("LowFN", 1.0, -0.11, -2.0);

    /// <summary>The three profiles in SKAB's order.</summary>
    public static IReadOnlyList<SkabNabProfile> All { get; } = [Standard, LowFp, LowFn];

    /// <summary>Number of points on SKAB's credit curve.</summary>
    public const int CreditPoints = 1000;

    /// <summary>
    /// Credit <c>y_k</c> of a first alarm at curve point <paramref name="k"/> (0…999): a scaled <c>−tanh</c> falling from
    /// <see cref="TruePositive"/> at k = 0 to <see cref="FalsePositive"/> at k = 999.
    /// </summary>
    public double Credit(int k)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(k);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(k, CreditPoints - 1);
        var x = (-Math.PI / 2) + (k * Math.PI / (CreditPoints - 1));
        var half = (TruePositive - FalsePositive) / 2;
        return (half * (-Math.Tanh(x) / Math.Tanh(Math.PI / 2))) + half + FalsePositive;
    }
}
