using System.Collections.Generic;
using LstmGen.Generators.Emit;
using LstmGen.Generators.Model;
using LstmGen.Generators.Validation;
using static LstmGen.Generators.Emit.EmitContext;

namespace LstmGen.Generators.Layers;

/// <summary>LSTM arguments: the RNN ones and <c>unit_forget_bias</c>.</summary>
internal sealed record LstmSpec : RecurrentSpec
{
    public override LayerUnit Unit => LstmUnit.Instance;

    public bool UnitForgetBias { get; init; } = true;
}

/// <summary>
/// LSTM (and Bidirectional(LSTM)), Keras's gate order i, f, c, o. Per direction: the input projection of every step as one
/// product (plus bias), then per step one recurrent product into that step's gates and one fused gate/cell pass. Gates,
/// cell states and outputs of every step stay in the workspace (time-major) for the backward pass. Weights: kernel
/// (in, 4u), recurrent_kernel (u, 4u), bias (4u). States: h and c.
/// </summary>
internal sealed class LstmUnit : RecurrentUnit
{
    public static readonly LstmUnit Instance = new();

    public override string AttributeName => "LstmAttribute";

    public override string KerasClass => "LSTM";

    public override string KerasName => "lstm";

    protected override int Gates => 4;

    public override LayerSpec Read(AttributeReader a) =>
        ReadCommon(a, new LstmSpec()) with { UnitForgetBias = a.Named("UnitForgetBias", true) };

    protected override LayerPlan AddWeights(InferContext ctx, LayerPlan plan, string prefix, int inputFeatures)
    {
        var spec = (LstmSpec)plan.Spec;
        int units = spec.Units;
        plan = ctx.AddWeight(plan, $"{prefix}/kernel", "GlorotUniform", inputFeatures, 4 * units);
        plan = ctx.AddWeight(plan, $"{prefix}/recurrent_kernel", "Orthogonal", units, 4 * units);
        if (spec.UseBias)
        {
            plan = ctx.AddWeight(plan, $"{prefix}/bias", spec.UnitForgetBias ? "UnitForgetBias" : "Zeros", 4 * units);
        }
        return plan;
    }

    public override IReadOnlyList<StateOutput> States(LayerPlan layer)
    {
        var spec = (LstmSpec)layer.Spec;
        if (!spec.ReturnState)
        {
            return System.Array.Empty<StateOutput>();
        }
        string n = Num(layer.Number), last = $".Slice({Nb((layer.In.Steps - 1) * spec.Units)}, {Nb(spec.Units)})";
        return new[]
        {
            new StateOutput("H", "final hidden state", spec.Units, $"h{n}{last}"),
            new StateOutput("C", "final cell state", spec.Units, $"c{n}{last}"),
        };
    }

    protected override void EmitDirection(EmitContext ctx, LayerPlan layer, string id, int firstWeight, bool backwards)
    {
        var w = ctx.W;
        var spec = (LstmSpec)layer.Spec;
        int steps = layer.In.Steps, inF = layer.In.Features, units = spec.Units, gates = 4 * units;
        WeightPlan kernel = layer.Weights[firstWeight];
        WeightPlan recurrent = layer.Weights[firstWeight + 1];
        string bias = spec.UseBias ? $"bk{id}" : "default";
        string act = Activation(spec.Activation), rec = Activation(spec.RecurrentActivation);
        bool pre = NeedsPreActivations(spec);

        w.Line(DirectionComment(layer, id, backwards));
        ctx.AddBuffer($"__z{id}", steps * gates, $"{layer.Name} gates per step (i, f, c, o), by input step");
        ctx.AddBuffer($"__c{id}", steps * units, $"{layer.Name} cell state per processed step");
        ctx.AddBuffer($"__h{id}", steps * units, $"{layer.Name} output per processed step");
        w.Line($"{Span}<float> z{id} = new global::System.Span<float>(__z{id}, 0, {Nb(steps * gates)});");
        w.Line($"{Span}<float> c{id} = new global::System.Span<float>(__c{id}, 0, {Nb(steps * units)});");
        w.Line($"{Span}<float> h{id} = new global::System.Span<float>(__h{id}, 0, {Nb(steps * units)});");
        if (pre)
        {
            ctx.Workspace($"zp{id}", $"__zp{id}", steps * gates, $"{layer.Name} gate pre-activations, by input step (gelu/swish backward)");
        }
        w.Line($"{ReadOnlySpan}<float> r{id} = {Weight(recurrent)};");
        string? rp = PackOncePerBatch(ctx, $"__rp{id}", $"rp{id}", $"r{id}", steps, gates, units, $"{layer.Name} recurrent kernel");
        string x = ProjectionInput(ctx, layer, id);
        RecurrentMask(ctx, layer, id);
        w.Line($"{ReadOnlySpan}<float> wk{id} = {Weight(kernel)};");
        if (spec.UseBias)
        {
            w.Line($"{ReadOnlySpan}<float> bk{id} = {Weight(layer.Weights[firstWeight + 2])};");
        }
        string? xp = ProjectPerStepOrWhole(ctx, $"__xp{id}", $"xp{id}", $"wk{id}", steps, gates, inF, $"{layer.Name} kernel",
            $"{Kernels}.GemmBias({x}, wk{id}, {bias}, z{id}, {Nb(steps)}, {Num(gates)}, {Num(inF)});");

        // Step 0 starts from the zero state.
        int t0 = backwards ? steps - 1 : 0;
        var first = new Step(ctx, 0, t0);
        string firstPre = pre ? ", " + first.AtInput($"zp{id}", gates) : "";
        EmitStepProjection(ctx, xp, first.AtInput(x, inF), $"wk{id}", bias, first.AtInput($"z{id}", gates), gates, inF);
        w.Line($"{Kernels}.LstmStep({first.AtInput($"z{id}", gates)}, default, default, c{id}.Slice(0, {Nb(units)}), h{id}.Slice(0, {Nb(units)}), nb, {Num(units)}, {act}, {rec}, {first.Mask(layer)}{firstPre});");
        EmitSteps(ctx, layer, backwards, step =>
        {
            string zt = step.Local($"{Span}<float>", "zt", step.AtInput($"z{id}", gates));
            string prevC = step.Local($"{ReadOnlySpan}<float>", "prevC", step.Previous($"c{id}", units));
            string prevH = step.Local($"{ReadOnlySpan}<float>", "prevH", step.Previous($"h{id}", units));
            string operand = RecurrentOperand(ctx, layer, id, step, prevH);
            string stepPre = pre ? ", " + step.AtInput($"zp{id}", gates) : "";
            EmitStepProjection(ctx, xp, step.AtInput(x, inF), $"wk{id}", bias, zt, gates, inF);
            EmitRecurrentProduct(ctx, operand, rp, $"r{id}", zt, gates, units, accumulate: true);
            w.Line($"{Kernels}.LstmStep({zt}, {prevC}, {prevH}, {step.At($"c{id}", units)}, {step.At($"h{id}", units)}, nb, {Num(units)}, {act}, {rec}, {step.Mask(layer)}{stepPre});");
        });
    }

