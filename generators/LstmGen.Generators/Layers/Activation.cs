using LstmGen.Generators.Emit;
using LstmGen.Generators.Model;
using LstmGen.Generators.Validation;
using static LstmGen.Generators.Emit.EmitContext;

namespace LstmGen.Generators.Layers;

/// <summary>Activation layer arguments.</summary>
internal sealed record ActivationLayerSpec(ActivationKind Activation) : LayerSpec
{
    public override LayerUnit Unit => ActivationUnit.Instance;
}

/// <summary>Keras Activation: an activation element by element (softmax over the last axis). Masks pass through.</summary>
internal sealed class ActivationUnit : LayerUnit
{
    public static readonly ActivationUnit Instance = new();

    public override string AttributeName => "ActivationAttribute";

    public override string KerasClass => "Activation";

    public override string KerasName => "activation";

    public override LayerSpec Read(AttributeReader a) =>
        new ActivationLayerSpec((ActivationKind)a.EnumArgument(0, "activation", 0, ActivationInfo.Max, "Activation"));

    public override string Describe(LayerSpec spec) => $"Activation({((ActivationLayerSpec)spec).Activation})";

    public override LayerPlan? Infer(InferContext ctx) => ctx.Plan;

    public override ActivationKind? OutputActivation(LayerPlan layer) => ((ActivationLayerSpec)layer.Spec).Activation;

    public override void EmitForward(EmitContext ctx, LayerPlan layer)
    {
        var act = ((ActivationLayerSpec)layer.Spec).Activation;
        if (act == ActivationKind.Linear)
        {
            ctx.Output(layer, ctx.Current);
            return;
        }
        string n = Num(layer.Number);
        int rows = layer.In.Rows, f = layer.In.Features;
        ctx.Workspace($"y{n}", $"__y{n}", layer.Out.Size, $"{layer.Name} output {layer.Out}");
        ctx.W.Line($"{ctx.Current}.CopyTo(y{n});");
        if (ActivationInfo.NeedsInput(act))
        {
            ctx.AddBuffer($"__x{n}", layer.Out.Size, $"{layer.Name} input (for the backward pass)");
            ctx.W.Line($"{ctx.Current}.CopyTo(__x{n});");
        }
        ctx.W.Line($"{Kernels}.Activate({Activation(act)}, y{n}, {Nb(rows)}, {Num(f)});");
        ctx.Output(layer, $"y{n}");
    }

    public override string OutputView(LayerPlan layer) =>
        ((ActivationLayerSpec)layer.Spec).Activation == ActivationKind.Linear ? "a" + Num(layer.Number - 1) : base.OutputView(layer);

    public override void EmitBackward(EmitContext ctx, LayerPlan layer, BackwardStep step)
    {
        var act = ((ActivationLayerSpec)layer.Spec).Activation;
        string n = Num(layer.Number);
        int rows = layer.In.Rows, f = layer.In.Features;
        if (act != ActivationKind.Linear)
        {
            string pre = ActivationInfo.NeedsInput(act) ? $"new {ReadOnlySpan}<float>(__x{n}, 0, {Nb(layer.Out.Size)}), " : "";
            string call = $"{Kernels}.ActivationBackward({Activation(act)}, {pre}a{n}, {step.Dy}, {Nb(rows)}, {Num(f)});";
            ctx.W.Line(step.Last ? $"if (!fused) {call}" : call);
        }
        if (step.Dx is not null)
        {
            ctx.If(step.Guard, () => ctx.W.Line($"{step.Dy}.CopyTo({step.Dx});"));
        }
    }

    public override bool Streams(LayerPlan layer) => true;

    public override void EmitStreamFields(StreamContext ctx, LayerPlan layer) =>
        ctx.W.Line($"private readonly float[] _y{Num(layer.Number)} = global::LstmGen.Kernels.AllocateAligned({Num(layer.Out.Features)});");

    public override void EmitStreamStep(StreamContext ctx, LayerPlan layer)
    {
        string n = Num(layer.Number);
        ctx.W.Line($"{ctx.Current}.CopyTo(_y{n});");
        ctx.W.Line($"{Kernels}.Activate({Activation(((ActivationLayerSpec)layer.Spec).Activation)}, _y{n}, 1, {Num(layer.Out.Features)});");
        ctx.Output(layer, $"_y{n}");
    }

    public override void WriteConfig(ConfigWriter config, LayerPlan layer) =>
        config.Activation("activation", ((ActivationLayerSpec)layer.Spec).Activation);
}
