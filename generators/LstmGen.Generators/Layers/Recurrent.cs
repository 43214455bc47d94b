using System.Collections.Generic;
using LstmGen.Generators.Diagnostics;
using LstmGen.Generators.Emit;
using LstmGen.Generators.Model;
using LstmGen.Generators.Validation;
using static LstmGen.Generators.Emit.EmitContext;

namespace LstmGen.Generators.Layers;

/// <summary>The arguments every recurrent layer shares (Keras's RNN arguments); each cell adds its own.</summary>
internal abstract record RecurrentSpec : LayerSpec
{
    public int Units { get; init; }
    public bool ReturnSequences { get; init; }
    public bool ReturnState { get; init; }
    public bool GoBackwards { get; init; }
    public ActivationKind Activation { get; init; } = ActivationKind.Tanh;
    public ActivationKind RecurrentActivation { get; init; } = ActivationKind.Sigmoid;
    public bool UseBias { get; init; } = true;

    /// <summary>Keras <c>dropout</c>: fraction of the input features dropped (one mask per sequence).</summary>
    public double Dropout { get; init; }

    /// <summary>Keras <c>recurrent_dropout</c>: fraction of the state dropped before the recurrent product (one mask per sequence).</summary>
    public double RecurrentDropout { get; init; }

    /// <summary>The dropout seed when set (<c>Seed = ...</c>), else null: derived from the model's seed and the layer name.</summary>
    public int? Seed { get; init; }
}

/// <summary>
/// What LSTM, GRU and SimpleRNN share: reading the RNN arguments, the shape rule (a sequence in; the last output, or every
/// step's with ReturnSequences; final states with ReturnState), Bidirectional (two directions and a merge), masks (a
/// masked step carries the state), unrolling, streaming, and the Keras config. A cell supplies its weights, its step
/// (forward, backward, stream) and its states.
/// </summary>
internal abstract class RecurrentUnit : LayerUnit
{
    public override bool Accepts(WrapperKind wrapper) => wrapper == WrapperKind.Bidirectional;

    /// <summary>Gate blocks per step (LSTM 4, GRU 3, SimpleRNN 1): the width of the input projection is this × units.</summary>
    protected abstract int Gates { get; }

    /// <summary>Whether the cell has a recurrent activation argument (SimpleRNN does not).</summary>
    protected virtual bool HasRecurrentActivation => true;

    /// <summary>Weights of one direction (kernel, recurrent kernel, bias), named under <paramref name="prefix"/>.</summary>
    protected abstract LayerPlan AddWeights(InferContext ctx, LayerPlan plan, string prefix, int inputFeatures);

    /// <summary>Weights per direction.</summary>
    protected static int WeightsPerDirection(LayerPlan layer) =>
        layer.Spec.Wrapper == WrapperKind.Bidirectional ? layer.Weights.Length / 2 : layer.Weights.Length;

    /// <summary>Reads the arguments every recurrent attribute has into <paramref name="spec"/>.</summary>
    protected static T ReadCommon<T>(AttributeReader a, T spec)
        where T : RecurrentSpec =>
        spec with
        {
            Units = a.Int(0),
            ReturnSequences = a.Named("ReturnSequences", false),
            ReturnState = a.Named("ReturnState", false),
            GoBackwards = a.Named("GoBackwards", false),
            Activation = a.Activation("Activation", ActivationKind.Tanh),
            RecurrentActivation = a.Activation("RecurrentActivation", ActivationKind.Sigmoid),
            UseBias = a.Named("UseBias", true),
            Dropout = a.NamedDouble("Dropout", 0),
            RecurrentDropout = a.NamedDouble("RecurrentDropout", 0),
            Seed = a.Has("Seed") ? a.Named("Seed", 0) : null,
        };

    public override string Describe(LayerSpec spec) => $"{DisplayName}({((RecurrentSpec)spec).Units})";

