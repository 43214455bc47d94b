using System;
using System.Collections.Generic;
using System.Numerics;
using System.Numerics.Tensors;

namespace LstmGen;

/// <summary>
/// An optimiser with Keras 3's update rule and defaults. It updates the whole flat parameter vector in one vectorised pass;
/// its state (moments, velocities) is allocated at the first step, so later steps allocate nothing. An instance belongs to
/// one model.
/// </summary>
/// <remarks>
/// Every hyper-parameter is checked when it is set, so that a typo cannot train NaN weights: the learning rate must be
/// finite and in (0, <see cref="MaxLearningRate"/>], the clipping thresholds finite and positive (and at most one of
/// them set, as Keras 3 requires), and each optimiser checks its own (β in [0, 1), ε positive, ...). A bad value throws
/// an <see cref="ArgumentOutOfRangeException"/> whose <see cref="ArgumentException.ParamName"/> is the parameter and
/// whose message gives the value and the allowed range.
/// </remarks>
public abstract class Optimizer
{
    /// <summary>
    /// The largest learning rate accepted, 1e6. Keras accepts any number, but rates far above 1 only make sense for a
    /// loss measured in tiny units; beyond 1e6 the first step of any of these optimisers moves weights by about the
    /// rate itself (Adam, RMSprop) or by the rate times the gradient (SGD), which is a typo (1e30 for 1e-3), not a setting.
    /// </summary>
    public const float MaxLearningRate = 1e6f;

    private float[]? _clipped;
    private float _learningRate;
    private readonly float? _clipNorm;
    private readonly float? _globalClipNorm;
    private readonly float? _clipValue;

    /// <summary>Learning rate: finite, in (0, <see cref="MaxLearningRate"/>]. May be changed between steps (a schedule).</summary>
    /// <exception cref="ArgumentOutOfRangeException">The value is NaN, infinite, not positive or above <see cref="MaxLearningRate"/>.</exception>
    public float LearningRate
    {
        get => _learningRate;
        set => _learningRate = CheckLearningRate(value, nameof(LearningRate));
    }

    /// <summary>Keras <c>clipnorm</c>: each weight's gradient is scaled down to this L2 norm at most. Null: off.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The value is not finite and positive.</exception>
    /// <exception cref="ArgumentException"><see cref="GlobalClipNorm"/> or <see cref="ClipValue"/> is set too (Keras 3 allows one).</exception>
    public float? ClipNorm
    {
        get => _clipNorm;
        init => _clipNorm = CheckClip(value, nameof(ClipNorm));
    }

    /// <summary>Keras <c>global_clipnorm</c>: all gradients are scaled by min(1, c / global L2 norm). Null: off.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The value is not finite and positive.</exception>
    /// <exception cref="ArgumentException"><see cref="ClipNorm"/> or <see cref="ClipValue"/> is set too (Keras 3 allows one).</exception>
    public float? GlobalClipNorm
    {
        get => _globalClipNorm;
        init => _globalClipNorm = CheckClip(value, nameof(GlobalClipNorm));
    }

    /// <summary>Keras <c>clipvalue</c>: each gradient element is clipped to [-c, c]. Null: off.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The value is not finite and positive.</exception>
    /// <exception cref="ArgumentException"><see cref="ClipNorm"/> or <see cref="GlobalClipNorm"/> is set too (Keras 3 allows one).</exception>
    public float? ClipValue
    {
        get => _clipValue;
        init => _clipValue = CheckClip(value, nameof(ClipValue));
    }

    /// <summary>Number of steps applied (Keras's <c>iterations</c>).</summary>
    public long Iterations { get; private set; }

    /// <summary>Creates the optimiser.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="learningRate"/> is NaN, infinite, not positive or above <see cref="MaxLearningRate"/>.</exception>
    protected Optimizer(float learningRate) => _learningRate = CheckLearningRate(learningRate, nameof(learningRate));

