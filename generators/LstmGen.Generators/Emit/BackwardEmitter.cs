using System.Globalization;
using System.Linq;
using LstmGen.Generators.Helpers;
using LstmGen.Generators.Layers;
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
        ActivationKind? lastActivation = last.Unit.OutputActivation(last);
        var states = plan.States;
        string model = plan.Spec.Type.Type.Name;
        string trainingArg = plan.Stochastic ? ", training" : "";

        ctx.AddBuffer("__out", output.Size, "model output of a chunk (batch-major), for the loss");
        ctx.AddBuffer("__dout", output.Size, "loss gradient of a chunk (batch-major)");
        if (states.Count > 0)
        {
            ctx.AddBuffer("__tg0", output.Size, "targets of the output, gathered from a chunk's per-sample targets (a loss per output)");
            foreach (StateOutput st in states)
            {
                ctx.AddBuffer($"__st{st.Name}", st.Length, $"{st.Description} of a chunk (batch-major), for its loss");
                ctx.AddBuffer($"__dst{st.Name}", st.Length, $"loss gradient of the {st.Description} of a chunk");
                ctx.AddBuffer($"__tg{st.Name}", st.Length, $"targets of the {st.Description}, gathered from a chunk's targets");
            }
        }

        w.Line("/// <summary>The gradients of the last <see cref=\"ComputeGradients\"/> call, by Keras weight name (same layout as <see cref=\"Weights\"/>).</summary>");
        w.Line("public global::LstmGen.WeightStore Gradients => __gradients;");
        w.Line();
        w.Line(states.Count > 0
            ? "/// <summary>Target values per sample for <paramref name=\"loss\"/>: the output length (one class index per output row for a sparse loss); with a loss per output (<see cref=\"global::LstmGen.Loss.PerOutput\"/>), the output's targets followed by each final state's.</summary>"
            : "/// <summary>Target values per sample for <paramref name=\"loss\"/>: the output length, or one class index per output row for a sparse loss.</summary>");
        w.Open("public int TargetLength(global::LstmGen.Loss loss)");
        w.Line("global::System.ArgumentNullException.ThrowIfNull(loss);");
        w.Line($"if (loss is global::LstmGen.OutputLosses perOutput) return perOutput.TargetLength({Num(rows)}, OutputFeatures, {(states.Count > 0 ? "StateLength" : "0")}, {Num(states.Count)}, \"{model}\");");
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
        w.Line(states.Count > 0
            ? "/// <param name=\"loss\">The loss, e.g. <see cref=\"global::LstmGen.Loss.MeanSquaredError\"/> (the output only), or one per output with <see cref=\"global::LstmGen.Loss.PerOutput\"/> (the output and the final states, summed).</param>"
            : "/// <param name=\"loss\">The loss, e.g. <see cref=\"global::LstmGen.Loss.MeanSquaredError\"/>.</param>");
        w.Line(plan.TokenInput
            ? "/// <param name=\"inputGradients\">Must be empty: token inputs have no gradient.</param>"
            : "/// <param name=\"inputGradients\">Empty, or batchSize × InputLength floats for the gradient with respect to the inputs.</param>");
        w.Line("/// <param name=\"outputs\">Empty, or batchSize × OutputLength floats for the model's outputs (before the update).</param>");
        w.Line(plan.Stochastic
            ? "/// <param name=\"training\">True (default): dropout is on, with new masks each call (Keras's training mode); false: the model runs as Predict does.</param>"
            : "/// <param name=\"training\">Keras's training mode; this model has no layer that behaves differently in training.</param>");
        w.Line($"public float ComputeGradients(global::System.ReadOnlySpan<{element}> {inName}, global::System.ReadOnlySpan<float> targets, int batchSize, global::LstmGen.Loss loss, global::System.Span<float> inputGradients = default, global::System.Span<float> outputs = default, bool training = true) =>");
        w.Indent();
        w.Line($"__Run({inName}, targets, batchSize, loss, inputGradients, outputs, gradients: true, training);");
        w.Unindent();
        w.Line();
        w.Line("/// <summary>Runs the model on a batch as Predict does (dropout off) and returns the mean loss against <paramref name=\"targets\"/> (Keras's test step); no gradients. Allocation-free.</summary>");
        w.Line($"/// <param name=\"{inName}\">batchSize samples of shape {inShape}, batch-major.</param>");
        w.Line("/// <param name=\"targets\">batchSize targets of <see cref=\"TargetLength\"/> values each.</param>");
        w.Line("/// <param name=\"batchSize\">Number of samples (at least 1).</param>");
        w.Line("/// <param name=\"loss\">The loss (or one per output).</param>");
        w.Line("/// <param name=\"outputs\">Empty, or batchSize × OutputLength floats for the model's outputs.</param>");
        w.Line($"public float ComputeLoss(global::System.ReadOnlySpan<{element}> {inName}, global::System.ReadOnlySpan<float> targets, int batchSize, global::LstmGen.Loss loss, global::System.Span<float> outputs = default) =>");
        w.Indent();
        w.Line($"__Run({inName}, targets, batchSize, loss, default, outputs, gradients: false, training: false);");
        w.Unindent();
        w.Line();

        w.Open($"private float __Run(global::System.ReadOnlySpan<{element}> {inName}, global::System.ReadOnlySpan<float> targets, int batchSize, global::LstmGen.Loss loss, global::System.Span<float> inputGradients, global::System.Span<float> outputs, bool gradients, bool training)");
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
        w.Line("global::LstmGen.OutputLosses? perOutput = loss as global::LstmGen.OutputLosses;");
        w.Line("global::LstmGen.Loss main = perOutput is null ? loss : perOutput.Losses[0];");
        w.Line("int mainLength = perOutput is null ? targetLength : TargetLength(main);");
        w.Line(states.Count > 0
            ? "if (perOutput is null) main.ValidateTargets(targets, OutputFeatures, nameof(targets)); // else per output, chunk by chunk"
            : "main.ValidateTargets(targets, OutputFeatures, nameof(targets));");
        w.Line(lastActivation is { } activation
            ? $"bool fused = gradients && main.Fuses({Activation(activation)});"
            : "bool fused = false; // the last layer applies no activation to fuse with");
        w.Line($"float scale = (float)(1.0 / main.Denominator((long)batchSize * {Num(rows)}, OutputFeatures));");
        w.Line("__Enter();");
        w.Open("try");
        w.Open("if (gradients)");
        w.Line("global::System.Array.Clear(__gp);");
        w.Line("__TransposeWeights();");
        w.Close();
        w.Line("double total = 0;");
        w.Open("for (int start = 0; start < batchSize; start += __maxBatch)");
        w.Line("int nb = global::System.Math.Min(__maxBatch, batchSize - start);");
        w.Line($"{RoSpan}<{element}> x = {inName}.Slice(start * InputLength, nb * InputLength);");
        w.Line($"{RoSpan}<float> t = targets.Slice(start * targetLength, nb * targetLength);");
        w.Line($"{WSpan}<float> o = new {WSpan}<float>(__out, 0, nb * OutputLength);");
        w.Line($"{WSpan}<float> dout = new {WSpan}<float>(__dout, 0, nb * OutputLength);");
        string stateArgs = "";
        foreach (StateOutput st in states)
        {
            w.Line($"{WSpan}<float> st{st.Name} = perOutput is null ? default : new {WSpan}<float>(__st{st.Name}, 0, nb * StateLength);");
            stateArgs += $", st{st.Name}";
        }
        w.Line($"__Forward(x, o{stateArgs}, nb{trainingArg});");
        if (states.Count == 0)
        {
            w.Line($"total += main.Accumulate(o, t, dout, nb * {Num(rows)}, OutputFeatures, scale, fused) * (double)scale;");
        }
        else
        {
            w.Open("if (perOutput is null)");
            w.Line($"total += main.Accumulate(o, t, dout, nb * {Num(rows)}, OutputFeatures, scale, fused) * (double)scale;");
            w.Close();
            w.Open("else");
            w.Line($"{WSpan}<float> t0 = new {WSpan}<float>(__tg0, 0, nb * mainLength);");
            w.Line("global::LstmGen.Kernels.GatherParts(t, nb, targetLength, 0, mainLength, t0);");
            w.Line("main.ValidateTargets(t0, OutputFeatures, nameof(targets));");
            w.Line($"total += main.Accumulate(o, t0, dout, nb * {Num(rows)}, OutputFeatures, scale, fused) * (double)scale;");
            w.Line("int offset = mainLength;");
            for (int i = 0; i < states.Count; i++)
            {
                StateOutput st = states[i];
                string part = $"perOutput.Losses[{Num(i + 1)}]";
                w.Line($"int length{st.Name} = {part}.TargetWidth(StateLength); // one row of StateLength per sample");
                w.Line($"{WSpan}<float> t{st.Name} = new {WSpan}<float>(__tg{st.Name}, 0, nb * length{st.Name});");
                w.Line($"global::LstmGen.Kernels.GatherParts(t, nb, targetLength, offset, length{st.Name}, t{st.Name});");
                w.Line($"{part}.ValidateTargets(t{st.Name}, StateLength, nameof(targets));");
                w.Line($"float scale{st.Name} = (float)(1.0 / {part}.Denominator(batchSize, StateLength));");
                w.Line($"total += {part}.Accumulate(st{st.Name}, t{st.Name}, new {WSpan}<float>(__dst{st.Name}, 0, nb * StateLength), nb, StateLength, scale{st.Name}, fused: false) * (double)scale{st.Name};");
                w.Line($"offset += length{st.Name};");
            }
            w.Close();
        }
        w.Line("if (!outputs.IsEmpty) o.CopyTo(outputs.Slice(start * OutputLength, nb * OutputLength));");
        w.Open("if (gradients)");
        string dLast = $"new {WSpan}<float>(__d{Num(last.Number)}, 0, nb * OutputLength)";
        if (output.IsSequence)
        {
            w.Line($"if (nb == 1) dout.CopyTo({dLast}); else {Kernels}.ToTimeMajor(dout, {dLast}, nb, {Num(output.Steps)}, {Num(output.Features)});");
        }
        else
        {
            w.Line($"dout.CopyTo({dLast});");
        }
        string stateGradients = string.Concat(states.Select(st => $", perOutput is null ? default : new {RoSpan}<float>(__dst{st.Name}, 0, nb * StateLength)"));
        w.Line($"__Backward(x, inputGradients.IsEmpty ? default : inputGradients.Slice(start * InputLength, nb * InputLength), nb, fused{trainingArg}{stateGradients});");
        w.Close();
        w.Close();
        w.Line("return (float)total;");
        w.Close();
        w.Open("finally");
        w.Line("__Exit();");
        w.Close();
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
        string stateParams = string.Concat(plan.States.Select(st => $", {RoSpan}<float> dState{st.Name}"));
        w.Open($"private void __Backward({input}, {WSpan}<float> inputGradient, int nb, bool fused{(plan.Stochastic ? ", bool training" : "")}{stateParams})");
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
        var declared = new System.Collections.Generic.HashSet<int>();
        foreach (LayerPlan l in plan.Layers)
        {
            if (l.MaskIn is { } m && declared.Add(m.Layer))
            {
                w.Line($"{RoSpan}<byte> {m.Local} = new {RoSpan}<byte>({m.Field}, 0, {Nb(l.In.Steps)});");
            }
        }
        foreach (LayerPlan l in plan.Layers)
        {
            a[l.Number] = $"a{Num(l.Number)}";
            w.Line($"{RoSpan}<float> a{Num(l.Number)} = {l.Unit.OutputView(l)};");
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
            bool isLast = i == plan.Layers.Length - 1;
            var stateGradients = isLast && plan.HasReturnState ? plan.States.Select(st => "dState" + st.Name).ToArray() : null;
            l.Unit.EmitBackward(ctx, l, new BackwardStep(dy, prevA, dx, guard, isLast, stateGradients));
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
}