    public override LayerPlan? Infer(InferContext ctx)
    {
        var spec = (RecurrentSpec)ctx.Spec;
        bool ok = ctx.Positive(spec.Units, "units", "units");
        if (!ActivationInfo.IsElementwise(spec.Activation))
        {
            ctx.Report(DiagnosticDescriptors.InvalidRecurrentActivationId, spec.AttributeIndex, "Activation", ctx.Who, "Activation");
            ok = false;
        }
        if (HasRecurrentActivation && !ActivationInfo.IsElementwise(spec.RecurrentActivation))
        {
            ctx.Report(DiagnosticDescriptors.InvalidRecurrentActivationId, spec.AttributeIndex, "RecurrentActivation", ctx.Who, "RecurrentActivation");
            ok = false;
        }
        ok &= DropoutUnit.CheckRate(ctx, spec.Dropout, "Dropout");
        ok &= DropoutUnit.CheckRate(ctx, spec.RecurrentDropout, "RecurrentDropout");
        if (spec.ReturnState && (!ctx.IsLast || spec.Wrapper != WrapperKind.None))
        {
            ctx.Report(DiagnosticDescriptors.ReturnStateNotLastId, spec.AttributeIndex, "ReturnState", ctx.Who);
            ok = false;
        }
        if (!ctx.In.IsSequence)
        {
            string fix = ctx.Producer is { Spec: RecurrentSpec { ReturnSequences: false } } producer
                ? $": set ReturnSequences = true on '{producer.Name}'"
                : "";
            ctx.Report(DiagnosticDescriptors.RecurrentNeedsSequenceId, spec.PrimaryAttributeIndex, null, ctx.Who, ctx.In.ToString(), ctx.From, fix);
            ok = false;
        }
        if (!ok)
        {
            return null;
        }
        int units = spec.Units;
        bool bidirectional = spec.Wrapper == WrapperKind.Bidirectional;
        int features = bidirectional && spec.MergeMode == MergeModeKind.Concat ? 2 * units : units;
        LayerPlan plan = ctx.Plan with
        {
            Out = spec.ReturnSequences ? new TensorShape(ctx.In.Steps, features) : new TensorShape(0, features),
            MaskOut = spec.ReturnSequences ? ctx.Plan.MaskIn : null, // without sequences the mask is consumed
        };
        foreach (string prefix in bidirectional ? new[] { $"{plan.Name}/forward_{plan.InnerName}", $"{plan.Name}/backward_{plan.InnerName}" } : new[] { plan.Name })
        {
            plan = AddWeights(ctx, plan, prefix, ctx.In.Features);
        }
        return plan with { Unrolled = ctx.Unroll(ctx.In.Steps) };
    }

    public override IEnumerable<(string What, long Size)> Workspaces(LayerPlan layer)
    {
        yield return ("its gates (per sample)", (long)System.Math.Max(layer.In.Steps, 1) * Gates * ((RecurrentSpec)layer.Spec).Units);
    }

    // ---- Forward ---------------------------------------------------------------------------------------------------

    public override void EmitForward(EmitContext ctx, LayerPlan layer)
    {
        string n = Num(layer.Number);
        var spec = (RecurrentSpec)layer.Spec;
        int steps = layer.In.Steps, units = spec.Units;
        if (spec.Wrapper != WrapperKind.Bidirectional)
        {
            EmitDirection(ctx, layer, n, 0, spec.GoBackwards);
            ctx.Output(layer, spec.ReturnSequences ? $"h{n}" : $"h{n}.Slice({Nb((steps - 1) * units)}, {Nb(units)})");
            return;
        }

        string input = ctx.Current;
        EmitDirection(ctx, layer, n + "f", 0, backwards: spec.GoBackwards);
        ctx.Current = input;
        EmitDirection(ctx, layer, n + "b", WeightsPerDirection(layer), backwards: !spec.GoBackwards);
        int outF = layer.Out.Features;
        int rows = spec.ReturnSequences ? steps : 1;
        string y = ctx.AddBuffer($"__y{n}", rows * outF, $"{layer.Name} merged output {layer.Out}");
        ctx.W.Line($"{Span}<float> y{n} = new global::System.Span<float>({y}, 0, {Nb(rows * outF)});");
        if (spec.ReturnSequences)
        {
            ctx.W.Line($"{Kernels}.MergeBidirectional(h{n}f, h{n}b, y{n}, {Num(steps)}, nb, {Num(units)}, {MergeMode(spec.MergeMode)});");
            if (layer.Masked)
            {
                // Keras's Bidirectional sets zero_output_for_mask = return_sequences on both layers.
                ctx.W.Line($"{Kernels}.ClearMaskedSteps(y{n}, {layer.MaskIn!.Local}, {Num(steps)}, nb, {Num(outF)}, reversed: {(spec.GoBackwards ? "true" : "false")});");
            }
        }
        else
        {
            string last = $".Slice({Nb((steps - 1) * units)}, {Nb(units)})";
            ctx.W.Line($"{Kernels}.MergeBidirectional(h{n}f{last}, h{n}b{last}, y{n}, 1, nb, {Num(units)}, {MergeMode(spec.MergeMode)});");
        }
        ctx.Output(layer, $"y{n}");
    }

