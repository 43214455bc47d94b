using System.Collections.Generic;
using LstmGen.Generators.Diagnostics;
using LstmGen.Generators.Emit;
using LstmGen.Generators.Model;
using LstmGen.Generators.Validation;
using static LstmGen.Generators.Emit.EmitContext;

namespace LstmGen.Generators.Layers;

/// <summary>MaxPooling1D and AveragePooling1D arguments; <see cref="Strides"/> 0 means the pool size (Keras's None).</summary>
internal sealed record Pooling1DSpec(bool Max, int PoolSize, int Strides, PaddingKind Padding) : LayerSpec
{
    public override LayerUnit Unit => Max ? MaxPooling1DUnit.Instance : AveragePooling1DUnit.Instance;

    public int Stride => Strides == 0 ? PoolSize : Strides;
}

/// <summary>
/// MaxPooling1D and AveragePooling1D: windows of pool_size steps every strides steps ('valid', or 'same' with the
/// windows clipped to the sequence). Max keeps the index it chose for the backward pass. Masks stop here.
/// </summary>
internal abstract class Pooling1DUnit : LayerUnit
{
    protected abstract bool Max { get; }

    public override LayerSpec Read(AttributeReader a) =>
        new Pooling1DSpec(Max, a.PositionalCount > 0 ? a.Int(0) : 2, a.Has("Strides") ? a.Named("Strides", 0) : 0, (PaddingKind)a.Enum("Padding", 0, 2, "PaddingMode"));

    public override string Describe(LayerSpec spec) => $"{DisplayName}({((Pooling1DSpec)spec).PoolSize})";

    public override LayerPlan? Infer(InferContext ctx)
    {
        var spec = (Pooling1DSpec)ctx.Spec;
        bool ok = ctx.Positive(spec.PoolSize, "poolSize", "the pool size") & ctx.Positive(spec.Stride, "Strides", "the strides");
        if (!ok || !ctx.NeedsSequence(spec.AttributeIndex))
        {
            return null;
        }
        if (spec.Padding == PaddingKind.Causal)
        {
            ctx.Report(DiagnosticDescriptors.IncompatibleArgumentsId, spec.AttributeIndex, "Padding", ctx.Who,
                "pooling pads Valid or Same, not Causal (Keras refuses it too)");
            return null;
        }
        if (TimeWindows.Plan(ctx.In.Steps, spec.PoolSize, spec.Stride, spec.Padding) is not { } window)
        {
            ctx.Report(DiagnosticDescriptors.SequenceTooShortId, spec.AttributeIndex, "poolSize", ctx.Who, InferContext.Num(spec.PoolSize), "", ctx.In.ToString(), ctx.From);
            return null;
        }
        return ctx.Plan with { Out = new TensorShape(window.OutSteps, ctx.In.Features), MaskOut = null };
    }

    private static string Args(LayerPlan layer, bool pool)
    {
        var spec = (Pooling1DSpec)layer.Spec;
        int padLeft = TimeWindows.Plan(layer.In.Steps, spec.PoolSize, spec.Stride, spec.Padding)!.Value.PadLeft;
        return pool
            ? $"{Num(layer.In.Steps)}, nb, {Num(layer.In.Features)}, {Num(spec.PoolSize)}, {Num(spec.Stride)}, {Num(padLeft)}, {Num(layer.Out.Steps)}"
            : $"{Num(layer.In.Steps)}, nb, {Num(layer.In.Features)}, {Num(layer.Out.Steps)}";
    }

    public override void EmitForward(EmitContext ctx, LayerPlan layer)
    {
        string n = Num(layer.Number);
        ctx.Workspace($"y{n}", $"__y{n}", layer.Out.Size, $"{layer.Name} output {layer.Out}");
        if (Max)
        {
            ctx.Workspace($"am{n}", $"__am{n}", layer.Out.Size, $"{layer.Name} input step of each maximum", "int");
            ctx.W.Line($"{Kernels}.MaxPool1D({ctx.Current}, y{n}, am{n}, {Args(layer, pool: true)});");
        }
        else
        {
            ctx.W.Line($"{Kernels}.AvgPool1D({ctx.Current}, y{n}, {Args(layer, pool: true)});");
        }
        ctx.Output(layer, $"y{n}");
    }

    public override void EmitBackward(EmitContext ctx, LayerPlan layer, BackwardStep step)
    {
        if (step.Dx is null)
        {
            return;
        }
        string n = Num(layer.Number);
        ctx.If(step.Guard, () => ctx.W.Line(Max
            ? $"{Kernels}.MaxPool1DBackward({step.Dy}, new {ReadOnlySpan}<int>(__am{n}, 0, {Nb(layer.Out.Size)}), {step.Dx}, {Args(layer, pool: false)});"
            : $"{Kernels}.AvgPool1DBackward({step.Dy}, {step.Dx}, {Args(layer, pool: true)});"));
    }

