using LstmGen.Generators.Diagnostics;
using LstmGen.Generators.Emit;
using LstmGen.Generators.Model;
using LstmGen.Generators.Validation;
using static LstmGen.Generators.Emit.EmitContext;

namespace LstmGen.Generators.Layers;

/// <summary>SliceLast arguments.</summary>
internal sealed record SliceLastSpec(int N) : LayerSpec
{
    public override LayerUnit Unit => SliceLastUnit.Instance;
}

/// <summary>
/// SliceLast (Keras <c>Lambda(lambda x: x[:, -n:, :])</c>): the last n steps. In the time-major layout they are a
/// contiguous view, so the forward pass copies nothing.
/// </summary>
internal sealed class SliceLastUnit : LayerUnit
{
    public static readonly SliceLastUnit Instance = new();

    public override string AttributeName => "SliceLastAttribute";

    public override string KerasClass => "Lambda";

    public override string KerasName => "lambda";

    public override LayerSpec Read(AttributeReader a) => new SliceLastSpec(a.Int(0));

    public override string Describe(LayerSpec spec) => $"SliceLast({((SliceLastSpec)spec).N})";

    public override LayerPlan? Infer(InferContext ctx)
    {
        var spec = (SliceLastSpec)ctx.Spec;
        if (!ctx.Positive(spec.N, "n", "n") || !ctx.NeedsSequence(spec.AttributeIndex) || !ctx.MaskFree())
        {
            return null;
        }
        if (spec.N > ctx.In.Steps)
        {
            ctx.Report(DiagnosticDescriptors.SliceOutOfRangeId, spec.AttributeIndex, "n", ctx.Who, Num(spec.N), ctx.In.ToString(), Num(ctx.In.Steps));
            return null;
        }
        return ctx.Plan with { Out = new TensorShape(spec.N, ctx.In.Features) };
    }

    private static int Skip(LayerPlan layer) => (layer.In.Steps - ((SliceLastSpec)layer.Spec).N) * layer.In.Features;

    public override void EmitForward(EmitContext ctx, LayerPlan layer) =>
        ctx.Output(layer, $"{ctx.Current}.Slice({Nb(Skip(layer))}, {Nb(layer.Out.Size)})");

    public override string OutputView(LayerPlan layer) =>
        $"a{Num(layer.Number - 1)}.Slice({Nb(Skip(layer))}, {Nb(layer.Out.Size)})";

    public override void EmitBackward(EmitContext ctx, LayerPlan layer, BackwardStep step)
    {
        if (step.Dx is null)
        {
            return;
        }
        string n = Num(layer.Number);
        ctx.If(step.Guard, () =>
        {
            ctx.W.Line($"{Span}<float> dx{n} = {step.Dx};");
            ctx.W.Line($"dx{n}.Slice(0, {Nb(Skip(layer))}).Clear();");
            ctx.W.Line($"{step.Dy}.CopyTo(dx{n}.Slice({Nb(Skip(layer))}));");
        });
    }

    public override void WriteConfig(ConfigWriter config, LayerPlan layer) => config.Int("n", ((SliceLastSpec)layer.Spec).N);
}