    /// <summary>
    /// One direction's forward pass over <see cref="EmitContext.Current"/>: its outputs by processed step go to the local
    /// <c>h{id}</c> (and the workspace <c>__h{id}</c>), whatever else the cell keeps for the backward pass to its own
    /// workspaces.
    /// </summary>
    protected abstract void EmitDirection(EmitContext ctx, LayerPlan layer, string id, int firstWeight, bool backwards);

    /// <summary>The direction comment written before a direction's code.</summary>
    protected static string DirectionComment(LayerPlan layer, string id, bool backwards)
    {
        string direction = id.EndsWith("f") ? "forward direction, " : id.EndsWith("b") ? "backward direction, " : "";
        return $"// {layer.Name}: {direction}{(backwards ? "last step first" : "first step first")}, {(layer.Unrolled ? "unrolled" : "looped")}";
    }

    /// <summary>
    /// Writes steps 1..T-1 of a direction, one by one when the layer is unrolled (constant offsets), as a loop otherwise
    /// (with <c>s</c> the processed step and <c>t</c> the input step). Step 0, from the zero state, is the cell's own.
    /// </summary>
    protected static void EmitSteps(EmitContext ctx, LayerPlan layer, bool backwards, System.Action<Step> body)
    {
        int steps = layer.In.Steps;
        if (steps == 1)
        {
            return;
        }
        if (layer.Unrolled)
        {
            for (int s = 1; s < steps; s++)
            {
                body(new Step(ctx, s, backwards ? steps - 1 - s : s));
            }
            return;
        }
        ctx.W.Open($"for (int s = 1; s < {Num(steps)}; s++)");
        ctx.W.Line(backwards ? $"int t = {Num(steps - 1)} - s;" : "int t = s;");
        body(new Step(ctx, null, null));
        ctx.W.Close();
    }

    /// <summary>A step of the time loop: constant indices when unrolled, the loop variables <c>s</c> and <c>t</c> otherwise.</summary>
    protected readonly struct Step
    {
        private readonly EmitContext _ctx;
        private readonly int? _s;
        private readonly int? _t;

        public Step(EmitContext ctx, int? s, int? t)
        {
            _ctx = ctx;
            _s = s;
            _t = t;
        }

        public bool Unrolled => _s is not null;

        /// <summary>The rows of input step t in a (steps, batch, width) span.</summary>
        public string AtInput(string span, int width) =>
            _t is int t ? $"{span}.Slice({Nb(t * width)}, {Nb(width)})" : $"{span}.Slice({Nb(width)} * t, {Nb(width)})";

        /// <summary>The rows of processed step s.</summary>
        public string At(string span, int width) =>
            _s is int s ? $"{span}.Slice({Nb(s * width)}, {Nb(width)})" : $"{span}.Slice({Nb(width)} * s, {Nb(width)})";

        /// <summary>The rows of processed step s - 1.</summary>
        public string Previous(string span, int width) =>
            _s is int s ? $"{span}.Slice({Nb((s - 1) * width)}, {Nb(width)})" : $"{span}.Slice({Nb(width)} * (s - 1), {Nb(width)})";

        /// <summary>The mask rows of input step t, or <c>default</c> when the layer reads no mask.</summary>
        public string Mask(LayerPlan layer) =>
            !layer.Masked ? "default" : _t is int t ? $"{layer.MaskIn!.Local}.Slice({Nb(t)}, nb)" : $"{layer.MaskIn!.Local}.Slice(nb * t, nb)";

        /// <summary>A local's name, made unique per step when unrolled.</summary>
        public string Name(string baseName) => _s is int s ? $"{baseName}_{s}" : baseName;

        /// <summary>In a loop, declares a local for <paramref name="expression"/> and returns its name; unrolled, the expression.</summary>
        public string Local(string type, string name, string expression)
        {
            if (Unrolled)
            {
                return expression;
            }
            _ctx.W.Line($"{type} {name} = {expression};");
            return name;
        }
    }

