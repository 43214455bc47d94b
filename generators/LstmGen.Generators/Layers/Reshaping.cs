using System.Globalization;
using LstmGen.Generators.Diagnostics;
using LstmGen.Generators.Emit;
using LstmGen.Generators.Helpers;
using LstmGen.Generators.Model;
using LstmGen.Generators.Validation;
using static LstmGen.Generators.Emit.EmitContext;

namespace LstmGen.Generators.Layers;

/// <summary>Flatten (no arguments).</summary>
internal sealed record FlattenSpec : LayerSpec
{
    public override LayerUnit Unit => FlattenUnit.Instance;
}

/// <summary>Reshape's target shape as written (one entry may be -1).</summary>
internal sealed record ReshapeSpec(EquatableArray<int> TargetShape) : LayerSpec
{
    public override LayerUnit Unit => ReshapeUnit.Instance;
}

/// <summary>
/// Flatten and Reshape share their code: the values of a sample keep their row-major order, so in the time-major layout a
/// reshape is a change of layout (time-major to batch-major and back) rather than arithmetic. Masks stop here.
/// </summary>
internal abstract class RearrangeUnit : LayerUnit
{
    public override void EmitForward(EmitContext ctx, LayerPlan layer)
    {
        var w = ctx.W;
        string n = Num(layer.Number);
        TensorShape i = layer.In, o = layer.Out;
        if (!i.IsSequence && !o.IsSequence)
        {
            ctx.Output(layer, ctx.Current); // a vector stays a vector: the same values
            return;
        }
        ctx.Workspace($"y{n}", $"__y{n}", o.Size, $"{layer.Name} output {o}");
        if (i.IsSequence && o.IsSequence)
        {
            ctx.AddBuffer($"__r{n}", i.Size, $"{layer.Name} input, batch-major");
            w.Line($"{Span}<float> r{n} = new {Span}<float>(__r{n}, 0, {Nb(i.Size)});");
            w.Line($"if (nb == 1) {ctx.Current}.CopyTo(y{n}); else {{ {Kernels}.ToBatchMajor({ctx.Current}, r{n}, nb, {Num(i.Steps)}, {Num(i.Features)}); {Kernels}.ToTimeMajor(r{n}, y{n}, nb, {Num(o.Steps)}, {Num(o.Features)}); }}");
        }
        else if (i.IsSequence)
        {
            w.Line($"if (nb == 1) {ctx.Current}.CopyTo(y{n}); else {Kernels}.ToBatchMajor({ctx.Current}, y{n}, nb, {Num(i.Steps)}, {Num(i.Features)});");
        }
        else
        {
            w.Line($"if (nb == 1) {ctx.Current}.CopyTo(y{n}); else {Kernels}.ToTimeMajor({ctx.Current}, y{n}, nb, {Num(o.Steps)}, {Num(o.Features)});");
        }
        ctx.Output(layer, $"y{n}");
    }

    public override string OutputView(LayerPlan layer) =>
        !layer.In.IsSequence && !layer.Out.IsSequence ? "a" + Num(layer.Number - 1) : base.OutputView(layer);

    public override void EmitBackward(EmitContext ctx, LayerPlan layer, BackwardStep step)
    {
        if (step.Dx is null)
        {
            return;
        }
        string n = Num(layer.Number);
        TensorShape i = layer.In, o = layer.Out;
        ctx.If(step.Guard, () =>
        {
            var w = ctx.W;
            if (!i.IsSequence && !o.IsSequence)
            {
                w.Line($"{step.Dy}.CopyTo({step.Dx});");
            }
            else if (i.IsSequence && o.IsSequence)
            {
                w.Line($"{Span}<float> dr{n} = new {Span}<float>(__r{n}, 0, {Nb(i.Size)});");
                w.Line($"if (nb == 1) {step.Dy}.CopyTo({step.Dx}); else {{ {Kernels}.ToBatchMajor({step.Dy}, dr{n}, nb, {Num(o.Steps)}, {Num(o.Features)}); {Kernels}.ToTimeMajor(dr{n}, {step.Dx}, nb, {Num(i.Steps)}, {Num(i.Features)}); }}");
            }
            else if (i.IsSequence)
            {
                w.Line($"if (nb == 1) {step.Dy}.CopyTo({step.Dx}); else {Kernels}.ToTimeMajor({step.Dy}, {step.Dx}, nb, {Num(i.Steps)}, {Num(i.Features)});");
            }
            else
            {
                w.Line($"if (nb == 1) {step.Dy}.CopyTo({step.Dx}); else {Kernels}.ToBatchMajor({step.Dy}, {step.Dx}, nb, {Num(o.Steps)}, {Num(o.Features)});");
            }
        });
    }
}

