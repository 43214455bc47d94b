using LstmGen.Generators.Model;
using LstmGen.Generators.Validation;
using static LstmGen.Generators.Emit.EmitContext;

namespace LstmGen.Generators.Emit.Layers;

/// <summary>
/// LSTM (and Bidirectional(LSTM)). Per direction: the input projection of every step as one product (plus bias), then per
/// step one recurrent product into that step's gates and one fused gate/cell pass. Gates, cell states and outputs of every
/// step stay in the workspace (time-major) for the backward pass. Steps are written out one by one when the layer is
/// unrolled, as a loop otherwise.
/// </summary>
internal static class LstmEmitter
{
    public static void Emit(EmitContext ctx, LayerPlan layer)
    {
        int n = layer.Number;
        var spec = layer.Spec;
        int steps = layer.In.Steps, units = spec.Units;
        if (spec.Wrapper != WrapperKind.Bidirectional)
        {
            EmitDirection(ctx, layer, n.ToString(System.Globalization.CultureInfo.InvariantCulture), 0, spec.GoBackwards);
            string h = $"h{n}";
            ctx.W.Line(spec.ReturnSequences
                ? $"{ReadOnlySpan}<float> a{n} = {h};"
                : $"{ReadOnlySpan}<float> a{n} = {h}.Slice({Nb((steps - 1) * units)}, {Nb(units)});");
            ctx.Current = $"a{n}";
            return;
        }

        int weightsPerDirection = layer.Weights.Length / 2;
        string input = ctx.Current;
        EmitDirection(ctx, layer, n + "f", 0, backwards: spec.GoBackwards);
        ctx.Current = input;
        EmitDirection(ctx, layer, n + "b", weightsPerDirection, backwards: !spec.GoBackwards);
        int outF = layer.Out.Features;
        int rows = spec.ReturnSequences ? steps : 1;
        string y = ctx.AddBuffer($"__y{n}", rows * outF, $"{layer.Name} merged output {layer.Out}");
        ctx.W.Line($"{Span}<float> y{n} = new global::System.Span<float>({y}, 0, {Nb(rows * outF)});");
        if (spec.ReturnSequences)
        {
            ctx.W.Line($"{Kernels}.MergeBidirectional(h{n}f, h{n}b, y{n}, {Num(steps)}, nb, {Num(units)}, {MergeMode(spec.MergeMode)});");
        }
        else
        {
            string last = $".Slice({Nb((steps - 1) * units)}, {Nb(units)})";
            ctx.W.Line($"{Kernels}.MergeBidirectional(h{n}f{last}, h{n}b{last}, y{n}, 1, nb, {Num(units)}, {MergeMode(spec.MergeMode)});");
        }
        ctx.W.Line($"{ReadOnlySpan}<float> a{n} = y{n};");
        ctx.Current = $"a{n}";
    }

    private static void EmitDirection(EmitContext ctx, LayerPlan layer, string id, int firstWeight, bool backwards)
    {
        var w = ctx.W;
        var spec = layer.Spec;
        int steps = layer.In.Steps, inF = layer.In.Features, units = spec.Units, gates = 4 * units;
        WeightPlan kernel = layer.Weights[firstWeight];
        WeightPlan recurrent = layer.Weights[firstWeight + 1];
        string bias = spec.UseBias ? Weight(layer.Weights[firstWeight + 2]) : "default";
        string act = Activation(spec.Activation), rec = Activation(spec.RecurrentActivation);
        bool masked = layer.MaskIn;

        string direction = id.EndsWith("f") ? "forward direction, " : id.EndsWith("b") ? "backward direction, " : "";
        w.Line($"// {layer.Name}: {direction}{(backwards ? "last step first" : "first step first")}, {(layer.Unrolled ? "unrolled" : "looped")}");
        ctx.AddBuffer($"__z{id}", steps * gates, $"{layer.Name} gates per step (i, f, c, o), by input step");
        ctx.AddBuffer($"__c{id}", steps * units, $"{layer.Name} cell state per processed step");
        ctx.AddBuffer($"__h{id}", steps * units, $"{layer.Name} output per processed step");
        w.Line($"{Span}<float> z{id} = new global::System.Span<float>(__z{id}, 0, {Nb(steps * gates)});");
        w.Line($"{Span}<float> c{id} = new global::System.Span<float>(__c{id}, 0, {Nb(steps * units)});");
        w.Line($"{Span}<float> h{id} = new global::System.Span<float>(__h{id}, 0, {Nb(steps * units)});");
        w.Line($"{ReadOnlySpan}<float> r{id} = {Weight(recurrent)};");
        w.Line($"{Kernels}.GemmBias({ctx.Current}, {Weight(kernel)}, {bias}, z{id}, {Nb(steps)}, {Num(gates)}, {Num(inF)});");

        // Step 0 starts from the zero state.
        int t0 = backwards ? steps - 1 : 0;
        w.Line($"{Kernels}.LstmStep(z{id}.Slice({Nb(t0 * gates)}, {Nb(gates)}), default, default, c{id}.Slice(0, {Nb(units)}), h{id}.Slice(0, {Nb(units)}), nb, {Num(units)}, {act}, {rec}, {(masked ? $"mask.Slice({Nb(t0)}, nb)" : "default")});");
        if (steps == 1)
        {
            return;
        }
        if (layer.Unrolled)
        {
            for (int s = 1; s < steps; s++)
            {
                int t = backwards ? steps - 1 - s : s;
                string zt = $"z{id}.Slice({Nb(t * gates)}, {Nb(gates)})";
                string prevC = $"c{id}.Slice({Nb((s - 1) * units)}, {Nb(units)})";
                string prevH = $"h{id}.Slice({Nb((s - 1) * units)}, {Nb(units)})";
                w.Line($"{Kernels}.Gemm({prevH}, r{id}, {zt}, nb, {Num(gates)}, {Num(units)}, accumulate: true);");
                w.Line($"{Kernels}.LstmStep({zt}, {prevC}, {prevH}, c{id}.Slice({Nb(s * units)}, {Nb(units)}), h{id}.Slice({Nb(s * units)}, {Nb(units)}), nb, {Num(units)}, {act}, {rec}, {(masked ? $"mask.Slice({Nb(t)}, nb)" : "default")});");
            }
            return;
        }
        w.Open($"for (int s = 1; s < {Num(steps)}; s++)");
        w.Line(backwards ? $"int t = {Num(steps - 1)} - s;" : "int t = s;");
        w.Line($"{Span}<float> zt = z{id}.Slice({Nb(gates)} * t, {Nb(gates)});");
        w.Line($"{ReadOnlySpan}<float> prevC = c{id}.Slice({Nb(units)} * (s - 1), {Nb(units)});");
        w.Line($"{ReadOnlySpan}<float> prevH = h{id}.Slice({Nb(units)} * (s - 1), {Nb(units)});");
        w.Line($"{Kernels}.Gemm(prevH, r{id}, zt, nb, {Num(gates)}, {Num(units)}, accumulate: true);");
        w.Line($"{Kernels}.LstmStep(zt, prevC, prevH, c{id}.Slice({Nb(units)} * s, {Nb(units)}), h{id}.Slice({Nb(units)} * s, {Nb(units)}), nb, {Num(units)}, {act}, {rec}, {(masked ? "mask.Slice(nb * t, nb)" : "default")});");
        w.Close();
    }
}