    // ---- Dropout ---------------------------------------------------------------------------------------------------
    // Keras's dropout and recurrent_dropout: in training, one mask per sequence (the same at every step) on the input
    // features and one on the previous state before the recurrent product; inverted (kept values scaled by 1/(1-rate)).

    public override bool IsStochastic(LayerPlan layer)
    {
        var spec = (RecurrentSpec)layer.Spec;
        return spec.Dropout > 0 || spec.RecurrentDropout > 0;
    }

    private static string Site(LayerPlan layer, string id, string what) =>
        layer.Name + (id.EndsWith("f") ? "/forward" : id.EndsWith("b") ? "/backward" : "") + "/" + what;

    /// <summary>
    /// Forward: the tensor the input projection of direction <paramref name="id"/> reads: the layer's input, or with
    /// input dropout, in training, the input times the mask (kept in <c>__xd{id}</c> for the backward pass).
    /// </summary>
    protected static string ProjectionInput(EmitContext ctx, LayerPlan layer, string id)
    {
        var spec = (RecurrentSpec)layer.Spec;
        if (!(spec.Dropout > 0))
        {
            return ctx.Current;
        }
        var w = ctx.W;
        int steps = layer.In.Steps, inF = layer.In.Features;
        ctx.AddBuffer($"__dm{id}", inF, $"{layer.Name} input dropout mask (batch, features), one per sequence");
        ctx.AddBuffer($"__xd{id}", steps * inF, $"{layer.Name} input after dropout (time-major)");
        w.Line($"{ReadOnlySpan}<float> x{id} = {ctx.Current};");
        w.Open("if (training)");
        w.Line($"{Span}<float> dm{id} = new {Span}<float>(__dm{id}, 0, {Nb(inF)});");
        w.Line($"{Kernels}.DropoutMask(dm{id}, {Float(spec.Dropout)}, {DropoutKey(Site(layer, id, "dropout"), spec.Seed)}, __calls);");
        w.Line($"{Span}<float> xd{id} = new {Span}<float>(__xd{id}, 0, {Nb(steps * inF)});");
        w.Line($"{Kernels}.MultiplyBlocks({ctx.Current}, dm{id}, xd{id}, {Num(steps)});");
        w.Line($"x{id} = xd{id};");
        w.Close();
        return $"x{id}";
    }

    /// <summary>Forward: declares the recurrent dropout mask <c>rm{id}</c> (drawn in training) and the dropped states <c>hd{id}</c>.</summary>
    protected static void RecurrentMask(EmitContext ctx, LayerPlan layer, string id)
    {
        var spec = (RecurrentSpec)layer.Spec;
        if (!(spec.RecurrentDropout > 0))
        {
            return;
        }
        int steps = layer.In.Steps, units = spec.Units;
        ctx.AddBuffer($"__rm{id}", units, $"{layer.Name} recurrent dropout mask (batch, units), one per sequence");
        ctx.AddBuffer($"__hd{id}", steps * units, $"{layer.Name} previous state after recurrent dropout, by processed step");
        ctx.W.Line($"{Span}<float> rm{id} = new {Span}<float>(__rm{id}, 0, {Nb(units)});");
        ctx.W.Line($"{Span}<float> hd{id} = new {Span}<float>(__hd{id}, 0, {Nb(steps * units)});");
        ctx.W.Line($"if (training) {Kernels}.DropoutMask(rm{id}, {Float(spec.RecurrentDropout)}, {DropoutKey(Site(layer, id, "recurrent_dropout"), spec.Seed)}, __calls);");
    }

