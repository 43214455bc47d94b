using LstmGen.Generators.Diagnostics;
using LstmGen.Generators.Emit;
using LstmGen.Generators.Model;
using LstmGen.Generators.Validation;
using static LstmGen.Generators.Emit.EmitContext;

namespace LstmGen.Generators.Layers;

/// <summary>BatchNormalization and LayerNormalization arguments (momentum is BatchNormalization's).</summary>
internal sealed record NormalizationSpec(bool Batch, int Axis, double Momentum, double Epsilon, bool Center, bool Scale) : LayerSpec
{
    public override LayerUnit Unit => Batch ? BatchNormalizationUnit.Instance : LayerNormalizationUnit.Instance;
}

/// <summary>The shape rule and weights both normalisations share: the last axis, gamma and beta over the features.</summary>
internal abstract class NormalizationUnit : LayerUnit
{
    protected abstract bool Batch { get; }

    public override LayerSpec Read(AttributeReader a) => new NormalizationSpec(Batch, a.Named("Axis", -1), a.NamedDouble("Momentum", 0.99),
        a.NamedDouble("Epsilon", 1e-3), a.Named("Center", true), a.Named("Scale", true));

    public override string Describe(LayerSpec spec) => DisplayName + "()";

    public override LayerPlan? Infer(InferContext ctx)
    {
        var spec = (NormalizationSpec)ctx.Spec;
        int last = ctx.In.IsSequence ? 2 : 1;
        if (spec.Axis != -1 && spec.Axis != last)
        {
            ctx.Report(DiagnosticDescriptors.UnsupportedAxisId, spec.AttributeIndex, "Axis", ctx.Who, InferContext.Num(spec.Axis), ctx.In.ToString());
            return null;
        }
        if (!(spec.Epsilon > 0))
        {
            ctx.Report(DiagnosticDescriptors.IncompatibleArgumentsId, spec.AttributeIndex, "Epsilon", ctx.Who, "Epsilon must be positive");
            return null;
        }
        if (Batch && !(spec.Momentum >= 0 && spec.Momentum <= 1))
        {
            ctx.Report(DiagnosticDescriptors.IncompatibleArgumentsId, spec.AttributeIndex, "Momentum", ctx.Who, "Momentum must be in [0, 1]");
            return null;
        }
        int f = ctx.In.Features;
        LayerPlan plan = ctx.Plan;
        if (spec.Scale) plan = ctx.AddWeight(plan, $"{plan.Name}/gamma", "Ones", f);
        if (spec.Center) plan = ctx.AddWeight(plan, $"{plan.Name}/beta", "Zeros", f);
        if (Batch)
        {
            plan = ctx.AddWeight(plan, $"{plan.Name}/moving_mean", "Zeros", trainable: false, f);
            plan = ctx.AddWeight(plan, $"{plan.Name}/moving_variance", "Ones", trainable: false, f);
        }
        return plan;
    }

    /// <summary>The gamma and beta views (or default), and the index of the first moving statistic.</summary>
    protected static (string Gamma, string Beta, int Next) Affine(LayerPlan layer, bool gradient = false)
    {
        var spec = (NormalizationSpec)layer.Spec;
        int i = 0;
        string gamma = spec.Scale ? (gradient ? Gradient(layer.Weights[i++]) : Weight(layer.Weights[i++])) : "default";
        string beta = spec.Center ? (gradient ? Gradient(layer.Weights[i++]) : Weight(layer.Weights[i++])) : "default";
        return (gamma, beta, i);
    }

    /// <summary>Where the input gradient goes: the span, or default when it is not wanted.</summary>
    protected static string Dx(BackwardStep step) =>
        step.Dx is null ? "default" : step.Guard == "true" ? step.Dx : $"{step.Guard} ? {step.Dx} : default";

    public override void WriteConfig(ConfigWriter config, LayerPlan layer)
    {
        var spec = (NormalizationSpec)layer.Spec;
        config.Int("axis", -1);
        if (Batch) config.Double("momentum", spec.Momentum);
        config.Double("epsilon", spec.Epsilon);
        config.Bool("center", spec.Center);
        config.Bool("scale", spec.Scale);
    }
}

/// <summary>
/// BatchNormalization over the features of every row (steps × batch): the moving statistics in inference, the batch's in
/// training (unmasked rows where a mask flows), which also moves the moving statistics — only in the model itself, not
/// in its replicas (which share its weights), so that parallel training stays deterministic. Masks pass through.
/// </summary>
internal sealed class BatchNormalizationUnit : NormalizationUnit
{
    public static readonly BatchNormalizationUnit Instance = new();

    protected override bool Batch => true;

    public override string AttributeName => "BatchNormalizationAttribute";

    public override string KerasClass => "BatchNormalization";

    public override string KerasName => "batch_normalization";

    public override bool IsStochastic(LayerPlan layer) => true;

    public override bool NeedsWholeBatchInTraining => true;

    private static string Mask(LayerPlan layer) => layer.MaskIn?.Local ?? "default";

