using System.Collections.Generic;
using LstmGen.Generators.Emit;
using LstmGen.Generators.Model;
using LstmGen.Generators.Validation;
using static LstmGen.Generators.Emit.EmitContext;

namespace LstmGen.Generators.Layers;

/// <summary>SimpleRNN arguments (the RNN ones; no recurrent activation).</summary>
internal sealed record SimpleRnnSpec : RecurrentSpec
{
    public override LayerUnit Unit => SimpleRnnUnit.Instance;
}

/// <summary>
/// SimpleRNN (and Bidirectional(SimpleRNN)): h = activation(x·kernel + bias + h_prev·recurrent_kernel). Per direction the
/// input projection of every step is one product; per step one recurrent product and the activation. Pre-activations
/// and outputs of every step stay in the workspace. Weights: kernel (in, u), recurrent_kernel (u, u), bias (u). State: h.
/// </summary>
internal sealed class SimpleRnnUnit : RecurrentUnit
{
    public static readonly SimpleRnnUnit Instance = new();

    public override string AttributeName => "SimpleRnnAttribute";

    public override string KerasClass => "SimpleRNN";

    public override string KerasName => "simple_rnn";

    protected override int Gates => 1;

    protected override bool HasRecurrentActivation => false;

    public override LayerSpec Read(AttributeReader a) => ReadCommon(a, new SimpleRnnSpec());

    protected override LayerPlan AddWeights(InferContext ctx, LayerPlan plan, string prefix, int inputFeatures)
    {
        var spec = (SimpleRnnSpec)plan.Spec;
        int units = spec.Units;
        plan = ctx.AddWeight(plan, $"{prefix}/kernel", "GlorotUniform", inputFeatures, units);
        plan = ctx.AddWeight(plan, $"{prefix}/recurrent_kernel", "Orthogonal", units, units);
        if (spec.UseBias)
        {
            plan = ctx.AddWeight(plan, $"{prefix}/bias", "Zeros", units);
        }
        return plan;
    }

    public override IReadOnlyList<StateOutput> States(LayerPlan layer)
    {
        var spec = (SimpleRnnSpec)layer.Spec;
        return !spec.ReturnState
            ? System.Array.Empty<StateOutput>()
            : new[] { new StateOutput("H", "final hidden state", spec.Units, $"h{Num(layer.Number)}.Slice({Nb((layer.In.Steps - 1) * spec.Units)}, {Nb(spec.Units)})") };
    }

    protected override void EmitDirection(EmitContext ctx, LayerPlan layer, string id, int firstWeight, bool backwards)
    {
        var w = ctx.W;
        var spec = (SimpleRnnSpec)layer.Spec;
        int steps = layer.In.Steps, inF = layer.In.Features, units = spec.Units;
        string bias = spec.UseBias ? Weight(layer.Weights[firstWeight + 2]) : "default";
        string act = Activation(spec.Activation);

        w.Line(DirectionComment(layer, id, backwards));
        ctx.Workspace($"z{id}", $"__z{id}", steps * units, $"{layer.Name} pre-activations per step, by input step");
        ctx.Workspace($"h{id}", $"__h{id}", steps * units, $"{layer.Name} output per processed step");
        w.Line($"{ReadOnlySpan}<float> r{id} = {Weight(layer.Weights[firstWeight + 1])};");
        string? rp = PackOncePerBatch(ctx, $"__rp{id}", $"rp{id}", $"r{id}", steps, units, units, $"{layer.Name} recurrent kernel");
        string x = ProjectionInput(ctx, layer, id);
        RecurrentMask(ctx, layer, id);
        w.Line($"{Kernels}.GemmBias({x}, {Weight(layer.Weights[firstWeight])}, {bias}, z{id}, {Nb(steps)}, {Num(units)}, {Num(inF)});");
        var first = new Step(ctx, 0, backwards ? steps - 1 : 0);
        w.Line($"{Kernels}.SimpleRnnStep({first.AtInput($"z{id}", units)}, default, h{id}.Slice(0, {Nb(units)}), nb, {Num(units)}, {act}, {first.Mask(layer)});");
        EmitSteps(ctx, layer, backwards, step =>
        {
            string zt = step.Local($"{Span}<float>", "zt", step.AtInput($"z{id}", units));
            string prevH = step.Local($"{ReadOnlySpan}<float>", "prevH", step.Previous($"h{id}", units));
            string operand = RecurrentOperand(ctx, layer, id, step, prevH);
            EmitRecurrentProduct(ctx, operand, rp, $"r{id}", zt, units, units, accumulate: true);
            w.Line($"{Kernels}.SimpleRnnStep({zt}, {prevH}, {step.At($"h{id}", units)}, nb, {Num(units)}, {act}, {step.Mask(layer)});");
        });
    }

