using System.Collections.Generic;
using LstmGen.Generators.Diagnostics;
using LstmGen.Generators.Emit;
using LstmGen.Generators.Model;
using LstmGen.Generators.Validation;
using static LstmGen.Generators.Emit.EmitContext;

namespace LstmGen.Generators.Layers;

/// <summary>Mirrors LstmGen.PaddingMode.</summary>
internal enum PaddingKind
{
    Valid = 0,
    Same = 1,
    Causal = 2,
}

/// <summary>Conv1D arguments.</summary>
internal sealed record Conv1DSpec(int Filters, int KernelSize, int Strides, PaddingKind Padding, int DilationRate, ActivationKind Activation, bool UseBias) : LayerSpec
{
    public override LayerUnit Unit => Conv1DUnit.Instance;
}

/// <summary>
/// The window arithmetic of convolutions and poolings over time (TensorFlow's, which Keras uses): output steps and the
/// padding before the sequence.
/// </summary>
internal static class TimeWindows
{
    /// <summary>Output steps and left padding, or null when a 'valid' window does not fit in <paramref name="steps"/>.</summary>
    public static (int OutSteps, int PadLeft)? Plan(int steps, int span, int stride, PaddingKind padding)
    {
        switch (padding)
        {
            case PaddingKind.Same:
                int outSame = (steps + stride - 1) / stride;
                long total = System.Math.Max((long)(outSame - 1) * stride + span - steps, 0);
                return (outSame, (int)(total / 2));
            case PaddingKind.Causal:
                return ((steps - 1) / stride + 1, span - 1);
            default:
                return steps < span ? null : ((steps - span) / stride + 1, 0);
        }
    }

    public static string Keras(PaddingKind padding) => padding switch
    {
        PaddingKind.Same => "same",
        PaddingKind.Causal => "causal",
        _ => "valid",
    };
}

/// <summary>
/// Conv1D: the windows of the input laid out as rows (im2col) times the kernel, whose Keras layout (kernel_size, in,
/// filters) is the (kernel_size·in, filters) matrix; bias and activation as Dense. Weight gradients are one product over
/// every window. Causal convolutions with stride 1 stream (the state is the last (kernel_size - 1)·dilation inputs).
/// Masks stop here, as in Keras.
/// </summary>
internal sealed class Conv1DUnit : LayerUnit
{
    public static readonly Conv1DUnit Instance = new();

    public override string AttributeName => "Conv1DAttribute";

    public override string KerasClass => "Conv1D";

    public override string KerasName => "conv1d";

    public override LayerSpec Read(AttributeReader a) => new Conv1DSpec(
        a.Int(0), a.Int(1), a.Named("Strides", 1), (PaddingKind)a.Enum("Padding", 0, 2, "PaddingMode"), a.Named("DilationRate", 1),
        a.Activation("Activation", ActivationKind.Linear), a.Named("UseBias", true));

    public override string Describe(LayerSpec spec)
    {
        var s = (Conv1DSpec)spec;
        return $"Conv1D({s.Filters}, {s.KernelSize})";
    }

    private static int WindowSpan(Conv1DSpec s) => s.DilationRate * (s.KernelSize - 1) + 1;

    public override LayerPlan? Infer(InferContext ctx)
    {
        var spec = (Conv1DSpec)ctx.Spec;
        bool ok = ctx.Positive(spec.Filters, "filters", "the number of filters")
            & ctx.Positive(spec.KernelSize, "kernelSize", "the kernel size")
            & ctx.Positive(spec.Strides, "Strides", "the strides")
            & ctx.Positive(spec.DilationRate, "DilationRate", "the dilation rate");
        if (!ok || !ctx.NeedsSequence(spec.AttributeIndex))
        {
            return null;
        }
        if (spec.Strides > 1 && spec.DilationRate > 1)
        {
            ctx.Report(DiagnosticDescriptors.IncompatibleArgumentsId, spec.AttributeIndex, "DilationRate", ctx.Who,
                $"Strides ({spec.Strides}) and DilationRate ({spec.DilationRate}) cannot both exceed 1 (Keras refuses it too)");
            return null;
        }
        if ((long)spec.DilationRate * (spec.KernelSize - 1) + 1 > int.MaxValue)
        {
            ctx.Report(DiagnosticDescriptors.ModelTooLargeId, spec.AttributeIndex, null, ctx.Who, "its window", "more than 2,147,483,647", "2,147,483,647");
            return null;
        }
        int span = WindowSpan(spec);
        if (TimeWindows.Plan(ctx.In.Steps, span, spec.Strides, spec.Padding) is not { } window)
        {
            string dilated = spec.DilationRate > 1 ? $" (kernel size {spec.KernelSize}, dilation {spec.DilationRate})" : "";
            ctx.Report(DiagnosticDescriptors.SequenceTooShortId, spec.AttributeIndex, "kernelSize", ctx.Who, InferContext.Num(span), dilated, ctx.In.ToString(), ctx.From);
            return null;
        }
        LayerPlan plan = ctx.Plan with { Out = new TensorShape(window.OutSteps, spec.Filters), MaskOut = null };
        plan = ctx.AddWeight(plan, $"{plan.Name}/kernel", "GlorotUniform", spec.KernelSize, ctx.In.Features, spec.Filters);
        if (spec.UseBias)
        {
            plan = ctx.AddWeight(plan, $"{plan.Name}/bias", "Zeros", spec.Filters);
        }
        return plan;
    }