    public override void EmitForward(EmitContext ctx, LayerPlan layer)
    {
        var spec = (NormalizationSpec)layer.Spec;
        string n = Num(layer.Number);
        int rows = layer.In.Rows, f = layer.In.Features;
        (string gamma, string beta, int next) = Affine(layer);
        ctx.Workspace($"y{n}", $"__y{n}", layer.Out.Size, $"{layer.Name} output {layer.Out}");
        ctx.Workspace($"xh{n}", $"__xh{n}", layer.Out.Size, $"{layer.Name} normalised input (for the backward pass)");
        string mean = ctx.AddFixedBuffer($"__bm{n}", f, $"{layer.Name} mean used (batch or moving)");
        string inv = ctx.AddFixedBuffer($"__bs{n}", f, $"{layer.Name} 1/sigma used");
        ctx.W.Line($"{Kernels}.BatchNorm({ctx.Current}, y{n}, xh{n}, {mean}, {inv}, {gamma}, {beta}, {Weight(layer.Weights[next])}, {Weight(layer.Weights[next + 1])}, {Nb(rows)}, {Num(f)}, {Float(spec.Epsilon)}, {Float(spec.Momentum)}, training, updateMoving: training && __replica == 0, {Mask(layer)});");
        ctx.Output(layer, $"y{n}");
    }

    public override void EmitBackward(EmitContext ctx, LayerPlan layer, BackwardStep step)
    {
        string n = Num(layer.Number);
        int rows = layer.In.Rows, f = layer.In.Features;
        (string gamma, _, _) = Affine(layer);
        (string dGamma, string dBeta, _) = Affine(layer, gradient: true);
        ctx.W.Line($"{Kernels}.BatchNormBackward({step.Dy}, new {ReadOnlySpan}<float>(__xh{n}, 0, {Nb(layer.Out.Size)}), __bs{n}, {gamma}, {Dx(step)}, {dGamma}, {dBeta}, {Nb(rows)}, {Num(f)}, training, {Mask(layer)});");
    }

    public override bool Streams(LayerPlan layer) => true;

    public override void EmitStreamFields(StreamContext ctx, LayerPlan layer)
    {
        string n = Num(layer.Number), f = Num(layer.In.Features);
        ctx.W.Line($"private readonly float[] _y{n} = global::LstmGen.Kernels.AllocateAligned({f});");
        ctx.W.Line($"private readonly float[] _xh{n} = new float[{f}];");
        ctx.W.Line($"private readonly float[] _bm{n} = new float[{f}];");
        ctx.W.Line($"private readonly float[] _bs{n} = new float[{f}];");
    }

    public override void EmitStreamStep(StreamContext ctx, LayerPlan layer)
    {
        var spec = (NormalizationSpec)layer.Spec;
        string n = Num(layer.Number);
        (string gamma, string beta, int next) = Affine(layer);
        ctx.W.Line($"{Kernels}.BatchNorm({ctx.Current}, _y{n}, _xh{n}, _bm{n}, _bs{n}, {gamma}, {beta}, {Weight(layer.Weights[next])}, {Weight(layer.Weights[next + 1])}, 1, {Num(layer.In.Features)}, {Float(spec.Epsilon)}, {Float(spec.Momentum)}, training: false, updateMoving: false, default);");
        ctx.Output(layer, $"_y{n}");
    }
}

/// <summary>LayerNormalization of every row (one step of one sample) over its features. Masks pass through.</summary>
internal sealed class LayerNormalizationUnit : NormalizationUnit
{
    public static readonly LayerNormalizationUnit Instance = new();

    protected override bool Batch => false;

    public override string AttributeName => "LayerNormalizationAttribute";

    public override string KerasClass => "LayerNormalization";

    public override string KerasName => "layer_normalization";

    public override void EmitForward(EmitContext ctx, LayerPlan layer)
    {
        var spec = (NormalizationSpec)layer.Spec;
        string n = Num(layer.Number);
        int rows = layer.In.Rows, f = layer.In.Features;
        (string gamma, string beta, _) = Affine(layer);
        ctx.Workspace($"y{n}", $"__y{n}", layer.Out.Size, $"{layer.Name} output {layer.Out}");
        ctx.Workspace($"xh{n}", $"__xh{n}", layer.Out.Size, $"{layer.Name} normalised input (for the backward pass)");
        ctx.Workspace($"ls{n}", $"__ls{n}", rows, $"{layer.Name} 1/sigma of each row");
        ctx.W.Line($"{Kernels}.LayerNorm({ctx.Current}, y{n}, xh{n}, ls{n}, {gamma}, {beta}, {Nb(rows)}, {Num(f)}, {Float(spec.Epsilon)});");
        ctx.Output(layer, $"y{n}");
    }

    public override void EmitBackward(EmitContext ctx, LayerPlan layer, BackwardStep step)
    {
        string n = Num(layer.Number);
        int rows = layer.In.Rows, f = layer.In.Features;
        (string gamma, _, _) = Affine(layer);
        (string dGamma, string dBeta, _) = Affine(layer, gradient: true);
        ctx.W.Line($"{Kernels}.LayerNormBackward({step.Dy}, new {ReadOnlySpan}<float>(__xh{n}, 0, {Nb(layer.Out.Size)}), new {ReadOnlySpan}<float>(__ls{n}, 0, {Nb(rows)}), {gamma}, {Dx(step)}, {dGamma}, {dBeta}, {Nb(rows)}, {Num(f)});");
    }

