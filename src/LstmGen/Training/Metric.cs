using System;

namespace LstmGen;

/// <summary>
/// A metric accumulated over batches, with Keras's definition: the mean over every output row (or element) seen since
/// <see cref="Reset"/>. Not thread-safe.
/// </summary>
public abstract class Metric
{
    private double _sum;
    private long _count;

    /// <summary>Keras's name, used in logs and <see cref="History"/> (validation values get a <c>val_</c> prefix).</summary>
    public abstract string Name { get; }

    /// <summary>True when larger is better (accuracies); false for errors.</summary>
    public virtual bool HigherIsBetter => true;

    /// <summary>The mean so far (0 before any update).</summary>
    public double Result => _count == 0 ? 0 : _sum / _count;

    /// <summary>Forgets every update.</summary>
    public void Reset()
    {
        _sum = 0;
        _count = 0;
    }

    /// <summary>Adds <paramref name="rows"/> output rows of <paramref name="width"/> predictions and their targets (the loss's target layout).</summary>
    public void Update(ReadOnlySpan<float> predictions, ReadOnlySpan<float> targets, int rows, int width)
    {
        (double sum, long count) = Score(predictions, targets, rows, width);
        _sum += sum;
        _count += count;
    }

    /// <summary>Returns the sum of the per-item scores and the number of items.</summary>
    protected abstract (double Sum, long Count) Score(ReadOnlySpan<float> predictions, ReadOnlySpan<float> targets, int rows, int width);

    /// <summary>Keras <c>BinaryAccuracy(threshold=0.5)</c>: share of elements where (ŷ &gt; threshold) equals the 0/1 target.</summary>
    public static Metric BinaryAccuracy(float threshold = 0.5f) => new BinaryAccuracyMetric(threshold);

    /// <summary>Keras <c>CategoricalAccuracy</c>: share of rows where argmax ŷ equals argmax of the one-hot target.</summary>
    public static Metric CategoricalAccuracy() => new ArgMaxAccuracy(sparse: false);

    /// <summary>Keras <c>SparseCategoricalAccuracy</c>: share of rows where argmax ŷ equals the class-index target.</summary>
    public static Metric SparseCategoricalAccuracy() => new ArgMaxAccuracy(sparse: true);

    /// <summary>Keras <c>MeanAbsoluteError</c> metric: mean of |ŷ - y| over elements.</summary>
    public static Metric MeanAbsoluteError() => new MaeMetric();

    private sealed class BinaryAccuracyMetric(float threshold) : Metric
    {
        public override string Name => "binary_accuracy";

        protected override (double, long) Score(ReadOnlySpan<float> p, ReadOnlySpan<float> y, int rows, int width)
        {
            long hits = 0;
            int n = rows * width;
            for (int i = 0; i < n; i++)
            {
                if ((p[i] > threshold ? 1f : 0f) == y[i]) hits++;
            }
            return (hits, n);
        }
    }

    private sealed class ArgMaxAccuracy(bool sparse) : Metric
    {
        public override string Name => sparse ? "sparse_categorical_accuracy" : "categorical_accuracy";

        protected override (double, long) Score(ReadOnlySpan<float> p, ReadOnlySpan<float> y, int rows, int width)
        {
            long hits = 0;
            for (int r = 0; r < rows; r++)
            {
                int predicted = ArgMax(p.Slice(r * width, width));
                int expected = sparse ? (int)y[r] : ArgMax(y.Slice(r * width, width));
                if (predicted == expected) hits++;
            }
            return (hits, rows);
        }

        private static int ArgMax(ReadOnlySpan<float> v)
        {
            int best = 0;
            for (int i = 1; i < v.Length; i++) if (v[i] > v[best]) best = i;
            return best;
        }
    }

    private sealed class MaeMetric : Metric
    {
        public override string Name => "mae";

        public override bool HigherIsBetter => false;

        protected override (double, long) Score(ReadOnlySpan<float> p, ReadOnlySpan<float> y, int rows, int width)
        {
            double sum = 0;
            int n = rows * width;
            for (int i = 0; i < n; i++) sum += MathF.Abs(p[i] - y[i]);
            return (sum, n);
        }
    }
}
