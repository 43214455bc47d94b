using System.Collections.Generic;
using System.Collections.Immutable;
using System.Globalization;
using LstmGen.Generators.Diagnostics;
using LstmGen.Generators.Layers;
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

        if (layers.Count == 0 || layers[0] is not InputSpec)
        {
            InputSpec? late = null;
            foreach (LayerSpec l in layers)
            {
                if (l is InputSpec)
                {
                    late = (InputSpec)l;
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

        var input = (InputSpec)layers[0];
        for (int i = 1; i < layers.Count; i++)
        {
            if (layers[i] is InputSpec)
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
            if (layers[i] is not InputSpec)
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

        bool tokenInput = input.Shape.Count == 1 && body[0].Unit.TakesTokens;
        TensorShape inputShape = input.Shape.Count == 2 ? new TensorShape(input.Shape[0], input.Shape[1]) : new TensorShape(0, input.Shape[0]);

        var names = new KerasNames();
        var plans = new List<LayerPlan>();
        var weights = new List<WeightPlan>();
        var context = new InferContext(spec, diagnostics, weights)
        {
            ModelInput = inputShape,
            TokenInput = tokenInput,
        };
        TensorShape shape = inputShape;
        MaskSource? mask = null;

        for (int i = 0; i < body.Count; i++)
        {
            LayerSpec layer = body[i];
            (string name, string? inner) = names.Assign(layer, diagnostics);
            context.Plan = new LayerPlan(plans.Count + 1, layer, name, inner, shape, shape) { MaskIn = mask, MaskOut = mask };
            context.IsFirst = i == 0;
            context.IsLast = i == body.Count - 1;
            LayerPlan? plan = layer.Unit.Infer(context);
            if (plan is null)
            {
                return Fail(diagnostics); // shapes after an invalid layer are unknown: stop at the first
            }
            if (TooLarge(plan, weights, diagnostics))
            {
                return Fail(diagnostics);
            }
            plans.Add(plan);
            context.Producer = plan;
            context.From = $"'{plan.Name}'";
            shape = plan.Out;
            mask = plan.MaskOut;
        }
        int offset = context.ParameterCount;

        CheckLoss(spec, plans[plans.Count - 1], diagnostics);
        if (HasError(diagnostics))
        {
            return Fail(diagnostics);
        }
        int vocabulary = tokenInput ? plans[0].Unit.Vocabulary(plans[0].Spec) : 0;
        var modelPlan = new ModelPlan(spec, inputShape, tokenInput, vocabulary, plans.ToImmutableArray(), weights.ToImmutableArray(), offset);
        CheckUserMembers(modelPlan, diagnostics);
        if (HasError(diagnostics))
        {
            return Fail(diagnostics);
        }
        return new ValidationResult(modelPlan, diagnostics.ToImmutableArray());
    }

    /// <summary>LSTMGEN010 for each user member the generated code would clash with (same name, and same parameters for methods).</summary>
    private static void CheckUserMembers(ModelPlan plan, List<DiagnosticInfo> diagnostics)
    {
        var members = new HashSet<string>(Emit.GeneratedMembers.Members(plan), System.StringComparer.Ordinal);
        var methods = new Dictionary<string, List<string>>(System.StringComparer.Ordinal);
        foreach ((string name, string[] parameters) in Emit.GeneratedMembers.Methods(plan))
        {
            if (!methods.TryGetValue(name, out List<string>? list)) methods[name] = list = new List<string>();
            list.Add(string.Join(",", parameters));
        }
        string model = plan.Spec.Type.DisplayName;
        foreach (string entry in plan.Spec.UserMembers)
        {
            string[] parts = entry.Split('|');
            string kind = parts[0], name = parts[1];
            string? clash = null;
            if (name.StartsWith("__", System.StringComparison.Ordinal))
            {
                clash = $"the {kind} '{name}' starts with '__', which LstmGen reserves for the generated fields and methods; rename it";
            }
            else if (kind == "method" && members.Contains(name))
            {
                clash = $"the method '{name}' has the name of a generated member; rename it";
            }
            else if (kind == "method" && methods.TryGetValue(name, out List<string>? signatures) && signatures.Contains(parts[2]))
            {
                clash = $"the method '{name}({parts[2].Replace(",", ", ")})' has the signature of a generated method; rename it or change its parameters";
            }
            else if (kind != "method" && (members.Contains(name) || methods.ContainsKey(name)))
            {
                clash = $"the {kind} '{name}' has the name of a generated member; rename it";
            }
            if (clash is not null)
            {
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.NameConflictId, plan.Spec.SequentialAttributeIndex, null, model, clash));
            }
        }
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
    /// fit in one array. Computed in 64-bit arithmetic, from the layer's plan.
    /// </summary>
    private static bool TooLarge(LayerPlan layer, List<WeightPlan> weights, List<DiagnosticInfo> diagnostics)
    {
        long max = int.MaxValue;
        var sizes = new List<(string What, long Size)>
        {
            ("its output (per sample)", (long)System.Math.Max(layer.Out.Steps, 1) * layer.Out.Features),
        };
        sizes.AddRange(layer.Unit.Workspaces(layer));
        long total = 0;
        foreach (WeightPlan w in weights)
        {
            long length = InferContext.Size(w);
            sizes.Add(($"weight '{w.Name}'", length));
            total += length;
        }
        sizes.Add(("the model's parameters", total));
        foreach ((string what, long size) in sizes)
        {
            if (size > max || size < 0)
            {
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.ModelTooLargeId, layer.Spec.PrimaryAttributeIndex, null, layer.Display, what,
                    size.ToString("N0", CultureInfo.InvariantCulture), max.ToString("N0", CultureInfo.InvariantCulture)));
                return true;
            }
        }
        return false;
    }

    private static ValidationResult Fail(List<DiagnosticInfo> diagnostics) => new(null, diagnostics.ToImmutableArray());

    private static string Num(int value) => value.ToString(CultureInfo.InvariantCulture);

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
        ActivationKind? activation = last.Unit.OutputActivation(last);
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

    /// <summary>Keras's automatic layer names in a Sequential model: per-class counters, first bare, then _1, _2, ...</summary>
    private sealed class KerasNames
    {
        private readonly Dictionary<string, int> _counters = new();
        private readonly HashSet<string> _used = new();

        public (string Name, string? Inner) Assign(LayerSpec layer, List<DiagnosticInfo> diagnostics)
        {
            // A wrapped layer is constructed first in Keras, so it takes its own counter before the wrapper's.
            string own = Take(layer.Name, layer.Unit.KerasName, layer.AttributeIndex, diagnostics);
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
    }
}
