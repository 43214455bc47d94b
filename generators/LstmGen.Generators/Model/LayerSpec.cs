using LstmGen.Generators.Layers;

namespace LstmGen.Generators.Model;

internal enum WrapperKind
{
    None,
    TimeDistributed,
    Bidirectional,
}

/// <summary>Mirrors LstmGen.Activation (same values).</summary>
internal enum ActivationKind
{
    Linear = 0,
    Relu = 1,
    Tanh = 2,
    Sigmoid = 3,
    Softmax = 4,
    HardSigmoid = 5,
    HardSigmoidKeras2 = 6,
    Elu = 7,
    Selu = 8,
    Gelu = 9,
    Softplus = 10,
    Softsign = 11,
    Swish = 12,
    LeakyRelu = 13,
    Exponential = 14,
}

/// <summary>Mirrors LstmGen.MergeMode (same values).</summary>
internal enum MergeModeKind
{
    Concat = 0,
    Sum = 1,
    Mul = 2,
    Ave = 3,
}

/// <summary>
/// One entry of the model in attribute order: the input declaration or a layer, with its wrapper if it has one. Each
/// layer kind derives its own record with its arguments (see <c>Layers/</c>); <see cref="Unit"/> is the layer unit
/// that owns the kind. <see cref="AttributeIndex"/> is the position of its attribute among the class's LstmGen
/// attributes (so the analyzer can put a diagnostic on it).
/// </summary>
/// <remarks>Immutable and structurally equal (the incremental pipeline caches on it): only strings, numbers, enums.</remarks>
internal abstract record LayerSpec
{
    /// <summary>The unit that reads, validates and emits this kind (not part of equality: it is a property, not a field).</summary>
    public abstract LayerUnit Unit { get; }

    public int AttributeIndex { get; init; }
    public string? Name { get; init; }
    public WrapperKind Wrapper { get; init; }
    public int WrapperAttributeIndex { get; init; } = -1;
    public string? WrapperName { get; init; }
    public MergeModeKind MergeMode { get; init; }

    /// <summary>The attribute a diagnostic about the whole layer goes on: the wrapper's when there is one.</summary>
    public int PrimaryAttributeIndex => Wrapper == WrapperKind.None ? AttributeIndex : WrapperAttributeIndex;

    /// <summary>The layer as the user wrote it, for messages: <c>Lstm(50)</c>, <c>Bidirectional(Lstm(8))</c>.</summary>
    public string Describe()
    {
        string inner = Unit.Describe(this);
        return Wrapper switch
        {
            WrapperKind.TimeDistributed => $"TimeDistributed({inner})",
            WrapperKind.Bidirectional => $"Bidirectional({inner})",
            _ => inner,
        };
    }
}
