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
public abstract class Optimizer
{
    private float[]? _clipped;

    /// <summary>Learning rate.</summary>
    public float LearningRate { get; set; }

    /// <summary>Keras <c>clipnorm</c>: each weight's gradient is scaled down to this L2 norm at most. Null: off.</summary>
    public float? ClipNorm { get; init; }

    /// <summary>Keras <c>global_clipnorm</c>: all gradients are scaled by min(1, c / global L2 norm). Null: off.</summary>
    public float? GlobalClipNorm { get; init; }

    /// <summary>Keras <c>clipvalue</c>: each gradient element is clipped to [-c, c]. Null: off.</summary>
    public float? ClipValue { get; init; }

    /// <summary>Number of steps applied (Keras's <c>iterations</c>).</summary>
    public long Iterations { get; private set; }

    /// <summary>Creates the optimiser.</summary>
    protected Optimizer(float learningRate) => LearningRate = learningRate;

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
}

/// <summary>Keras <c>SGD</c>: w -= lr·g; with momentum m = μm - lr·g, w += m; Nesterov: w += μm - lr·g.</summary>
public sealed class Sgd(float learningRate = 0.01f, float momentum = 0f, bool nesterov = false) : Optimizer(learningRate)
{
    private float[]? _m;

    /// <summary>Momentum μ (Keras default 0).</summary>
    public float Momentum { get; } = momentum;

    /// <summary>Nesterov momentum (Keras default false).</summary>
    public bool Nesterov { get; } = nesterov;

    /// <inheritdoc />
    protected override void Update(Span<float> w, ReadOnlySpan<float> g, long step)
    {
        float lr = LearningRate;
        if (Momentum == 0f)
        {
            TensorPrimitives.MultiplyAdd(g, -lr, w, w);
            return;
        }
        Span<float> m = State(ref _m, w.Length);
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
public class Adam(float learningRate = 0.001f, float beta1 = 0.9f, float beta2 = 0.999f, float epsilon = 1e-7f) : Optimizer(learningRate)
{
    private float[]? _m;
    private float[]? _v;

    /// <summary>β1 (Keras default 0.9).</summary>
    public float Beta1 { get; } = beta1;

    /// <summary>β2 (Keras default 0.999).</summary>
    public float Beta2 { get; } = beta2;

    /// <summary>ε (Keras default 1e-7).</summary>
    public float Epsilon { get; } = epsilon;

    /// <inheritdoc />
    protected override void Update(Span<float> w, ReadOnlySpan<float> g, long step)
    {
        Span<float> m = State(ref _m, w.Length), v = State(ref _v, w.Length);
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
public sealed class AdamW(float learningRate = 0.001f, float weightDecay = 0.004f, float beta1 = 0.9f, float beta2 = 0.999f, float epsilon = 1e-7f)
    : Adam(learningRate, beta1, beta2, epsilon)
{
    /// <summary>Decoupled weight decay (Keras default 0.004).</summary>
    public float WeightDecay { get; } = weightDecay;

    /// <inheritdoc />
    protected override void Update(Span<float> w, ReadOnlySpan<float> g, long step)
    {
        TensorPrimitives.Multiply(w, 1f - WeightDecay * LearningRate, w);
        base.Update(w, g, step);
    }
}

/// <summary>Keras 3 <c>RMSprop</c> (no momentum, not centred): v = ρv + (1 - ρ)g²; w -= lr·g / √(v + ε).</summary>
public sealed class RmsProp(float learningRate = 0.001f, float rho = 0.9f, float epsilon = 1e-7f) : Optimizer(learningRate)
{
    private float[]? _v;

    /// <summary>ρ (Keras default 0.9).</summary>
    public float Rho { get; } = rho;

    /// <summary>ε (Keras default 1e-7).</summary>
    public float Epsilon { get; } = epsilon;

    /// <inheritdoc />
    protected override void Update(Span<float> w, ReadOnlySpan<float> g, long step)
    {
        Span<float> v = State(ref _v, w.Length);
        float lr = LearningRate, rho = Rho, eps = Epsilon;
        for (int i = 0; i < w.Length; i++)
        {
            v[i] = rho * v[i] + (1f - rho) * g[i] * g[i];
            w[i] -= lr * g[i] / MathF.Sqrt(v[i] + eps);
        }
    }
}
