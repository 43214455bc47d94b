using System.Collections.Generic;
using System.Collections.Immutable;
using LstmGen.Generators.Layers;
using LstmGen.Generators.Model;

namespace LstmGen.Generators.Validation;

/// <summary>A tensor shape per sample: a sequence (steps, features) when <see cref="Steps"/> &gt; 0, else a vector (features).</summary>
internal readonly record struct TensorShape(int Steps, int Features)
{
    public bool IsSequence => Steps > 0;

    /// <summary>Elements per sample.</summary>
    public int Size => IsSequence ? Steps * Features : Features;

    /// <summary>Rows per sample in the time-major layout (steps, or 1 for a vector).</summary>
    public int Rows => IsSequence ? Steps : 1;

    public override string ToString() => IsSequence ? $"(batch, {Steps}, {Features})" : $"(batch, {Features})";
}

/// <summary>One weight of the plan: Keras name and shape, offset in the flat buffer, runtime initialiser name.</summary>
internal sealed record WeightPlan(string Name, ImmutableArray<int> Shape, int Offset, int Length, string Initializer, bool Trainable = true);

/// <summary>A mask (steps, batch) flowing between layers: the layer that computes it, for messages and for its buffer.</summary>
internal sealed record MaskSource(int Layer, string Display)
{
    /// <summary>The local holding the mask in the generated passes: <c>mask{n}</c>.</summary>
    public string Local => "mask" + Layer.ToString(System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>The workspace field: <c>__mask{n}</c>.</summary>
    public string Field => "__" + Local;

    public override string ToString() => Display;
}

/// <summary>A layer with everything inferred: Keras name, shapes in and out, masks, weights, unrolling.</summary>
internal sealed record LayerPlan(int Number, LayerSpec Spec, string Name, string? InnerName, TensorShape In, TensorShape Out)
{
    /// <summary>The layer whose mask reaches this layer's input (its display name), or null when no mask flows in.</summary>
    public MaskSource? MaskIn { get; init; }

    /// <summary>The mask flowing out of the layer (by default the one flowing in).</summary>
    public MaskSource? MaskOut { get; init; }

    public bool Masked => MaskIn is not null;

    public bool Unrolled { get; init; }

    public ImmutableArray<WeightPlan> Weights { get; init; } = ImmutableArray<WeightPlan>.Empty;

    public LayerUnit Unit => Spec.Unit;

    public int ParameterCount
    {
        get
        {
            int n = 0;
            foreach (WeightPlan w in Weights) n += w.Length;
            return n;
        }
    }

    /// <summary>How messages refer to the layer: <c>Lstm 'lstm_1'</c>.</summary>
    public string Display => $"{KindName} '{Name}'";

    public string KindName => Spec.Wrapper switch
    {
        WrapperKind.Bidirectional => "Bidirectional",
        WrapperKind.TimeDistributed => "TimeDistributed",
        _ => Spec.Unit.DisplayName,
    };

    /// <summary>Keras's class name of the layer as summary() prints it (the wrapper's when wrapped).</summary>
    public string KerasClass => Spec.Wrapper switch
    {
        WrapperKind.Bidirectional => "Bidirectional",
        WrapperKind.TimeDistributed => "TimeDistributed",
        _ => Spec.Unit.KerasClass,
    };
}

/// <summary>The validated model: what the emitter writes from. Produced only when there is no error.</summary>
internal sealed record ModelPlan(
    NetworkSpec Spec,
    TensorShape Input,
    bool TokenInput,
    int Vocabulary,
    ImmutableArray<LayerPlan> Layers,
    ImmutableArray<WeightPlan> Weights,
    int ParameterCount)
{
    public TensorShape Output => Layers[Layers.Length - 1].Out;

    public LayerPlan Last => Layers[Layers.Length - 1];

    /// <summary>The final states the last layer returns (ReturnState), in API order; empty for most models.</summary>
    public IReadOnlyList<StateOutput> States => Last.Unit.States(Last);

    /// <summary>True when the last layer returns its final states.</summary>
    public bool HasReturnState => States.Count > 0;

    /// <summary>True when some layer reads a mask.</summary>
    public bool Masked
    {
        get
        {
            foreach (LayerPlan l in Layers)
            {
                if (l.Masked) return true;
            }
            return false;
        }
    }

    /// <summary>True when some layer behaves differently in training (dropout): the passes take a training flag.</summary>
    public bool Stochastic
    {
        get
        {
            foreach (LayerPlan l in Layers)
            {
                if (l.Unit.IsStochastic(l)) return true;
            }
            return false;
        }
    }

    /// <summary>
    /// True when the model can run one step at a time with carried state: every layer streams, and one of them carries
    /// state.
    /// </summary>
    public bool Streamable
    {
        get
        {
            bool stateful = false;
            foreach (LayerPlan l in Layers)
            {
                if (!l.Unit.Streams(l)) return false;
                stateful |= l.Unit.IsStateful;
            }
            return stateful;
        }
    }
}
