using System.Collections.Generic;
using LstmGen.Generators.Emit;
using LstmGen.Generators.Model;
using LstmGen.Generators.Validation;
using static LstmGen.Generators.Emit.EmitContext;

namespace LstmGen.Generators.Layers;

/// <summary>GRU arguments: the RNN ones and <c>reset_after</c>.</summary>
internal sealed record GruSpec : RecurrentSpec
{
    public override LayerUnit Unit => GruUnit.Instance;

    public bool ResetAfter { get; init; } = true;
}

/// <summary>
/// GRU (and Bidirectional(GRU)), Keras's gate order z, r, h. Per direction: the input projection of every step as one
/// product; per step the recurrent product and the gate pass. reset_after (Keras 3's default): the recurrent projection
/// with its own bias is kept per step (the reset gate scales its h block); reset before (Keras 2's default): the z and r
/// blocks take h_prev·U_zr, then r ⊙ h_prev (kept per step) takes U_h. Weights: kernel (in, 3u), recurrent_kernel
/// (u, 3u), bias (2, 3u) with reset_after (input bias, recurrent bias), else (3u). State: h.
/// </summary>
internal sealed class GruUnit : RecurrentUnit
{
    public static readonly GruUnit Instance = new();

    public override string AttributeName => "GruAttribute";

    public override string KerasClass => "GRU";

    public override string KerasName => "gru";

    protected override int Gates => 3;

    public override LayerSpec Read(AttributeReader a) =>
        ReadCommon(a, new GruSpec()) with { ResetAfter = a.Named("ResetAfter", true) };

    protected override LayerPlan AddWeights(InferContext ctx, LayerPlan plan, string prefix, int inputFeatures)
    {
        var spec = (GruSpec)plan.Spec;
        int units = spec.Units;
        plan = ctx.AddWeight(plan, $"{prefix}/kernel", "GlorotUniform", inputFeatures, 3 * units);
        plan = ctx.AddWeight(plan, $"{prefix}/recurrent_kernel", "Orthogonal", units, 3 * units);
        if (spec.UseBias)
        {
            plan = spec.ResetAfter
                ? ctx.AddWeight(plan, $"{prefix}/bias", "Zeros", 2, 3 * units)
                : ctx.AddWeight(plan, $"{prefix}/bias", "Zeros", 3 * units);
        }
        return plan;
    }

    public override IReadOnlyList<StateOutput> States(LayerPlan layer)
    {
        var spec = (GruSpec)layer.Spec;
        return !spec.ReturnState
            ? System.Array.Empty<StateOutput>()
            : new[] { new StateOutput("H", "final hidden state", spec.Units, $"h{Num(layer.Number)}.Slice({Nb((layer.In.Steps - 1) * spec.Units)}, {Nb(spec.Units)})") };
    }

    private static (string Input, string Recurrent) Biases(LayerPlan layer, int firstWeight)
    {
        var spec = (GruSpec)layer.Spec;
        if (!spec.UseBias)
        {
            return ("default", "default");
        }
        string bias = Weight(layer.Weights[firstWeight + 2]);
        int g3 = 3 * spec.Units;
        return spec.ResetAfter ? ($"{bias}.Slice(0, {Num(g3)})", $"{bias}.Slice({Num(g3)}, {Num(g3)})") : (bias, "default");
    }

