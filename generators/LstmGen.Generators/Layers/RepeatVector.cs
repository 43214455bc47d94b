using LstmGen.Generators.Diagnostics;
using LstmGen.Generators.Emit;
using LstmGen.Generators.Model;
using LstmGen.Generators.Validation;
using static LstmGen.Generators.Emit.EmitContext;

namespace LstmGen.Generators.Layers;

/// <summary>RepeatVector arguments.</summary>
internal sealed record RepeatVectorSpec(int N) : LayerSpec
{
    public override LayerUnit Unit => RepeatVectorUnit.Instance;
}

/// <summary>RepeatVector: a vector (batch, features) copied once per output step into (batch, n, features).</summary>
internal sealed class RepeatVectorUnit : LayerUnit
{
    public static readonly RepeatVectorUnit Instance = new();

    public override string AttributeName => "RepeatVectorAttribute";

    public override string KerasClass => "RepeatVector";

    public override string KerasName => "repeat_vector";

    public override LayerSpec Read(AttributeReader a) => new RepeatVectorSpec(a.Int(0));

    public override string Describe(LayerSpec spec) => $"RepeatVector({((RepeatVectorSpec)spec).N})";

    public override LayerPlan? Infer(InferContext ctx)
    {
        var spec = (RepeatVectorSpec)ctx.Spec;
        if (!ctx.Positive(spec.N, "n", "n"))
        {
            return null;
        }
        if (ctx.In.IsSequence)
        {
            ctx.Report(DiagnosticDescriptors.RepeatVectorNeedsVectorId, spec.AttributeIndex, null, ctx.Who, ctx.In.ToString(), ctx.From);
            return null;
        }
        return ctx.Plan with { Out = new TensorShape(spec.N, ctx.In.Features), MaskOut = null };
    }

    public override void EmitForward(EmitContext ctx, LayerPlan layer)
    {
        string n = Num(layer.Number);
        int f = layer.In.Features, reps = ((RepeatVectorSpec)layer.Spec).N;
        ctx.Workspace($"y{n}", $"__y{n}", reps * f, $"{layer.Name} output {layer.Out}");
        ctx.W.Line($"{Kernels}.RepeatVector({ctx.Current}, y{n}, nb, {Num(f)}, {Num(reps)});");
        ctx.Output(layer, $"y{n}");
    }

    public override void EmitBackward(EmitContext ctx, LayerPlan layer, BackwardStep step)
    {
        if (step.Dx is null)
        {
            return;
        }
        ctx.If(step.Guard, () => ctx.W.Line(
            $"{Kernels}.RepeatVectorBackward({step.Dy}, {step.Dx}, nb, {Num(layer.In.Features)}, {Num(((RepeatVectorSpec)layer.Spec).N)});"));
    }

    public override void WriteConfig(ConfigWriter config, LayerPlan layer) => config.Int("n", ((RepeatVectorSpec)layer.Spec).N);
}
