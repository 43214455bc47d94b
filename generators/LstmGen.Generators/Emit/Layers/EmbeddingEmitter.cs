using LstmGen.Generators.Validation;
using static LstmGen.Generators.Emit.EmitContext;

namespace LstmGen.Generators.Emit.Layers;

/// <summary>Embedding: row look-up of each token, time-major, and the padding mask when MaskZero.</summary>
internal static class EmbeddingEmitter
{
    public static void Emit(EmitContext ctx, LayerPlan layer)
    {
        var w = ctx.W;
        int n = layer.Number;
        int steps = layer.Out.Steps, dim = layer.Out.Features;
        string e = ctx.AddBuffer($"__y{n}", steps * dim, $"{layer.Name} output {layer.Out}");
        string mask = "default";
        if (layer.Spec.MaskZero)
        {
            ctx.AddBuffer("__mask", steps, "padding mask (steps, batch): 1 = token, 0 = padding", "byte");
            w.Line($"{Span}<byte> mask = new global::System.Span<byte>(__mask, 0, {Nb(steps)});");
            mask = "mask";
        }
        w.Line($"{Span}<float> y{n} = new global::System.Span<float>({e}, 0, {Nb(steps * dim)});");
        w.Line($"{Kernels}.Embed(tokens, {Weight(layer.Weights[0])}, y{n}, {mask}, nb, {Num(steps)}, {Num(dim)});");
        w.Line($"{ReadOnlySpan}<float> a{n} = y{n};");
        ctx.Current = $"a{n}";
    }
}
