using System.Globalization;
using LstmGen.Generators.Helpers;
using LstmGen.Generators.Model;
using LstmGen.Generators.Validation;
using static LstmGen.Generators.Emit.EmitContext;

namespace LstmGen.Generators.Emit;

/// <summary>
/// The training half of a model: <c>ComputeGradients</c> (forward, loss, backward over chunks of MaxBatch) and the private
/// backward pass. Backpropagation through time reuses what the forward pass kept (activated gates, cell states and
/// outputs of every step, time-major); weight gradients of a layer are one product over all steps.
/// </summary>
internal static class BackwardEmitter
{
    private const string RoSpan = "global::System.ReadOnlySpan";
    private const string WSpan = "global::System.Span";

    public static void EmitPublic(SourceWriter w, ModelPlan plan, EmitContext ctx)
    {
        string element = plan.TokenInput ? "int" : "float";
        string inName = plan.TokenInput ? "tokens" : "inputs";
        TensorShape output = plan.Output;
        int rows = output.Rows;
        string inShape = plan.TokenInput ? $"({Num(plan.Input.Features)})" : plan.Input.IsSequence ? $"({Num(plan.Input.Steps)}, {Num(plan.Input.Features)})" : $"({Num(plan.Input.Features)})";
        LayerPlan last = plan.Last;
        bool denseLast = last.Spec.Kind == LayerKind.Dense;

        ctx.AddBuffer("__out", output.Size, "model output of a chunk (batch-major), for the loss");
        ctx.AddBuffer("__dout", output.Size, "loss gradient of a chunk (batch-major)");

        w.Line("/// <summary>The gradients of the last <see cref=\"ComputeGradients\"/> call, by Keras weight name (same layout as <see cref=\"Weights\"/>).</summary>");
        w.Line("public global::LstmGen.WeightStore Gradients => __gradients;");
        w.Line();
        w.Line("/// <summary>Target values per sample for <paramref name=\"loss\"/>: the output length, or one class index per output row for a sparse loss.</summary>");
        w.Open("public int TargetLength(global::LstmGen.Loss loss)");
        w.Line("global::System.ArgumentNullException.ThrowIfNull(loss);");
        w.Line($"return {Num(rows)} * loss.TargetWidth(OutputFeatures);");
        w.Close();
        w.Line();
        w.Line("/// <summary>");
        w.Line("/// Runs the model on a batch and returns the mean loss (Keras's reduction); writes the gradient of that loss with respect");
        w.Line("/// to every weight into <see cref=\"Gradients\"/> and, when <paramref name=\"inputGradients\"/> is not empty, with respect to the inputs.");
        w.Line("/// Batches larger than <see cref=\"MaxBatch\"/> are processed in chunks and their gradients summed. Allocation-free.");
        w.Line("/// </summary>");
        w.Line($"/// <param name=\"{inName}\">batchSize samples of shape {inShape}, batch-major.</param>");
        w.Line("/// <param name=\"targets\">batchSize targets of <see cref=\"TargetLength\"/> values each.</param>");
        w.Line("/// <param name=\"batchSize\">Number of samples (at least 1).</param>");
        w.Line("/// <param name=\"loss\">The loss, e.g. <see cref=\"global::LstmGen.Loss.MeanSquaredError\"/>.</param>");
        w.Line(plan.TokenInput
            ? "/// <param name=\"inputGradients\">Must be empty: token inputs have no gradient.</param>"
            : "/// <param name=\"inputGradients\">Empty, or batchSize × InputLength floats for the gradient with respect to the inputs.</param>");
        w.Line("/// <param name=\"outputs\">Empty, or batchSize × OutputLength floats for the model's outputs (before the update).</param>");
        w.Open($"public float ComputeGradients(global::System.ReadOnlySpan<{element}> {inName}, global::System.ReadOnlySpan<float> targets, int batchSize, global::LstmGen.Loss loss, global::System.Span<float> inputGradients = default, global::System.Span<float> outputs = default)");
        w.Line("global::System.ArgumentNullException.ThrowIfNull(loss);");
        w.Line("global::System.ArgumentOutOfRangeException.ThrowIfNegativeOrZero(batchSize);");
        w.Line($"global::LstmGen.Kernels.CheckBatchLength({inName}.Length, batchSize, InputLength, nameof({inName}), \"{inShape}\");");
        w.Line("int targetLength = TargetLength(loss);");
        w.Line("global::LstmGen.Kernels.CheckBatchLength(targets.Length, batchSize, targetLength, nameof(targets), \"(TargetLength)\");");
        if (plan.TokenInput)
        {
            w.Line("if (!inputGradients.IsEmpty) throw new global::System.ArgumentException(\"Token inputs have no gradient; pass an empty span.\", nameof(inputGradients));");
            w.Line($"global::LstmGen.Kernels.CheckTokens({inName}, Vocabulary, InputLength, nameof({inName}));");
        }
        else
        {
            w.Line($"if (!inputGradients.IsEmpty) global::LstmGen.Kernels.CheckBatchLength(inputGradients.Length, batchSize, InputLength, nameof(inputGradients), \"{inShape}\");");
            w.Line($"global::LstmGen.Kernels.CheckFinite({inName}, nameof({inName}));");
        }
        w.Line("if (!outputs.IsEmpty) global::LstmGen.Kernels.CheckBatchLength(outputs.Length, batchSize, OutputLength, nameof(outputs), \"(OutputLength)\");");
        w.Line("loss.ValidateTargets(targets, OutputFeatures, nameof(targets));");
        w.Line(denseLast
            ? $"bool fused = loss.Fuses({Activation(last.Spec.Activation)});"
            : "bool fused = false; // the last layer is not a Dense: no activation to fuse with");
        w.Line($"float scale = (float)(1.0 / loss.Denominator((long)batchSize * {Num(rows)}, OutputFeatures));");
        w.Line("global::System.Array.Clear(__gp);");
        w.Line("__TransposeWeights();");
        w.Line("double total = 0;");
        w.Open("for (int start = 0; start < batchSize; start += __maxBatch)");
        w.Line("int nb = global::System.Math.Min(__maxBatch, batchSize - start);");
        w.Line($"{RoSpan}<{element}> x = {inName}.Slice(start * InputLength, nb * InputLength);");
        w.Line($"{WSpan}<float> o = new {WSpan}<float>(__out, 0, nb * OutputLength);");
        w.Line($"{WSpan}<float> dout = new {WSpan}<float>(__dout, 0, nb * OutputLength);");
        w.Line($"__Forward(x, o{(plan.HasReturnState ? ", default, default" : "")}, nb);");
        w.Line($"total += loss.Accumulate(o, targets.Slice(start * targetLength, nb * targetLength), dout, nb * {Num(rows)}, OutputFeatures, scale, fused);");
        w.Line("if (!outputs.IsEmpty) o.CopyTo(outputs.Slice(start * OutputLength, nb * OutputLength));");
        string dLast = $"new {WSpan}<float>(__d{Num(last.Number)}, 0, nb * OutputLength)";
        if (output.IsSequence)
        {
            w.Line($"if (nb == 1) dout.CopyTo({dLast}); else {Kernels}.ToTimeMajor(dout, {dLast}, nb, {Num(output.Steps)}, {Num(output.Features)});");
        }
        else
        {
            w.Line($"dout.CopyTo({dLast});");
        }
        w.Line("__Backward(x, inputGradients.IsEmpty ? default : inputGradients.Slice(start * InputLength, nb * InputLength), nb, fused);");
        w.Close();
        w.Line("return (float)(total * scale);");
        w.Close();
        w.Line();
    }