/// <summary>Keras Flatten: (steps, features) to (steps·features); a vector stays as it is.</summary>
internal sealed class FlattenUnit : RearrangeUnit
{
    public static readonly FlattenUnit Instance = new();

    public override string AttributeName => "FlattenAttribute";

    public override string KerasClass => "Flatten";

    public override string KerasName => "flatten";

    public override LayerSpec Read(AttributeReader a) => new FlattenSpec();

    public override string Describe(LayerSpec spec) => "Flatten()";

    public override LayerPlan? Infer(InferContext ctx) => ctx.Plan with { Out = new TensorShape(0, ctx.In.Size), MaskOut = null };

    public override void WriteConfig(ConfigWriter config, LayerPlan layer)
    {
    }
}

/// <summary>Keras Reshape to (features) or (steps, features), one size possibly -1, the element count checked.</summary>
internal sealed class ReshapeUnit : RearrangeUnit
{
    public static readonly ReshapeUnit Instance = new();

    public override string AttributeName => "ReshapeAttribute";

    public override string KerasClass => "Reshape";

    public override string KerasName => "reshape";

    public override LayerSpec Read(AttributeReader a) => new ReshapeSpec(new EquatableArray<int>(a.Ints()));

    public override string Describe(LayerSpec spec) => "Reshape(" + string.Join(", ", ((ReshapeSpec)spec).TargetShape) + ")";

    public override LayerPlan? Infer(InferContext ctx)
    {
        var spec = (ReshapeSpec)ctx.Spec;
        EquatableArray<int> target = spec.TargetShape;
        string written = "(" + string.Join(", ", target) + ")";
        void Fail(string why) => ctx.Report(DiagnosticDescriptors.ReshapeSizeMismatchId, spec.AttributeIndex, null, ctx.Who, why);
        if (target.Count is < 1 or > 2)
        {
            Fail($"the target shape {written} has {target.Count} dimensions; a sample is (features) or (steps, features)");
            return null;
        }
        int unknown = -1;
        long known = 1;
        for (int d = 0; d < target.Count; d++)
        {
            if (target[d] == -1 && unknown < 0)
            {
                unknown = d;
            }
            else if (target[d] <= 0)
            {
                Fail($"the target shape {written} has size {target[d].ToString(CultureInfo.InvariantCulture)}; sizes are positive, and one may be -1");
                return null;
            }
            else
            {
                known *= target[d];
            }
        }
        long size = ctx.In.Size;
        int[] shape = new int[target.Count];
        for (int d = 0; d < target.Count; d++) shape[d] = target[d];
        if (unknown >= 0)
        {
            if (size % known != 0)
            {
                Fail($"the input {ctx.In} holds {size.ToString(CultureInfo.InvariantCulture)} values per sample, which the target shape {written} cannot divide into whole {known.ToString(CultureInfo.InvariantCulture)}s");
                return null;
            }
            shape[unknown] = (int)(size / known);
        }
        else if (known != size)
        {
            Fail($"the target shape {written} holds {known.ToString(CultureInfo.InvariantCulture)} values, but its input {ctx.In} holds {size.ToString(CultureInfo.InvariantCulture)} per sample");
            return null;
        }
        TensorShape output = shape.Length == 2 ? new TensorShape(shape[0], shape[1]) : new TensorShape(0, shape[0]);
        return ctx.Plan with { Out = output, MaskOut = null };
    }

    public override void WriteConfig(ConfigWriter config, LayerPlan layer) =>
        config.Ints("target_shape", layer.Out.IsSequence ? new[] { layer.Out.Steps, layer.Out.Features } : new[] { layer.Out.Features });
}
