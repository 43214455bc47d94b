using System.Collections.Immutable;
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
internal sealed record WeightPlan(string Name, ImmutableArray<int> Shape, int Offset, int Length, string Initializer);

/// <summary>A layer with everything inferred: Keras name, shapes in and out, mask, weights, unrolling.</summary>
internal sealed record LayerPlan(int Number, LayerSpec Spec, string Name, string? InnerName, TensorShape In, TensorShape Out)
{
    public bool MaskIn { get; init; }
    public bool Unrolled { get; init; }
    public ImmutableArray<WeightPlan> Weights { get; init; } = ImmutableArray<WeightPlan>.Empty;

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
        _ => Spec.Kind.ToString(),
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

    /// <summary>True when the last layer is an LSTM with ReturnState.</summary>
    public bool HasReturnState => Last.Spec.Kind == LayerKind.Lstm && Last.Spec.ReturnState;

    /// <summary>True when an Embedding with MaskZero feeds the model.</summary>
    public bool Masked => Layers.Length > 0 && Layers[0].Spec.Kind == LayerKind.Embedding && Layers[0].Spec.MaskZero;

    /// <summary>
    /// True when the model can run one step at a time with carried state: only an Embedding (first), forward LSTMs and
    /// Dense layers, with at least one LSTM.
    /// </summary>
    public bool Streamable
    {
        get
        {
            bool anyLstm = false;
            foreach (LayerPlan l in Layers)
            {
                switch (l.Spec.Kind)
                {
                    case LayerKind.Embedding:
                    case LayerKind.Dense:
                        break;
                    case LayerKind.Lstm when l.Spec.Wrapper == WrapperKind.None && !l.Spec.GoBackwards:
                        anyLstm = true;
                        break;
                    default:
                        return false;
                }
            }
            return anyLstm;
        }
    }
}