    /// <summary>Applies one update to <paramref name="weights"/> from <paramref name="gradients"/> (same layout, finite).</summary>
    public void Apply(WeightStore weights, ReadOnlySpan<float> gradients)
    {
        ArgumentNullException.ThrowIfNull(weights);
        Kernels.CheckLength(gradients.Length, weights.Count, nameof(gradients), "one gradient per parameter");
        if (ClipNorm is not null || GlobalClipNorm is not null || ClipValue is not null)
        {
            _clipped ??= new float[weights.Count];
            gradients.CopyTo(_clipped);
            Clip(weights, _clipped);
            gradients = _clipped;
        }
        Iterations++;
        if (weights.AllTrainable)
        {
            Update(weights.Parameters, gradients, Iterations);
            return;
        }
        // Non-trainable weights (moving statistics) keep their values whatever the rule would do to them (weight decay).
        _frozen ??= new float[weights.Count];
        IReadOnlyList<WeightInfo> entries = weights.Entries;
        for (int i = 0; i < entries.Count; i++)
        {
            WeightInfo e = entries[i];
            if (!e.Trainable) weights.Parameters.AsSpan(e.Offset, e.Length).CopyTo(_frozen.AsSpan(e.Offset, e.Length));
        }
        Update(weights.Parameters, gradients, Iterations);
        for (int i = 0; i < entries.Count; i++)
        {
            WeightInfo e = entries[i];
            if (!e.Trainable) _frozen.AsSpan(e.Offset, e.Length).CopyTo(weights.Parameters.AsSpan(e.Offset, e.Length));
        }
    }

    private float[]? _frozen;

    /// <summary>The update rule: <paramref name="step"/> counts from 1.</summary>
    protected abstract void Update(Span<float> parameters, ReadOnlySpan<float> gradients, long step);

    /// <summary>
    /// True when this exact type updates each parameter from its own gradient and state only, through
    /// <see cref="UpdateRange"/>: the built-in rules (a subclass that overrides <see cref="Update"/> is not).
    /// </summary>
    internal virtual bool UpdatesByRange => false;

    /// <summary>
    /// The update rule on parameters [lo, hi) of the whole buffers (state sized to all of them): the same arithmetic per
    /// element as <see cref="Update"/>, so any split of the range gives the same weights bit for bit.
    /// </summary>
    internal virtual void UpdateRange(Span<float> parameters, ReadOnlySpan<float> gradients, long step, int lo, int hi) =>
        throw new NotSupportedException($"{GetType().Name} does not update by range.");

    // Fit's workers share the update when it goes by range: each takes whole cache lines of the parameters.
    private float[]? _poolWeights;
    private float[]? _poolGradients;
    private long _poolStep;
    private int _poolChunk;
    private Action<int>? _poolBody;

    /// <summary>Below this many parameters per worker the update stays on the calling thread (a wake-up costs more).</summary>
    internal const int MinParametersPerWorker = 16 * 1024;

    /// <summary>
    /// <see cref="Apply(WeightStore, ReadOnlySpan{float})"/> with the update split over <paramref name="pool"/>'s workers by parameter ranges when the rule
    /// goes by range, no clipping is set, every weight is trainable and there are enough parameters; the result is
    /// bit-identical to <see cref="Apply(WeightStore, ReadOnlySpan{float})"/>. Allocation-free after the first call.
    /// </summary>
    internal void ApplyParallel(WeightStore weights, float[] gradients, WorkerPool? pool)
    {
        int workers = pool is null ? 1 : Math.Min(pool.Workers, weights.Count / MinParametersPerWorker);
        if (workers < 2 || !UpdatesByRange || ClipNorm is not null || GlobalClipNorm is not null || ClipValue is not null || !weights.AllTrainable)
        {
            Apply(weights, gradients);
            return;
        }
        Kernels.CheckLength(gradients.Length, weights.Count, nameof(gradients), "one gradient per parameter");
        Iterations++;
        float[] w = weights.Parameters;
        UpdateRange(w, gradients, Iterations, 0, 0); // allocates the state on this thread, updates nothing
        _poolWeights = w;
        _poolGradients = gradients;
        _poolStep = Iterations;
        _poolChunk = (w.Length / workers + 63) & ~63;
        _poolBody ??= worker =>
        {
            float[] pw = _poolWeights!;
            int lo = Math.Min(worker * _poolChunk, pw.Length);
            int hi = worker == _poolActive - 1 ? pw.Length : Math.Min(lo + _poolChunk, pw.Length);
            UpdateRange(pw, _poolGradients, _poolStep, lo, hi);
        };
        _poolActive = workers;
        try
        {
            pool!.Run(_poolBody, workers);
        }
        finally
        {
            _poolWeights = null;
            _poolGradients = null;
        }
    }

    private int _poolActive;

