using System;

namespace LstmGen;

/// <summary>
/// Keras's default initialisers, deterministic: each weight draws from its own random stream, derived from the model
/// seed and the weight's name, so adding a layer does not change the initial values of the others. The streams are not
/// Keras's (no two engines share a random generator); the distributions are.
/// </summary>
public static class Initializers
{
    /// <summary>Fills <paramref name="values"/> for the weight <paramref name="info"/> with its Keras initialiser.</summary>
    public static void Initialize(WeightInfo info, Span<float> values, int seed)
    {
        ArgumentNullException.ThrowIfNull(info);
        var rng = new SplitMix64(Mix(seed, info.Name));
        var dims = info.Dimensions;
        switch (info.Initializer)
        {
            case WeightInitializer.Zeros:
                values.Clear();
                break;
            case WeightInitializer.Ones:
                values.Fill(1f);
                break;
            case WeightInitializer.UnitForgetBias:
                values.Clear();
                int units = values.Length / 4;
                values.Slice(units, units).Fill(1f);
                break;
            case WeightInitializer.GlorotUniform:
                (int fanIn, int fanOut) = Fans(dims);
                float limit = MathF.Sqrt(6f / (fanIn + fanOut));
                Uniform(values, -limit, limit, ref rng);
                break;
            case WeightInitializer.Uniform005:
                Uniform(values, -0.05f, 0.05f, ref rng);
                break;
            case WeightInitializer.Orthogonal:
                int rows = values.Length / dims[^1];
                Orthogonal(values, rows, dims[^1], ref rng);
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(info), info.Initializer, "Unknown initialiser.");
        }
    }

    // Keras's compute_fans: for a convolution kernel (kernel_size, in, out) the receptive field multiplies both fans.
    private static (int FanIn, int FanOut) Fans(System.Collections.Generic.IReadOnlyList<int> dims)
    {
        switch (dims.Count)
        {
            case 1:
                return (dims[0], dims[0]);
            case 2:
                return (dims[0], dims[1]);
            default:
                int receptive = 1;
                for (int i = 0; i < dims.Count - 2; i++) receptive *= dims[i];
                return (dims[^2] * receptive, dims[^1] * receptive);
        }
    }

    private static void Uniform(Span<float> values, float low, float high, ref SplitMix64 rng)
    {
        for (int i = 0; i < values.Length; i++)
        {
            values[i] = (float)(low + (high - low) * rng.NextDouble());
        }
    }

    /// <summary>
    /// Keras's orthogonal initialiser for a (rows, cols) matrix: QR of a standard normal matrix of shape
    /// (max, min), with the signs of R's diagonal folded into Q, transposed when rows &lt; cols. The result has
    /// orthonormal rows (rows ≤ cols) or columns (rows ≥ cols).
    /// </summary>
    internal static void Orthogonal(Span<float> values, int rows, int cols, ref SplitMix64 rng)
    {
        int tall = Math.Max(rows, cols), narrow = Math.Min(rows, cols);
        // q: tall x narrow, column-major in a double buffer for Gram-Schmidt.
        var q = new double[tall * narrow];
        for (int i = 0; i < q.Length; i++)
        {
            q[i] = rng.NextGaussian();
        }
        // Modified Gram-Schmidt (twice for stability): R's diagonal comes out positive, which is Keras's sign fix.
        for (int j = 0; j < narrow; j++)
        {
            Span<double> vj = q.AsSpan(j * tall, tall);
            for (int pass = 0; pass < 2; pass++)
            {
                for (int p = 0; p < j; p++)
                {
                    ReadOnlySpan<double> vp = q.AsSpan(p * tall, tall);
                    double dot = 0;
                    for (int i = 0; i < tall; i++) dot += vp[i] * vj[i];
                    for (int i = 0; i < tall; i++) vj[i] -= dot * vp[i];
                }
            }
            double norm = 0;
            for (int i = 0; i < tall; i++) norm += vj[i] * vj[i];
            norm = Math.Sqrt(norm);
            for (int i = 0; i < tall; i++) vj[i] /= norm;
        }
        for (int r = 0; r < rows; r++)
        {
            for (int c = 0; c < cols; c++)
            {
                // rows >= cols: element (r, c) is q[r, c]; rows < cols: it is q^T[r, c] = q[c, r].
                values[r * cols + c] = (float)(rows >= cols ? q[c * tall + r] : q[r * tall + c]);
            }
        }
    }

    private static ulong Mix(int seed, string name)
    {
        ulong h = 14695981039346656037UL; // FNV-1a
        foreach (char ch in name)
        {
            h = (h ^ ch) * 1099511628211UL;
        }
        return h ^ ((ulong)(uint)seed * 0x9E3779B97F4A7C15UL);
    }

    internal struct SplitMix64
    {
        private ulong _state;

        public SplitMix64(ulong seed) => _state = seed;

        public ulong Next()
        {
            ulong z = _state += 0x9E3779B97F4A7C15UL;
            z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
            z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
            return z ^ (z >> 31);
        }

        /// <summary>Uniform in [0, 1).</summary>
        public double NextDouble() => (Next() >> 11) * (1.0 / (1UL << 53));

        /// <summary>Standard normal (Box-Muller).</summary>
        public double NextGaussian()
        {
            double u1 = 1.0 - NextDouble();
            double u2 = NextDouble();
            return Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2.0 * Math.PI * u2);
        }
    }
}
