using LstmGen.Generators.Diagnostics;
using LstmGen.Generators.Emit;
using LstmGen.Generators.Model;
using LstmGen.Generators.Validation;
using static LstmGen.Generators.Emit.EmitContext;

namespace LstmGen.Generators.Layers;

/// <summary>Dropout and SpatialDropout1D arguments.</summary>
internal sealed record DropoutSpec(double Rate, int? Seed, bool Spatial) : LayerSpec
{
    public override LayerUnit Unit => Spatial ? SpatialDropout1DUnit.Instance : DropoutUnit.Instance;
}

/// <summary>
/// Keras Dropout: in training each value is kept with probability 1 - rate and scaled by 1 / (1 - rate) (the mask is kept
/// for the backward pass); the identity otherwise, and in streams. Masks pass through.
/// </summary>
internal class DropoutUnit : LayerUnit
{
    public static readonly DropoutUnit Instance = new();

    public override string AttributeName => "DropoutAttribute";

    public override string KerasClass => "Dropout";

    public override string KerasName => "dropout";

    /// <summary>Elements of one sample's mask: the whole tensor (Dropout) or one value per feature (SpatialDropout1D).</summary>
    protected virtual int MaskLength(LayerPlan layer) => layer.In.Size;

    public override LayerSpec Read(AttributeReader a) =>
        new DropoutSpec(a.Double(0), a.Has("Seed") ? a.Named("Seed", 0) : null, this is SpatialDropout1DUnit);

    public override string Describe(LayerSpec spec) =>
        $"{DisplayName}({((DropoutSpec)spec).Rate.ToString("R", System.Globalization.CultureInfo.InvariantCulture)})";

    public override LayerPlan? Infer(InferContext ctx)
    {
        var spec = (DropoutSpec)ctx.Spec;
        if (!CheckRate(ctx, spec.Rate, "rate"))
        {
            return null;
        }
        if (spec.Spatial && !ctx.NeedsSequence(spec.AttributeIndex))
        {
            return null;
        }
        return ctx.Plan;
    }

    /// <summary>LSTMGEN116 unless 0 ≤ rate &lt; 1.</summary>
    public static bool CheckRate(InferContext ctx, double rate, string argument)
    {
        if (rate >= 0 && rate < 1)
        {
            return true;
        }
        ctx.Report(DiagnosticDescriptors.DropoutRateOutOfRangeId, ctx.Spec.AttributeIndex, argument, ctx.Who, argument,
            rate.ToString("R", System.Globalization.CultureInfo.InvariantCulture));
        return false;
    }

    public override bool IsStochastic(LayerPlan layer) => ((DropoutSpec)layer.Spec).Rate > 0;

    public override void EmitForward(EmitContext ctx, LayerPlan layer)
    {
        var spec = (DropoutSpec)layer.Spec;
        if (!(spec.Rate > 0))
        {
            ctx.Output(layer, ctx.Current);
            return;
        }
        var w = ctx.W;
        string n = Num(layer.Number);
        int size = layer.In.Size, maskLength = MaskLength(layer);
        ctx.AddBuffer($"__m{n}", maskLength, $"{layer.Name} dropout mask");
        ctx.AddBuffer($"__y{n}", size, $"{layer.Name} output in training {layer.Out}");
        string input = ctx.Current;
        ctx.Output(layer, input);
        w.Open("if (training)");
        w.Line($"{Span}<float> m{n} = new {Span}<float>(__m{n}, 0, {Nb(maskLength)});");
        w.Line($"{Kernels}.DropoutMask(m{n}, {Float(spec.Rate)}, {DropoutKey(layer.Name + "/dropout", spec.Seed)}, __calls);");
        w.Line($"{Span}<float> y{n} = new {Span}<float>(__y{n}, 0, {Nb(size)});");
        w.Line(Apply(layer, input, $"m{n}", $"y{n}"));
        w.Line($"a{n} = y{n};");
        w.Close();
    }

    /// <summary>The statement that multiplies <paramref name="x"/> by the mask into <paramref name="y"/>.</summary>
    protected virtual string Apply(LayerPlan layer, string x, string mask, string y) =>
        $"global::System.Numerics.Tensors.TensorPrimitives.Multiply({x}, {mask}, {y});";

    public override string OutputView(LayerPlan layer)
    {
        string previous = "a" + Num(layer.Number - 1);
        return ((DropoutSpec)layer.Spec).Rate > 0
            ? $"training ? new {ReadOnlySpan}<float>(__y{Num(layer.Number)}, 0, {Nb(layer.Out.Size)}) : {previous}"
            : previous;
    }

    public override void EmitBackward(EmitContext ctx, LayerPlan layer, BackwardStep step)
    {
        if (step.Dx is null)
        {
            return;
        }
        var spec = (DropoutSpec)layer.Spec;
        string mask = $"new {ReadOnlySpan}<float>(__m{Num(layer.Number)}, 0, {Nb(MaskLength(layer))})";
        ctx.If(step.Guard, () => ctx.W.Line(spec.Rate > 0
            ? $"if (training) {Apply(layer, step.Dy, mask, step.Dx)} else {step.Dy}.CopyTo({step.Dx});"
            : $"{step.Dy}.CopyTo({step.Dx});"));
    }

    public override bool Streams(LayerPlan layer) => true;

    public override void EmitStreamStep(StreamContext ctx, LayerPlan layer) => ctx.Output(layer, ctx.Current);

    public override void WriteConfig(ConfigWriter config, LayerPlan layer)
    {
        var spec = (DropoutSpec)layer.Spec;
        config.Double("rate", spec.Rate);
        if (spec.Seed is int seed)
        {
            config.Int("seed", seed);
        }
    }
}

/// <summary>Keras SpatialDropout1D: Dropout that drops whole features of a sequence, the same at every step.</summary>
internal sealed class SpatialDropout1DUnit : DropoutUnit
{
    public static new readonly SpatialDropout1DUnit Instance = new();

    public override string AttributeName => "SpatialDropout1DAttribute";

    public override string KerasClass => "SpatialDropout1D";

    public override string KerasName => "spatial_dropout1d";

    protected override int MaskLength(LayerPlan layer) => layer.In.Features;

    protected override string Apply(LayerPlan layer, string x, string mask, string y) =>
        $"{Kernels}.MultiplyBlocks({x}, {mask}, {y}, {Num(layer.In.Steps)});";
}
