using LstmGen.Generators.Emit;
using LstmGen.Generators.Helpers;
using LstmGen.Generators.Model;
using LstmGen.Generators.Validation;

namespace LstmGen.Generators.Layers;

/// <summary>The input declaration: the shape of one sample. Not a layer: the validator reads it and starts from it.</summary>
internal sealed record InputSpec(EquatableArray<int> Shape) : LayerSpec
{
    public override LayerUnit Unit => InputUnit.Instance;
}

/// <summary>Reads <c>[Input(...)]</c>. The pipeline treats the input itself; the layer methods are never called.</summary>
internal sealed class InputUnit : LayerUnit
{
    public static readonly InputUnit Instance = new();

    public override string AttributeName => "InputAttribute";

    public override string KerasClass => "InputLayer";

    public override string KerasName => "input";

    public override LayerSpec Read(AttributeReader a) => new InputSpec(new EquatableArray<int>(a.Ints()));

    public override string Describe(LayerSpec spec) => "Input(" + string.Join(", ", ((InputSpec)spec).Shape) + ")";

    public override LayerPlan? Infer(InferContext context) => null;

    public override void EmitForward(EmitContext context, LayerPlan layer)
    {
    }

    public override void EmitBackward(EmitContext context, LayerPlan layer, BackwardStep step)
    {
    }

    public override void WriteConfig(ConfigWriter config, LayerPlan layer)
    {
    }
}