    public static void EmitBackward(EmitContext ctx)
    {
        ModelPlan plan = ctx.Plan;
        SourceWriter w = ctx.W;
        string input = plan.TokenInput ? $"{RoSpan}<int> tokens" : $"{RoSpan}<float> input";
        w.Line();
        w.Line("// Backpropagation through time for nb checked samples, after __Forward on the same samples. __d{n} holds the");
        w.Line("// gradient with respect to layer n's output (time-major); __d0 the input's. Gradients accumulate into __gp.");
        w.Open($"private void __Backward({input}, {WSpan}<float> inputGradient, int nb, bool fused)");
        // The forward tensors, from the workspaces.
        string[] a = new string[plan.Layers.Length + 1];
        if (!plan.TokenInput)
        {
            TensorShape x = plan.Input;
            a[0] = "a0";
            w.Line(x.IsSequence
                ? $"{RoSpan}<float> a0 = nb == 1 ? input : new {RoSpan}<float>(__x0, 0, {Nb(x.Size)});"
                : $"{RoSpan}<float> a0 = input;");
        }
        if (plan.Masked)
        {
            w.Line($"{RoSpan}<byte> mask = new {RoSpan}<byte>(__mask, 0, {Nb(plan.Layers[0].Out.Steps)});");
        }
        foreach (LayerPlan l in plan.Layers)
        {
            string n = Num(l.Number);
            string expr = l.Spec.Kind switch
            {
                LayerKind.Lstm when l.Spec.Wrapper != WrapperKind.Bidirectional && !l.Spec.ReturnSequences =>
                    $"new {RoSpan}<float>(__h{n}, {Nb((l.In.Steps - 1) * l.Spec.Units)}, {Nb(l.Spec.Units)})",
                LayerKind.Lstm when l.Spec.Wrapper != WrapperKind.Bidirectional =>
                    $"new {RoSpan}<float>(__h{n}, 0, {Nb(l.Out.Size)})",
                LayerKind.SliceLast =>
                    $"a{Num(l.Number - 1)}.Slice({Nb((l.In.Steps - l.Spec.N) * l.In.Features)}, {Nb(l.Out.Size)})",
                _ => $"new {RoSpan}<float>(__y{n}, 0, {Nb(l.Out.Size)})",
            };
            a[l.Number] = $"a{n}";
            w.Line($"{RoSpan}<float> a{n} = {expr};");
        }
        if (!plan.TokenInput)
        {
            ctx.AddBuffer("__d0", plan.Input.Size, "gradient with respect to the input (time-major)");
            w.Line("bool wantInput = !inputGradient.IsEmpty;");
        }
        for (int i = plan.Layers.Length - 1; i >= 0; i--)
        {
            LayerPlan l = plan.Layers[i];
            string n = Num(l.Number);
            w.Line();
            w.Line($"// Layer {n}: {l.Name} ({l.Spec.Describe()}) backward");
            ctx.AddBuffer($"__d{n}", l.Out.Size, $"gradient with respect to {l.Name}'s output");
            string dy = $"dy{n}";
            w.Line($"{WSpan}<float> {dy} = new {WSpan}<float>(__d{n}, 0, {Nb(l.Out.Size)});");
            bool first = l.Number == 1;
            string prevA = a[l.Number - 1] ?? "default";
            string? dx = first ? (plan.TokenInput ? null : $"new {WSpan}<float>(__d0, 0, {Nb(l.In.Size)})") : $"new {WSpan}<float>(__d{Num(l.Number - 1)}, 0, {Nb(l.In.Size)})";
            string guard = first && !plan.TokenInput ? "wantInput" : "true";
            switch (l.Spec.Kind)
            {
                case LayerKind.Dense:
                    Dense(ctx, l, dy, prevA, dx, guard, last: i == plan.Layers.Length - 1);
                    break;
                case LayerKind.Embedding:
                    w.Line($"{Kernels}.EmbedBackward(tokens, {dy}, {Gradient(l.Weights[0])}, nb, {Num(l.Out.Steps)}, {Num(l.Out.Features)});");
                    break;
                case LayerKind.Lstm:
                    Lstm(ctx, l, dy, prevA, dx, guard);
                    break;
                case LayerKind.RepeatVector:
                    If(w, guard, () => w.Line($"{Kernels}.RepeatVectorBackward({dy}, {dx}, nb, {Num(l.In.Features)}, {Num(l.Spec.N)});"));
                    break;
                case LayerKind.SliceLast:
                    If(w, guard, () =>
                    {
                        int skip = (l.In.Steps - l.Spec.N) * l.In.Features;
                        w.Line($"{WSpan}<float> dx{n} = {dx};");
                        w.Line($"dx{n}.Slice(0, {Nb(skip)}).Clear();");
                        w.Line($"{dy}.CopyTo(dx{n}.Slice({Nb(skip)}));");
                    });
                    break;
                case LayerKind.ZeroPadding1D:
                    If(w, guard, () => w.Line($"{dy}.Slice({Nb(l.Spec.Left * l.In.Features)}, {Nb(l.In.Size)}).CopyTo({dx});"));
                    break;
            }
        }
        if (!plan.TokenInput)
        {
            TensorShape x = plan.Input;
            w.Line();
            w.Open("if (wantInput)");
            string d0 = $"new {RoSpan}<float>(__d0, 0, {Nb(x.Size)})";
            w.Line(x.IsSequence
                ? $"if (nb == 1) {d0}.CopyTo(inputGradient); else {Kernels}.ToBatchMajor({d0}, inputGradient, nb, {Num(x.Steps)}, {Num(x.Features)});"
                : $"{d0}.CopyTo(inputGradient);");
            w.Close();
        }
        w.Close();
    }

