using LstmGen.Generators.Helpers;

namespace LstmGen.Generators.Model;

internal enum LayerKind
{
    Input,
    Dense,
    Embedding,
    Lstm,
    RepeatVector,
    SliceLast,
    ZeroPadding1D,
}

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
/// One entry of the model in attribute order: the input declaration or a layer, with its wrapper if it has one.
/// <see cref="AttributeIndex"/> is the position of its attribute among the class's LstmGen attributes (so the analyzer can
/// put a diagnostic on it); fields that do not apply to the kind keep their defaults.
/// </summary>
internal sealed record LayerSpec(LayerKind Kind, int AttributeIndex)
{
    public string? Name { get; init; }
    public EquatableArray<int> Shape { get; init; } = EquatableArray<int>.Empty;
    public int Units { get; init; }
    public ActivationKind Activation { get; init; }
    public ActivationKind RecurrentActivation { get; init; } = ActivationKind.Sigmoid;
    public bool UseBias { get; init; } = true;
    public bool UnitForgetBias { get; init; } = true;
    public bool ReturnSequences { get; init; }
    public bool ReturnState { get; init; }
    public bool GoBackwards { get; init; }
    public int InputDim { get; init; }
    public int OutputDim { get; init; }
    public bool MaskZero { get; init; }
    public int N { get; init; }
    public int Left { get; init; }
    public int Right { get; init; }
    /// <summary>ZeroPadding1D declared with its one-argument constructor (the same padding at both ends).</summary>
    public bool SymmetricPadding { get; init; }
    public WrapperKind Wrapper { get; init; }
    public int WrapperAttributeIndex { get; init; } = -1;
    public string? WrapperName { get; init; }
    public MergeModeKind MergeMode { get; init; }

    /// <summary>The attribute a diagnostic about the whole layer goes on: the wrapper's when there is one.</summary>
    public int PrimaryAttributeIndex => Wrapper == WrapperKind.None ? AttributeIndex : WrapperAttributeIndex;

    /// <summary>The layer as the user wrote it, for messages: <c>Lstm(50)</c>, <c>Bidirectional(Lstm(8))</c>.</summary>
    public string Describe()
    {
        string inner = Kind switch
        {
            LayerKind.Input => "Input(" + string.Join(", ", Shape) + ")",
            LayerKind.Dense => $"Dense({Units})",
            LayerKind.Embedding => $"Embedding({InputDim}, {OutputDim})",
            LayerKind.Lstm => $"Lstm({Units})",
            LayerKind.RepeatVector => $"RepeatVector({N})",
            LayerKind.SliceLast => $"SliceLast({N})",
            LayerKind.ZeroPadding1D => $"ZeroPadding1D({Left}, {Right})",
            _ => Kind.ToString(),
        };
        return Wrapper switch
        {
            WrapperKind.TimeDistributed => $"TimeDistributed({inner})",
            WrapperKind.Bidirectional => $"Bidirectional({inner})",
            _ => inner,
        };
    }
}
