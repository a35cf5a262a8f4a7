using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Trainers;
using Microsoft.ML.Transforms;

namespace IoTAnomaly.Core.Detection;

/// <summary>
/// The trained model's numbers in plain arrays: the standardizer (z = (x − offset) · scale) and the PCA subspace
/// (mean in z space, orthonormal loadings as rows of a flat rank × dimension array).
/// </summary>
internal sealed class PcaParameters
{
    public required int Dimension { get; init; }

    public required int Rank { get; init; }

    public required double[] Offset { get; init; }

    public required double[] Scale { get; init; }

    /// <summary>PCA mean in standardized space.</summary>
    public required double[] Mean { get; init; }

    /// <summary>Loadings, row-major rank × dimension.</summary>
    public required double[] Loadings { get; init; }

    /// <summary>
    /// Reads the parameters from a fitted normalizer → randomized PCA chain. Throws <see cref="InvalidDataException"/>
    /// when the model is not such a chain or its feature size is not <paramref name="dimension"/>.
    /// </summary>
    public static PcaParameters FromTransformer(ITransformer model, int dimension)
    {
        NormalizingTransformer? normalizer = null;
        PcaModelParameters? pca = null;
        void Visit(ITransformer part)
        {
            switch (part)
            {
                case NormalizingTransformer n:
                    normalizer ??= n;
                    break;
                case IPredictionTransformer<object> { Model: PcaModelParameters p }:
                    pca ??= p;
                    break;
                case IEnumerable<ITransformer> chain:
                    foreach (var inner in chain)
                    {
                        Visit(inner);
                    }

                    break;
            }
        }

        Visit(model);
        if (normalizer is null || pca is null)
        {
            throw new InvalidDataException("The model zip is not a mean-variance normalizer followed by a randomized PCA anomaly detector.");
        }

        if (normalizer.GetNormalizerModelParameters(0) is not NormalizingTransformer.AffineNormalizerModelParameters<System.Collections.Immutable.ImmutableArray<float>> affine)
        {
            throw new InvalidDataException("The model's normalizer is not an affine (mean-variance) vector normalizer.");
        }

        var scale = affine.Scale;
        var offset = affine.Offset;
        if (scale.Length != dimension || (offset.Length != 0 && offset.Length != dimension))
        {
            throw new InvalidDataException(
                $"The model's feature size ({scale.Length}) does not match the manifest's {dimension} sensors.");
        }

        VBuffer<float>[] vectors = [];
        pca.GetEigenVectors(ref vectors, out var rank);
        var mean = default(VBuffer<float>);
        pca.GetMean(ref mean);
        if (rank < 1 || rank > dimension || vectors.Length < rank)
        {
            throw new InvalidDataException($"The model's PCA rank ({rank}) is not valid for {dimension} sensors.");
        }

        var loadings = new double[rank * dimension];
        for (var j = 0; j < rank; j++)
        {
            if (vectors[j].Length != dimension)
            {
                throw new InvalidDataException(
                    $"The model's PCA feature size ({vectors[j].Length}) does not match the manifest's {dimension} sensors.");
            }

            var k = 0;
            foreach (var v in vectors[j].DenseValues())
            {
                loadings[(j * dimension) + k++] = v;
            }
        }

        var meanArray = new double[dimension];
        if (mean.Length == dimension)
        {
            var k = 0;
            foreach (var v in mean.DenseValues())
            {
                meanArray[k++] = v;
            }
        }
        else if (mean.Length != 0)
        {
            throw new InvalidDataException($"The model's PCA mean size ({mean.Length}) does not match the manifest's {dimension} sensors.");
        }

        var result = new PcaParameters
        {
            Dimension = dimension,
            Rank = rank,
            Offset = offset.Length == 0 ? new double[dimension] : offset.Select(static v => (double)v).ToArray(),
            Scale = scale.Select(static v => (double)v).ToArray(),
            Mean = meanArray,
            Loadings = loadings,
        };
        if (!result.Offset.Concat(result.Scale).Concat(result.Mean).Concat(result.Loadings).All(double.IsFinite))
        {
            throw new InvalidDataException("The model holds non-finite parameters.");
        }

        return result;
    }
}