    /// <summary>
    /// Forward, at a step after the first: the left operand of the recurrent product: <paramref name="prevH"/>, or with
    /// recurrent dropout, in training, prevH times the mask (kept in <c>hd{id}</c> at the processed step).
    /// </summary>
    protected static string RecurrentOperand(EmitContext ctx, LayerPlan layer, string id, Step step, string prevH)
    {
        var spec = (RecurrentSpec)layer.Spec;
        if (!(spec.RecurrentDropout > 0))
        {
            return prevH;
        }
        string name = step.Name($"hr{id}");
        string at = step.At($"hd{id}", spec.Units);
        ctx.W.Line($"{ReadOnlySpan}<float> {name} = {prevH};");
        ctx.W.Open("if (training)");
        ctx.W.Line($"{Kernels}.MultiplyBlocks({prevH}, rm{id}, {at}, 1);");
        ctx.W.Line($"{name} = {at};");
        ctx.W.Close();
        return name;
    }

    /// <summary>Backward: the input the kernel's gradient pairs with the gate gradients (the dropped input in training).</summary>
    protected static string KernelGradientInput(EmitContext ctx, LayerPlan layer, string id, string x)
    {
        var spec = (RecurrentSpec)layer.Spec;
        if (!(spec.Dropout > 0))
        {
            return x;
        }
        ctx.W.Line($"{ReadOnlySpan}<float> xu = training ? new {ReadOnlySpan}<float>(__xd{id}, 0, {Nb(layer.In.Steps * layer.In.Features)}) : {x};");
        return "xu";
    }

    /// <summary>
    /// Backward: the input gradient of a direction, <c>dz · kernelᵀ</c> (times the input dropout mask in training), written
    /// to <see cref="BackwardStep.Dx"/> or added to it.
    /// </summary>
    protected static void EmitInputGradient(EmitContext ctx, LayerPlan layer, string id, string dz, WeightPlan kernel, int width,
        BackwardStep step, bool accumulateDx)
    {
        if (step.Dx is null)
        {
            return;
        }
        var spec = (RecurrentSpec)layer.Spec;
        int steps = layer.In.Steps, inF = layer.In.Features;
        string kT = ctx.AddFixedBuffer($"__kT{id}", inF * width, $"{layer.Name} kernel transposed");
        ctx.If(step.Guard, () =>
        {
            ctx.Transposes.Add($"{Kernels}.Transpose({Weight(kernel)}, {kT}, {Num(inF)}, {Num(width)});");
            if (!(spec.Dropout > 0))
            {
                ctx.W.Line($"{Kernels}.Gemm({dz}, {kT}, {step.Dx}, {Nb(steps)}, {Num(inF)}, {Num(width)}, accumulate: {(accumulateDx ? "true" : "false")});");
                return;
            }
            ctx.AddBuffer($"__dxt{id}", steps * inF, $"{layer.Name} input gradient of one direction, before the dropout mask");
            ctx.W.Line($"{Span}<float> dxt = new {Span}<float>(__dxt{id}, 0, {Nb(steps * inF)});");
            ctx.W.Line($"{Kernels}.Gemm({dz}, {kT}, dxt, {Nb(steps)}, {Num(inF)}, {Num(width)}, accumulate: false);");
            ctx.W.Line($"if (training) {Kernels}.MultiplyBlocks(dxt, new {ReadOnlySpan}<float>(__dm{id}, 0, {Nb(inF)}), dxt, {Num(steps)});");
            ctx.W.Line(accumulateDx
                ? $"global::System.Numerics.Tensors.TensorPrimitives.Add({step.Dx}, dxt, {step.Dx});"
                : $"dxt.CopyTo({step.Dx});");
        });
    }