    protected override void EmitDirectionBackward(EmitContext ctx, LayerPlan l, string id, int firstWeight, bool backwards,
        string dOut, BackwardStep bstep, bool accumulateDx)
    {
        var w = ctx.W;
        var spec = (SimpleRnnSpec)l.Spec;
        int steps = l.In.Steps, inF = l.In.Features, units = spec.Units;
        WeightPlan kernel = l.Weights[firstWeight], recurrent = l.Weights[firstWeight + 1];
        string mask = l.Masked ? $"{l.MaskIn!.Local}.Slice(nb * t, nb)" : "default";

        ctx.AddBuffer($"__dz{id}", steps * units, $"{l.Name} pre-activation gradients, by input step");
        ctx.AddBuffer($"__dhc{id}", units, $"{l.Name} output gradient carried to the previous step");
        ctx.AddBuffer($"__dht{id}", units, $"{l.Name} total output gradient of the current step");
        string uT = ctx.AddFixedBuffer($"__rT{id}", units * units, $"{l.Name} recurrent kernel transposed");
        ctx.Transposes.Add($"{Kernels}.Transpose({Weight(recurrent)}, {uT}, {Num(units)}, {Num(units)});");
        w.Open("");
        w.Line($"{ReadOnlySpan}<float> z = new {ReadOnlySpan}<float>(__z{id}, 0, {Nb(steps * units)});");
        w.Line($"{ReadOnlySpan}<float> h = new {ReadOnlySpan}<float>(__h{id}, 0, {Nb(steps * units)});");
        w.Line($"{Span}<float> dz = new {Span}<float>(__dz{id}, 0, {Nb(steps * units)});");
        w.Line($"{Span}<float> dhc = new {Span}<float>(__dhc{id}, 0, {Nb(units)});");
        w.Line($"{Span}<float> dht = new {Span}<float>(__dht{id}, 0, {Nb(units)});");
        InitCarried(ctx, "dhc", bstep, 0);
        string? rTp = PackOncePerBatch(ctx, $"__rTp{id}", "rTp", uT, steps, units, units, $"{l.Name} transposed recurrent kernel");
        w.Open($"for (int s = {Num(steps - 1)}; s >= 0; s--)");
        w.Line(backwards ? $"int t = {Num(steps - 1)} - s;" : "int t = s;");
        if (spec.ReturnSequences)
        {
            w.Line($"global::System.Numerics.Tensors.TensorPrimitives.Add({dOut}.Slice({Nb(units)} * s, {Nb(units)}), dhc, dht);");
        }
        else
        {
            w.Line($"if (s == {Num(steps - 1)}) global::System.Numerics.Tensors.TensorPrimitives.Add({dOut}, dhc, dht); else dhc.CopyTo(dht);");
        }
        w.Line($"{Span}<float> dzt = dz.Slice({Nb(units)} * t, {Nb(units)});");
        w.Line($"{Kernels}.SimpleRnnStepBackward(z.Slice({Nb(units)} * t, {Nb(units)}), h.Slice({Nb(units)} * s, {Nb(units)}), dht, dzt, nb, {Num(units)}, {Activation(spec.Activation)}, {mask});");
        w.Open("if (s > 0)");
        EmitRecurrentProduct(ctx, "dzt", rTp, uT, "dhc", units, units, accumulate: false);
        MaskRecurrentGradient(ctx, l, id, "dhc");
        if (l.Masked)
        {
            w.Line($"{Kernels}.AddMaskedRows(dht, dhc, {mask}, nb, {Num(units)});");
        }
        w.Close();
        w.Close();
        string xu = KernelGradientInput(ctx, l, id, bstep.X);
        w.Line($"{Kernels}.GemmTN({xu}, dz, {Gradient(kernel)}, {Nb(steps)}, {Num(units)}, {Num(inF)}, accumulate: true);");
        if (spec.UseBias)
        {
            w.Line($"{Kernels}.AddColumnSums(dz, {Gradient(l.Weights[firstWeight + 2])}, {Nb(steps)}, {Num(units)});");
        }
        if (steps > 1)
        {
            if (!backwards)
            {
                w.Line($"{Kernels}.GemmTN({RecurrentPairs(l, id, "h")}, dz.Slice({Nb(units)}, {Nb((steps - 1) * units)}), {Gradient(recurrent)}, {Nb(steps - 1)}, {Num(units)}, {Num(units)}, accumulate: true);");
            }
            else
            {
                w.Open($"for (int s = 1; s < {Num(steps)}; s++)");
                w.Line($"{Kernels}.GemmTN({RecurrentPairAt(l, id, "h")}, dz.Slice({Nb(units)} * ({Num(steps - 1)} - s), {Nb(units)}), {Gradient(recurrent)}, nb, {Num(units)}, {Num(units)}, accumulate: true);");
                w.Close();
            }
        }
        EmitInputGradient(ctx, l, id, "dz", kernel, units, bstep, accumulateDx);
        w.Close();
    }

    public override int StreamStateLength(LayerPlan layer) => ((SimpleRnnSpec)layer.Spec).Units;

    public override void EmitStreamFields(StreamContext ctx, LayerPlan layer) =>
        ctx.W.Line($"private readonly float[] _z{Num(layer.Number)} = global::LstmGen.Kernels.AllocateAligned({Num(((SimpleRnnSpec)layer.Spec).Units)});");

    public override void EmitStreamStep(StreamContext ctx, LayerPlan layer)
    {
        var spec = (SimpleRnnSpec)layer.Spec;
        string n = Num(layer.Number);
        string bias = spec.UseBias ? Weight(layer.Weights[2]) : "default";
        ctx.W.Line($"{Span}<float> h{n} = new global::System.Span<float>(_state, {Num(ctx.StateOffset)}, {Num(spec.Units)});");
        string step = $"{Kernels}.SimpleRnnStreamStep({ctx.Current}, {Weight(layer.Weights[0])}, {Weight(layer.Weights[1])}, {bias}, h{n}, _z{n}, {Num(layer.In.Features)}, {Num(spec.Units)}, {Activation(spec.Activation)});";
        ctx.W.Line(ctx.Mask == "default" ? step : $"if ({ctx.Mask} != 0) {step}");
        ctx.Output(layer, $"h{n}");
    }
}