    private void Clip(WeightStore weights, Span<float> g)
    {
        if (ClipValue is float v)
        {
            TensorPrimitives.Clamp(g, -v, v, g);
        }
        if (ClipNorm is float c)
        {
            var entries = weights.Entries;
            for (int i = 0; i < entries.Count; i++) // indexed: a foreach over the interface would allocate an enumerator
            {
                WeightInfo e = entries[i];
                Span<float> part = g.Slice(e.Offset, e.Length);
                float norm = TensorPrimitives.Norm(part);
                if (norm > c)
                {
                    TensorPrimitives.Multiply(part, c / norm, part);
                }
            }
        }
        if (GlobalClipNorm is float gc)
        {
            float norm = TensorPrimitives.Norm(g);
            if (norm > gc)
            {
                TensorPrimitives.Multiply(g, gc / norm, g);
            }
        }
    }

    /// <summary>Allocates (once) a zeroed state buffer of the parameter count.</summary>
    protected static float[] State(ref float[]? buffer, int length) => buffer ??= new float[length];

    private float CheckLearningRate(float value, string paramName)
    {
        if (!float.IsFinite(value) || value <= 0 || value > MaxLearningRate)
        {
            throw new ArgumentOutOfRangeException(paramName, value,
                $"{GetType().Name}: the learning rate must be a finite number in (0, {OptimizerChecks.Number(MaxLearningRate)}]; got {OptimizerChecks.Number(value)}.");
        }
        return value;
    }

    private float? CheckClip(float? value, string paramName)
    {
        if (value is not float v)
        {
            return null;
        }
        OptimizerChecks.Positive(v, paramName, GetType().Name);
        string? other = paramName != nameof(ClipNorm) && _clipNorm is not null ? nameof(ClipNorm)
            : paramName != nameof(GlobalClipNorm) && _globalClipNorm is not null ? nameof(GlobalClipNorm)
            : paramName != nameof(ClipValue) && _clipValue is not null ? nameof(ClipValue)
            : null;
        if (other is not null)
        {
            throw new ArgumentException(
                $"{GetType().Name}: only one of ClipNorm, GlobalClipNorm and ClipValue can be set (as in Keras 3); {other} is already set.", paramName);
        }
        return v;
    }
}

/// <summary>Range checks of hyper-parameters (static: they run in field initialisers, before the base constructor).</summary>
internal static class OptimizerChecks
{
    /// <summary>
    /// <paramref name="value"/> if it is finite and in [<paramref name="min"/>, <paramref name="max"/>] (or [min, max)
    /// when <paramref name="maxExclusive"/>); else an <see cref="ArgumentOutOfRangeException"/> naming the parameter, the
    /// value and the range.
    /// </summary>
    public static float InRange(float value, float min, float max, bool maxExclusive, string paramName, string optimizer)
    {
        if (!float.IsFinite(value) || value < min || (maxExclusive ? value >= max : value > max))
        {
            string range = $"[{Number(min)}, {Number(max)}{(maxExclusive ? ")" : "]")}";
            throw new ArgumentOutOfRangeException(paramName, value, $"{optimizer}: {paramName} must be a finite number in {range}; got {Number(value)}.");
        }
        return value;
    }

    /// <summary><paramref name="value"/> if it is finite and greater than 0; else an <see cref="ArgumentOutOfRangeException"/>.</summary>
    public static float Positive(float value, string paramName, string optimizer)
    {
        if (!float.IsFinite(value) || value <= 0)
        {
            throw new ArgumentOutOfRangeException(paramName, value, $"{optimizer}: {paramName} must be a finite number greater than 0; got {Number(value)}.");
        }
        return value;
    }

    /// <summary><paramref name="value"/> if it is finite and 0 or more; else an <see cref="ArgumentOutOfRangeException"/>.</summary>
    public static float NonNegative(float value, string paramName, string optimizer)
    {
        if (!float.IsFinite(value) || value < 0)
        {
            throw new ArgumentOutOfRangeException(paramName, value, $"{optimizer}: {paramName} must be a finite number, 0 or more; got {Number(value)}.");
        }
        return value;
    }

    public static string Number(float v) => v.ToString("G9", System.Globalization.CultureInfo.InvariantCulture);
}

/// <summary>Keras <c>SGD</c>: w -= lr·g; with momentum m = μm - lr·g, w += m; Nesterov: w += μm - lr·g.</summary>
/// <exception cref="ArgumentOutOfRangeException">The learning rate is out of range (see <see cref="Optimizer"/>), or the momentum is not in [0, 1] (Keras's check).</exception>
public sealed class Sgd(float learningRate = 0.01f, float momentum = 0f, bool nesterov = false) : Optimizer(learningRate)
{
    private float[]? _m;