    /// <summary>
    /// Backward: the states the recurrent kernel's gradient pairs with the gates of processed steps 1..T-1 (in order):
    /// the outputs of steps 0..T-2, or their dropped copies in training.
    /// </summary>
    protected static string RecurrentPairs(LayerPlan layer, string id, string h)
    {
        var spec = (RecurrentSpec)layer.Spec;
        int steps = layer.In.Steps, units = spec.Units;
        string plain = $"{h}.Slice(0, {Nb((steps - 1) * units)})";
        return spec.RecurrentDropout > 0
            ? $"(training ? new {ReadOnlySpan}<float>(__hd{id}, {Nb(units)}, {Nb((steps - 1) * units)}) : {plain})"
            : plain;
    }

    /// <summary>Backward: the state the recurrent product of processed step <c>s</c> (≥ 1, a loop variable) read.</summary>
    protected static string RecurrentPairAt(LayerPlan layer, string id, string h)
    {
        var spec = (RecurrentSpec)layer.Spec;
        int units = spec.Units;
        string plain = $"{h}.Slice({Nb(units)} * (s - 1), {Nb(units)})";
        return spec.RecurrentDropout > 0
            ? $"(training ? new {ReadOnlySpan}<float>(__hd{id}, {Nb(units)} * s, {Nb(units)}) : {plain})"
            : plain;
    }

    /// <summary>Backward: after the recurrent product's gradient reached <paramref name="dPrev"/>, applies the recurrent dropout mask (training).</summary>
    protected static void MaskRecurrentGradient(EmitContext ctx, LayerPlan layer, string id, string dPrev)
    {
        var spec = (RecurrentSpec)layer.Spec;
        if (spec.RecurrentDropout > 0)
        {
            ctx.W.Line($"if (training) {Kernels}.MultiplyBlocks({dPrev}, new {ReadOnlySpan}<float>(__rm{id}, 0, {Nb(spec.Units)}), {dPrev}, 1);");
        }
    }

    /// <summary>
    /// Where a per-step product reads a (k × n) recurrent kernel (<paramref name="kernel"/>) at every step of a batch and n
    /// is a whole number of 32-column panels (AVX2's; AVX-512's are 64 columns, and <c>Kernels.PackPanels</c> returns
    /// empty where n is not a multiple of 64), declares the layer's panel buffer and packs the kernel into it once per
    /// batch (<c>Kernels.PackPanels</c> decides at run time, from the batch and the CPU; empty: not packed). Returns the
    /// packed local's name for <see cref="EmitRecurrentProduct"/>, or null when the layer runs one step or n does not fit.
    /// </summary>
    protected static string? PackOncePerBatch(EmitContext ctx, string field, string local, string kernel, int steps, int n, int k, string what)
    {
        if (steps <= 1 || n % 32 != 0)
        {
            return null;
        }
        string buffer = ctx.AddPanelBuffer(field, n, k, $"{what} in panels of four vectors, packed once per batch (empty where that never pays)");
        ctx.W.Line($"{ReadOnlySpan}<float> {local} = {Kernels}.PackPanels({kernel}, {buffer}, nb, {Num(n)}, {Num(k)});");
        return local;
    }

    /// <summary>
    /// Where the input projection (x · kernel + bias, k × n kernel) can run step by step (more than one step, n a whole
    /// number of 32-column panels), declares the layer's projection buffer and lets <c>Kernels.PackProjection</c> decide
    /// per batch: packed, each step projects its own rows just before its recurrent product (<see cref="EmitStepProjection"/>);
    /// empty, one product projects all steps (<paramref name="wholeProjection"/>). Both give the same bits. Returns the
    /// packed local's name, or null when the layer always projects all steps at once.
    /// </summary>
    protected static string? ProjectPerStepOrWhole(EmitContext ctx, string field, string local, string kernel, int steps, int n, int k, string what, string wholeProjection)
    {
        if (steps <= 1 || n % 32 != 0)
        {
            ctx.W.Line(wholeProjection);
            return null;
        }
        string buffer = ctx.AddProjectionBuffer(field, steps, n, k, $"{what} in panels of four vectors, packed once per batch when each step projects its own input (empty where that never pays)");
        ctx.W.Line($"{ReadOnlySpan}<float> {local} = {Kernels}.PackProjection({kernel}, {buffer}, nb, {Num(steps)}, {Num(n)}, {Num(k)});");
        ctx.W.Line($"if ({local}.IsEmpty) {wholeProjection}");
        return local;
    }