    /// <summary>The weights the backward pass multiplies by, transposed once per ComputeGradients call (not per chunk).</summary>
    public static void EmitTransposes(EmitContext ctx)
    {
        SourceWriter w = ctx.W;
        w.Line();
        w.Open("private void __TransposeWeights()");
        foreach (string line in ctx.Transposes)
        {
            w.Line(line);
        }
        w.Close();
    }

    private static void If(SourceWriter w, string guard, System.Action body)
    {
        if (guard == "true")
        {
            body();
            return;
        }
        w.Open($"if ({guard})");
        body();
        w.Close();
    }

    private static void Dense(EmitContext ctx, LayerPlan l, string dy, string x, string? dx, string guard, bool last)
    {
        SourceWriter w = ctx.W;
        int rows = l.In.Rows, inF = l.In.Features, units = l.Spec.Units;
        string n = Num(l.Number);
        if (l.Spec.Activation != ActivationKind.Linear)
        {
            string call = $"{Kernels}.ActivationBackward({Activation(l.Spec.Activation)}, a{n}, {dy}, {Nb(rows)}, {Num(units)});";
            w.Line(last ? $"if (!fused) {call}" : call);
        }
        w.Line($"{Kernels}.GemmTN({x}, {dy}, {Gradient(l.Weights[0])}, {Nb(rows)}, {Num(units)}, {Num(inF)}, accumulate: true);");
        if (l.Spec.UseBias)
        {
            w.Line($"{Kernels}.AddColumnSums({dy}, {Gradient(l.Weights[1])}, {Nb(rows)}, {Num(units)});");
        }
        if (dx is null)
        {
            return;
        }
        string wt = ctx.AddFixedBuffer($"__wT{n}", inF * units, $"{l.Name} kernel transposed");
        If(w, guard, () =>
        {
            ctx.Transposes.Add($"{Kernels}.Transpose({Weight(l.Weights[0])}, {wt}, {Num(inF)}, {Num(units)});");
            w.Line($"{Kernels}.Gemm({dy}, {wt}, {dx}, {Nb(rows)}, {Num(inF)}, {Num(units)}, accumulate: false);");
        });
    }

