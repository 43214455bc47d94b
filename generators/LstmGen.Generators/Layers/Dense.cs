using LstmGen.Generators.Emit;
using LstmGen.Generators.Model;
using LstmGen.Generators.Validation;
using static LstmGen.Generators.Emit.EmitContext;

namespace LstmGen.Generators.Layers;

/// <summary>Dense arguments.</summary>
internal sealed record DenseSpec(int Units, ActivationKind Activation, bool UseBias) : LayerSpec
{
    public override LayerUnit Unit => DenseUnit.Instance;
}

/// <summary>
/// Dense (and TimeDistributed(Dense)): <c>activation(x · kernel + bias)</c> over the last axis, one product over every
/// row (steps × batch). Weights: kernel (in, units), bias (units). Masks pass through.
/// </summary>
internal sealed class DenseUnit : LayerUnit
{
    public static readonly DenseUnit Instance = new();

    public override string AttributeName => "DenseAttribute";

    public override string KerasClass => "Dense";

    public override string KerasName => "dense";

    public override bool Accepts(WrapperKind wrapper) => wrapper == WrapperKind.TimeDistributed;

    public override LayerSpec Read(AttributeReader a) =>
        new DenseSpec(a.Int(0), a.Activation("Activation", ActivationKind.Linear), a.Named("UseBias", true));

    public override string Describe(LayerSpec spec) => $"Dense({((DenseSpec)spec).Units})";

    public override LayerPlan? Infer(InferContext ctx)
    {
        var spec = (DenseSpec)ctx.Spec;
        if (!ctx.Positive(spec.Units, "units", "units"))
        {
            return null;
        }
        if (spec.Wrapper == WrapperKind.TimeDistributed && !ctx.NeedsSequence(spec.WrapperAttributeIndex))
        {
            return null;
        }
        LayerPlan plan = ctx.Plan with { Out = new TensorShape(ctx.In.Steps, spec.Units) };
        plan = ctx.AddWeight(plan, $"{plan.Name}/kernel", "GlorotUniform", ctx.In.Features, spec.Units);
        if (spec.UseBias)
        {
            plan = ctx.AddWeight(plan, $"{plan.Name}/bias", "Zeros", spec.Units);
        }
        return plan;
    }

    public override ActivationKind? OutputActivation(LayerPlan layer) => ((DenseSpec)layer.Spec).Activation;

    public override void EmitForward(EmitContext ctx, LayerPlan layer)
    {
        var spec = (DenseSpec)layer.Spec;
        var w = ctx.W;
        string n = Num(layer.Number);
        int rows = layer.In.Rows, inF = layer.In.Features, units = spec.Units;
        string bias = spec.UseBias ? Weight(layer.Weights[1]) : "default";
        ctx.Workspace($"y{n}", $"__y{n}", rows * units, $"{layer.Name} output {layer.Out}");
        w.Line($"{Kernels}.GemmBias({ctx.Current}, {Weight(layer.Weights[0])}, {bias}, y{n}, {Nb(rows)}, {Num(units)}, {Num(inF)});");
        if (spec.Activation != ActivationKind.Linear)
        {
            if (ActivationInfo.NeedsInput(spec.Activation))
            {
                ctx.AddBuffer($"__x{n}", rows * units, $"{layer.Name} pre-activation (for the backward pass)");
                w.Line($"y{n}.CopyTo(__x{n});");
            }
            w.Line($"{Kernels}.Activate({Activation(spec.Activation)}, y{n}, {Nb(rows)}, {Num(units)});");
        }
        ctx.Output(layer, $"y{n}");
    }

    public override void EmitBackward(EmitContext ctx, LayerPlan layer, BackwardStep step)
    {
        var spec = (DenseSpec)layer.Spec;
        var w = ctx.W;
        int rows = layer.In.Rows, inF = layer.In.Features, units = spec.Units;
        string n = Num(layer.Number);
        if (spec.Activation != ActivationKind.Linear)
        {
            string pre = ActivationInfo.NeedsInput(spec.Activation) ? $"new {ReadOnlySpan}<float>(__x{n}, 0, {Nb(rows * units)}), " : "";
            string call = $"{Kernels}.ActivationBackward({Activation(spec.Activation)}, {pre}a{n}, {step.Dy}, {Nb(rows)}, {Num(units)});";
            w.Line(step.Last ? $"if (!fused) {call}" : call);
        }
        w.Line($"{Kernels}.GemmTN({step.X}, {step.Dy}, {Gradient(layer.Weights[0])}, {Nb(rows)}, {Num(units)}, {Num(inF)}, accumulate: true);");
        if (spec.UseBias)
        {
            w.Line($"{Kernels}.AddColumnSums({step.Dy}, {Gradient(layer.Weights[1])}, {Nb(rows)}, {Num(units)});");
        }
        if (step.Dx is null)
        {
            return;
        }
        string wt = ctx.AddFixedBuffer($"__wT{n}", inF * units, $"{layer.Name} kernel transposed");
        ctx.If(step.Guard, () =>
        {
            ctx.Transposes.Add($"{Kernels}.Transpose({Weight(layer.Weights[0])}, {wt}, {Num(inF)}, {Num(units)});");
            w.Line($"{Kernels}.Gemm({step.Dy}, {wt}, {step.Dx}, {Nb(rows)}, {Num(inF)}, {Num(units)}, accumulate: false);");
        });
    }

    public override bool Streams(LayerPlan layer) => true;

    public override void EmitStreamFields(StreamContext ctx, LayerPlan layer) =>
        ctx.W.Line($"private readonly float[] _y{Num(layer.Number)} = global::LstmGen.Kernels.AllocateAligned({Num(((DenseSpec)layer.Spec).Units)});");

    public override void EmitStreamStep(StreamContext ctx, LayerPlan layer)
    {
        var spec = (DenseSpec)layer.Spec;
        string n = Num(layer.Number);
        string bias = spec.UseBias ? Weight(layer.Weights[1]) : "default";
        ctx.W.Line($"{Kernels}.GemmBias({ctx.Current}, {Weight(layer.Weights[0])}, {bias}, _y{n}, 1, {Num(spec.Units)}, {Num(layer.In.Features)});");
        if (spec.Activation != ActivationKind.Linear)
        {
            ctx.W.Line($"{Kernels}.Activate({Activation(spec.Activation)}, _y{n}, 1, {Num(spec.Units)});");
        }
        ctx.Output(layer, $"_y{n}");
    }

    public override void WriteConfig(ConfigWriter config, LayerPlan layer)
    {
        var spec = (DenseSpec)layer.Spec;
        config.Int("units", spec.Units);
        config.Activation("activation", spec.Activation);
        config.Bool("use_bias", spec.UseBias);
    }
}