    protected override void EmitDirection(EmitContext ctx, LayerPlan layer, string id, int firstWeight, bool backwards)
    {
        var w = ctx.W;
        var spec = (GruSpec)layer.Spec;
        int steps = layer.In.Steps, inF = layer.In.Features, units = spec.Units, g3 = 3 * units;
        (string inputBias, string recurrentBias) = Biases(layer, firstWeight);
        string act = Activation(spec.Activation), rec = Activation(spec.RecurrentActivation);
        bool pre = NeedsPreActivations(spec);

        w.Line(DirectionComment(layer, id, backwards));
        ctx.Workspace($"z{id}", $"__z{id}", steps * g3, $"{layer.Name} gates per step (z, r, hh), by input step");
        ctx.Workspace($"q{id}", $"__q{id}", steps * (spec.ResetAfter ? g3 : units), spec.ResetAfter
            ? $"{layer.Name} recurrent projection per step (h_prev·U + recurrent bias), by input step"
            : $"{layer.Name} reset state r ⊙ h_prev per step, by input step");
        ctx.Workspace($"h{id}", $"__h{id}", steps * units, $"{layer.Name} output per processed step");
        if (pre)
        {
            ctx.Workspace($"zp{id}", $"__zp{id}", steps * g3, $"{layer.Name} gate pre-activations, by input step (gelu/swish backward)");
        }
        w.Line($"{ReadOnlySpan}<float> r{id} = {Weight(layer.Weights[firstWeight + 1])};");
        string x = ProjectionInput(ctx, layer, id);
        RecurrentMask(ctx, layer, id);
        w.Line($"{Kernels}.GemmBias({x}, {Weight(layer.Weights[firstWeight])}, {inputBias}, z{id}, {Nb(steps)}, {Num(g3)}, {Num(inF)});");

        var first = new Step(ctx, 0, backwards ? steps - 1 : 0);
        string Pre(Step s) => pre ? ", " + s.AtInput($"zp{id}", g3) : "";
        if (spec.ResetAfter)
        {
            // Where the kernel is packed once per batch, each step's projection is the recurrent bias rows plus the
            // prepacked product (GemmBias's sum).
            string? rp = PackOncePerBatch(ctx, $"__rp{id}", $"rp{id}", $"r{id}", steps, g3, units, $"{layer.Name} recurrent kernel");
            // Step 0: h_prev is zero, so its recurrent projection is the recurrent bias.
            w.Line($"{Kernels}.SetRows({recurrentBias}, {first.AtInput($"q{id}", g3)}, nb, {Num(g3)});");
            w.Line($"{Kernels}.GruStep({first.AtInput($"z{id}", g3)}, {first.AtInput($"q{id}", g3)}, default, h{id}.Slice(0, {Nb(units)}), nb, {Num(units)}, {act}, {rec}, {first.Mask(layer)}{Pre(first)});");
            EmitSteps(ctx, layer, backwards, step =>
            {
                string zt = step.Local($"{Span}<float>", "zt", step.AtInput($"z{id}", g3));
                string qt = step.Local($"{Span}<float>", "qt", step.AtInput($"q{id}", g3));
                string prevH = step.Local($"{ReadOnlySpan}<float>", "prevH", step.Previous($"h{id}", units));
                string operand = RecurrentOperand(ctx, layer, id, step, prevH);
                if (rp is not null)
                {
                    w.Line($"{Kernels}.SetRows({recurrentBias}, {qt}, nb, {Num(g3)});");
                    EmitRecurrentProduct(ctx, operand, rp, $"r{id}", qt, g3, units, accumulate: true);
                }
                else
                {
                    w.Line($"{Kernels}.GemmBias({operand}, r{id}, {recurrentBias}, {qt}, nb, {Num(g3)}, {Num(units)});");
                }
                w.Line($"{Kernels}.GruStep({zt}, {qt}, {prevH}, {step.At($"h{id}", units)}, nb, {Num(units)}, {act}, {rec}, {step.Mask(layer)}{Pre(step)});");
            });
            return;
        }
        // Reset before: step 0's r multiplies a zero state, so the candidate's recurrent product is zero.
        w.Line($"{Kernels}.GruGates({first.AtInput($"z{id}", g3)}, default, {first.AtInput($"q{id}", units)}, nb, {Num(units)}, {rec}{Pre(first)});");
        w.Line($"{Kernels}.GruCandidate({first.AtInput($"z{id}", g3)}, default, h{id}.Slice(0, {Nb(units)}), nb, {Num(units)}, {act}, {first.Mask(layer)}{Pre(first)});");
        EmitSteps(ctx, layer, backwards, step =>
        {
            string zt = step.Local($"{Span}<float>", "zt", step.AtInput($"z{id}", g3));
            string qt = step.Local($"{Span}<float>", "qt", step.AtInput($"q{id}", units));
            string prevH = step.Local($"{ReadOnlySpan}<float>", "prevH", step.Previous($"h{id}", units));
            string operand = RecurrentOperand(ctx, layer, id, step, prevH);
            w.Line($"{Kernels}.GemmStrided({operand}, {Num(units)}, r{id}, {zt}, nb, {Num(2 * units)}, {Num(units)}, {Num(g3)}, accumulate: true);");
            w.Line($"{Kernels}.GruGates({zt}, {operand}, {qt}, nb, {Num(units)}, {rec}{Pre(step)});");
            w.Line($"{Kernels}.GemmStrided({qt}, {Num(units)}, r{id}.Slice({Num(2 * units)}), {zt}.Slice({Num(2 * units)}), nb, {Num(units)}, {Num(units)}, {Num(g3)}, accumulate: true);");
            w.Line($"{Kernels}.GruCandidate({zt}, {prevH}, {step.At($"h{id}", units)}, nb, {Num(units)}, {act}, {step.Mask(layer)}{Pre(step)});");
        });
    }

