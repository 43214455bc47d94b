using LstmGen.Generators.Validation;
using static LstmGen.Generators.Emit.EmitContext;

namespace LstmGen.Generators.Emit.Layers;

/// <summary>RepeatVector: the vector copied once per output step.</summary>
internal static class RepeatVectorEmitter
{
    public static void Emit(EmitContext ctx, LayerPlan layer)
    {
        int n = layer.Number;
        int f = layer.In.Features, reps = layer.Spec.N;
        string y = ctx.AddBuffer($"__y{n}", reps * f, $"{layer.Name} output {layer.Out}");
        ctx.W.Line($"{Span}<float> y{n} = new global::System.Span<float>({y}, 0, {Nb(reps * f)});");
        ctx.W.Line($"{Kernels}.RepeatVector({ctx.Current}, y{n}, nb, {Num(f)}, {Num(reps)});");
        ctx.W.Line($"{ReadOnlySpan}<float> a{n} = y{n};");
        ctx.Current = $"a{n}";
    }
}

/// <summary>SliceLast: in the time-major layout the last n steps are a contiguous view; no copy.</summary>
internal static class SliceLastEmitter
{
    public static void Emit(EmitContext ctx, LayerPlan layer)
    {
        int n = layer.Number;
        int f = layer.In.Features, keep = layer.Spec.N, skip = layer.In.Steps - keep;
        ctx.W.Line($"{ReadOnlySpan}<float> a{n} = {ctx.Current}.Slice({Nb(skip * f)}, {Nb(keep * f)});");
        ctx.Current = $"a{n}";
    }
}

/// <summary>ZeroPadding1D: zero steps before and after the sequence.</summary>
internal static class ZeroPaddingEmitter
{
    public static void Emit(EmitContext ctx, LayerPlan layer)
    {
        int n = layer.Number;
        int f = layer.In.Features;
        string y = ctx.AddBuffer($"__y{n}", layer.Out.Steps * f, $"{layer.Name} output {layer.Out}");
        ctx.W.Line($"{Span}<float> y{n} = new global::System.Span<float>({y}, 0, {Nb(layer.Out.Steps * f)});");
        ctx.W.Line($"{Kernels}.ZeroPad({ctx.Current}, y{n}, {Num(layer.In.Steps)}, nb, {Num(f)}, {Num(layer.Spec.Left)}, {Num(layer.Spec.Right)});");
        ctx.W.Line($"{ReadOnlySpan}<float> a{n} = y{n};");
        ctx.Current = $"a{n}";
    }
}