    private static (int OutSteps, int PadLeft) Window(LayerPlan layer)
    {
        var spec = (Conv1DSpec)layer.Spec;
        return TimeWindows.Plan(layer.In.Steps, WindowSpan(spec), spec.Strides, spec.Padding)!.Value;
    }

    public override IEnumerable<(string What, long Size)> Workspaces(LayerPlan layer)
    {
        var spec = (Conv1DSpec)layer.Spec;
        yield return ("its windows (per sample)", (long)layer.Out.Steps * spec.KernelSize * layer.In.Features);
    }

    public override ActivationKind? OutputActivation(LayerPlan layer) => ((Conv1DSpec)layer.Spec).Activation;

    private static string WindowArgs(LayerPlan layer)
    {
        var spec = (Conv1DSpec)layer.Spec;
        (int outSteps, int padLeft) = Window(layer);
        return $"{Num(layer.In.Steps)}, nb, {Num(layer.In.Features)}, {Num(spec.KernelSize)}, {Num(spec.Strides)}, {Num(spec.DilationRate)}, {Num(padLeft)}, {Num(outSteps)}";
    }

    public override void EmitForward(EmitContext ctx, LayerPlan layer)
    {
        var spec = (Conv1DSpec)layer.Spec;
        var w = ctx.W;
        string n = Num(layer.Number);
        int outSteps = layer.Out.Steps, width = spec.KernelSize * layer.In.Features, filters = spec.Filters;
        ctx.Workspace($"col{n}", $"__col{n}", outSteps * width, $"{layer.Name} input windows (im2col), by output step");
        w.Line($"{Kernels}.Im2Col({ctx.Current}, col{n}, {WindowArgs(layer)});");
        ctx.Workspace($"y{n}", $"__y{n}", outSteps * filters, $"{layer.Name} output {layer.Out}");
        string bias = spec.UseBias ? Weight(layer.Weights[1]) : "default";
        w.Line($"{Kernels}.GemmBias(col{n}, {Weight(layer.Weights[0])}, {bias}, y{n}, {Nb(outSteps)}, {Num(filters)}, {Num(width)});");
        if (spec.Activation != ActivationKind.Linear)
        {
            if (ActivationInfo.NeedsInput(spec.Activation))
            {
                ctx.AddBuffer($"__x{n}", outSteps * filters, $"{layer.Name} pre-activation (for the backward pass)");
                w.Line($"y{n}.CopyTo(__x{n});");
            }
            w.Line($"{Kernels}.Activate({Activation(spec.Activation)}, y{n}, {Nb(outSteps)}, {Num(filters)});");
        }
        ctx.Output(layer, $"y{n}");
    }