    /// <summary>A step's input projection (<c>c = x_t · kernel + bias</c>) where <see cref="ProjectPerStepOrWhole"/> packed the kernel.</summary>
    protected static void EmitStepProjection(EmitContext ctx, string? packed, string x, string kernel, string bias, string c, int n, int k)
    {
        if (packed is not null)
        {
            ctx.W.Line($"if (!{packed}.IsEmpty) {Kernels}.GemmBiasPrepacked({x}, {packed}, {kernel}, {bias}, {c}, nb, {Num(n)}, {Num(k)});");
        }
    }

    /// <summary>
    /// A step's recurrent product <c>c (nb × n) = a · kernel</c>, or <c>+=</c> when <paramref name="accumulate"/>: from
    /// the panels <paramref name="packed"/> (<see cref="PackOncePerBatch"/>) when the layer packs, with the same bits as
    /// the plain <c>Kernels.Gemm</c> it runs otherwise.
    /// </summary>
    protected static void EmitRecurrentProduct(EmitContext ctx, string a, string? packed, string kernel, string c, int n, int k, bool accumulate)
    {
        if (packed is null)
        {
            ctx.W.Line($"{Kernels}.Gemm({a}, {kernel}, {c}, nb, {Num(n)}, {Num(k)}, accumulate: {(accumulate ? "true" : "false")});");
            return;
        }
        if (!accumulate)
        {
            ctx.W.Line($"{c}.Clear();");
        }
        ctx.W.Line($"{Kernels}.GemmPrepacked({a}, {packed}, {kernel}, {c}, nb, {Num(n)}, {Num(k)});");
    }

    /// <summary>
    /// Backward: the initial carried output gradient of a direction: zero, or the gradient of the trained final state
    /// (the model's last layer, not bidirectional).
    /// </summary>
    protected static void InitCarried(EmitContext ctx, string carried, BackwardStep step, int stateIndex)
    {
        if (step.StateGradients is { } states && stateIndex < states.Count)
        {
            ctx.W.Line($"if ({states[stateIndex]}.IsEmpty) {carried}.Clear(); else {states[stateIndex]}.CopyTo({carried});");
        }
        else
        {
            ctx.W.Line($"{carried}.Clear();");
        }
    }

    /// <summary>True when an activation of the cell needs its pre-activations kept for the backward pass (gelu, swish).</summary>
    protected bool NeedsPreActivations(RecurrentSpec spec) =>
        ActivationInfo.NeedsInput(spec.Activation) || (HasRecurrentActivation && ActivationInfo.NeedsInput(spec.RecurrentActivation));

    // ---- Backward --------------------------------------------------------------------------------------------------

