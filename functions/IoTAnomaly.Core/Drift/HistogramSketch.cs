namespace IoTAnomaly.Core.Drift;

/// <summary>
/// A mergeable fixed-bin histogram over a sensor's baseline bin edges (values outside fall in the first/last bin).
/// Two sketches over the same edges merge by adding counts, so per-batch, per-device and per-window sketches combine
/// exactly in any order.
/// </summary>
public sealed class HistogramSketch
{
    public HistogramSketch(double[] edges, long[]? counts = null)
    {
        ArgumentNullException.ThrowIfNull(edges);
        if (edges.Length < 2)
        {
            throw new ArgumentException("A histogram needs at least two edges.", nameof(edges));
        }

        Edges = edges;
        Counts = counts ?? new long[edges.Length - 1];
        if (Counts.Length != edges.Length - 1)
        {
            throw new ArgumentException("Counts must have one entry per bin.", nameof(counts));
        }
    }

    public double[] Edges { get; }

    public long[] Counts { get; }

    public long Total
    {
        get
        {
            long total = 0;
            foreach (var c in Counts)
            {
                total += c;
            }

            return total;
        }
    }

    public void Add(double value) => Counts[BinOf(Edges, value)]++;

    /// <summary>Adds another sketch's counts; the edges must be identical.</summary>
    public void Merge(HistogramSketch other)
    {
        ArgumentNullException.ThrowIfNull(other);
        if (!Edges.AsSpan().SequenceEqual(other.Edges))
        {
            throw new InvalidOperationException("Only sketches over the same bin edges can be merged.");
        }

        for (var i = 0; i < Counts.Length; i++)
        {
            Counts[i] += other.Counts[i];
        }
    }

    /// <summary>Bin index of <paramref name="value"/> (binary search over the edges; clamps to the outer bins).</summary>
    public static int BinOf(double[] edges, double value)
    {
        var bins = edges.Length - 1;
        if (!(value >= edges[1]))
        {
            return 0;
        }

        if (value >= edges[bins - 1])
        {
            return bins - 1;
        }

        int lo = 1, hi = bins - 1;
        while (lo < hi)
        {
            var mid = (lo + hi + 1) >> 1;
            if (value >= edges[mid])
            {
                lo = mid;
            }
            else
            {
                hi = mid - 1;
            }
        }

        return lo;
    }
}

/// <summary>
/// Finds bins in O(1) for evenly spaced edges (the trainer's baselines): an arithmetic guess corrected against the
/// edges themselves, so the answer is always exactly <see cref="HistogramSketch.BinOf"/>'s. Other edges fall back to it.
/// </summary>
public readonly struct BinFinder
{
    private readonly double[] _edges;
    private readonly double _lo;
    private readonly double _scale;
    private readonly bool _uniform;

    public BinFinder(double[] edges)
    {
        ArgumentNullException.ThrowIfNull(edges);
        _edges = edges;
        var bins = edges.Length - 1;
        _lo = edges[0];
        var width = (edges[^1] - edges[0]) / bins;
        _scale = width > 0 ? 1 / width : 0;
        _uniform = width > 0 && double.IsFinite(width);
        for (var i = 1; _uniform && i < edges.Length; i++)
        {
            _uniform = Math.Abs(edges[i] - (_lo + (i * width))) <= 1e-9 * Math.Max(1, Math.Abs(edges[i]));
        }
    }

    public int Find(double value)
    {
        if (!_uniform || !double.IsFinite(value))
        {
            return HistogramSketch.BinOf(_edges, value);
        }

        var last = _edges.Length - 2;
        var guess = (value - _lo) * _scale;
        var bin = guess <= 0 ? 0 : guess >= last ? last : (int)guess;
        while (bin > 0 && value < _edges[bin])
        {
            bin--;
        }

        while (bin < last && value >= _edges[bin + 1])
        {
            bin++;
        }

        return bin;
    }
}

