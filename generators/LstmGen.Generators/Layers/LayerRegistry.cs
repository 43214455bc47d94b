using System.Collections.Generic;

namespace LstmGen.Generators.Layers;

/// <summary>Every layer unit, by attribute name: adding a layer kind is one line here plus its own file.</summary>
internal static class LayerRegistry
{
    private static readonly LayerUnit[] Units =
    {
        InputUnit.Instance,
        DenseUnit.Instance,
        EmbeddingUnit.Instance,
        LstmUnit.Instance,
        GruUnit.Instance,
        SimpleRnnUnit.Instance,
        DropoutUnit.Instance,
        SpatialDropout1DUnit.Instance,
        ActivationUnit.Instance,
        Conv1DUnit.Instance,
        MaxPooling1DUnit.Instance,
        AveragePooling1DUnit.Instance,
        GlobalMaxPooling1DUnit.Instance,
        GlobalAveragePooling1DUnit.Instance,
        FlattenUnit.Instance,
        ReshapeUnit.Instance,
        BatchNormalizationUnit.Instance,
        LayerNormalizationUnit.Instance,
        MaskingUnit.Instance,
        RepeatVectorUnit.Instance,
        SliceLastUnit.Instance,
        ZeroPadding1DUnit.Instance,
    };

    private static readonly Dictionary<string, LayerUnit> ByAttribute = Index();

    private static Dictionary<string, LayerUnit> Index()
    {
        var map = new Dictionary<string, LayerUnit>(System.StringComparer.Ordinal);
        foreach (LayerUnit unit in Units)
        {
            map.Add(unit.AttributeName, unit);
        }
        return map;
    }

    /// <summary>The unit reading attributes of this class name, or null.</summary>
    public static LayerUnit? Find(string attributeName) =>
        ByAttribute.TryGetValue(attributeName, out LayerUnit? unit) ? unit : null;

    /// <summary>All units (for messages that list what a wrapper accepts).</summary>
    public static IReadOnlyList<LayerUnit> All => Units;
}
