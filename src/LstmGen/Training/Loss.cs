using System;

namespace LstmGen;

/// <summary>
/// A loss with Keras's definition and its mean reduction: the per-row loss (a row is one output vector: one sample, or one
/// step of a sequence output) averaged over every row of the batch. Instances are stateless and thread-safe.
/// </summary>
public abstract partial class Loss
{
    /// <summary>Keras's epsilon, used to clip probabilities.</summary>
    public const float Epsilon = 1e-7f;

    /// <summary>Keras's name of the loss, e.g. <c>mean_squared_error</c>.</summary>
    public abstract string Name { get; }

    /// <summary>Keras <c>MeanSquaredError</c>: mean over the last axis of (y - ŷ)², then over rows.</summary>
    public static Loss MeanSquaredError { get; } = new MseLoss();

    /// <summary>Keras <c>MeanAbsoluteError</c>: mean over the last axis of |y - ŷ|, then over rows.</summary>
    public static Loss MeanAbsoluteError { get; } = new MaeLoss();

    /// <summary>Keras <c>BinaryCrossentropy()</c> on probabilities (clipped to [ε, 1-ε]); fused with a sigmoid output.</summary>
    public static Loss BinaryCrossEntropy { get; } = new BinaryCrossEntropyLoss(fromLogits: false);

    /// <summary>Keras <c>BinaryCrossentropy(from_logits=True)</c>: the output is a logit (linear activation).</summary>
    public static Loss BinaryCrossEntropyFromLogits { get; } = new BinaryCrossEntropyLoss(fromLogits: true);

    /// <summary>Keras <c>CategoricalCrossentropy()</c> on probabilities with one-hot (or soft) targets; fused with a softmax output.</summary>
    public static Loss CategoricalCrossEntropy { get; } = new CategoricalCrossEntropyLoss(sparse: false);

    /// <summary>Keras <c>SparseCategoricalCrossentropy()</c>: one class index per row as the target; fused with a softmax output.</summary>
    public static Loss SparseCategoricalCrossEntropy { get; } = new CategoricalCrossEntropyLoss(sparse: true);

