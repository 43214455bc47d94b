using LstmGen.Generators.Model;
using LstmGen.Generators.Validation;
using static LstmGen.Generators.Emit.EmitContext;

namespace LstmGen.Generators.Emit.Layers;

/// <summary>Dense (and TimeDistributed(Dense)): one product over every row (steps × batch), bias, activation.</summary>
internal static class DenseEmitter
{
    public static void Emit(EmitContext ctx, LayerPlan layer)
    {
        var w = ctx.W;
        int n = layer.Number;
        int rows = layer.In.Rows;
        int inF = layer.In.Features, units = layer.Spec.Units;
        string y = ctx.AddBuffer($"__y{n}", rows * units, $"{layer.Name} output {layer.Out}");
        string bias = layer.Spec.UseBias ? Weight(layer.Weights[1]) : "default";
        w.Line($"{Span}<float> y{n} = new global::System.Span<float>({y}, 0, {Nb(rows * units)});");
        w.Line($"{Kernels}.GemmBias({ctx.Current}, {Weight(layer.Weights[0])}, {bias}, y{n}, {Nb(rows)}, {Num(units)}, {Num(inF)});");
        if (layer.Spec.Activation != ActivationKind.Linear)
        {
            w.Line($"{Kernels}.Activate({Activation(layer.Spec.Activation)}, y{n}, {Nb(rows)}, {Num(units)});");
        }
        w.Line($"{ReadOnlySpan}<float> a{n} = y{n};");
        ctx.Current = $"a{n}";
    }
}