    public override void EmitBackward(EmitContext ctx, LayerPlan layer, BackwardStep step)
    {
        var spec = (RecurrentSpec)layer.Spec;
        string n = Num(layer.Number);
        int steps = layer.In.Steps, units = spec.Units;
        if (spec.Wrapper != WrapperKind.Bidirectional)
        {
            EmitDirectionBackward(ctx, layer, n, 0, spec.GoBackwards, step.Dy, step, accumulateDx: false);
            return;
        }
        int rows = spec.ReturnSequences ? steps : 1;
        string dF = ctx.AddBuffer($"__dhf{n}", rows * units, $"{layer.Name} forward-direction output gradient");
        string dB = ctx.AddBuffer($"__dhb{n}", rows * units, $"{layer.Name} backward-direction output gradient");
        string hf = $"new {ReadOnlySpan}<float>(__h{n}f, {(spec.ReturnSequences ? "0" : Nb((steps - 1) * units))}, {Nb(rows * units)})";
        string hb = $"new {ReadOnlySpan}<float>(__h{n}b, {(spec.ReturnSequences ? "0" : Nb((steps - 1) * units))}, {Nb(rows * units)})";
        ctx.W.Line($"{Span}<float> dhf{n} = new {Span}<float>({dF}, 0, {Nb(rows * units)});");
        ctx.W.Line($"{Span}<float> dhb{n} = new {Span}<float>({dB}, 0, {Nb(rows * units)});");
        ctx.W.Line($"{Kernels}.MergeBidirectionalBackward({step.Dy}, {hf}, {hb}, dhf{n}, dhb{n}, {Num(rows)}, nb, {Num(units)}, {MergeMode(spec.MergeMode)});");
        if (layer.Masked && spec.ReturnSequences)
        {
            // Zero outputs at masked steps (Keras's zero_output_for_mask in Bidirectional): no gradient reaches them.
            ctx.W.Line($"{Kernels}.ClearMaskedSteps(dhf{n}, {layer.MaskIn!.Local}, {Num(steps)}, nb, {Num(units)}, reversed: {(spec.GoBackwards ? "true" : "false")});");
            ctx.W.Line($"{Kernels}.ClearMaskedSteps(dhb{n}, {layer.MaskIn!.Local}, {Num(steps)}, nb, {Num(units)}, reversed: {(spec.GoBackwards ? "false" : "true")});");
        }
        EmitDirectionBackward(ctx, layer, n + "f", 0, spec.GoBackwards, $"dhf{n}", step, accumulateDx: false);
        EmitDirectionBackward(ctx, layer, n + "b", WeightsPerDirection(layer), !spec.GoBackwards, $"dhb{n}", step, accumulateDx: true);
    }

    /// <summary>
    /// Backpropagation through time of one direction: from the output gradient <paramref name="dOut"/> (every processed
    /// step's with ReturnSequences, else the last step's) to the weight gradients and, when <see cref="BackwardStep.Dx"/>
    /// is set, the input gradient (added to it when <paramref name="accumulateDx"/>).
    /// </summary>
    protected abstract void EmitDirectionBackward(EmitContext ctx, LayerPlan layer, string id, int firstWeight, bool backwards,
        string dOut, BackwardStep step, bool accumulateDx);

    public override string OutputView(LayerPlan layer)
    {
        var spec = (RecurrentSpec)layer.Spec;
        if (spec.Wrapper == WrapperKind.Bidirectional)
        {
            return base.OutputView(layer);
        }
        string n = Num(layer.Number);
        return spec.ReturnSequences
            ? $"new {ReadOnlySpan}<float>(__h{n}, 0, {Nb(layer.Out.Size)})"
            : $"new {ReadOnlySpan}<float>(__h{n}, {Nb((layer.In.Steps - 1) * spec.Units)}, {Nb(spec.Units)})";
    }

    // ---- Streaming -------------------------------------------------------------------------------------------------

    public override bool Streams(LayerPlan layer)
    {
        var spec = (RecurrentSpec)layer.Spec;
        return spec.Wrapper == WrapperKind.None && !spec.GoBackwards;
    }

    public override bool IsStateful => true;

    // ---- Describe --------------------------------------------------------------------------------------------------

    public override void WriteConfig(ConfigWriter config, LayerPlan layer)
    {
        var spec = (RecurrentSpec)layer.Spec;
        config.Int("units", spec.Units);
        config.Activation("activation", spec.Activation);
        if (HasRecurrentActivation)
        {
            config.Activation("recurrent_activation", spec.RecurrentActivation);
        }
        config.Bool("use_bias", spec.UseBias);
        config.Bool("return_sequences", spec.ReturnSequences);
        config.Bool("return_state", spec.ReturnState);
        config.Bool("go_backwards", spec.GoBackwards);
        config.Double("dropout", spec.Dropout);
        config.Double("recurrent_dropout", spec.RecurrentDropout);
        WriteCellConfig(config, spec);
    }

    /// <summary>The cell's own config entries (<c>unit_forget_bias</c>, <c>reset_after</c>).</summary>
    protected virtual void WriteCellConfig(ConfigWriter config, RecurrentSpec spec)
    {
    }
}