    public override bool Streams(LayerPlan layer) => true;

    public override void EmitStreamFields(StreamContext ctx, LayerPlan layer)
    {
        string n = Num(layer.Number), f = Num(layer.In.Features);
        ctx.W.Line($"private readonly float[] _y{n} = global::LstmGen.Kernels.AllocateAligned({f});");
        ctx.W.Line($"private readonly float[] _xh{n} = new float[{f}];");
        ctx.W.Line($"private readonly float[] _ls{n} = new float[1];");
    }

    public override void EmitStreamStep(StreamContext ctx, LayerPlan layer)
    {
        var spec = (NormalizationSpec)layer.Spec;
        string n = Num(layer.Number);
        (string gamma, string beta, _) = Affine(layer);
        ctx.W.Line($"{Kernels}.LayerNorm({ctx.Current}, _y{n}, _xh{n}, _ls{n}, {gamma}, {beta}, 1, {Num(layer.In.Features)}, {Float(spec.Epsilon)});");
        ctx.Output(layer, $"_y{n}");
    }
}

/// <summary>Masking arguments.</summary>
internal sealed record MaskingSpec(double MaskValue) : LayerSpec
{
    public override LayerUnit Unit => MaskingUnit.Instance;
}

/// <summary>
/// Keras Masking on a float sequence: steps whose features all equal the mask value are zeroed and masked; the mask flows
/// to the layers after it (recurrent layers carry their state over masked steps), replacing any mask before it.
/// </summary>
internal sealed class MaskingUnit : LayerUnit
{
    public static readonly MaskingUnit Instance = new();

    public override string AttributeName => "MaskingAttribute";

    public override string KerasClass => "Masking";

    public override string KerasName => "masking";

    public override LayerSpec Read(AttributeReader a) => new MaskingSpec(a.Double(0, 0));

    public override string Describe(LayerSpec spec) => $"Masking({((MaskingSpec)spec).MaskValue.ToString("R", System.Globalization.CultureInfo.InvariantCulture)})";

    public override LayerPlan? Infer(InferContext ctx) =>
        ctx.NeedsSequence(ctx.Spec.AttributeIndex) ? ctx.Plan with { MaskOut = ctx.NewMask } : null;

    public override void EmitForward(EmitContext ctx, LayerPlan layer)
    {
        string n = Num(layer.Number);
        MaskSource mask = layer.MaskOut!;
        int steps = layer.In.Steps, f = layer.In.Features;
        ctx.Workspace($"y{n}", $"__y{n}", layer.Out.Size, $"{layer.Name} output {layer.Out}");
        ctx.AddBuffer(mask.Field, steps, $"{layer.Name} mask (steps, batch): 1 = a step, 0 = masked", "byte");
        ctx.W.Line($"{Span}<byte> {mask.Local} = new global::System.Span<byte>({mask.Field}, 0, {Nb(steps)});");
        ctx.W.Line($"{Kernels}.Masking({ctx.Current}, y{n}, {mask.Local}, {Nb(steps)}, {Num(f)}, {Float(((MaskingSpec)layer.Spec).MaskValue)});");
        ctx.Mask = mask.Local;
        ctx.Output(layer, $"y{n}");
    }

    public override void EmitBackward(EmitContext ctx, LayerPlan layer, BackwardStep step)
    {
        if (step.Dx is null)
        {
            return;
        }
        MaskSource mask = layer.MaskOut!;
        ctx.If(step.Guard, () => ctx.W.Line(
            $"{Kernels}.MaskingBackward({step.Dy}, {step.Dx}, new {ReadOnlySpan}<byte>({mask.Field}, 0, {Nb(layer.In.Steps)}), {Nb(layer.In.Steps)}, {Num(layer.In.Features)});"));
    }

    public override bool Streams(LayerPlan layer) => true;

    public override void EmitStreamFields(StreamContext ctx, LayerPlan layer)
    {
        string n = Num(layer.Number);
        ctx.W.Line($"private readonly float[] _y{n} = global::LstmGen.Kernels.AllocateAligned({Num(layer.In.Features)});");
        ctx.W.Line($"private readonly byte[] _k{n} = new byte[1];");
    }

    public override void EmitStreamStep(StreamContext ctx, LayerPlan layer)
    {
        string n = Num(layer.Number);
        ctx.W.Line($"{Kernels}.Masking({ctx.Current}, _y{n}, _k{n}, 1, {Num(layer.In.Features)}, {Float(((MaskingSpec)layer.Spec).MaskValue)});");
        ctx.W.Line($"byte keep{n} = _k{n}[0];");
        ctx.Mask = $"keep{n}";
        ctx.Output(layer, $"_y{n}");
    }

    public override void WriteConfig(ConfigWriter config, LayerPlan layer) => config.Double("mask_value", ((MaskingSpec)layer.Spec).MaskValue);
}