    /// <summary>Momentum μ in [0, 1] (Keras default 0).</summary>
    public float Momentum { get; } = OptimizerChecks.InRange(momentum, 0f, 1f, maxExclusive: false, nameof(momentum), nameof(Sgd));

    /// <summary>Nesterov momentum (Keras default false).</summary>
    public bool Nesterov { get; } = nesterov;

    /// <inheritdoc />
    protected override void Update(Span<float> w, ReadOnlySpan<float> g, long step) => UpdateRange(w, g, step, 0, w.Length);

    internal override bool UpdatesByRange => true;

    internal override void UpdateRange(Span<float> weights, ReadOnlySpan<float> gradients, long step, int lo, int hi)
    {
        float lr = LearningRate;
        if (Momentum == 0f)
        {
            TensorPrimitives.MultiplyAdd(gradients.Slice(lo, hi - lo), -lr, weights.Slice(lo, hi - lo), weights.Slice(lo, hi - lo));
            return;
        }
        Span<float> m = State(ref _m, weights.Length).AsSpan(lo, hi - lo);
        Span<float> w = weights.Slice(lo, hi - lo);
        ReadOnlySpan<float> g = gradients.Slice(lo, hi - lo);
        float mu = Momentum;
        int i = 0;
        if (Vector.IsHardwareAccelerated)
        {
            var vmu = new Vector<float>(mu);
            var vlr = new Vector<float>(lr);
            for (; i + Vector<float>.Count <= w.Length; i += Vector<float>.Count)
            {
                var gv = new Vector<float>(g.Slice(i));
                var mv = vmu * new Vector<float>(m.Slice(i)) - vlr * gv;
                mv.CopyTo(m.Slice(i));
                var wv = new Vector<float>(w.Slice(i)) + (Nesterov ? vmu * mv - vlr * gv : mv);
                wv.CopyTo(w.Slice(i));
            }
        }
        for (; i < w.Length; i++)
        {
            m[i] = mu * m[i] - lr * g[i];
            w[i] += Nesterov ? mu * m[i] - lr * g[i] : m[i];
        }
    }
}

/// <summary>
/// Keras <c>Adam</c>: m += (g - m)(1 - β1); v += (g² - v)(1 - β2); w -= lr_t·m / (√v + ε) with
/// lr_t = lr·√(1 - β2^t) / (1 - β1^t). (Not PyTorch's nor tf.train.adam's placement of ε.)
/// </summary>
/// <exception cref="ArgumentOutOfRangeException">
/// The learning rate is out of range (see <see cref="Optimizer"/>), β1 or β2 is not in [0, 1) (β1 = 1 divides by zero,
/// β2 = 1 never updates), or ε is not finite and positive (ε = 0 gives 0/0 for a weight whose gradient is always 0).
/// </exception>
public class Adam(float learningRate = 0.001f, float beta1 = 0.9f, float beta2 = 0.999f, float epsilon = 1e-7f) : Optimizer(learningRate)
{
    private float[]? _m;
    private float[]? _v;

    /// <summary>β1 in [0, 1) (Keras default 0.9).</summary>
    public float Beta1 { get; } = OptimizerChecks.InRange(beta1, 0f, 1f, maxExclusive: true, nameof(beta1), nameof(Adam));

    /// <summary>β2 in [0, 1) (Keras default 0.999).</summary>
    public float Beta2 { get; } = OptimizerChecks.InRange(beta2, 0f, 1f, maxExclusive: true, nameof(beta2), nameof(Adam));

    /// <summary>ε, positive (Keras default 1e-7).</summary>
    public float Epsilon { get; } = OptimizerChecks.Positive(epsilon, nameof(epsilon), nameof(Adam));

    /// <inheritdoc />
    protected override void Update(Span<float> w, ReadOnlySpan<float> g, long step) => UpdateRange(w, g, step, 0, w.Length);

    internal override bool UpdatesByRange => GetType() == typeof(Adam) || GetType() == typeof(AdamW);