    /// <summary>The loss of a <see cref="LossKind"/>; null for <see cref="LossKind.None"/>.</summary>
    public static Loss? FromKind(LossKind kind) => kind switch
    {
        LossKind.None => null,
        LossKind.MeanSquaredError => MeanSquaredError,
        LossKind.MeanAbsoluteError => MeanAbsoluteError,
        LossKind.BinaryCrossEntropy => BinaryCrossEntropy,
        LossKind.BinaryCrossEntropyFromLogits => BinaryCrossEntropyFromLogits,
        LossKind.CategoricalCrossEntropy => CategoricalCrossEntropy,
        LossKind.SparseCategoricalCrossEntropy => SparseCategoricalCrossEntropy,
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "Unknown loss."),
    };

    /// <summary>Target values per output row: the row width, or 1 for a sparse loss.</summary>
    public virtual int TargetWidth(int outputWidth) => outputWidth;

    /// <summary>What the summed loss is divided by for <paramref name="rows"/> rows of <paramref name="width"/>: Keras's mean reduction.</summary>
    public virtual double Denominator(long rows, int width) => (double)rows * width;

    /// <summary>
    /// True when, after <paramref name="lastActivation"/>, this loss writes its gradient with respect to the activation's
    /// input (sigmoid with binary cross-entropy, softmax with categorical): (ŷ - y), exact and stable where ŷ saturates.
    /// </summary>
    public virtual bool Fuses(Activation lastActivation) => false;

    /// <summary>Checks the targets (finite; in range where the loss needs it), naming the first bad one.</summary>
    public virtual void ValidateTargets(ReadOnlySpan<float> targets, int outputWidth, string paramName) =>
        Kernels.CheckFinite(targets, paramName);

    /// <summary>
    /// Returns the sum of the per-element (or per-row) loss terms of <paramref name="rows"/> rows, and writes
    /// <paramref name="scale"/> × the gradient with respect to the predictions (or, when <paramref name="fused"/>, to the
    /// last activation's input) into <paramref name="gradient"/>.
    /// </summary>
    public abstract double Accumulate(ReadOnlySpan<float> predictions, ReadOnlySpan<float> targets, Span<float> gradient,
        int rows, int width, float scale, bool fused);

    /// <inheritdoc />
    public override string ToString() => Name;

    private sealed class MseLoss : Loss
    {
        public override string Name => "mean_squared_error";

        public override double Accumulate(ReadOnlySpan<float> p, ReadOnlySpan<float> y, Span<float> g, int rows, int width, float scale, bool fused)
        {
            double sum = 0;
            int n = rows * width;
            for (int i = 0; i < n; i++)
            {
                float d = p[i] - y[i];
                sum += d * d;
                g[i] = 2f * d * scale;
            }
            return sum;
        }
    }

    private sealed class MaeLoss : Loss
    {
        public override string Name => "mean_absolute_error";

        public override double Accumulate(ReadOnlySpan<float> p, ReadOnlySpan<float> y, Span<float> g, int rows, int width, float scale, bool fused)
        {
            double sum = 0;
            int n = rows * width;
            for (int i = 0; i < n; i++)
            {
                float d = p[i] - y[i];
                sum += MathF.Abs(d);
                g[i] = MathF.Sign(d) * scale;
            }
            return sum;
        }
    }

    private sealed class BinaryCrossEntropyLoss(bool fromLogits) : Loss
    {
        public override string Name => fromLogits ? "binary_crossentropy(from_logits=True)" : "binary_crossentropy";

        public override bool Fuses(Activation lastActivation) => !fromLogits && lastActivation == Activation.Sigmoid;

        public override double Accumulate(ReadOnlySpan<float> p, ReadOnlySpan<float> y, Span<float> g, int rows, int width, float scale, bool fused)
        {
            double sum = 0;
            int n = rows * width;
            for (int i = 0; i < n; i++)
            {
                float t = y[i];
                if (fromLogits)
                {
                    float x = p[i];
                    sum += MathF.Max(x, 0f) - x * t + MathF.Log(1f + MathF.Exp(-MathF.Abs(x)));
                    g[i] = (1f / (1f + MathF.Exp(-x)) - t) * scale;
                    continue;
                }
                float q = Math.Clamp(p[i], Epsilon, 1f - Epsilon);
                sum += -(t * MathF.Log(q) + (1f - t) * MathF.Log(1f - q));
                if (fused)
                {
                    g[i] = (p[i] - t) * scale;
                }
                else
                {
                    bool clipped = p[i] < Epsilon || p[i] > 1f - Epsilon;
                    g[i] = clipped ? 0f : (-(t / q) + (1f - t) / (1f - q)) * scale;
                }
            }
            return sum;
        }
    }

    private sealed class CategoricalCrossEntropyLoss(bool sparse) : Loss
    {
        public override string Name => sparse ? "sparse_categorical_crossentropy" : "categorical_crossentropy";

        public override int TargetWidth(int outputWidth) => sparse ? 1 : outputWidth;

        public override double Denominator(long rows, int width) => rows; // summed over classes, averaged over rows

        private float Target(ReadOnlySpan<float> row, int j) => sparse ? ((int)row[0] == j ? 1f : 0f) : row[j];

        public override bool Fuses(Activation lastActivation) => lastActivation == Activation.Softmax;

        public override void ValidateTargets(ReadOnlySpan<float> targets, int outputWidth, string paramName)
        {
            base.ValidateTargets(targets, outputWidth, paramName);
            if (!sparse)
            {
                return;
            }
            for (int i = 0; i < targets.Length; i++)
            {
                float c = targets[i];
                if (c < 0 || c >= outputWidth || c != MathF.Floor(c))
                {
                    throw new ArgumentException($"{paramName}[{i}] is {c}; sparse targets are class indices in [0, {outputWidth}).", paramName);
                }
            }
        }

        public override double Accumulate(ReadOnlySpan<float> p, ReadOnlySpan<float> y, Span<float> g, int rows, int width, float scale, bool fused)
        {
            double sum = 0;
            for (int r = 0; r < rows; r++)
            {
                ReadOnlySpan<float> pr = p.Slice(r * width, width);
                Span<float> gr = g.Slice(r * width, width);
                ReadOnlySpan<float> yr = sparse ? y.Slice(r, 1) : y.Slice(r * width, width);
                // Keras: probabilities renormalised to sum 1, clipped to [eps, 1 - eps], loss = -sum(t * log(q)).
                float total = 0f, targetSum = 0f, unclippedTargetSum = 0f;
                for (int j = 0; j < width; j++)
                {
                    total += pr[j];
                }
                for (int j = 0; j < width; j++)
                {
                    float t = Target(yr, j);
                    float q = pr[j] / total;
                    targetSum += t;
                    if (q >= Epsilon && q <= 1f - Epsilon)
                    {
                        unclippedTargetSum += t;
                    }
                    if (t != 0f)
                    {
                        sum -= t * MathF.Log(Math.Clamp(q, Epsilon, 1f - Epsilon));
                    }
                }
                for (int j = 0; j < width; j++)
                {
                    float t = Target(yr, j);
                    if (fused)
                    {
                        gr[j] = (pr[j] * targetSum - t) * scale; // d/dlogits of -sum(t log softmax)
                        continue;
                    }
                    // d/dp_j of -sum_k t_k log(clip(p_k / S)): -t_j / p_j + (sum of unclipped t_k) / S; clipped q_j passes nothing.
                    float q = pr[j] / total;
                    bool clipped = q < Epsilon || q > 1f - Epsilon;
                    gr[j] = ((clipped ? 0f : -t / pr[j]) + unclippedTargetSum / total) * scale;
                }
            }
            return sum;
        }
    }
}