    public override void EmitBackward(EmitContext ctx, LayerPlan layer, BackwardStep step)
    {
        var spec = (Conv1DSpec)layer.Spec;
        var w = ctx.W;
        string n = Num(layer.Number);
        int outSteps = layer.Out.Steps, width = spec.KernelSize * layer.In.Features, filters = spec.Filters;
        if (spec.Activation != ActivationKind.Linear)
        {
            string pre = ActivationInfo.NeedsInput(spec.Activation) ? $"new {ReadOnlySpan}<float>(__x{n}, 0, {Nb(outSteps * filters)}), " : "";
            string call = $"{Kernels}.ActivationBackward({Activation(spec.Activation)}, {pre}a{n}, {step.Dy}, {Nb(outSteps)}, {Num(filters)});";
            w.Line(step.Last ? $"if (!fused) {call}" : call);
        }
        string col = $"new {ReadOnlySpan}<float>(__col{n}, 0, {Nb(outSteps * width)})";
        w.Line($"{Kernels}.GemmTN({col}, {step.Dy}, {Gradient(layer.Weights[0])}, {Nb(outSteps)}, {Num(filters)}, {Num(width)}, accumulate: true);");
        if (spec.UseBias)
        {
            w.Line($"{Kernels}.AddColumnSums({step.Dy}, {Gradient(layer.Weights[1])}, {Nb(outSteps)}, {Num(filters)});");
        }
        if (step.Dx is null)
        {
            return;
        }
        string kT = ctx.AddFixedBuffer($"__kT{n}", width * filters, $"{layer.Name} kernel transposed");
        ctx.If(step.Guard, () =>
        {
            ctx.Transposes.Add($"{Kernels}.Transpose({Weight(layer.Weights[0])}, {kT}, {Num(width)}, {Num(filters)});");
            ctx.AddBuffer($"__dcol{n}", outSteps * width, $"{layer.Name} gradient of the input windows");
            w.Line($"{Span}<float> dcol{n} = new {Span}<float>(__dcol{n}, 0, {Nb(outSteps * width)});");
            w.Line($"{Kernels}.Gemm({step.Dy}, {kT}, dcol{n}, {Nb(outSteps)}, {Num(width)}, {Num(filters)}, accumulate: false);");
            w.Line($"{Kernels}.Col2Im(dcol{n}, {step.Dx}, {WindowArgs(layer)});");
        });
    }

    public override bool Streams(LayerPlan layer)
    {
        var spec = (Conv1DSpec)layer.Spec;
        return spec.Padding == PaddingKind.Causal && spec.Strides == 1;
    }

    public override bool IsStateful => true;

    public override int StreamStateLength(LayerPlan layer)
    {
        var spec = (Conv1DSpec)layer.Spec;
        return (WindowSpan(spec) - 1) * layer.In.Features;
    }

    public override void EmitStreamFields(StreamContext ctx, LayerPlan layer)
    {
        var spec = (Conv1DSpec)layer.Spec;
        string n = Num(layer.Number);
        ctx.W.Line($"private readonly float[] _col{n} = global::LstmGen.Kernels.AllocateAligned({Num(spec.KernelSize * layer.In.Features)});");
        ctx.W.Line($"private readonly float[] _y{n} = global::LstmGen.Kernels.AllocateAligned({Num(spec.Filters)});");
    }

    public override void EmitStreamStep(StreamContext ctx, LayerPlan layer)
    {
        var spec = (Conv1DSpec)layer.Spec;
        string n = Num(layer.Number);
        string bias = spec.UseBias ? Weight(layer.Weights[1]) : "default";
        int history = StreamStateLength(layer);
        ctx.W.Line($"{Kernels}.Conv1DStreamStep({ctx.Current}, {Weight(layer.Weights[0])}, {bias}, new global::System.Span<float>(_state, {Num(ctx.StateOffset)}, {Num(history)}), _col{n}, _y{n}, {Num(layer.In.Features)}, {Num(spec.Filters)}, {Num(spec.KernelSize)}, {Num(spec.DilationRate)});");
        if (spec.Activation != ActivationKind.Linear)
        {
            ctx.W.Line($"{Kernels}.Activate({Activation(spec.Activation)}, _y{n}, 1, {Num(spec.Filters)});");
        }
        ctx.Output(layer, $"_y{n}");
    }

    public override void WriteConfig(ConfigWriter config, LayerPlan layer)
    {
        var spec = (Conv1DSpec)layer.Spec;
        config.Int("filters", spec.Filters);
        config.Ints("kernel_size", spec.KernelSize);
        config.Ints("strides", spec.Strides);
        config.String("padding", TimeWindows.Keras(spec.Padding));
        config.Ints("dilation_rate", spec.DilationRate);
        config.Activation("activation", spec.Activation);
        config.Bool("use_bias", spec.UseBias);
    }
}