    public override void WriteConfig(ConfigWriter config, LayerPlan layer)
    {
        var spec = (Pooling1DSpec)layer.Spec;
        config.Ints("pool_size", spec.PoolSize);
        config.Ints("strides", spec.Stride);
        config.String("padding", TimeWindows.Keras(spec.Padding));
    }
}

internal sealed class MaxPooling1DUnit : Pooling1DUnit
{
    public static readonly MaxPooling1DUnit Instance = new();

    protected override bool Max => true;

    public override string AttributeName => "MaxPooling1DAttribute";

    public override string KerasClass => "MaxPooling1D";

    public override string KerasName => "max_pooling1d";
}

internal sealed class AveragePooling1DUnit : Pooling1DUnit
{
    public static readonly AveragePooling1DUnit Instance = new();

    protected override bool Max => false;

    public override string AttributeName => "AveragePooling1DAttribute";

    public override string KerasClass => "AveragePooling1D";

    public override string KerasName => "average_pooling1d";
}

/// <summary>GlobalMaxPooling1D and GlobalAveragePooling1D (no arguments).</summary>
internal sealed record GlobalPooling1DSpec(bool Max) : LayerSpec
{
    public override LayerUnit Unit => Max ? GlobalMaxPooling1DUnit.Instance : GlobalAveragePooling1DUnit.Instance;
}

/// <summary>
/// GlobalMaxPooling1D and GlobalAveragePooling1D: a sequence to a vector, over every step; the average reads a flowing
/// mask (unmasked steps only, Keras 3) and consumes it.
/// </summary>
internal abstract class GlobalPooling1DUnit : LayerUnit
{
    protected abstract bool Max { get; }

    public override LayerSpec Read(AttributeReader a) => new GlobalPooling1DSpec(Max);

    public override string Describe(LayerSpec spec) => DisplayName + "()";

    public override LayerPlan? Infer(InferContext ctx) =>
        ctx.NeedsSequence(ctx.Spec.AttributeIndex) ? ctx.Plan with { Out = new TensorShape(0, ctx.In.Features), MaskOut = null } : null;

    private string MaskArg(LayerPlan layer) => !Max && layer.MaskIn is { } m ? m.Local : "default";

    public override void EmitForward(EmitContext ctx, LayerPlan layer)
    {
        string n = Num(layer.Number);
        int steps = layer.In.Steps, f = layer.In.Features;
        ctx.Workspace($"y{n}", $"__y{n}", f, $"{layer.Name} output {layer.Out}");
        if (Max)
        {
            ctx.Workspace($"am{n}", $"__am{n}", f, $"{layer.Name} step of each maximum", "int");
            ctx.W.Line($"{Kernels}.GlobalMaxPool1D({ctx.Current}, y{n}, am{n}, {Num(steps)}, nb, {Num(f)});");
        }
        else
        {
            ctx.W.Line($"{Kernels}.GlobalAvgPool1D({ctx.Current}, y{n}, {Num(steps)}, nb, {Num(f)}, {MaskArg(layer)});");
        }
        ctx.Output(layer, $"y{n}");
    }

    public override void EmitBackward(EmitContext ctx, LayerPlan layer, BackwardStep step)
    {
        if (step.Dx is null)
        {
            return;
        }
        string n = Num(layer.Number);
        int steps = layer.In.Steps, f = layer.In.Features;
        ctx.If(step.Guard, () => ctx.W.Line(Max
            ? $"{Kernels}.GlobalMaxPool1DBackward({step.Dy}, new {ReadOnlySpan}<int>(__am{n}, 0, {Nb(f)}), {step.Dx}, {Num(steps)}, nb, {Num(f)});"
            : $"{Kernels}.GlobalAvgPool1DBackward({step.Dy}, {step.Dx}, {Num(steps)}, nb, {Num(f)}, {MaskArg(layer)});"));
    }

    public override void WriteConfig(ConfigWriter config, LayerPlan layer) => config.Bool("keepdims", false);
}

internal sealed class GlobalMaxPooling1DUnit : GlobalPooling1DUnit
{
    public static readonly GlobalMaxPooling1DUnit Instance = new();

    protected override bool Max => true;

    public override string AttributeName => "GlobalMaxPooling1DAttribute";

    public override string KerasClass => "GlobalMaxPooling1D";

    public override string KerasName => "global_max_pooling1d";
}

internal sealed class GlobalAveragePooling1DUnit : GlobalPooling1DUnit
{
    public static readonly GlobalAveragePooling1DUnit Instance = new();

    protected override bool Max => false;

    public override string AttributeName => "GlobalAveragePooling1DAttribute";

    public override string KerasClass => "GlobalAveragePooling1D";

    public override string KerasName => "global_average_pooling1d";
}
