using System.Collections.Generic;
using System.Collections.Immutable;
using System.Globalization;
using LstmGen.Generators.Diagnostics;
using LstmGen.Generators.Model;

namespace LstmGen.Generators.Validation;

/// <summary>The validator's answer: a plan when the model is valid (no error), and every diagnostic.</summary>
internal sealed record ValidationResult(ModelPlan? Plan, ImmutableArray<DiagnosticInfo> Diagnostics);

/// <summary>
/// Shape inference and topology rules, layer by layer, on a <see cref="NetworkSpec"/> (no Roslyn types). The generator
/// emits only from a plan this returns; the analyzer reports its diagnostics.
/// </summary>
internal static class TopologyValidator
{
    /// <summary>Unroll limits; mirror LstmGen.SequentialAttribute.AutoUnrollMaxSteps and MaxUnrolledSteps.</summary>
    public const int AutoUnrollMaxSteps = 16;
    public const int MaxUnrolledSteps = 128;

    public static ValidationResult Validate(NetworkSpec spec)
    {
        var diagnostics = new List<DiagnosticInfo>(spec.ParseDiagnostics);
        var layers = spec.Layers;
        string model = spec.Type.DisplayName;

        if (layers.Count == 0 || layers[0].Kind != LayerKind.Input)
        {
            LayerSpec? late = null;
            foreach (LayerSpec l in layers)
            {
                if (l.Kind == LayerKind.Input)
                {
                    late = l;
                    break;
                }
            }
            diagnostics.Add(late is not null
                ? DiagnosticInfo.Create(DiagnosticDescriptors.MisplacedInputId, late.AttributeIndex, null,
                    $"move it before {layers[0].Describe()}")
                : DiagnosticInfo.Create(DiagnosticDescriptors.MissingInputId,
                    layers.Count > 0 ? layers[0].PrimaryAttributeIndex : spec.SequentialAttributeIndex, null, model));
            return Fail(diagnostics);
        }

        LayerSpec input = layers[0];
        for (int i = 1; i < layers.Count; i++)
        {
            if (layers[i].Kind == LayerKind.Input)
            {
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.MisplacedInputId, layers[i].AttributeIndex, null,
                    $"this is a second [Input] (the first declares {input.Describe()})"));
            }
        }

        if (input.Shape.Count is < 1 or > 2)
        {
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.InputRankId, input.AttributeIndex, null,
                string.Join(", ", input.Shape), input.Shape.Count.ToString(CultureInfo.InvariantCulture)));
            return Fail(diagnostics);
        }
        for (int d = 0; d < input.Shape.Count; d++)
        {
            if (input.Shape[d] <= 0)
            {
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.NonPositiveSizeId, input.AttributeIndex, "#" + Num(d),
                    input.Describe(), input.Shape.Count == 1 ? "the size" : d == 0 ? "the number of steps" : "the number of features",
                    "positive", Num(input.Shape[d])));
                return Fail(diagnostics);
            }
        }

        var body = new List<LayerSpec>();
        for (int i = 1; i < layers.Count; i++)
        {
            if (layers[i].Kind != LayerKind.Input)
            {
                body.Add(layers[i]); // a second [Input] is reported above and is not a layer
            }
        }

        long inputSize = input.Shape.Count == 2 ? (long)input.Shape[0] * input.Shape[1] : input.Shape[0];
        if (inputSize > int.MaxValue)
        {
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.ModelTooLargeId, input.AttributeIndex, null, input.Describe(), "one sample",
                inputSize.ToString("N0", CultureInfo.InvariantCulture), int.MaxValue.ToString("N0", CultureInfo.InvariantCulture)));
            return Fail(diagnostics);
        }

        if (body.Count == 0)
        {
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.NoLayersId, input.AttributeIndex, null, model));
            return Fail(diagnostics);
        }

        bool tokenInput = input.Shape.Count == 1 && body[0].Kind == LayerKind.Embedding;
        TensorShape inputShape = input.Shape.Count == 2 ? new TensorShape(input.Shape[0], input.Shape[1]) : new TensorShape(0, input.Shape[0]);

        var names = new KerasNames();
        var plans = new List<LayerPlan>();
        var weights = new List<WeightPlan>();
        TensorShape shape = inputShape;
        string from = "the input";
        LayerPlan? producer = null;
        string? maskSource = null;
        int vocabulary = 0;
        int offset = 0;

        for (int i = 0; i < body.Count; i++)
        {
            LayerSpec layer = body[i];
            int number = plans.Count + 1;
            (string name, string? inner) = names.Assign(layer, diagnostics);
            var plan = new LayerPlan(number, layer, name, inner, shape, shape) { MaskIn = maskSource is not null };
            string who = plan.Display;
            TensorShape? output = null;

            switch (layer.Kind)
            {
                case LayerKind.Embedding:
                    if (i != 0 || !tokenInput)
                    {
                        diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.EmbeddingPlacementId, layer.AttributeIndex, null, who,
                            i != 0 ? $"it follows {from}" : $"its input is {shape}"));
                        break;
                    }
                    if (Positive(layer.InputDim, "inputDim", "the vocabulary size (inputDim)", layer, who, diagnostics) &
                        Positive(layer.OutputDim, "outputDim", "the embedding size (outputDim)", layer, who, diagnostics))
                    {
                        vocabulary = layer.InputDim;
                        output = new TensorShape(inputShape.Features, layer.OutputDim);
                        plan = plan with { In = new TensorShape(inputShape.Features, 1) };
                        Add(weights, ref offset, ref plan, $"{name}/embeddings", "Uniform005", layer.InputDim, layer.OutputDim);
                        if (layer.MaskZero)
                        {
                            maskSource = who;
                        }
                    }
                    break;

                case LayerKind.Lstm:
                    bool ok = Positive(layer.Units, "units", "units", layer, who, diagnostics);
                    if (layer.Activation == ActivationKind.Softmax)
                    {
                        diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.InvalidRecurrentActivationId, layer.AttributeIndex, "Activation", who, "Activation"));
                        ok = false;
                    }
                    if (layer.RecurrentActivation == ActivationKind.Softmax)
                    {
                        diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.InvalidRecurrentActivationId, layer.AttributeIndex, "RecurrentActivation", who, "RecurrentActivation"));
                        ok = false;
                    }
                    if (layer.ReturnState && (i != body.Count - 1 || layer.Wrapper != WrapperKind.None))
                    {
                        diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.ReturnStateNotLastId, layer.AttributeIndex, "ReturnState", who));
                        ok = false;
                    }
                    if (!shape.IsSequence)
                    {
                        string fix = producer is { Spec.Kind: LayerKind.Lstm, Spec.ReturnSequences: false }
                            ? $": set ReturnSequences = true on '{producer.Name}'"
                            : "";
                        diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.RecurrentNeedsSequenceId, layer.PrimaryAttributeIndex, null, who, shape.ToString(), from, fix));
                        ok = false;
                    }
                    if (!ok)
                    {
                        break;
                    }
                    int units = layer.Units;
                    bool bidirectional = layer.Wrapper == WrapperKind.Bidirectional;
                    int features = bidirectional && layer.MergeMode == MergeModeKind.Concat ? 2 * units : units;
                    output = layer.ReturnSequences ? new TensorShape(shape.Steps, features) : new TensorShape(0, features);
                    foreach (string prefix in bidirectional ? new[] { $"{name}/forward_{inner}", $"{name}/backward_{inner}" } : new[] { name })
                    {
                        Add(weights, ref offset, ref plan, $"{prefix}/kernel", "GlorotUniform", shape.Features, 4 * units);
                        Add(weights, ref offset, ref plan, $"{prefix}/recurrent_kernel", "Orthogonal", units, 4 * units);
                        if (layer.UseBias)
                        {
                            Add(weights, ref offset, ref plan, $"{prefix}/bias", layer.UnitForgetBias ? "UnitForgetBias" : "Zeros", 4 * units);
                        }
                    }
                    plan = plan with { Unrolled = Unroll(spec, layer, who, shape.Steps, diagnostics) };
                    if (!layer.ReturnSequences)
                    {
                        maskSource = null; // consumed
                    }
                    break;

                case LayerKind.Dense:
                    if (!Positive(layer.Units, "units", "units", layer, who, diagnostics))
                    {
                        break;
                    }
                    if (layer.Wrapper == WrapperKind.TimeDistributed && !shape.IsSequence)
                    {
                        diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.LayerNeedsSequenceId, layer.WrapperAttributeIndex, null, who, shape.ToString(), from));
                        break;
                    }
                    output = new TensorShape(shape.Steps, layer.Units);
                    Add(weights, ref offset, ref plan, $"{name}/kernel", "GlorotUniform", shape.Features, layer.Units);
                    if (layer.UseBias)
                    {
                        Add(weights, ref offset, ref plan, $"{name}/bias", "Zeros", layer.Units);
                    }
                    break;

                case LayerKind.RepeatVector:
                    if (!Positive(layer.N, "n", "n", layer, who, diagnostics))
                    {
                        break;
                    }
                    if (shape.IsSequence)
                    {
                        diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.RepeatVectorNeedsVectorId, layer.AttributeIndex, null, who, shape.ToString(), from));
                        break;
                    }
                    output = new TensorShape(layer.N, shape.Features);
                    break;

                case LayerKind.SliceLast:
                    if (!Positive(layer.N, "n", "n", layer, who, diagnostics) ||
                        !NeedsSequence(shape, layer, who, from, diagnostics) || !MaskFree(maskSource, layer, who, diagnostics))
                    {
                        break;
                    }
                    if (layer.N > shape.Steps)
                    {
                        diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.SliceOutOfRangeId, layer.AttributeIndex, "n", who, Num(layer.N), shape.ToString(), Num(shape.Steps)));
                        break;
                    }
                    output = new TensorShape(layer.N, shape.Features);
                    break;

                case LayerKind.ZeroPadding1D:
                    bool padOk = layer.SymmetricPadding
                        ? NonNegative(layer.Left, "padding", layer, who, diagnostics)
                        : NonNegative(layer.Left, "left", layer, who, diagnostics) & NonNegative(layer.Right, "right", layer, who, diagnostics);
                    if (!padOk || !NeedsSequence(shape, layer, who, from, diagnostics) || !MaskFree(maskSource, layer, who, diagnostics))
                    {
                        break;
                    }
                    output = new TensorShape(shape.Steps + layer.Left + layer.Right, shape.Features);
                    break;
            }

            if (output is null)
            {
                return Fail(diagnostics); // shapes after an invalid layer are unknown: stop at the first
            }
            if (TooLarge(layer, who, shape, output.Value, weights, diagnostics))
            {
                return Fail(diagnostics);
            }
            plan = plan with { Out = output.Value };
            plans.Add(plan);
            producer = plan;
            from = $"'{plan.Name}'";
            shape = output.Value;
        }

        CheckLoss(spec, plans[plans.Count - 1], diagnostics);
        if (HasError(diagnostics))
        {
            return Fail(diagnostics);
        }
        var modelPlan = new ModelPlan(spec, inputShape, tokenInput, vocabulary, plans.ToImmutableArray(), weights.ToImmutableArray(), offset);
        return new ValidationResult(modelPlan, diagnostics.ToImmutableArray());
    }

    private static bool HasError(List<DiagnosticInfo> diagnostics)
    {
        foreach (DiagnosticInfo d in diagnostics)
        {
            // An unchained user constructor (LSTMGEN009) fails the build through the analyzer, but the code is still
            // generated: withholding it would add a CS1729 to every correctly chained constructor of the class.
            if (d.Id != DiagnosticDescriptors.ConstructorMustChainId &&
                DiagnosticDescriptors.ById[d.Id].DefaultSeverity == Microsoft.CodeAnalysis.DiagnosticSeverity.Error)
            {
                return true;
            }
        }
        return false;
    }

    /// <summary>
    /// True (and reports LSTMGEN114) when a weight, the parameter total, or a per-sample workspace of this layer would not
    /// fit in one array. Computed in 64-bit arithmetic, from the layer's spec and shapes.
    /// </summary>
    private static bool TooLarge(LayerSpec layer, string who, TensorShape input, TensorShape output, List<WeightPlan> weights, List<DiagnosticInfo> diagnostics)
    {
        long max = int.MaxValue;
        var sizes = new List<(string What, long Size)>
        {
            ("its output (per sample)", (long)System.Math.Max(output.Steps, 1) * output.Features),
        };
        if (layer.Kind == LayerKind.Lstm)
        {
            sizes.Add(("its gates (per sample)", (long)System.Math.Max(input.Steps, 1) * 4 * layer.Units));
        }
        long total = 0;
        foreach (WeightPlan w in weights)
        {
            long length = 1;
            foreach (int d in w.Shape) length *= d;
            sizes.Add(($"weight '{w.Name}'", length));
            total += length;
        }
        sizes.Add(("the model's parameters", total));
        foreach ((string what, long size) in sizes)
        {
            if (size > max || size < 0)
            {
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.ModelTooLargeId, layer.PrimaryAttributeIndex, null, who, what,
                    size.ToString("N0", CultureInfo.InvariantCulture), max.ToString("N0", CultureInfo.InvariantCulture)));
                return true;
            }
        }
        return false;
    }

    private static ValidationResult Fail(List<DiagnosticInfo> diagnostics) => new(null, diagnostics.ToImmutableArray());

    private static string Num(int value) => value.ToString(CultureInfo.InvariantCulture);

    private static bool Positive(int value, string argument, string what, LayerSpec layer, string who, List<DiagnosticInfo> diagnostics)
    {
        if (value > 0)
        {
            return true;
        }
        diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.NonPositiveSizeId, layer.AttributeIndex, argument, who, what, "positive", Num(value)));
        return false;
    }

    private static bool NonNegative(int value, string argument, LayerSpec layer, string who, List<DiagnosticInfo> diagnostics)
    {
        if (value >= 0)
        {
            return true;
        }
        diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.NonPositiveSizeId, layer.AttributeIndex, argument, who, argument, "zero or more", Num(value)));
        return false;
    }

    private static bool NeedsSequence(TensorShape shape, LayerSpec layer, string who, string from, List<DiagnosticInfo> diagnostics)
    {
        if (shape.IsSequence)
        {
            return true;
        }
        diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.LayerNeedsSequenceId, layer.AttributeIndex, null, who, shape.ToString(), from));
        return false;
    }

    private static bool MaskFree(string? maskSource, LayerSpec layer, string who, List<DiagnosticInfo> diagnostics)
    {
        if (maskSource is null)
        {
            return true;
        }
        diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.MaskNotSupportedId, layer.AttributeIndex, null, who, maskSource));
        return false;
    }

    private static bool Unroll(NetworkSpec spec, LayerSpec layer, string who, int steps, List<DiagnosticInfo> diagnostics)
    {
        if (spec.Unroll == UnrollKind.Never)
        {
            return false;
        }
        int limit = spec.Unroll == UnrollKind.Always ? MaxUnrolledSteps : AutoUnrollMaxSteps;
        if (steps <= limit)
        {
            return true;
        }
        diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.UnrollCappedId, layer.PrimaryAttributeIndex, null, who, Num(steps), Num(limit),
            spec.Unroll == UnrollKind.Always ? "Always" : "Auto"));
        return false;
    }

    /// <summary>LstmGen.LossKind member names by value (also the LstmGen.Loss property names); index 0 is None.</summary>
    internal static readonly string[] LossNames =
        ["", "MeanSquaredError", "MeanAbsoluteError", "BinaryCrossEntropy", "BinaryCrossEntropyFromLogits", "CategoricalCrossEntropy", "SparseCategoricalCrossEntropy"];

    /// <summary>LSTMGEN115: a declared cross-entropy loss on an output it does not fit.</summary>
    private static void CheckLoss(NetworkSpec spec, LayerPlan last, List<DiagnosticInfo> diagnostics)
    {
        if (spec.Loss is < 3 or > 6)
        {
            return; // none, MSE, MAE: any output
        }
        ActivationKind? activation = last.Spec.Kind == LayerKind.Dense ? last.Spec.Activation : null;
        string output = activation is { } a
            ? $"{last.Out} from {last.Display} with {a} activation"
            : $"{last.Out} from {last.Display}";
        int units = last.Out.Features;
        string? need = spec.Loss switch
        {
            3 when activation != ActivationKind.Sigmoid => "expects probabilities from a Dense with Sigmoid activation",
            3 when units != 1 => "is for one probability per output (use CategoricalCrossEntropy for classes, or suppress this warning for multi-label outputs)",
            4 when activation != ActivationKind.Linear => "expects logits from a Dense with Linear activation",
            5 or 6 when activation != ActivationKind.Softmax => "expects class probabilities from a Dense with Softmax activation",
            5 or 6 when units < 2 => "needs two or more classes (use BinaryCrossEntropy for one)",
            _ => null,
        };
        if (need is not null)
        {
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.LossDoesNotFitOutputId, spec.SequentialAttributeIndex, "Loss", LossNames[spec.Loss], need, output));
        }
    }

    private static void Add(List<WeightPlan> weights, ref int offset, ref LayerPlan plan, string name, string initializer, params int[] shape)
    {
        int length = 1;
        foreach (int d in shape) length = unchecked(length * d); // sizes were checked by TooLarge first
        var weight = new WeightPlan(name, shape.ToImmutableArray(), offset, length, initializer);
        weights.Add(weight);
        plan = plan with { Weights = plan.Weights.Add(weight) };
        offset += length;
    }

    /// <summary>Keras's automatic layer names in a Sequential model: per-class counters, first bare, then _1, _2, ...</summary>
    private sealed class KerasNames
    {
        private readonly Dictionary<string, int> _counters = new();
        private readonly HashSet<string> _used = new();

        public (string Name, string? Inner) Assign(LayerSpec layer, List<DiagnosticInfo> diagnostics)
        {
            // A wrapped layer is constructed first in Keras, so it takes its own counter before the wrapper's.
            string own = Take(layer.Name, Snake(layer.Kind), layer.AttributeIndex, diagnostics);
            if (layer.Wrapper == WrapperKind.None)
            {
                return (own, null);
            }
            string wrapper = Take(layer.WrapperName, layer.Wrapper == WrapperKind.Bidirectional ? "bidirectional" : "time_distributed",
                layer.WrapperAttributeIndex, diagnostics);
            return (wrapper, own);
        }

        private string Take(string? explicitName, string kind, int attributeIndex, List<DiagnosticInfo> diagnostics)
        {
            string name;
            if (explicitName is not null)
            {
                name = explicitName;
                if (!IsValidName(name))
                {
                    diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.InvalidLayerNameId, attributeIndex, "Name", Printable(name),
                        "use letters, digits, '_', '.' and '-' only (it prefixes weight names such as 'name/kernel')"));
                }
            }
            else
            {
                _counters.TryGetValue(kind, out int n);
                _counters[kind] = n + 1;
                name = n == 0 ? kind : kind + "_" + n.ToString(CultureInfo.InvariantCulture);
            }
            if (_used.Contains(name))
            {
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.DuplicateLayerNameId, attributeIndex, explicitName is null ? null : "Name", name,
                    explicitName is null ? " (this layer was named automatically, as Keras names layers; give one of them a Name)" : ""));
            }
            else
            {
                _used.Add(name);
            }
            return name;
        }

        private static bool IsValidName(string name)
        {
            if (name.Length == 0)
            {
                return false;
            }
            foreach (char c in name)
            {
                if (!(char.IsLetterOrDigit(c) || c is '_' or '.' or '-'))
                {
                    return false;
                }
            }
            return true;
        }

        /// <summary>The name with control characters, quotes and backslashes escaped, for the message.</summary>
        private static string Printable(string name)
        {
            var sb = new System.Text.StringBuilder();
            foreach (char c in name)
            {
                if (c is '"' or '\\') sb.Append('\\').Append(c);
                else if (char.IsControl(c)) sb.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
                else sb.Append(c);
            }
            return sb.ToString();
        }

        private static string Snake(LayerKind kind) => kind switch
        {
            LayerKind.Dense => "dense",
            LayerKind.Embedding => "embedding",
            LayerKind.Lstm => "lstm",
            LayerKind.RepeatVector => "repeat_vector",
            LayerKind.SliceLast => "lambda",
            LayerKind.ZeroPadding1D => "zero_padding1d",
            _ => "layer",
        };
    }
}