    protected override void EmitDirectionBackward(EmitContext ctx, LayerPlan l, string id, int firstWeight, bool backwards,
        string dOut, BackwardStep bstep, bool accumulateDx)
    {
        var w = ctx.W;
        var spec = (GruSpec)l.Spec;
        int steps = l.In.Steps, inF = l.In.Features, units = spec.Units, g3 = 3 * units;
        WeightPlan kernel = l.Weights[firstWeight], recurrent = l.Weights[firstWeight + 1];
        string act = Activation(spec.Activation), rec = Activation(spec.RecurrentActivation);
        string mask = l.Masked ? $"{l.MaskIn!.Local}.Slice(nb * t, nb)" : "default";
        bool pre = NeedsPreActivations(spec);
        bool dropped = spec.RecurrentDropout > 0;
        int qWidth = spec.ResetAfter ? g3 : units;

        ctx.AddBuffer($"__dz{id}", steps * g3, $"{l.Name} input-side gate gradients, by input step");
        if (spec.ResetAfter)
        {
            ctx.AddBuffer($"__dq{id}", steps * g3, $"{l.Name} recurrent-side gate gradients, by input step");
        }
        else
        {
            ctx.AddBuffer($"__drs{id}", units, $"{l.Name} gradient of r ⊙ h_prev at the current step");
        }
        ctx.AddBuffer($"__dhc{id}", units, $"{l.Name} output gradient carried to the previous step");
        ctx.AddBuffer($"__dht{id}", units, $"{l.Name} total output gradient of the current step");
        if (dropped)
        {
            ctx.AddBuffer($"__dhr{id}", units, $"{l.Name} gradient of the dropped previous state");
        }
        string uT = ctx.AddFixedBuffer($"__rT{id}", units * g3, $"{l.Name} recurrent kernel transposed");
        ctx.Transposes.Add($"{Kernels}.Transpose({Weight(recurrent)}, {uT}, {Num(units)}, {Num(g3)});");
        w.Open("");
        w.Line($"{ReadOnlySpan}<float> z = new {ReadOnlySpan}<float>(__z{id}, 0, {Nb(steps * g3)});");
        w.Line($"{ReadOnlySpan}<float> q = new {ReadOnlySpan}<float>(__q{id}, 0, {Nb(steps * qWidth)});");
        w.Line($"{ReadOnlySpan}<float> h = new {ReadOnlySpan}<float>(__h{id}, 0, {Nb(steps * units)});");
        w.Line($"{Span}<float> dz = new {Span}<float>(__dz{id}, 0, {Nb(steps * g3)});");
        if (spec.ResetAfter)
        {
            w.Line($"{Span}<float> dq = new {Span}<float>(__dq{id}, 0, {Nb(steps * g3)});");
        }
        else
        {
            w.Line($"{Span}<float> drs = new {Span}<float>(__drs{id}, 0, {Nb(units)});");
        }
        w.Line($"{Span}<float> dhc = new {Span}<float>(__dhc{id}, 0, {Nb(units)});");
        w.Line($"{Span}<float> dht = new {Span}<float>(__dht{id}, 0, {Nb(units)});");
        if (dropped)
        {
            w.Line($"{Span}<float> dhr = new {Span}<float>(__dhr{id}, 0, {Nb(units)});");
        }
        InitCarried(ctx, "dhc", bstep, 0);
        string preArg = "";
        if (pre)
        {
            w.Line($"{ReadOnlySpan}<float> zp = new {ReadOnlySpan}<float>(__zp{id}, 0, {Nb(steps * g3)});");
            preArg = $", zp.Slice({Nb(g3)} * t, {Nb(g3)})";
        }
        // Reset after: the per-step product over the whole transposed kernel, from panels where it is packed once per batch.
        string? rTp = spec.ResetAfter ? PackOncePerBatch(ctx, $"__rTp{id}", "rTp", uT, steps, units, g3, $"{l.Name} transposed recurrent kernel") : null;
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
        string zt = $"z.Slice({Nb(g3)} * t, {Nb(g3)})";
        string prevH = $"s > 0 ? h.Slice({Nb(units)} * (s - 1), {Nb(units)}) : default";
        w.Line($"{Span}<float> dzt = dz.Slice({Nb(g3)} * t, {Nb(g3)});");
        if (spec.ResetAfter)
        {
            w.Line($"{Span}<float> dqt = dq.Slice({Nb(g3)} * t, {Nb(g3)});");
            w.Line($"{Kernels}.GruStepBackward({zt}, q.Slice({Nb(g3)} * t, {Nb(g3)}), {prevH}, dht, dzt, dqt, dhc, nb, {Num(units)}, {act}, {rec}, {mask}{preArg});");
            w.Open("if (s > 0)");
            if (dropped)
            {
                EmitRecurrentProduct(ctx, "dqt", rTp, uT, "dhr", units, g3, accumulate: false);
                MaskRecurrentGradient(ctx, l, id, "dhr");
                w.Line("global::System.Numerics.Tensors.TensorPrimitives.Add(dhc, dhr, dhc);");
            }
            else
            {
                EmitRecurrentProduct(ctx, "dqt", rTp, uT, "dhc", units, g3, accumulate: true);
            }
            w.Close();
        }
        else
        {
            w.Line($"{Kernels}.GruCandidateBackward({zt}, {prevH}, dht, dzt, dhc, nb, {Num(units)}, {act}, {rec}, {mask}{preArg});");
            w.Open("if (s > 0)");
            // d(r ⊙ h_prev) = dz_h · U_hᵀ (rows 2u.. of the transposed kernel).
            w.Line($"{Kernels}.GemmStrided(dzt.Slice({Num(2 * units)}), {Num(g3)}, new {ReadOnlySpan}<float>({uT}, {Num(2 * units * units)}, {Num(units * units)}), drs, nb, {Num(units)}, {Num(units)}, {Num(units)}, accumulate: false);");
            string target = dropped ? "dhr" : "dhc";
            string operand = dropped
                ? $"(training ? new {ReadOnlySpan}<float>(__hd{id}, {Nb(units)} * s, {Nb(units)}) : h.Slice({Nb(units)} * (s - 1), {Nb(units)}))"
                : $"h.Slice({Nb(units)} * (s - 1), {Nb(units)})";
            if (dropped)
            {
                w.Line("dhr.Clear();");
            }
            w.Line($"{Kernels}.GruResetBackward({zt}, {operand}, drs, dzt, {target}, nb, {Num(units)}, {rec}, {mask}{preArg});");
            w.Line($"{Kernels}.GemmStrided(dzt, {Num(g3)}, {uT}, {target}, nb, {Num(units)}, {Num(2 * units)}, {Num(units)}, accumulate: true);");
            if (dropped)
            {
                MaskRecurrentGradient(ctx, l, id, "dhr");
                w.Line("global::System.Numerics.Tensors.TensorPrimitives.Add(dhc, dhr, dhc);");
            }
            w.Close();
        }
        w.Close();

        string xu = KernelGradientInput(ctx, l, id, bstep.X);
        w.Line($"{Kernels}.GemmTN({xu}, dz, {Gradient(kernel)}, {Nb(steps)}, {Num(g3)}, {Num(inF)}, accumulate: true);");
        if (spec.UseBias)
        {
            WeightPlan bias = l.Weights[firstWeight + 2];
            if (spec.ResetAfter)
            {
                w.Line($"{Kernels}.AddColumnSums(dz, {Gradient(bias)}.Slice(0, {Num(g3)}), {Nb(steps)}, {Num(g3)});");
                w.Line($"{Kernels}.AddColumnSums(dq, {Gradient(bias)}.Slice({Num(g3)}, {Num(g3)}), {Nb(steps)}, {Num(g3)});");
            }
            else
            {
                w.Line($"{Kernels}.AddColumnSums(dz, {Gradient(bias)}, {Nb(steps)}, {Num(g3)});");
            }
        }
        if (spec.ResetAfter)
        {
            RecurrentKernelGradient(ctx, l, id, backwards, "dq", g3, g3, Gradient(recurrent));
        }
        else
        {
            // U_zr from h_prev and the z, r gradients; U_h from r ⊙ h_prev (kept by input step, zero at step 0) in one product.
            RecurrentKernelGradient(ctx, l, id, backwards, "dz", 2 * units, g3, Gradient(recurrent));
            w.Line($"{Kernels}.GemmTNStrided(q, dz.Slice({Num(2 * units)}), {Gradient(recurrent)}.Slice({Num(2 * units)}), {Nb(steps)}, {Num(units)}, {Num(units)}, {Num(g3)});");
        }
        EmitInputGradient(ctx, l, id, "dz", kernel, g3, bstep, accumulateDx);
        w.Close();
    }