    protected override void EmitDirectionBackward(EmitContext ctx, LayerPlan l, string id, int firstWeight, bool backwards,
        string dOut, BackwardStep bstep, bool accumulateDx)
    {
        var w = ctx.W;
        var spec = (LstmSpec)l.Spec;
        bool sequences = spec.ReturnSequences;
        int steps = l.In.Steps, inF = l.In.Features, units = spec.Units, gates = 4 * units;
        WeightPlan kernel = l.Weights[firstWeight], recurrent = l.Weights[firstWeight + 1];
        string act = Activation(spec.Activation), rec = Activation(spec.RecurrentActivation);
        string maskAt(string t) => l.Masked ? $"{l.MaskIn!.Local}.Slice(nb * {t}, nb)" : "default";
        bool pre = NeedsPreActivations(spec);

        ctx.AddBuffer($"__dz{id}", steps * gates, $"{l.Name} gate pre-activation gradients, by input step");
        ctx.AddBuffer($"__dhc{id}", units, $"{l.Name} output gradient carried to the previous step");
        ctx.AddBuffer($"__dht{id}", units, $"{l.Name} total output gradient of the current step");
        ctx.AddBuffer($"__dcc{id}", units, $"{l.Name} cell-state gradient carried to the previous step");
        string rT = ctx.AddFixedBuffer($"__rT{id}", units * gates, $"{l.Name} recurrent kernel transposed");
        w.Open("");
        w.Line($"{ReadOnlySpan}<float> z = new {ReadOnlySpan}<float>(__z{id}, 0, {Nb(steps * gates)});");
        w.Line($"{ReadOnlySpan}<float> c = new {ReadOnlySpan}<float>(__c{id}, 0, {Nb(steps * units)});");
        w.Line($"{ReadOnlySpan}<float> h = new {ReadOnlySpan}<float>(__h{id}, 0, {Nb(steps * units)});");
        w.Line($"{Span}<float> dz = new {Span}<float>(__dz{id}, 0, {Nb(steps * gates)});");
        w.Line($"{Span}<float> dhc = new {Span}<float>(__dhc{id}, 0, {Nb(units)});");
        w.Line($"{Span}<float> dht = new {Span}<float>(__dht{id}, 0, {Nb(units)});");
        w.Line($"{Span}<float> dcc = new {Span}<float>(__dcc{id}, 0, {Nb(units)});");
        InitCarried(ctx, "dhc", bstep, 0);
        InitCarried(ctx, "dcc", bstep, 1);
        string preArg = "";
        if (pre)
        {
            w.Line($"{ReadOnlySpan}<float> zp = new {ReadOnlySpan}<float>(__zp{id}, 0, {Nb(steps * gates)});");
            preArg = $", zp.Slice({Nb(gates)} * t, {Nb(gates)})";
        }
        ctx.Transposes.Add($"{Kernels}.Transpose({Weight(recurrent)}, {rT}, {Num(units)}, {Num(gates)});");
        string? rTp = PackOncePerBatch(ctx, $"__rTp{id}", "rTp", rT, steps, units, gates, $"{l.Name} transposed recurrent kernel");
        w.Open($"for (int s = {Num(steps - 1)}; s >= 0; s--)");
        w.Line(backwards ? $"int t = {Num(steps - 1)} - s;" : "int t = s;");
        if (sequences)
        {
            w.Line($"global::System.Numerics.Tensors.TensorPrimitives.Add({dOut}.Slice({Nb(units)} * s, {Nb(units)}), dhc, dht);");
        }
        else
        {
            w.Line($"if (s == {Num(steps - 1)}) global::System.Numerics.Tensors.TensorPrimitives.Add({dOut}, dhc, dht); else dhc.CopyTo(dht);");
        }
        w.Line($"{Span}<float> dzt = dz.Slice({Nb(gates)} * t, {Nb(gates)});");
        w.Line($"{Kernels}.LstmStepBackward(z.Slice({Nb(gates)} * t, {Nb(gates)}), c.Slice({Nb(units)} * s, {Nb(units)}), s > 0 ? c.Slice({Nb(units)} * (s - 1), {Nb(units)}) : default, dht, dcc, dzt, nb, {Num(units)}, {act}, {rec}, {maskAt("t")}{preArg});");
        w.Open("if (s > 0)");
        EmitRecurrentProduct(ctx, "dzt", rTp, rT, "dhc", units, gates, accumulate: false);
        MaskRecurrentGradient(ctx, l, id, "dhc");
        if (l.Masked)
        {
            w.Line($"{Kernels}.AddMaskedRows(dht, dhc, {maskAt("t")}, nb, {Num(units)});");
        }
        w.Close();
        w.Close();
        string xu = KernelGradientInput(ctx, l, id, bstep.X);
        w.Line($"{Kernels}.GemmTN({xu}, dz, {Gradient(kernel)}, {Nb(steps)}, {Num(gates)}, {Num(inF)}, accumulate: true);");
        if (spec.UseBias)
        {
            w.Line($"{Kernels}.AddColumnSums(dz, {Gradient(l.Weights[firstWeight + 2])}, {Nb(steps)}, {Num(gates)});");
        }
        if (steps > 1)
        {
            if (!backwards)
            {
                // Step s's gates took h of step s-1: pair h[0..T-2] with dz[1..T-1] in one product.
                w.Line($"{Kernels}.GemmTN({RecurrentPairs(l, id, "h")}, dz.Slice({Nb(gates)}, {Nb((steps - 1) * gates)}), {Gradient(recurrent)}, {Nb(steps - 1)}, {Num(gates)}, {Num(units)}, accumulate: true);");
            }
            else
            {
                // Gates are stored by input step, outputs by processed step: pair them step by step.
                w.Open($"for (int s = 1; s < {Num(steps)}; s++)");
                w.Line($"{Kernels}.GemmTN({RecurrentPairAt(l, id, "h")}, dz.Slice({Nb(gates)} * ({Num(steps - 1)} - s), {Nb(gates)}), {Gradient(recurrent)}, nb, {Num(gates)}, {Num(units)}, accumulate: true);");
                w.Close();
            }
        }
        EmitInputGradient(ctx, l, id, "dz", kernel, gates, bstep, accumulateDx);
        w.Close();
    }