    private static void Lstm(EmitContext ctx, LayerPlan l, string dy, string x, string? dx, string guard)
    {
        SourceWriter w = ctx.W;
        string n = Num(l.Number);
        var spec = l.Spec;
        int steps = l.In.Steps, units = spec.Units;
        if (spec.Wrapper != WrapperKind.Bidirectional)
        {
            Direction(ctx, l, n, 0, spec.GoBackwards, dy, spec.ReturnSequences, x, dx, guard, accumulateDx: false);
            return;
        }
        int rows = spec.ReturnSequences ? steps : 1;
        string dF = ctx.AddBuffer($"__dhf{n}", rows * units, $"{l.Name} forward-direction output gradient");
        string dB = ctx.AddBuffer($"__dhb{n}", rows * units, $"{l.Name} backward-direction output gradient");
        string hf = $"new {RoSpan}<float>(__h{n}f, {(spec.ReturnSequences ? "0" : Nb((steps - 1) * units))}, {Nb(rows * units)})";
        string hb = $"new {RoSpan}<float>(__h{n}b, {(spec.ReturnSequences ? "0" : Nb((steps - 1) * units))}, {Nb(rows * units)})";
        w.Line($"{WSpan}<float> dhf{n} = new {WSpan}<float>({dF}, 0, {Nb(rows * units)});");
        w.Line($"{WSpan}<float> dhb{n} = new {WSpan}<float>({dB}, 0, {Nb(rows * units)});");
        w.Line($"{Kernels}.MergeBidirectionalBackward({dy}, {hf}, {hb}, dhf{n}, dhb{n}, {Num(rows)}, nb, {Num(units)}, {MergeMode(spec.MergeMode)});");
        int half = l.Weights.Length / 2;
        Direction(ctx, l, n + "f", 0, spec.GoBackwards, $"dhf{n}", spec.ReturnSequences, x, dx, guard, accumulateDx: false);
        Direction(ctx, l, n + "b", half, !spec.GoBackwards, $"dhb{n}", spec.ReturnSequences, x, dx, guard, accumulateDx: true);
    }

