using System.Globalization;
using LstmGen.Generators.Diagnostics;
using LstmGen.Generators.Emit;
using LstmGen.Generators.Model;
using LstmGen.Generators.Validation;
using static LstmGen.Generators.Emit.EmitContext;

namespace LstmGen.Generators.Layers;

/// <summary>ZeroPadding1D arguments; <see cref="Symmetric"/> when declared with its one-argument constructor.</summary>
internal sealed record ZeroPadding1DSpec(int Left, int Right, bool Symmetric) : LayerSpec
{
    public override LayerUnit Unit => ZeroPadding1DUnit.Instance;
}

/// <summary>ZeroPadding1D: zero steps before and after the sequence.</summary>
internal sealed class ZeroPadding1DUnit : LayerUnit
{
    public static readonly ZeroPadding1DUnit Instance = new();

    public override string AttributeName => "ZeroPadding1DAttribute";

    public override string KerasClass => "ZeroPadding1D";

    public override string KerasName => "zero_padding1d";

    public override LayerSpec Read(AttributeReader a)
    {
        int left = a.Int(0);
        return new ZeroPadding1DSpec(left, a.PositionalCount > 1 ? a.Int(1) : left, a.PositionalCount == 1);
    }

    public override string Describe(LayerSpec spec)
    {
        var s = (ZeroPadding1DSpec)spec;
        return $"ZeroPadding1D({s.Left}, {s.Right})";
    }

    public override LayerPlan? Infer(InferContext ctx)
    {
        var spec = (ZeroPadding1DSpec)ctx.Spec;
        bool ok = spec.Symmetric
            ? ctx.NonNegative(spec.Left, "padding")
            : ctx.NonNegative(spec.Left, "left") & ctx.NonNegative(spec.Right, "right");
        if (!ok || !ctx.NeedsSequence(spec.AttributeIndex) || !ctx.MaskFree())
        {
            return null;
        }
        long steps = (long)ctx.In.Steps + spec.Left + spec.Right;
        if (steps > int.MaxValue)
        {
            ctx.Report(DiagnosticDescriptors.ModelTooLargeId, spec.AttributeIndex, null, ctx.Who, "its output steps",
                steps.ToString("N0", CultureInfo.InvariantCulture), int.MaxValue.ToString("N0", CultureInfo.InvariantCulture));
            return null;
        }
        return ctx.Plan with { Out = new TensorShape((int)steps, ctx.In.Features) };
    }

    public override void EmitForward(EmitContext ctx, LayerPlan layer)
    {
        var spec = (ZeroPadding1DSpec)layer.Spec;
        string n = Num(layer.Number);
        int f = layer.In.Features;
        ctx.Workspace($"y{n}", $"__y{n}", layer.Out.Steps * f, $"{layer.Name} output {layer.Out}");
        ctx.W.Line($"{Kernels}.ZeroPad({ctx.Current}, y{n}, {Num(layer.In.Steps)}, nb, {Num(f)}, {Num(spec.Left)}, {Num(spec.Right)});");
        ctx.Output(layer, $"y{n}");
    }

    public override void EmitBackward(EmitContext ctx, LayerPlan layer, BackwardStep step)
    {
        if (step.Dx is null)
        {
            return;
        }
        int left = ((ZeroPadding1DSpec)layer.Spec).Left * layer.In.Features;
        ctx.If(step.Guard, () => ctx.W.Line($"{step.Dy}.Slice({Nb(left)}, {Nb(layer.In.Size)}).CopyTo({step.Dx});"));
    }

    public override void WriteConfig(ConfigWriter config, LayerPlan layer)
    {
        var spec = (ZeroPadding1DSpec)layer.Spec;
        config.Ints("padding", spec.Left, spec.Right);
    }
}