    internal override void UpdateRange(Span<float> weights, ReadOnlySpan<float> gradients, long step, int lo, int hi)
    {
        Span<float> m = State(ref _m, weights.Length).AsSpan(lo, hi - lo), v = State(ref _v, weights.Length).AsSpan(lo, hi - lo);
        Span<float> w = weights.Slice(lo, hi - lo);
        ReadOnlySpan<float> g = gradients.Slice(lo, hi - lo);
        float lrT = (float)(LearningRate * Math.Sqrt(1 - Math.Pow(Beta2, step)) / (1 - Math.Pow(Beta1, step)));
        float a1 = 1f - Beta1, a2 = 1f - Beta2, eps = Epsilon;
        int i = 0;
        if (Vector.IsHardwareAccelerated)
        {
            var va1 = new Vector<float>(a1);
            var va2 = new Vector<float>(a2);
            var vlr = new Vector<float>(lrT);
            var veps = new Vector<float>(eps);
            for (; i + Vector<float>.Count <= w.Length; i += Vector<float>.Count)
            {
                var gv = new Vector<float>(g.Slice(i));
                var mv = new Vector<float>(m.Slice(i));
                var vv = new Vector<float>(v.Slice(i));
                mv += (gv - mv) * va1;
                vv += (gv * gv - vv) * va2;
                mv.CopyTo(m.Slice(i));
                vv.CopyTo(v.Slice(i));
                (new Vector<float>(w.Slice(i)) - vlr * mv / (Vector.SquareRoot(vv) + veps)).CopyTo(w.Slice(i));
            }
        }
        for (; i < w.Length; i++)
        {
            m[i] += (g[i] - m[i]) * a1;
            v[i] += (g[i] * g[i] - v[i]) * a2;
            w[i] -= lrT * m[i] / (MathF.Sqrt(v[i]) + eps);
        }
    }
}

/// <summary>Keras <c>AdamW</c>: w -= w·weight_decay·lr, then the Adam update.</summary>
/// <exception cref="ArgumentOutOfRangeException">As <see cref="Adam"/>, or the weight decay is negative or not finite.</exception>
public sealed class AdamW(float learningRate = 0.001f, float weightDecay = 0.004f, float beta1 = 0.9f, float beta2 = 0.999f, float epsilon = 1e-7f)
    : Adam(learningRate, beta1, beta2, epsilon)
{
    /// <summary>Decoupled weight decay, 0 or more (Keras default 0.004).</summary>
    public float WeightDecay { get; } = OptimizerChecks.NonNegative(weightDecay, nameof(weightDecay), nameof(AdamW));

    /// <inheritdoc />
    protected override void Update(Span<float> w, ReadOnlySpan<float> g, long step) => UpdateRange(w, g, step, 0, w.Length);

    internal override void UpdateRange(Span<float> weights, ReadOnlySpan<float> gradients, long step, int lo, int hi)
    {
        Span<float> w = weights.Slice(lo, hi - lo);
        TensorPrimitives.Multiply(w, 1f - WeightDecay * LearningRate, w);
        base.UpdateRange(weights, gradients, step, lo, hi);
    }
}

/// <summary>Keras 3 <c>RMSprop</c> (no momentum, not centred): v = ρv + (1 - ρ)g²; w -= lr·g / √(v + ε).</summary>
/// <exception cref="ArgumentOutOfRangeException">
/// The learning rate is out of range (see <see cref="Optimizer"/>), ρ is not in [0, 1) (ρ = 1 never accumulates), or ε is
/// not finite and positive.
/// </exception>
public sealed class RmsProp(float learningRate = 0.001f, float rho = 0.9f, float epsilon = 1e-7f) : Optimizer(learningRate)
{
    private float[]? _v;

    /// <summary>ρ in [0, 1) (Keras default 0.9).</summary>
    public float Rho { get; } = OptimizerChecks.InRange(rho, 0f, 1f, maxExclusive: true, nameof(rho), nameof(RmsProp));

    /// <summary>ε, positive (Keras default 1e-7).</summary>
    public float Epsilon { get; } = OptimizerChecks.Positive(epsilon, nameof(epsilon), nameof(RmsProp));

    /// <inheritdoc />
    protected override void Update(Span<float> w, ReadOnlySpan<float> g, long step) => UpdateRange(w, g, step, 0, w.Length);

    internal override bool UpdatesByRange => true;

    internal override void UpdateRange(Span<float> w, ReadOnlySpan<float> g, long step, int lo, int hi)
    {
        Span<float> v = State(ref _v, w.Length);
        float lr = LearningRate, rho = Rho, eps = Epsilon;
        for (int i = lo; i < hi; i++)
        {
            v[i] = rho * v[i] + (1f - rho) * g[i] * g[i];
            w[i] -= lr * g[i] / MathF.Sqrt(v[i] + eps);
        }
    }
}