    private static void Direction(EmitContext ctx, LayerPlan l, string id, int firstWeight, bool backwards, string dOut, bool sequences,
        string x, string? dx, string guard, bool accumulateDx)
    {
        SourceWriter w = ctx.W;
        var spec = l.Spec;
        int steps = l.In.Steps, inF = l.In.Features, units = spec.Units, gates = 4 * units;
        WeightPlan kernel = l.Weights[firstWeight], recurrent = l.Weights[firstWeight + 1];
        string act = Activation(spec.Activation), rec = Activation(spec.RecurrentActivation);
        string maskAt(string t) => l.MaskIn ? $"mask.Slice(nb * {t}, nb)" : "default";

        ctx.AddBuffer($"__dz{id}", steps * gates, $"{l.Name} gate pre-activation gradients, by input step");
        ctx.AddBuffer($"__dhc{id}", units, $"{l.Name} output gradient carried to the previous step");
        ctx.AddBuffer($"__dht{id}", units, $"{l.Name} total output gradient of the current step");
        ctx.AddBuffer($"__dcc{id}", units, $"{l.Name} cell-state gradient carried to the previous step");
        string rT = ctx.AddFixedBuffer($"__rT{id}", units * gates, $"{l.Name} recurrent kernel transposed");
        w.Open("");
        w.Line($"{RoSpan}<float> z = new {RoSpan}<float>(__z{id}, 0, {Nb(steps * gates)});");
        w.Line($"{RoSpan}<float> c = new {RoSpan}<float>(__c{id}, 0, {Nb(steps * units)});");
        w.Line($"{RoSpan}<float> h = new {RoSpan}<float>(__h{id}, 0, {Nb(steps * units)});");
        w.Line($"{WSpan}<float> dz = new {WSpan}<float>(__dz{id}, 0, {Nb(steps * gates)});");
        w.Line($"{WSpan}<float> dhc = new {WSpan}<float>(__dhc{id}, 0, {Nb(units)});");
        w.Line($"{WSpan}<float> dht = new {WSpan}<float>(__dht{id}, 0, {Nb(units)});");
        w.Line($"{WSpan}<float> dcc = new {WSpan}<float>(__dcc{id}, 0, {Nb(units)});");
        w.Line("dhc.Clear();");
        w.Line("dcc.Clear();");
        ctx.Transposes.Add($"{Kernels}.Transpose({Weight(recurrent)}, {rT}, {Num(units)}, {Num(gates)});");
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
        w.Line($"{WSpan}<float> dzt = dz.Slice({Nb(gates)} * t, {Nb(gates)});");
        w.Line($"{Kernels}.LstmStepBackward(z.Slice({Nb(gates)} * t, {Nb(gates)}), c.Slice({Nb(units)} * s, {Nb(units)}), s > 0 ? c.Slice({Nb(units)} * (s - 1), {Nb(units)}) : default, dht, dcc, dzt, nb, {Num(units)}, {act}, {rec}, {maskAt("t")});");
        w.Open("if (s > 0)");
        w.Line($"{Kernels}.Gemm(dzt, {rT}, dhc, nb, {Num(units)}, {Num(gates)}, accumulate: false);");
        if (l.MaskIn)
        {
            w.Line($"{Kernels}.AddMaskedRows(dht, dhc, {maskAt("t")}, nb, {Num(units)});");
        }
        w.Close();
        w.Close();
        w.Line($"{Kernels}.GemmTN({x}, dz, {Gradient(kernel)}, {Nb(steps)}, {Num(gates)}, {Num(inF)}, accumulate: true);");
        if (spec.UseBias)
        {
            w.Line($"{Kernels}.AddColumnSums(dz, {Gradient(l.Weights[firstWeight + 2])}, {Nb(steps)}, {Num(gates)});");
        }
        if (steps > 1)
        {
            if (!backwards)
            {
                // Step s's gates took h of step s-1: pair h[0..T-2] with dz[1..T-1] in one product.
                w.Line($"{Kernels}.GemmTN(h.Slice(0, {Nb((steps - 1) * units)}), dz.Slice({Nb(gates)}, {Nb((steps - 1) * gates)}), {Gradient(recurrent)}, {Nb(steps - 1)}, {Num(gates)}, {Num(units)}, accumulate: true);");
            }
            else
            {
                // Gates are stored by input step, outputs by processed step: pair them step by step.
                w.Open($"for (int s = 1; s < {Num(steps)}; s++)");
                w.Line($"{Kernels}.GemmTN(h.Slice({Nb(units)} * (s - 1), {Nb(units)}), dz.Slice({Nb(gates)} * ({Num(steps - 1)} - s), {Nb(gates)}), {Gradient(recurrent)}, nb, {Num(gates)}, {Num(units)}, accumulate: true);");
                w.Close();
            }
        }
        if (dx is not null)
        {
            string kT = ctx.AddFixedBuffer($"__kT{id}", inF * gates, $"{l.Name} kernel transposed");
            If(w, guard, () =>
            {
                ctx.Transposes.Add($"{Kernels}.Transpose({Weight(kernel)}, {kT}, {Num(inF)}, {Num(gates)});");
                w.Line($"{Kernels}.Gemm(dz, {kT}, {dx}, {Nb(steps)}, {Num(inF)}, {Num(gates)}, accumulate: {(accumulateDx ? "true" : "false")});");
            });
        }
        w.Close();
    }
}