    /// <summary>
    /// The recurrent kernel's gradient (its first <paramref name="width"/> columns) from the states each step's product
    /// read and the recurrent-side gradients <paramref name="d"/> (rows <paramref name="ld"/> wide, by input step).
    /// </summary>
    private static void RecurrentKernelGradient(EmitContext ctx, LayerPlan l, string id, bool backwards, string d, int width, int ld, string gradient)
    {
        int steps = l.In.Steps, units = ((GruSpec)l.Spec).Units;
        if (steps == 1)
        {
            return;
        }
        var w = ctx.W;
        if (!backwards)
        {
            w.Line($"{Kernels}.GemmTNStrided({RecurrentPairs(l, id, "h")}, {d}.Slice({Nb(ld)}, {Nb((steps - 1) * ld)}), {gradient}, {Nb(steps - 1)}, {Num(width)}, {Num(units)}, {Num(ld)});");
            return;
        }
        w.Open($"for (int s = 1; s < {Num(steps)}; s++)");
        w.Line($"{Kernels}.GemmTNStrided({RecurrentPairAt(l, id, "h")}, {d}.Slice({Nb(ld)} * ({Num(steps - 1)} - s), {Nb(ld)}), {gradient}, nb, {Num(width)}, {Num(units)}, {Num(ld)});");
        w.Close();
    }

