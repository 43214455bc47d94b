using LstmGen.Generators.Diagnostics;
using LstmGen.Generators.Emit;
using LstmGen.Generators.Model;
using LstmGen.Generators.Validation;
using static LstmGen.Generators.Emit.EmitContext;

namespace LstmGen.Generators.Layers;

/// <summary>Embedding arguments.</summary>
internal sealed record EmbeddingSpec(int InputDim, int OutputDim, bool MaskZero) : LayerSpec
{
    public override LayerUnit Unit => EmbeddingUnit.Instance;
}

/// <summary>
/// Embedding: row look-up of each token id, time-major; with MaskZero, id 0 is padding and the mask flows to the layers
/// after it. Must come first, on token input. Weight: embeddings (inputDim, outputDim).
/// </summary>
internal sealed class EmbeddingUnit : LayerUnit
{
    public static readonly EmbeddingUnit Instance = new();

    public override string AttributeName => "EmbeddingAttribute";

    public override string KerasClass => "Embedding";

    public override string KerasName => "embedding";

    public override bool TakesTokens => true;

    public override int Vocabulary(LayerSpec spec) => ((EmbeddingSpec)spec).InputDim;

    public override LayerSpec Read(AttributeReader a) => new EmbeddingSpec(a.Int(0), a.Int(1), a.Named("MaskZero", false));

    public override string Describe(LayerSpec spec)
    {
        var s = (EmbeddingSpec)spec;
        return $"Embedding({s.InputDim}, {s.OutputDim})";
    }

    public override LayerPlan? Infer(InferContext ctx)
    {
        var spec = (EmbeddingSpec)ctx.Spec;
        if (!ctx.IsFirst || !ctx.TokenInput)
        {
            ctx.Report(DiagnosticDescriptors.EmbeddingPlacementId, spec.AttributeIndex, null, ctx.Who,
                !ctx.IsFirst ? $"it follows {ctx.From}" : $"its input is {ctx.In}");
            return null;
        }
        if (!(ctx.Positive(spec.InputDim, "inputDim", "the vocabulary size (inputDim)") &
              ctx.Positive(spec.OutputDim, "outputDim", "the embedding size (outputDim)")))
        {
            return null;
        }
        int steps = ctx.ModelInput.Features;
        LayerPlan plan = ctx.Plan with
        {
            In = new TensorShape(steps, 1),
            Out = new TensorShape(steps, spec.OutputDim),
            MaskOut = spec.MaskZero ? ctx.NewMask : null,
        };
        return ctx.AddWeight(plan, $"{plan.Name}/embeddings", "Uniform005", spec.InputDim, spec.OutputDim);
    }

    public override void EmitForward(EmitContext ctx, LayerPlan layer)
    {
        var spec = (EmbeddingSpec)layer.Spec;
        var w = ctx.W;
        string n = Num(layer.Number);
        int steps = layer.Out.Steps, dim = layer.Out.Features;
        string e = ctx.AddBuffer($"__y{n}", steps * dim, $"{layer.Name} output {layer.Out}");
        string mask = "default";
        if (spec.MaskZero)
        {
            MaskSource source = layer.MaskOut!;
            ctx.AddBuffer(source.Field, steps, "padding mask (steps, batch): 1 = token, 0 = padding", "byte");
            w.Line($"{Span}<byte> {source.Local} = new global::System.Span<byte>({source.Field}, 0, {Nb(steps)});");
            mask = source.Local;
            ctx.Mask = source.Local;
        }
        w.Line($"{Span}<float> y{n} = new global::System.Span<float>({e}, 0, {Nb(steps * dim)});");
        w.Line($"{Kernels}.Embed(tokens, {Weight(layer.Weights[0])}, y{n}, {mask}, nb, {Num(steps)}, {Num(dim)});");
        ctx.Output(layer, $"y{n}");
    }

    public override void EmitBackward(EmitContext ctx, LayerPlan layer, BackwardStep step) =>
        ctx.W.Line($"{Kernels}.EmbedBackward(tokens, {step.Dy}, {Gradient(layer.Weights[0])}, nb, {Num(layer.Out.Steps)}, {Num(layer.Out.Features)});");

    public override bool Streams(LayerPlan layer) => true;

    public override void EmitStreamStep(StreamContext ctx, LayerPlan layer)
    {
        var spec = (EmbeddingSpec)layer.Spec;
        ctx.Output(layer, $"new global::System.Span<float>(__p, {Num(layer.Weights[0].Offset)} + token * {Num(spec.OutputDim)}, {Num(spec.OutputDim)})");
        if (spec.MaskZero)
        {
            ctx.W.Line("byte keep = token == 0 ? (byte)0 : (byte)1;");
            ctx.Mask = "keep";
        }
    }

    public override void WriteConfig(ConfigWriter config, LayerPlan layer)
    {
        var spec = (EmbeddingSpec)layer.Spec;
        config.Int("input_dim", spec.InputDim);
        config.Int("output_dim", spec.OutputDim);
        config.Bool("mask_zero", spec.MaskZero);
    }
}
