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
        w.Line(lastActivation is { } activation
            ? $"bool fused = loss.Fuses({Activation(activation)});"
            : "bool fused = false; // the last layer applies no activation to fuse with");
        w.Line($"float scale = (float)(1.0 / loss.Denominator((long)batchSize * {Num(rows)}, OutputFeatures));");
        w.Line("global::System.Array.Clear(__gp);");
        w.Line("__TransposeWeights();");
        w.Line("double total = 0;");
        w.Open("for (int start = 0; start < batchSize; start += __maxBatch)");
        w.Line("int nb = global::System.Math.Min(__maxBatch, batchSize - start);");
        w.Line($"{RoSpan}<{element}> x = {inName}.Slice(start * InputLength, nb * InputLength);");
        w.Line($"{WSpan}<float> o = new {WSpan}<float>(__out, 0, nb * OutputLength);");
        w.Line($"{WSpan}<float> dout = new {WSpan}<float>(__dout, 0, nb * OutputLength);");
        w.Line($"__Forward(x, o{string.Concat(plan.States.Select(_ => ", default"))}, nb);");
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
        foreach (LayerPlan l in plan.Layers)
        {
            if (l.Masked)
            {
                w.Line($"{RoSpan}<byte> mask = new {RoSpan}<byte>(__mask, 0, {Nb(l.In.Steps)});");
                break;
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
            l.Unit.EmitBackward(ctx, l, new BackwardStep(dy, prevA, dx, guard, Last: i == plan.Layers.Length - 1));
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