    public override int StreamStateLength(LayerPlan layer) => ((GruSpec)layer.Spec).Units;

    public override void EmitStreamFields(StreamContext ctx, LayerPlan layer) =>
        ctx.W.Line($"private readonly float[] _z{Num(layer.Number)} = global::LstmGen.Kernels.AllocateAligned({Num(7 * ((GruSpec)layer.Spec).Units)});");

    public override void EmitStreamStep(StreamContext ctx, LayerPlan layer)
    {
        var spec = (GruSpec)layer.Spec;
        string n = Num(layer.Number);
        string bias = spec.UseBias ? Weight(layer.Weights[2]) : "default";
        ctx.W.Line($"{Span}<float> h{n} = new global::System.Span<float>(_state, {Num(ctx.StateOffset)}, {Num(spec.Units)});");
        string step = $"{Kernels}.GruStreamStep({ctx.Current}, {Weight(layer.Weights[0])}, {Weight(layer.Weights[1])}, {bias}, h{n}, _z{n}, {Num(layer.In.Features)}, {Num(spec.Units)}, {Activation(spec.Activation)}, {Activation(spec.RecurrentActivation)}, resetAfter: {(spec.ResetAfter ? "true" : "false")});";
        ctx.W.Line(ctx.Mask == "default" ? step : $"if ({ctx.Mask} != 0) {step}");
        ctx.Output(layer, $"h{n}");
    }

    protected override void WriteCellConfig(ConfigWriter config, RecurrentSpec spec) =>
        config.Bool("reset_after", ((GruSpec)spec).ResetAfter);
}