    public override int StreamStateLength(LayerPlan layer) => 2 * ((LstmSpec)layer.Spec).Units;

    public override void EmitStreamFields(StreamContext ctx, LayerPlan layer) =>
        ctx.W.Line($"private readonly float[] _z{Num(layer.Number)} = global::LstmGen.Kernels.AllocateAligned({Num(4 * ((LstmSpec)layer.Spec).Units)});");

    public override void EmitStreamStep(StreamContext ctx, LayerPlan layer)
    {
        var spec = (LstmSpec)layer.Spec;
        string n = Num(layer.Number);
        int units = spec.Units;
        string bias = spec.UseBias ? Weight(layer.Weights[2]) : "default";
        ctx.W.Line($"{Span}<float> h{n} = new global::System.Span<float>(_state, {Num(ctx.StateOffset)}, {Num(units)});");
        ctx.W.Line($"{Span}<float> c{n} = new global::System.Span<float>(_state, {Num(ctx.StateOffset + units)}, {Num(units)});");
        string step = $"{Kernels}.LstmStreamStep({ctx.Current}, {Weight(layer.Weights[0])}, {Weight(layer.Weights[1])}, {bias}, h{n}, c{n}, _z{n}, {Num(layer.In.Features)}, {Num(units)}, {Activation(spec.Activation)}, {Activation(spec.RecurrentActivation)});";
        // A masked step (padding token) leaves the state as it is.
        ctx.W.Line(ctx.Mask == "default" ? step : $"if ({ctx.Mask} != 0) {step}");
        ctx.Output(layer, $"h{n}");
    }

    protected override void WriteCellConfig(ConfigWriter config, RecurrentSpec spec) =>
        config.Bool("unit_forget_bias", ((LstmSpec)spec).UnitForgetBias);
}
